"""The restart storm guard: at most `limit` restarts of one service in `window_s` (like systemd's StartLimitBurst).

A restart loop driven from a dashboard (a stuck key, a bulk action repeated, two operators) can keep a service
from ever coming up; the guard stops that and says when the next restart will be allowed. It is seeded from the
journal, so quitting and reopening the dashboard does not reset it.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def format_duration(seconds: float) -> str:
    """1h, 5m, 2m10s, 45s: whole seconds, rounded up so a wait is never shown as 0s."""
    total = max(1, math.ceil(seconds - 1e-9))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s" if secs else ""]
    return "".join(parts)


class StormGuard:
    """Restart times per service within a sliding window; check() before a restart, record() when it starts."""

    def __init__(self, limit: int, window_s: float, clock: Callable[[], float] = time.time) -> None:
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self._restarts: dict[str, deque[float]] = {}

    def _recent(self, service: str, now: float) -> deque[float]:
        times = self._restarts.setdefault(service, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def seed(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Count the restarts the journal saw start inside the window (other records are ignored)."""
        now = self.clock()
        found: dict[str, list[float]] = {}
        for rec in records:
            if rec.get("action") != "restart" or rec.get("phase") != "started":
                continue
            service, ts = rec.get("service"), rec.get("ts")
            if not isinstance(service, str) or isinstance(ts, bool) or not isinstance(ts, (int, float)):
                continue
            try:
                at = float(ts)
            except OverflowError:  # an integer no float can hold: not a time this journal wrote
                continue
            if not math.isfinite(at) or at <= now - self.window_s:  # a future ts (clock stepped back) still counts
                continue
            found.setdefault(service, []).append(at)
        for service, times in found.items():
            merged = sorted([*self._restarts.get(service, ()), *times])
            self._restarts[service] = deque(merged)

    def reseed(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Count from the journal alone: it holds this dashboard's restarts (journaled before record()) and those
        of every other dashboard writing it."""
        self._restarts.clear()
        self.seed(records)

    def check(self, service: str) -> str | None:
        """None when a restart is allowed now, else why not and when it will be."""
        if self.limit <= 0:
            return f"storm guard: restarts of {service} are disabled (restart limit {self.limit})"
        now = self.clock()
        times = self._recent(service, now)
        if len(times) < self.limit:
            return None
        frees_at = times[len(times) - self.limit] + self.window_s  # when enough old restarts leave the window
        count = len(times)
        noun = "time" if count == 1 else "times"
        return (
            f"storm guard: {service} restarted {count} {noun} in the last {format_duration(self.window_s)} "
            f"(limit {self.limit}); next restart allowed in {format_duration(frees_at - now)}"
        )

    def record(self, service: str) -> None:
        """A restart of `service` started now."""
        now = self.clock()
        times = self._recent(service, now)
        times.append(now)
        if len(times) > 1 and times[-2] > now:  # seeded from a clock that was ahead: keep the deque sorted
            self._restarts[service] = deque(sorted(times))
