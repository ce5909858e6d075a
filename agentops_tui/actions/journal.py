"""The audit journal: one JSON line per phase of every action, appended and fsynced before the action runs.

Append-only by construction: every line is a single ``os.write`` on an ``O_APPEND`` descriptor, so two dashboards
writing the same file interleave whole lines and never overwrite each other. A write that fails raises
``JournalError``, and the action layer then refuses to act (no action without its audit line).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

TAIL_BYTES = 1024 * 1024  # tail() never reads more than this from the end of the file


class JournalError(Exception):
    """The journal could not be written (or read); the message says why, in an operator's words."""


def default_journal_path() -> Path:
    """$XDG_STATE_HOME/agentops-tui/audit.jsonl, else ~/.local/state/agentops-tui/audit.jsonl (XDG base dirs)."""
    state = os.environ.get("XDG_STATE_HOME")
    base = Path(state) if state and os.path.isabs(state) else Path.home() / ".local" / "state"
    return base / "agentops-tui" / "audit.jsonl"


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
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                written = os.write(fd, data)
                if written != len(data):
                    raise JournalError(f"{self.path}: short write ({written} of {len(data)} bytes)")
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise JournalError(f"{self.path}: {exc.strerror or exc}") from None

    def tail(self, limit: int = 500) -> list[dict[str, Any]]:
        """The last `limit` records, oldest first; reads at most the last 1 MiB, skips lines that are not JSON."""
        if limit <= 0:
            return []
        try:
            with open(self.path, "rb") as fh:
                size = fh.seek(0, os.SEEK_END)
                start = max(0, size - TAIL_BYTES)
                fh.seek(start)
                raw = fh.read(TAIL_BYTES)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise JournalError(f"{self.path}: {exc.strerror or exc}") from None
        lines = raw.split(b"\n")
        if start > 0:
            lines = lines[1:]  # the first line was cut by the 1 MiB window
        out: list[dict[str, Any]] = []
        for line in reversed(lines):
            if len(out) >= limit:
                break
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                out.append(record)
        out.reverse()
        return out
