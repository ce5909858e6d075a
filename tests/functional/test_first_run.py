"""`agentops-tui` with no config anywhere: no demo processes on a box without a terminal; a question on one."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "agentops_tui.cli"]


def test_without_a_terminal_it_says_where_it_looked_and_exits_3(tmp_path: Path) -> None:
    out = subprocess.run(CLI, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert out.returncode == 3, out.stderr
    assert "no config file found" in out.stderr
    assert str(Path(os.environ["XDG_CONFIG_HOME"]) / "agentops-tui" / "config.yaml") in out.stderr
    assert "/etc/agentops-tui/config.yaml" in out.stderr
    assert "agentops-tui demo" in out.stderr and "agentops-tui config paths" in out.stderr
    assert "starting the demo fleet" not in out.stderr and out.stdout == ""


def test_a_terminal_on_stdin_alone_is_not_interactive(tmp_path: Path) -> None:
    """`agentops-tui | tee log` from a shell: no one sees a dashboard drawn into a pipe."""
    master, slave = pty.openpty()
    try:
        out = subprocess.run(CLI, stdin=slave, capture_output=True, text=True, timeout=60)
    finally:
        os.close(slave)
        os.close(master)
    assert out.returncode == 3 and "no config file found" in out.stderr
    assert "[Y/n]" not in out.stdout + out.stderr


class Pty:
    """The CLI on a real terminal (both ends a pty), read as it writes."""

    def __init__(self) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the real command line
            os.environ.update(TERM="xterm-256color", COLUMNS="100", LINES="30")
            os.execv(sys.executable, CLI)
        self.text = ""

    def read_until(self, needle: str, limit_s: float) -> bool:
        deadline = time.monotonic() + limit_s
        while needle not in self.text and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    self.text += os.read(self.fd, 65536).decode(errors="replace")
                except OSError:  # the child closed the terminal
                    break
        return needle in self.text

    def wait(self, limit_s: float) -> int | None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            self.read_until("\x00never", 0.2)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        return None

    def close(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


def test_on_a_terminal_it_asks_and_no_starts_nothing() -> None:
    term = Pty()
    try:
        assert term.read_until("[Y/n]", 30), term.text
        assert "no config file found" in term.text and "starting the demo fleet" not in term.text
        os.write(term.fd, b"n\r")
        assert term.wait(30) == 3, term.text
        assert "starting the demo fleet" not in term.text
    finally:
        term.close()


@pytest.mark.timeout(120)
def test_on_a_terminal_enter_opens_the_demo() -> None:
    term = Pty()
    try:
        assert term.read_until("[Y/n]", 30), term.text
        os.write(term.fd, b"\r")
        assert term.read_until("starting the demo fleet", 30), term.text
        assert term.read_until("DEMO", 60), term.text[-2000:]
        os.kill(term.pid, signal.SIGTERM)  # ends the dashboard and, with it, the fleet (test_demo_exit.py)
        assert term.wait(30) is not None
    finally:
        term.close()
