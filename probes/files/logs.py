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


class _EndTail(LineTail):
    """A LineTail that starts after the file's last complete line instead of at its top."""

    def start_at_end(self) -> None:
        f = self._open()
        if f is None:
            return
        size = os.fstat(f.fd).st_size
        start = max(0, size - 65536)
        data = os.pread(f.fd, size - start, start)
        end = data.rfind(b"\n")
        f.offset = start + end + 1 if end >= 0 else (start if start else 0)
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
        self._tails: list[_EndTail] = []

    async def tail(self, n: int = DEFAULT_LINES) -> list[str]:
        def read() -> list[str]:
            out: list[str] = []
            for path, tag in self.files:
                out += [tag + line for line in last_lines(path, n)]
            return out[-n:]

        return await asyncio.to_thread(read)

    async def follow(self) -> AsyncIterator[str]:
        tails = [(_EndTail(path), tag) for path, tag in self.files]
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
