"""Follow a growing file like `tail -F`: complete lines only, nothing lost or read twice across rotation.

State is an open fd, its identity (device, inode) and the offset after the last complete line. Each poll:
- drains rotated-away files through their still-open fds (writers may finish a line there after a rename), and
  closes one only after it has been idle for `grace` polls;
- notices truncation (size below the offset, or the bytes just before the offset changed: truncated and
  rewritten past it) and restarts at 0, keeping what was already counted;
- drains the current fd, then looks at the path: a different file there is a rotation (rename-and-create or
  delete-and-create), so the old fd is kept draining and the new file is read from its start.
Limits: a copytruncate after lines were appended but before they were polled loses those lines (they are in the
copy), and two rotations between polls lose the middle file; see the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

SIG = 64  # bytes before the offset remembered to notice truncate-and-rewrite
CHUNK = 4 * 1024 * 1024


@dataclass
class _File:
    fd: int
    ident: tuple[int, int]
    offset: int = 0
    sig: bytes = b""
    idle: int = 0


@dataclass(frozen=True)
class Batch:
    """Complete lines read from one file; `start` when they begin at its offset 0 (a CSV header comes first)."""

    ident: tuple[int, int]
    start: bool
    data: bytes


class LineTail:
    """Reads the complete lines appended to `path` since the last poll (blocking; call it from one thread)."""

    def __init__(self, path: str, grace: int = 2) -> None:
        self.path = path
        self.grace = grace
        self.cur: _File | None = None
        self.old: list[_File] = []
        self.missing = False
        self.truncations = 0
        self.rotations = 0
        self.dropped_partial = 0  # incomplete last lines of files that were closed (counted as bad lines)

    def poll(self, max_bytes: int = CHUNK, tick: bool = True) -> tuple[list[Batch], bool]:
        """Up to about `max_bytes` of complete lines; returns (batches, more_waiting). `tick` ages old files."""
        out: list[Batch] = []
        budget = max_bytes
        for f in list(self.old):
            got, more = self._drain(f, budget)
            out.extend(got)
            budget -= sum(len(b.data) for b in got)
            if more:
                return out, True
            if tick:
                f.idle = 0 if got else f.idle + 1
                if f.idle >= self.grace:
                    self._close(f)
                    self.old.remove(f)
        if self.cur is None:
            self.cur = self._open()
            if self.cur is None:
                return out, False
        got, more = self._drain(self.cur, budget)
        out.extend(got)
        if more:
            return out, True
        self._check_path(tick)
        if self.cur is not None and self.cur not in self.old and self.cur.offset == 0:
            got, more = self._drain(self.cur, budget - sum(len(b.data) for b in got))
            out.extend(got)
        return out, more

    def _check_path(self, tick: bool) -> None:
        assert self.cur is not None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            self.missing = True
            if tick:
                self.cur.idle += 1
                if self.cur.idle > self.grace:  # gone for good: let its inode go
                    self._close(self.cur)
                    self.cur = None
            return
        except OSError:
            return
        self.missing = False
        self.cur.idle = 0
        if (st.st_dev, st.st_ino) != self.cur.ident:
            new = self._open()
            if new is not None:
                self.rotations += 1
                self.old.append(self.cur)
                self.cur = new

    def _open(self) -> _File | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except FileNotFoundError:
            self.missing = True
            return None
        self.missing = False
        st = os.fstat(fd)
        return _File(fd, (st.st_dev, st.st_ino))

    def _close(self, f: _File) -> None:
        try:
            size = os.fstat(f.fd).st_size
            if size > f.offset:
                self.dropped_partial += 1  # an unfinished last line that will never be finished
        finally:
            os.close(f.fd)

    def _drain(self, f: _File, budget: int) -> tuple[list[Batch], bool]:
        size = os.fstat(f.fd).st_size
        if size < f.offset or (f.sig and os.pread(f.fd, len(f.sig), f.offset - len(f.sig)) != f.sig):
            self.truncations += 1
            f.offset, f.sig = 0, b""
        out: list[Batch] = []
        while f.offset < size and budget > 0:
            want = min(CHUNK, size - f.offset, max(budget, 64 * 1024))
            data = os.pread(f.fd, want, f.offset)
            if not data:
                break
            end = data.rfind(b"\n")
            if end < 0:
                if len(data) < want or f.offset + len(data) >= size:
                    break  # a partial last line: wait for its end
                # one line longer than a chunk: skip it whole, it is garbage anyway
                nxt = self._skip_line(f, f.offset + len(data))
                if nxt is None:
                    break
                out.append(Batch(f.ident, False, b"\x00\n"))  # counted as one bad line
                f.offset = nxt
                continue
            lines = data[: end + 1]
            out.append(Batch(f.ident, f.offset == 0, lines))
            f.offset += end + 1
            f.sig = (
                lines[-SIG:] if len(lines) >= SIG else os.pread(f.fd, min(SIG, f.offset), f.offset - min(SIG, f.offset))
            )
            budget -= len(lines)
        return out, f.offset < size and budget <= 0

    def _skip_line(self, f: _File, pos: int) -> int | None:
        while True:
            data = os.pread(f.fd, CHUNK, pos)
            if not data:
                return None
            i = data.find(b"\n")
            if i >= 0:
                return pos + i + 1
            pos += len(data)

    def close(self) -> None:
        for f in [*self.old, *([self.cur] if self.cur else [])]:
            os.close(f.fd)
        self.old, self.cur = [], None
