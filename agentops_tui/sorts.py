"""The overview's sort orders: pure functions of a view, its status now and its place in the config."""

from __future__ import annotations

from collections.abc import Callable

from probes.model import Status
from probes.view import ServiceView

SORTS: tuple[str, ...] = ("status", "config", "name", "p95", "errors", "spend")
"""`s` cycles through these; the first is the default: what is broken comes first."""

SORT_KEYS: dict[str, Callable[[ServiceView, Status, int], object]] = {
    "config": lambda v, st, i: i,
    "status": lambda v, st, i: (-st.rank, i),
    "name": lambda v, st, i: v.name.lower(),
    "p95": lambda v, st, i: (-(v.latency_p95_s or -1.0), i),
    "errors": lambda v, st, i: (-(v.error_rate or -1.0), i),
    "spend": lambda v, st, i: (-(v.spend_today_usd or (v.spend_estimate.usd if v.spend_estimate else -1.0)), i),
}
SORT_MARK: dict[str, tuple[str, str]] = {
    "status": ("status", "↓"), "name": ("name", "↑"), "p95": ("p95", "↓"), "errors": ("err", "↓"),
    "spend": ("spend", "↓"),
}  # fmt: skip
"""The column each sort orders by and its direction, marked in the header (config order has no column)."""
