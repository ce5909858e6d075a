"""The files a ledger was rotated into earlier today, found when the ledger is first opened.

A tail follows the rotations it sees, but one that starts after a rotation (always so for `check`) would read only
the current file and miss today's spend in the rotated one. Rotated files are named like logrotate and Python's
handlers name them: the ledger's name, then `.` or `-` and a number or a date (`spend.jsonl.1`,
`spend.jsonl-20261126`, `spend.jsonl.2026-11-26`, or with the extension kept: `spend.1.jsonl`), maybe compressed.
Those last written today (modified since local midnight) are read from the start before the current file; a
compressed one cannot be, and is named instead. The current file itself (by device and inode) is never one of them.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field

from probes.files.safe import open_regular
from probes.spend.hours import local_midnight
from probes.text.sanitize import clean

SUFFIX = re.compile(r"[.-][0-9][0-9._-]*")  # .1  -20261126  .2026-11-26_06-25
COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".lz4", ".z")
MAX_ENTRIES = 10_000  # directory entries looked at, at most
MAX_FILES = 16  # rotated files read, at most (the newest)


@dataclass
class Rotated:
    """Today's rotated files: descriptors to read (oldest first) and their names; the names that cannot be read."""

    fds: list[int] = field(default_factory=list)
    read: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    """Each as "NAME was written today and is not read (WHY)"."""


def is_rotation_of(candidate: str, name: str) -> bool:
    """Whether `candidate` (compression suffix removed) is a rotated file's name for a ledger called `name`."""
    stem, ext = os.path.splitext(name)
    if candidate.startswith(name) and SUFFIX.fullmatch(candidate[len(name) :]):
        return True
    return bool(
        ext
        and candidate.startswith(stem)
        and candidate.endswith(ext)
        and SUFFIX.fullmatch(candidate[len(stem) : -len(ext)])
    )


def rotated_today(path: str, now: float, current: tuple[int, int] | None) -> Rotated:
    """Open the files `path` was rotated into that were written today (`now`); never raises."""
    folder, name = os.path.split(os.path.abspath(path))
    since = local_midnight(now)
    found: list[tuple[float, str, bool]] = []
    with contextlib.suppress(OSError), os.scandir(folder) as it:
        for i, entry in enumerate(it):
            if i >= MAX_ENTRIES:
                break
            base, packed = entry.name, entry.name.lower().endswith(COMPRESSED)
            if packed:
                base = base[: base.rindex(".")]
            if not is_rotation_of(base, name):
                continue
            with contextlib.suppress(OSError):
                st = entry.stat()
                if st.st_mtime >= since and (st.st_dev, st.st_ino) != current:
                    found.append((st.st_mtime, entry.name, packed))
    out = Rotated()
    for _, fname, packed in sorted(found)[-MAX_FILES:]:
        shown = clean(fname, 120)
        if packed:
            out.unread.append(f"{shown} was written today and is not read (compressed)")
            continue
        try:
            fd = open_regular(os.path.join(folder, fname))
        except OSError as exc:
            out.unread.append(f"{shown} was written today and is not read ({clean(str(exc), 200)})")
            continue
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) == current:  # rotated while we looked: the tail reads it already
            os.close(fd)
            continue
        out.fds.append(fd)
        out.read.append(shown)
    return out
