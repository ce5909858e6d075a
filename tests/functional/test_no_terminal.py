"""Where the dashboard cannot draw (stdout a pipe or a file, TERM=dumb) it says what to run instead and exits
non-zero, before starting anything; `check`, `logs` and `demo --fleet-only` do not draw and still run there."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

from tests.functional.helpers import serve
from tests.waiting import Deadline

CLI = [sys.executable, "-m", "agentops_tui.cli"]


def one_service(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "one.yaml"
    path.write_text(f"services:\n  - name: solo\n    health: {{url: 'http://127.0.0.1:{port}/health', timeout: 1}}\n")
    return path


def test_stdout_to_a_pipe_says_what_to_run_instead(tmp_path: Path) -> None:
    cfg = one_service(tmp_path, 9)
    for args in ([*CLI, "--config", str(cfg)], [*CLI, "demo", "--services", "1"], [*CLI]):
        out = subprocess.run(args, capture_output=True, text=True, timeout=60, env={**os.environ, "TERM": "xterm"})
        assert out.stdout == ""  # nothing drawn into the pipe
        assert "starting the demo fleet" not in out.stderr  # refused before starting anything
        if args == CLI:  # no config and no terminal: where configs are looked for, and exit 3 (tests/.../first_run)
            assert out.returncode == 3 and "no config" in out.stderr, out.stderr
            continue
        assert out.returncode == 2, (args, out.stderr)
        assert "not a terminal" in out.stderr and "agentops-tui check" in out.stderr, out.stderr


def test_check_still_runs_with_stdout_to_a_pipe(tmp_path: Path) -> None:
    with serve(b'{"status": "healthy"}') as port:
        args = [*CLI, "check", "--config", str(one_service(tmp_path, port)), "--settle", "0"]
        out = subprocess.run(args, capture_output=True, text=True, timeout=60, env={**os.environ, "TERM": "dumb"})
    assert out.returncode == 0, out.stderr
    assert "solo" in out.stdout


def run_in_pty(args: list[str], term: str) -> tuple[int, bytes]:
    """`args` in a real pty with TERM=`term`: its exit status and everything it wrote."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = term
        os.execv(sys.executable, args)
    out, deadline, status = b"", Deadline(60), None
    try:
        while deadline and status is None:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                with suppress(OSError):
                    out += os.read(fd, 65536)
            done, code = os.waitpid(pid, os.WNOHANG)
            status = code if done else None
    finally:
        if status is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    assert status is not None, out
    return os.waitstatus_to_exitcode(status), out


def test_term_dumb_in_a_terminal_says_what_to_do(tmp_path: Path) -> None:
    code, out = run_in_pty([*CLI, "--config", str(one_service(tmp_path, 9))], "dumb")
    assert code == 2, out
    assert b"TERM=dumb" in out and b"agentops-tui check" in out
    assert b"\x1b[" not in out  # no escape sequence was sent to a terminal that cannot take them
