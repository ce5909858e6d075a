"""Numbers as the screens write them: one format per kind of quantity, a dash for what is not known."""

from __future__ import annotations

import datetime as dt

from probes.text.units import fmt_count, fmt_percent
from probes.text.units import (
    fmt_money as fmt_money,  # the shared formats (probes.text.units), under the names screens use
)
from probes.text.units import fmt_seconds as fmt_seconds

DASH = "–"
fmt_rate = fmt_percent
fmt_number = fmt_count


def fmt_bytes(value: int | None) -> str:
    if value is None:
        return DASH
    size = float(value)
    for unit in ("B", "K", "M", "G"):
        if size < 1024 or unit == "G":
            return f"{size:.0f}{unit}" if unit in ("B", "K") or size >= 10 else f"{size:.1f}{unit}"
        size /= 1024
    return f"{size:.0f}T"


def fmt_duration(seconds: float | None) -> str:
    if seconds is None:
        return DASH
    s = int(seconds)
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m"
    return f"{s // 86400}d"


def fmt_cpu(percent: float | None) -> str:
    """A process's or container's CPU use: `12%`."""
    return f"{percent:.0f}%" if percent is not None else DASH


def fmt_cpus(cpus: float | None) -> str:
    """A container's CPU limit: `0.5 CPUs`, or `no limit`."""
    return "no limit" if not cpus else f"{cpus:g} CPUs"


def fmt_clock(ts: float | None) -> str:
    """A wall-clock time of today as `HH:MM:SS` in local time."""
    return dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S") if ts else DASH
