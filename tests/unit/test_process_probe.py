"""The process probe on Linux reads /proc/PID/stat once per process: CPU %, RSS, and a dead or zombie process."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from probes.config import ProcessConfig
from probes.sources.process.probe import LINUX, ProcessProbe

pytestmark = pytest.mark.skipif(not LINUX, reason="the /proc reader is the Linux path")


def test_cpu_and_memory_of_a_busy_process_then_its_death() -> None:
    busy = subprocess.Popen([sys.executable, "-c", "x = bytearray(30 << 20)\nwhile True: pass"])
    try:
        probe = ProcessProbe({"busy": ProcessConfig(pid=busy.pid)}, 2.0, 1.0)
        first = probe._sample_all()["busy"]
        assert first.ok and first.cpu_percent is None  # a baseline first
        time.sleep(0.5)
        r = probe._sample_all()["busy"]
        assert r.ok and r.pid == busy.pid
        assert r.cpu_percent is not None and r.cpu_percent > 20  # spinning on one core
        assert r.rss_bytes is not None and r.rss_bytes > 30 << 20
        busy.send_signal(signal.SIGKILL)
        time.sleep(0.3)  # killed, not reaped yet: a zombie
        z = probe._sample_all()["busy"]
        assert z.error is not None and z.error.message == f"process {busy.pid} is not running"
    finally:
        busy.kill()
        busy.wait()
    gone = probe._sample_all()["busy"]
    assert gone.error is not None and gone.error.kind == "refused"


def test_a_restarted_service_is_read_through_its_new_process_and_old_files_are_closed(tmp_path: Path) -> None:
    """The stat file stays open between polls; a restart (new pid in the pidfile) reads the new process, and the
    file of the old one is closed, as are all of them on close()."""
    pidfile = tmp_path / "svc.pid"
    old = subprocess.Popen(["sleep", "30"])
    new = subprocess.Popen(["sleep", "30"])
    try:
        pidfile.write_text(f"{old.pid}\n")
        probe = ProcessProbe({"svc": ProcessConfig(pidfile=str(pidfile))}, 2.0, 1.0)
        assert probe._sample_all()["svc"].pid == old.pid
        assert probe._sample_all()["svc"].pid == old.pid
        assert list(probe._stat_fds) == [old.pid]
        old.kill()
        old.wait()  # reaped: its pid may now be reused; the kept file must not be read as it
        pidfile.write_text(f"{new.pid}\n")
        r = probe._sample_all()["svc"]
        assert r.ok and r.pid == new.pid
        assert list(probe._stat_fds) == [new.pid]
        probe.close()
        assert probe._stat_fds == {}
    finally:
        for p in (old, new):
            p.kill()
            p.wait()


def test_the_pidfile_is_read_again_only_when_its_stat_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One stat a poll; a new pid written to the same file (same size, same inode) is still seen."""
    from probes.sources.process import probe as process_probe

    reads: list[str | None] = []
    real = process_probe.read_pid

    def counted(cfg: ProcessConfig) -> int | process_probe.ProbeError:
        reads.append(cfg.pidfile)
        return real(cfg)

    monkeypatch.setattr(process_probe, "read_pid", counted)
    pidfile = tmp_path / "svc.pid"
    a, b = subprocess.Popen(["sleep", "30"]), subprocess.Popen(["sleep", "30"])
    try:
        pidfile.write_text(f"{a.pid:>8}\n")
        probe = ProcessProbe({"svc": ProcessConfig(pidfile=str(pidfile))}, 2.0, 1.0)
        assert [probe._sample_all()["svc"].pid for _ in range(3)] == [a.pid] * 3
        assert len(reads) == 1
        time.sleep(0.02)  # past the file system's timestamp tick
        with pidfile.open("r+") as fh:
            fh.write(f"{b.pid:>8}\n")
        assert probe._sample_all()["svc"].pid == b.pid and len(reads) == 2
        pidfile.unlink()
        gone = probe._sample_all()["svc"]
        assert gone.error is not None and gone.error.message == "no readable pidfile"
    finally:
        for p in (a, b):
            p.kill()
            p.wait()
