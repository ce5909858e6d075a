"""JSON log lines as aligned columns: the fields the shown lines carry most, the guide's `timestamp`, `level`,
`event` and `agent_id` first, then the others by how many lines carry them, as many as fit the width; a line's
other fields follow as key=value. Every value is cleaned and written as plain `Text`, never markup.
"""

from __future__ import annotations

import collections
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.text import Text

from agentops_tui.presentation.logs import LINE_LEN, level_style
from agentops_tui.presentation.palette import Palette
from probes.formats.jsonlog import render_value
from probes.text.sanitize import clean

FIRST = ("timestamp", "level", "event", "agent_id")
WIDEST = 24
"""No column wider than this: a longer value is cut (…); the whole line is one key away (raw)."""
NAME = 5
"""A column is as wide as this much of its name at least (`agent…` over `a1`), so the heading says something."""
GAP = "  "
REST = 20
"""Cells kept for the fields that are not columns: an 80-column terminal still shows some of them."""
_ISO = re.compile(r"(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,]\d+)?(Z|[+-]\d\d:?\d\d)?", re.ASCII)


@dataclass(frozen=True)
class Column:
    key: str
    width: int


def cell(key: str, value: Any) -> str:
    """A value as its column shows it: a level in capitals, an ISO time to the second (UTC as Z), cleaned."""
    if key == "level":
        return clean(str(value).upper(), 40)
    if key == "timestamp" and isinstance(value, str) and (m := _ISO.fullmatch(value)):
        zone = m.group(3) or ""
        return f"{m.group(1)}T{m.group(2)}{'Z' if zone in ('+00:00', '+0000') else zone}"
    return clean(value, 200) if isinstance(value, str) else render_value(value)


def choose(entries: Sequence[dict[str, Any]], width: int) -> tuple[Column, ...]:
    """The columns for these lines within `width` cells: fields at least half of them carry, widest value wide."""
    counts: collections.Counter[str] = collections.Counter()
    widest: dict[str, int] = {}
    for entry in entries:
        for key, value in entry.items():
            counts[key] += 1
            widest[key] = max(widest.get(key, 1), cell_len(cell(key, value)))
    common = [k for k, n in counts.items() if n * 2 >= len(entries)]
    order = [k for k in FIRST if k in common] + sorted((k for k in common if k not in FIRST), key=lambda k: -counts[k])
    columns: list[Column] = []
    used = 0
    for key in order:
        w = min(max(widest[key], min(len(key), NAME)), WIDEST)
        if used + w + len(GAP) > width - REST:
            break
        columns.append(Column(key, w))
        used += w + len(GAP)
    return tuple(_named(columns, width - REST - used))


def _named(columns: list[Column], spare: int) -> list[Column]:
    """Columns widened, left first, to show their whole names while `spare` cells last."""
    out = []
    for c in columns:
        grow = max(0, min(cell_len(c.key), WIDEST) - c.width, 0)
        grow = min(grow, max(spare, 0))
        spare -= grow
        out.append(Column(c.key, c.width + grow))
    return out


def outgrows(entry: dict[str, Any], columns: Sequence[Column]) -> bool:
    """Whether a line has a value wider than its column could still grow to show."""
    return any(c.width < WIDEST and c.key in entry and cell_len(cell(c.key, entry[c.key])) > c.width for c in columns)


def header(columns: Sequence[Column], p: Palette) -> Text:
    """The column names over the columns, cut to their widths."""
    out = Text(no_wrap=True, overflow="ellipsis", style="bold")
    for c in columns:
        name = Text(clean(c.key, 60))
        name.truncate(c.width, overflow="ellipsis", pad=True)
        out.append_text(name)
        out.append(GAP)
    out.append(Text("other fields", style=p.dim))
    return out


def row(entry: dict[str, Any], columns: Sequence[Column], p: Palette) -> Text:
    """One JSON line: each column's value cut or padded to its width, then the other fields as key=value."""
    out = Text(no_wrap=True, style=level_style(entry.get("level", ""), p))
    for c in columns:
        value = Text(cell(c.key, entry[c.key]) if c.key in entry else "")
        value.truncate(c.width, overflow="ellipsis", pad=True)
        out.append_text(value)
        out.append(GAP)
    keys = {c.key for c in columns}
    rest = " ".join(f"{clean(k, 60)}={render_value(v)}" for k, v in entry.items() if k not in keys)
    out.append(clean(rest, LINE_LEN))
    return out
