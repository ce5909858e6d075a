"""A launchd job's StandardOutPath/StandardErrorPath as a LogSource: the last lines, then new lines as they are
written, safe across rotation (probes.files.tail.LineTail: offset + file identity, the rotated file finished
through its open descriptor, truncation noticed). stderr lines are marked "stderr: ". A path that is not a regular
file (a FIFO, a device) is refused with a line that says so, never waited on (probes.files.safe).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence

from probes.files.safe import open_regular
from probes.files.tail import SIG, LineTail
from probes.model import DEFAULT_LINES
from probes.text.sanitize import clean

TAIL_BYTES = 1024 * 1024  # read from the end of each file for tail()
POLL_BYTES = 1024 * 1024  # read per follow poll
LINE_LEN = 4096


class EndTail(LineTail):
    """A LineTail that starts near the file's end instead of at its top."""

    def start_at_end(self, back: int = 0) -> None:
        """Start after the last complete line, or with `back` > 0 at the first line that begins in the file's
        last `back` bytes (a recent window to read again)."""
        f = self._open()
        if f is None:
            return
        size = os.fstat(f.fd).st_size
        window = max(0, size - back) if back > 0 else size
        at = max(0, min(window, size - 65536) - 1)  # from the byte before the window: does a line begin there?
        data = os.pread(f.fd, size - at, at)
        last = data.rfind(b"\n")
        f.offset = at + last + 1 if last >= 0 else at  # after the last complete line
        if back > 0 and window == 0:
            f.offset = 0
        elif back > 0 and (first := data.find(b"\n", window - 1 - at)) >= 0:
            f.offset = at + first + 1
        f.sig = os.pread(f.fd, min(SIG, f.offset), f.offset - min(SIG, f.offset)) if f.offset else b""
        self.cur = f


def last_lines(path: str, n: int) -> list[str]:
    """The last `n` complete-or-not lines of a file (at most TAIL_BYTES read); [] when there is no such file, and
    one line saying why when it cannot be read."""
    try:
        with open(open_regular(path), "rb") as fh:
            size = fh.seek(0, os.SEEK_END)
            fh.seek(max(0, size - TAIL_BYTES))
            data = fh.read(TAIL_BYTES)
    except FileNotFoundError:
        return []
    except OSError as exc:
        return [f"(cannot read {clean(path, 300)}: {clean(str(exc), 300)})"]
    lines = data.splitlines()
    if size > TAIL_BYTES and lines:
        lines = lines[1:]  # the first one is cut
    return [clean(line.decode("utf-8", "replace"), LINE_LEN) for line in lines[-n:]]


class FileLogSource:
    """Tails one or two files (stdout, stderr); `poll_s` between reads while following."""

    def __init__(self, stdout: str | None, stderr: str | None, label: str = "", poll_s: float = 0.5) -> None:
        self.files: Sequence[tuple[str, str]] = [(p, tag) for p, tag in ((stdout, ""), (stderr, "stderr: ")) if p]
        if stdout and stderr and stdout == stderr:
            self.files = [(stdout, "")]
        self.label = label or " + ".join(clean(p, 200) for p, _ in self.files)
        self.poll_s = poll_s
        self._tails: list[EndTail] = []

    async def tail(self, n: int = DEFAULT_LINES) -> list[str]:
        def read() -> list[str]:
            out: list[str] = []
            for path, tag in self.files:
                out += [tag + line for line in last_lines(path, n)]
            return out[-n:]

        return await asyncio.to_thread(read)

    async def follow(self) -> AsyncIterator[str]:
        tails = [(EndTail(path), tag) for path, tag in self.files]
        for t, _ in tails:
            t.start_at_end()
            self._tails.append(t)
        try:
            while True:
                for t, tag in tails:
                    try:
                        batches, _ = await asyncio.to_thread(t.poll, POLL_BYTES)
                    except OSError:  # a read error of this poll; tail() said what it could
                        continue
                    for b in batches:
                        for line in b.data.splitlines():
                            yield tag + clean(line.decode("utf-8", "replace"), LINE_LEN)
                await asyncio.sleep(self.poll_s)
        finally:
            for t, _ in tails:
                t.close()
                if t in self._tails:
                    self._tails.remove(t)

    async def close(self) -> None:
        for t in self._tails:
            t.close()
        self._tails.clear()
