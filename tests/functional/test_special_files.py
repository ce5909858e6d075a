"""Paths in the config that are not regular files: a FIFO, a unix socket, /dev/zero, a directory, a 2 GB sparse
file. As a ledger or a log file each one is refused with a reason (or read within its bound); nothing blocks, so
`check` returns and the dashboard quits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pty
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from probes.config import LedgerConfig, ProcessConfig
from probes.files.logs import FileLogSource
from probes.sources.ledger.probe import LedgerProbe
from probes.sources.process.probe import ProcessProbe
from tests.functional.test_cli import CLI, _read_until, run_cli
from tests.waiting import Deadline

KINDS = {
    "fifo": "is a FIFO, not a regular file",
    "socket": "is a socket, not a regular file",
    "devzero": "is a character device, not a regular file",
    "directory": "is a directory, not a regular file",
    "sparse": "",  # a regular file: read within the bound
}
T = TypeVar("T")


def within(fn: Callable[[], T], bound: float = 20) -> T:
    """fn() on a thread; a failure (not a hang of the whole run) when it is still blocked after `bound` seconds."""
    out: list[T] = []
    t = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    t.start()
    t.join(bound)
    assert out, f"blocked for {bound}s"
    return out[0]


@contextlib.contextmanager
def special(kind: str, tmp_path: Path) -> Iterator[str]:
    """A path of the given kind (the socket is listening while in use)."""
    if kind == "devzero":
        yield "/dev/zero"
        return
    path = tmp_path / f"special-{kind}"
    if kind == "fifo":
        os.mkfifo(path)
        try:
            yield str(path)
        finally:  # a reader blocked in open() is let go
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        return
    elif kind == "directory":
        path.mkdir()
    elif kind == "sparse":
        with path.open("wb") as fh:
            fh.truncate(2 * 1024**3)  # 2 GB of NUL bytes, no line end
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(path))
        sock.listen()
        try:
            yield str(path)
        finally:
            sock.close()
        return
    yield str(path)


def ledger_config(tmp_path: Path, ledger: str) -> Path:
    cfg = tmp_path / "special.yaml"
    cfg.write_text(f"refresh_interval: 2\nservices:\n  - name: solo\n    ledger: {{path: '{ledger}'}}\n")
    return cfg


@pytest.mark.parametrize("kind", list(KINDS))
def test_check_finishes_with_a_reason_whatever_the_ledger_path_is(tmp_path: Path, kind: str) -> None:
    with special(kind, tmp_path) as path:
        out = run_cli("check", "--config", str(ledger_config(tmp_path, path)), "--json", "--settle", "0", timeout=60)
    row = json.loads(out.stdout)["services"][0]
    if KINDS[kind]:
        assert (out.returncode, row["status"]) == (3, "UNKNOWN"), out.stdout + out.stderr
        assert row["reason"] == f"ledger: {path} {KINDS[kind]}"
        assert row["spend_today_usd"] is None  # never a confident zero
    else:  # one line of 2 GB of NULs, never finished: nothing to count, and it says whether it read it all
        assert row["spend_today_usd"] in (0.0, None)
        assert row["status"] == ("UNKNOWN" if row["spend_partial"] else "OK"), row


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_special_path_as_a_ledger_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    with special(kind, tmp_path) as path:
        for fmt in ("jsonl", "csv", "sqlite", "litellm"):
            probe = LedgerProbe(path, 2, 1, LedgerConfig(path=path, format=fmt))  # type: ignore[arg-type]
            probe.read_budget_s = 0.2
            r = within(probe.read)
            if KINDS[kind]:
                assert r.error is not None and r.error.message == f"{path} {KINDS[kind]}", (fmt, r.error)
            probe.close()


@pytest.mark.parametrize("kind", list(KINDS))
async def test_a_special_path_as_a_log_file_is_refused_not_waited_on(tmp_path: Path, kind: str) -> None:
    with special(kind, tmp_path) as path:
        src = FileLogSource(path, path, poll_s=0.05)
        lines = await asyncio.wait_for(src.tail(5), 20)
        if KINDS[kind]:
            assert lines == [f"(cannot read {path}: {path} {KINDS[kind]})"]
        got: list[str] = []

        async def follow() -> None:
            async for line in src.follow():
                got.append(line)

        task = asyncio.create_task(follow())
        await asyncio.sleep(0.3)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 20)
        await src.close()
        assert got == []


def test_a_fifo_as_a_pidfile_is_refused(tmp_path: Path) -> None:
    with special("fifo", tmp_path) as path:
        r = within(ProcessProbe({"solo": ProcessConfig(pidfile=path)}, 2, 1)._sample_all)["solo"]
    assert r.error is not None and r.error.message == f"pidfile: {path} is a FIFO, not a regular file"


def test_the_dashboard_quits_with_a_fifo_as_its_ledger(tmp_path: Path) -> None:
    with special("fifo", tmp_path) as path:
        cfg = ledger_config(tmp_path, path)
        pid, fd = pty.fork()
        if pid == 0:  # child: the dashboard on a real pseudo-terminal
            os.environ["TERM"] = "xterm-256color"
            os.environ["COLUMNS"], os.environ["LINES"] = "300", "40"  # room for the reason's long path
            os.execv(sys.executable, [*CLI, "--config", str(cfg)])
        try:
            first = _read_until(fd, b"solo", 30)
            assert b"solo" in first, first[-800:]
            first += _read_until(fd, b"is a FIFO", 10)
            os.write(fd, b"q")
            deadline = Deadline(30)  # a bound for a hang, not a timing goal
            done = 0
            while deadline and not done:
                _read_until(fd, b"\x1b[?1049l", 0.1)  # keep the terminal drained
                done, _ = os.waitpid(pid, os.WNOHANG)
            assert done, "the dashboard did not quit"
            assert b"is a FIFO" in first  # the row says why its ledger is not read
        finally:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            os.close(fd)
