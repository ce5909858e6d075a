"""The audit journal: one JSON line per phase of every action, appended and fsynced before the action runs.

Append-only by construction: every line is a single ``os.write`` on an ``O_APPEND`` descriptor, so two dashboards
writing the same file interleave whole lines and never overwrite each other. A write that fails raises
``JournalError``, and the action layer then refuses to act (no action without its audit line).

The file is opened without following a symlink and must be a regular file of ours, mode 0600, in a directory no
one else can write (loose modes of our own are tightened; anything else is refused with the reason). A record
always starts on a fresh line, so a line torn by a full disk cannot swallow the next one, and reading skips
(and counts) any line that is not one JSON object, so no content can stop the dashboard from starting.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TAIL_BYTES = 1024 * 1024  # tail() never reads more than this from the end of the file
LOCK_WAIT_S = 0.5  # longest a write waits for another dashboard's write to the same file


class JournalError(Exception):
    """The journal could not be written (or read); the message says why, in an operator's words."""


def _make_private_dirs(directory: Path) -> None:
    """Create missing directories 0700 each (Path.mkdir(parents=True) would give the parents the umask's mode)."""
    missing: list[Path] = []
    cur = directory
    while not cur.exists():
        missing.append(cur)
        if cur.parent == cur:
            break
        cur = cur.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            os.mkdir(d, 0o700)


@dataclass(frozen=True)
class JournalTail:
    """The last records of the journal, and how many lines in the window could not be read."""

    records: list[dict[str, Any]]
    skipped: int = 0
    """Lines that are not one JSON object: torn by a full disk, garbage, nested too deep to decode."""


def _open(path: Path, flags: int) -> int:
    """A descriptor on the journal itself: never through a symlink, never blocking on a FIFO, a regular file."""
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise JournalError(
                f"{path} is a symbolic link; the journal must be a plain file (not following it)"
            ) from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise JournalError(f"{path} is not a regular file")
    return fd


def _own_or_refuse(fd: int, path: Path) -> None:
    """The journal file must be ours (then it is made 0600), or someone else could rewrite the record."""
    st = os.fstat(fd)
    if st.st_uid != os.geteuid():
        raise JournalError(f"{path} is owned by uid {st.st_uid}, not by you (uid {os.geteuid()}); refusing to write")
    if stat.S_IMODE(st.st_mode) & 0o077:
        os.fchmod(fd, 0o600)


def _private_dir_or_refuse(directory: Path) -> None:
    """Our directory writable by others is made 0700; someone else's (without the sticky bit) is refused, since
    whoever can write it can replace the journal."""
    st = os.stat(directory)
    mode = stat.S_IMODE(st.st_mode)
    if not mode & 0o022:
        return
    if st.st_uid == os.geteuid():
        os.chmod(directory, 0o700)
    elif not mode & stat.S_ISVTX:
        raise JournalError(f"{directory} is writable by other users (mode {mode:04o}) and not yours; refusing to "
                           "keep the journal there")  # fmt: skip


def _lock(fd: int) -> None:
    """Hold other writers of the file off while this one checks its last byte and appends (an advisory lock the
    journals take; given up after LOCK_WAIT_S, when the worst a race can do is add one blank line)."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                return
            time.sleep(0.005)


def _decode(line: bytes) -> dict[str, Any] | None:
    """One journal line as a record, or None when it is not one JSON object (whatever the reason)."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than the decoder goes
        return None
    return record if isinstance(record, dict) else None


class Journal:
    """An append-only JSON-lines file; safe to share between processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def write(self, record: dict[str, Any]) -> None:
        """Append one record as one line and fsync it; JournalError when that cannot be guaranteed."""
        try:
            line = json.dumps(record, ensure_ascii=True, default=str) + "\n"
        except (TypeError, ValueError) as exc:
            raise JournalError(f"record is not JSON: {exc}") from None
        data = line.encode("ascii")
        try:
            _make_private_dirs(self.path.parent)
            _private_dir_or_refuse(self.path.parent)
            fd = _open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT)
            try:
                _own_or_refuse(fd, self.path)
                _lock(fd)  # released by close()
                size = os.fstat(fd).st_size
                if size and os.pread(fd, 1, size - 1) != b"\n":  # a torn line (a full disk): start a fresh one
                    data = b"\n" + data
                written = os.write(fd, data)
                if written != len(data):
                    raise JournalError(f"{self.path}: short write ({written} of {len(data)} bytes)")
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise JournalError(f"{self.path}: {exc.strerror or exc}") from None

    def tail(self, limit: int = 500) -> list[dict[str, Any]]:
        """The last `limit` records, oldest first (see read_tail)."""
        return self.read_tail(limit).records

    def read_tail(self, limit: int = 500) -> JournalTail:
        """The last `limit` records, oldest first, and the count of unreadable lines skipped; reads at most the
        last 1 MiB. Whatever the file holds, only an unreadable file raises (JournalError)."""
        if limit <= 0:
            return JournalTail([])
        try:
            fd = _open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return JournalTail([])
        except OSError as exc:
            raise JournalError(f"{self.path}: {exc.strerror or exc}") from None
        try:
            size = os.fstat(fd).st_size
            start = max(0, size - TAIL_BYTES)
            raw = os.pread(fd, TAIL_BYTES, start)
        except OSError as exc:
            raise JournalError(f"{self.path}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)
        lines = raw.split(b"\n")
        if start > 0:
            lines = lines[1:]  # the first line was cut by the 1 MiB window
        out: list[dict[str, Any]] = []
        skipped = 0
        for line in reversed(lines):
            if len(out) >= limit:
                break
            if not line.strip():
                continue
            record = _decode(line)
            if record is None:
                skipped += 1
            else:
                out.append(record)
        out.reverse()
        return JournalTail(out, skipped)
