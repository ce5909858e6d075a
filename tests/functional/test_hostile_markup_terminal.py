"""The real `agentops-tui` process in a real terminal (tmux): the command palette with markup names, typed into and
clicked, and the exit status of a crash."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.functional.hostile_names import DEP, NAMES, hostile_server, write_config
from tests.waiting import Deadline

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")


class Tmux:
    """One detached tmux server (its own socket) running one command in a 150x40 pane."""

    def __init__(self, tmp: Path, command: list[str]) -> None:
        self.socket = str(tmp / "tmux.sock")  # its own server, and no socket file left behind in /tmp/tmux-UID
        self.status = tmp / "status"
        # The pane outlives the command by a minute, so what it printed last (a traceback) can still be read.
        shell = " ".join(f"'{a}'" for a in command) + f"; echo $? > '{self.status}'; sleep 60"
        self.tmux("new-session", "-d", "-s", "t", "-x", "150", "-y", "40", shell)

    def tmux(self, *args: str) -> str:
        cmd = ["tmux", "-S", self.socket, "-f", "/dev/null", *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=10).stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.tmux("send-keys", "-t", "t", *(["-l"] if literal else []), *keys)

    def click(self, x: int, y: int) -> None:
        """A left click at column x, row y (0-based) as the SGR mouse report a terminal sends."""
        report = f"\x1b[<0;{x + 1};{y + 1}M\x1b[<0;{x + 1};{y + 1}m".encode()
        self.tmux("send-keys", "-t", "t", "-H", *(f"{b:02x}" for b in report))

    def screen(self) -> list[str]:
        """The pane's text; empty once the pane is gone (the command ended and tmux with it)."""
        try:
            return self.tmux("capture-pane", "-p", "-t", "t").splitlines()
        except subprocess.CalledProcessError:
            return []

    def wait_for(self, cond: Callable[[list[str]], bool], timeout: float = 15) -> list[str]:
        deadline = Deadline(timeout)
        while deadline:
            lines = self.screen()
            if cond(lines) or self.exited():
                return lines
            time.sleep(0.2)
        return self.screen()

    def settled(self, timeout: float = 10) -> list[str]:
        """The screen once two captures 0.3 s apart are the same."""
        deadline = Deadline(timeout)
        last = self.screen()
        while deadline:
            time.sleep(0.3)
            now = self.screen()
            if now == last:
                return now
            last = now
        return last

    def exited(self) -> bool:
        return self.status.exists()

    def exit_status(self, timeout: float = 10) -> int | None:
        """The command's exit status once it ends (None if it is still running after `timeout`)."""
        deadline = Deadline(timeout)
        while deadline and not self.status.exists():
            time.sleep(0.1)
        text = self.status.read_text().strip() if self.status.exists() else ""
        return int(text) if text else None

    def kill(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.tmux("kill-server")


@contextlib.contextmanager
def dashboard(tmp_path: Path) -> Iterator[Tmux]:
    with hostile_server() as port:
        cfg = write_config(tmp_path, port)
        term = Tmux(tmp_path, [sys.executable, "-m", "agentops_tui.cli", "--config", str(cfg)])
        try:
            yield term
        finally:
            term.kill()


def has(*texts: str) -> Callable[[list[str]], bool]:
    """A condition on the screen: every one of `texts` is on some line."""
    return lambda lines: all(any(text in line for line in lines) for text in texts)


@needs_tmux
def test_palette_in_a_real_terminal_shows_markup_names_and_survives_them(tmp_path: Path) -> None:
    with dashboard(tmp_path) as term:
        term.wait_for(lambda lines: sum(DEP in line for line in lines) >= 3)
        for i, name in enumerate(NAMES):  # the cursor starts on the first row, in config order
            term.keys("C-p")
            lines = term.wait_for(has("🔎", f"Restart {name}"))
            time.sleep(0.3)
            assert not term.exited(), f"the dashboard ended (status {term.exit_status(5)}) on Ctrl+P over {name}"
            assert has(f"Restart {name}", "/r/[/nope]")(lines), "\n".join(lines)
            term.keys("rest", literal=True)  # the search path (with its highlight)
            lines = term.wait_for(has("🔎 rest", f"Restart {name}"))
            time.sleep(0.3)
            assert not term.exited(), f"the dashboard ended (status {term.exit_status(5)}) on a search over {name}"
            assert has(f"Restart {name}")(lines), "\n".join(lines)
            term.keys("Escape")
            term.wait_for(lambda lines: not has("🔎")(lines))
            if i < len(NAMES) - 1:
                term.keys("Down")
                time.sleep(0.5)
        term.keys("Up")  # back to [@click=app.quit]clickme; click its entry where the markup made a quit button
        time.sleep(0.5)
        term.keys("C-p")
        term.wait_for(has("🔎"))
        term.keys("restart", literal=True)
        term.wait_for(has("🔎 restart", "Restart [@click=app.quit]clickme"))
        lines = term.settled()  # the hits arrive in batches: click only once the list stops moving
        y = next(i for i, line in enumerate(lines) if "Restart [@click=app.quit]clickme" in line)
        term.click(lines[y].index("clickme") + 2, y)
        lines = term.wait_for(has("Restart [@click=app.quit]clickme?"))  # the command ran: its confirmation
        assert has("Restart [@click=app.quit]clickme?")(lines) and not term.exited(), "\n".join(lines)
        term.keys("Escape")
        time.sleep(0.5)
        assert not term.exited()
        term.keys("q")
        assert term.exit_status() == 0


CRASHING = """
import sys
from agentops_tui.app import AgentOpsApp
def boom(self):
    raise RuntimeError("induced crash")
AgentOpsApp.action_help = boom
from agentops_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_crash_exits_non_zero(tmp_path: Path) -> None:
    """An unhandled exception after the dashboard is up (here in the `?` key's action) must not exit 0: a
    supervisor or a shell script would take it for a clean quit."""
    with hostile_server() as port:
        cfg = write_config(tmp_path, port)
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "xterm-256color"
            os.execv(sys.executable, [sys.executable, "-c", CRASHING, "--config", str(cfg)])
        try:
            out = _read(fd, lambda b: b"bad[/nope]markup" in b, 20)
            assert b"bad[/nope]markup" in out
            os.write(fd, b"?")
            out += _read(fd, lambda b: b"induced crash" in b, 15)
            deadline = Deadline(15)
            done, status = 0, 0
            while not done and deadline:
                done, status = os.waitpid(pid, os.WNOHANG)
                _read(fd, lambda _: False, 0.2)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            os.close(fd)
    assert b"induced crash" in out
    assert done, "the crashed dashboard did not exit"
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) != 0, status


def _read(fd: int, enough: Callable[[bytes], bool], timeout: float) -> bytes:
    buf = b""
    deadline = Deadline(timeout)
    while deadline and not enough(buf):
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                buf += os.read(fd, 65536)
            except OSError:
                break
    return buf
