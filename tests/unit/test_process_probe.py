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
