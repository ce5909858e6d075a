"""A log line as the logs view shows it: a JSON line as `time LEVEL event key=value`, its level coloured."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from agentops_tui.presentation.palette import Palette
from probes.formats.jsonlog import render
from probes.text.sanitize import clean

LINE_LEN = 2000


def level_style(level: object, p: Palette) -> str:
    """Errors in the CRIT colour, warnings in the WARN one, debug dimmed; info and the rest plain."""
    name = str(level).lower()
    if name in ("error", "err", "critical", "fatal", "panic", "alert", "emergency"):
        return p.crit
    if name in ("warn", "warning"):
        return p.warn
    return p.dim if name in ("debug", "trace") else ""


def log_line(line: str, entry: dict[str, Any] | None, p: Palette) -> Text:
    """`entry` is the line's decoded JSON object (None for a text line, shown as it came, cleaned)."""
    if entry is None:
        return Text(clean(line, LINE_LEN))
    return Text(clean(render(entry), LINE_LEN), style=level_style(entry.get("level", ""), p))
