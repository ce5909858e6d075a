"""Follow a growing file like `tail -F`: complete lines only, nothing lost or read twice across rotation.

State is an open fd, its identity (device, inode) and the offset after the last complete line. Each poll:
- drains rotated-away files through their still-open fds (writers may finish a line there after a rename), and
  closes one only after it has been idle for `grace` polls;
- notices truncation (size below the offset, or the bytes just before the offset changed: truncated and
  rewritten past it) and restarts at 0, keeping what was already counted;
- drains the current fd, then looks at the path: a different file there is a rotation (rename-and-create or
  delete-and-create), so the old fd is kept draining and the new file is read from its start; unless the new file
  begins with the bytes read from the old one: a rewrite through a temp file and a rename, read on from the offset.
A line longer than a chunk is garbage, skipped a budget at a time (a 2 GB run of NUL bytes cannot stall a poll).
Only regular files are opened, never waiting on a FIFO (probes.files.safe); why a path cannot be read is `problem`.
Limits: a copytruncate after lines were appended but before they were polled loses those lines (they are in the
copy), and two rotations between polls lose the middle file; see the README.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from probes.files.safe import open_regular
from probes.text.sanitize import clean

SIG = 64  # bytes before the offset remembered to notice truncate-and-rewrite
CHUNK = 4 * 1024 * 1024
WHOLE = 1024 * 1024  # a rewrite's prefix up to this long is compared whole; a longer one in SAMPLES blocks
SAMPLES = 16
SAMPLE = 4096


@dataclass
class _File:
    fd: int
    ident: tuple[int, int]
    offset: int = 0
    sig: bytes = b""
    idle: int = 0
    skipping: bool = False  # inside a line longer than a chunk
    origin: tuple[int, int] = (0, 0)
    """The identity its lines go out under: its own, or for a rewrite the first file of the line it continues
    (a CSV header read from that file still applies)."""

    def __post_init__(self) -> None:
        if self.origin == (0, 0):
            self.origin = self.ident


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
        self.problem: str | None = None  # why the path cannot be read (not a regular file, permission), else None
        self.truncations = 0
        self.rotations = 0
        self.rewrites = 0
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
        before = self.cur
        self._check_path(tick)
        if self.cur is not None and self.cur is not before:
            got, more = self._drain(self.cur, budget - sum(len(b.data) for b in got))
            out.extend(got)
        return out, more

    def open_current(self) -> tuple[int, int] | None:
        """Open the file at the path now if it is not open yet; its identity, or None."""
        if self.cur is None:
            self.cur = self._open()
        return self.cur.ident if self.cur is not None else None

    def adopt(self, fd: int) -> None:
        """Read an already open file to its end before the current one (a file rotated away before we started);
        it is closed like a rotated-away file."""
        st = os.fstat(fd)
        self.old.append(_File(fd, (st.st_dev, st.st_ino)))

    def progress(self) -> tuple[int, int]:
        """(bytes read, bytes there) over the open files: how far a backlog has got."""
        done = total = 0
        for f in [*self.old, *([self.cur] if self.cur else [])]:
            with contextlib.suppress(OSError):
                total += max(f.offset, os.fstat(f.fd).st_size)
                done += f.offset
        return done, total

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
        self.missing, self.problem = False, None
        self.cur.idle = 0
        if (st.st_dev, st.st_ino) != self.cur.ident:
            new = self._open()
            if new is None:
                return
            if self._continues(self.cur, new):
                self.rewrites += 1
                new.offset, new.sig, new.origin = self.cur.offset, self.cur.sig, self.cur.origin
                os.close(self.cur.fd)  # everything in it is in the new file too
            else:
                self.rotations += 1
                self.old.append(self.cur)
            self.cur = new

    @staticmethod
    def _continues(old: _File, new: _File) -> bool:
        """Whether `new` begins with every byte read from `old`: a rewrite (the same lines and more, written to a
        temp file and renamed over the old one), not a rotation. Up to WHOLE the prefix is compared whole, past
        it in SAMPLES blocks spread over it, first and last included; a new ledger starts with other records."""
        end = old.offset
        if end == 0 or os.fstat(new.fd).st_size < end:
            return False
        if end <= WHOLE:
            spots = [(0, end)]
        else:
            step = (end - SAMPLE) // (SAMPLES - 1)
            spots = [(i * step, SAMPLE) for i in range(SAMPLES - 1)] + [(end - SAMPLE, SAMPLE)]
        return all(os.pread(old.fd, n, pos) == os.pread(new.fd, n, pos) for pos, n in spots)

    def _open(self) -> _File | None:
        try:
            fd = open_regular(self.path)
        except FileNotFoundError:
            self.missing, self.problem = True, None
            return None
        except OSError as exc:
            self.missing, self.problem = False, clean(str(exc), 300)
            return None
        self.missing, self.problem = False, None
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
            f.offset, f.sig, f.skipping = 0, b"", False
        out: list[Batch] = []
        while f.offset < size and budget > 0:
            data = os.pread(f.fd, min(CHUNK, size - f.offset, max(budget, 64 * 1024)), f.offset)
            if not data:
                break
            if f.skipping:
                budget -= self._skip(f, data, out)
                continue
            end = data.rfind(b"\n")
            if end < 0 and len(data) < CHUNK and f.offset + len(data) < size:
                data = os.pread(f.fd, min(CHUNK, size - f.offset), f.offset)  # read a whole chunk to tell
                end = data.rfind(b"\n")
            if end < 0:
                if f.offset + len(data) >= size:
                    break  # a partial last line: wait for its end
                f.skipping = True  # one line longer than a chunk: skip it whole, it is garbage anyway
                budget -= self._skip(f, data, out)
                continue
            lines = data[: end + 1]
            out.append(Batch(f.origin, f.offset == 0, lines))
            self._advance(f, lines)
            budget -= len(lines)
        return out, f.offset < size and budget <= 0

    def _skip(self, f: _File, data: bytes, out: list[Batch]) -> int:
        """Move past `data` inside an over-long line, or to the end of that line; returns the bytes passed."""
        i = data.find(b"\n")
        if i >= 0:
            data = data[: i + 1]
            f.skipping = False
            out.append(Batch(f.origin, False, b"\x00\n"))  # counted as one bad line
        self._advance(f, data)
        return len(data)

    def _advance(self, f: _File, data: bytes) -> None:
        f.offset += len(data)
        f.sig = data[-SIG:] if len(data) >= SIG else os.pread(f.fd, min(SIG, f.offset), f.offset - min(SIG, f.offset))

    def close(self) -> None:
        for f in [*self.old, *([self.cur] if self.cur else [])]:
            os.close(f.fd)
        self.old, self.cur = [], None
