"""Hostile names and health text through the real dashboard on a real pty: no escape sequence from data reaches
the terminal, markup is shown as text, nothing is triggered."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from tests.functional.helpers import serve
from tests.waiting import Deadline

EVIL = "\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07[@click=app.quit]boom[/]\x1b[2J\x9b31m\r\x85tail"
FORBIDDEN = (b"\x1b]52", b"pwned", b"cHduZWQ", b"\x1b[2J", b"\xc2\x9b", b"\xc2\x85")  # C1 as UTF-8


def evil_body() -> bytes:
    return json.dumps({"status": "unhealthy", "checks": {EVIL: False, "note": EVIL}, "breakers": {EVIL: "open"},
                       EVIL: EVIL}).encode()  # fmt: skip


@contextmanager
def dashboard_in_pty(cfg: Path) -> Iterator[tuple[int, int]]:
    """The real dashboard on `cfg` in a 160x40 xterm-256color pty: (its pid, the pty's fd); killed and reaped after."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["COLUMNS"], os.environ["LINES"] = "160", "40"
        os.execv(sys.executable, [sys.executable, "-m", "agentops_tui.cli", "--config", str(cfg)])
    try:
        yield pid, fd
    finally:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)


def read_for(fd: int, seconds: float) -> bytes:
    out = b""
    end = Deadline(seconds)
    while end:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


def test_no_escape_sequence_from_data_reaches_the_terminal(tmp_path: Path) -> None:
    with serve(evil_body(), 503) as port:
        cfg = tmp_path / "evil.yaml"
        # A YAML double-quoted name may carry escapes: the name itself is hostile too.
        cfg.write_text(
            'services:\n  - name: "evil\\e]52;c;cHduZWQ=\\a\\e]0;pwned\\a[@click=app.quit]boom[/]"\n'
            f"    health: {{url: 'http://127.0.0.1:{port}/health', timeout: 0.5}}\n"
        )
        with dashboard_in_pty(cfg) as (pid, fd):
            out = read_for(fd, 6)
            os.write(fd, b"\r")  # Enter: the detail screen with checks, breakers and other fields
            out += read_for(fd, 3)
            alive = os.waitpid(pid, os.WNOHANG) == (0, 0)
            os.kill(pid, signal.SIGTERM)
            out += read_for(fd, 3)
    assert alive  # nothing in the data quit the app
    assert b"evil" in out and b"boom" in out  # the row and the detail were drawn
    assert b"@click=app.quit" in out  # markup shown literally
    for bad in FORBIDDEN:
        assert bad not in out, bad
