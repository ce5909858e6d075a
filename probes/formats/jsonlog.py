"""Structured (JSON) log lines: decoded, their times read, and each shown as one line: the fields people read
first, then the rest as key=value, all cleaned.

A value decoded from JSON can hold what the raw line could not (an escaped ESC, say), so the rendered line is
cleaned again here, whatever the source already did to the raw one.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from probes.text.sanitize import clean

_loads: Callable[[str | bytes], Any]
try:  # several times faster than json: a query decodes every line that may match
    import orjson

    _loads = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads

LINE_LEN = 4096
FIRST = ("timestamp", "level", "event")
"""The guide's log() puts these first; other names for them (time, msg...) stay ordinary fields."""


def render_value(v: Any) -> str:
    """A string as it reads once cleaned (quoted when it has spaces); anything else as compact JSON."""
    if not isinstance(v, str):
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    v = clean(v, LINE_LEN)
    return v if v and not any(c.isspace() for c in v) else '"' + v.replace('"', '\\"') + '"'


def render(entry: dict[str, Any]) -> str:
    """`2026-12-03T10:00:00Z ERROR tool_failed tool=db error="connection refused"`."""
    head = [str(entry.get(k)) for k in FIRST if k in entry]
    if "level" in entry:
        head[1 if "timestamp" in entry else 0] = str(entry["level"]).upper()
    rest = [f"{k}={render_value(v)}" for k, v in entry.items() if k not in FIRST]
    return clean(" ".join(head + rest), LINE_LEN)


def timestamp(value: object) -> float | None:
    """An ISO 8601 time in epoch seconds (local time when it has no offset); None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.timestamp() if t.tzinfo else t.astimezone().timestamp()


def decode(line: str | bytes) -> dict[str, Any] | None:
    """A log line's JSON object (text or the bytes as read), None for any other line.

    orjson first (a few times faster than json: a query decodes every line that may match); a line it refuses is
    read again as Python's json reads it, leniently: invalid UTF-8 replaced, control characters allowed inside
    strings, NaN and integers past 64 bits, so a stray byte spoils one value and not the line. The log events
    probe and the query both use this one."""
    if not (line.startswith(b"{") if isinstance(line, bytes) else line.startswith("{")):
        return None
    try:
        entry = _loads(line)
    except (ValueError, RecursionError):
        try:
            entry = json.loads(line.decode("utf-8", "replace") if isinstance(line, bytes) else line, strict=False)
        except (ValueError, RecursionError):
            return None
    return entry if isinstance(entry, dict) else None
