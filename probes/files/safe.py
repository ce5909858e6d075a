"""Opening a file the config names (a ledger, a log file, a pidfile) without ever waiting on what the path is.

open(2) of a FIFO waits for a writer, and a thread blocked there can be neither cancelled nor joined: `check` never
returned and the dashboard could not quit. So files are opened with O_NONBLOCK (and O_NOCTTY: a terminal never
becomes ours), and anything but a regular file is refused by its kind: a FIFO, a socket, a device or a directory
is not a ledger, and /dev/zero never ends. The kind is checked on the path first (a socket cannot be opened at
all) and again on the open descriptor, so a path swapped in between is caught too.
"""

from __future__ import annotations

import errno
import os
import stat

from probes.text.sanitize import clean

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotRegularFile(OSError):
    """The path names something that is not a regular file; the message says what it is."""

    def __init__(self, path: str, mode: int) -> None:
        kind = next((name for test, name in _KINDS if test(mode)), "something else")
        super().__init__(errno.EINVAL, f"{clean(path, 300)} is {kind}, not a regular file")

    def __str__(self) -> str:
        return str(self.strerror)


def open_regular(path: str) -> int:
    """A read-only descriptor of the regular file at `path` (the caller closes it). Raises FileNotFoundError,
    NotRegularFile, or another OSError; never blocks on the kind of file."""
    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise NotRegularFile(path, mode)
    fd = os.open(path, _FLAGS)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def check_regular(path: str) -> os.stat_result:
    """The stat of the regular file at `path`, for a library that opens the path itself (SQLite): refused like
    open_regular, so that library is never handed a FIFO to wait on."""
    fd = open_regular(path)
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)
