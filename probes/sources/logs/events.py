"""What a service's structured log says about its dependencies, from the events agents log as they happen.

The deployment guide's agents log JSON lines (`timestamp`, `level`, `event`, then fields) and keep no breaker
state anywhere else: `circuit_opened` (with the failing dependency in `service`) is the only sign a breaker
opened. So the breakers here are inferred, as the guide's CircuitBreaker behaves: open at `circuit_opened`,
half-open once its recovery timeout has passed, closed when a line of the service at info level follows (the
trial call went through and work goes on). `rate_limited` and `tool_failed` are counted over the last 5 minutes.
"""

from __future__ import annotations

import collections
import json

from probes.formats.jsonlog import decode, timestamp
from probes.model import LogEvent
from probes.text.sanitize import clean

RECOVERY_S = 60.0
"""The guide's CircuitBreaker recovery timeout."""
WINDOW_S = 300.0
EVENTS = frozenset({"circuit_opened", "circuit_closed", "rate_limited", "tool_failed"})
FIELD_LEN = 200
MAX_FIELDS = 32
MAX_DEPENDENCIES = 50
MAX_EVENTS = 10_000
"""Rate limits (and, apart, failed tools) kept per service: events older than WINDOW_S are dropped as newer ones
come, since nothing counts them; this caps a burst inside the window (33 a second for 5 minutes)."""


def event_of(line: bytes, read_at: float) -> LogEvent | None:
    """The event a JSON log line names (None for any other line: text, garbage, a line with no `event`)."""
    entry = decode(line)  # lenient: a stray byte or control character spoils one value
    if entry is None or not isinstance(entry.get("event"), str):
        return None
    fields = tuple(
        (clean(k, 64), clean(v if isinstance(v, str) else json.dumps(v), FIELD_LEN))
        for k, v in list(entry.items())[:MAX_FIELDS]
        if k not in ("timestamp", "level", "event")
    )
    level = clean(entry.get("level", ""), 16).lower()
    at = timestamp(entry.get("timestamp"))
    return LogEvent(read_at if at is None else at, level, clean(entry["event"], 64), fields)


class LogState:
    """One service's inferred breakers and recent counts (the logs backend keeps it in its row's parts)."""

    def __init__(self, recovery_s: float = RECOVERY_S) -> None:
        self.recovery_s = recovery_s
        self.opened: dict[str, float] = {}  # dependency -> when its breaker opened
        self.limits: collections.deque[tuple[float, str, str]] = collections.deque(maxlen=MAX_EVENTS)
        self.tools: collections.deque[tuple[float, str]] = collections.deque(maxlen=MAX_EVENTS)

    def feed(self, e: LogEvent) -> None:
        dep = e.field("service", "provider", "dependency") or "unknown"
        if e.event == "circuit_opened":
            if dep in self.opened or len(self.opened) < MAX_DEPENDENCIES:
                self.opened[dep] = e.at
        elif e.event == "circuit_closed":
            self.opened.pop(dep, None)
        elif e.event == "rate_limited":
            self.limits.append((e.at, e.field("provider", "service", "model") or "unknown", e.field("retry_after_s")))
            _expire(self.limits, e.at - WINDOW_S)
        elif e.event == "tool_failed":
            self.tools.append((e.at, e.field("tool") or "unknown"))
            _expire(self.tools, e.at - WINDOW_S)
        if e.level == "info":  # work goes on: a half-open breaker's trial call went through
            for dep, at in list(self.opened.items()):
                if e.at - at > self.recovery_s:
                    del self.opened[dep]

    def breakers(self, now: float) -> dict[str, str]:
        return {dep: "open" if now - at <= self.recovery_s else "half_open" for dep, at in self.opened.items()}

    def rate_limits(self, now: float) -> int:
        return sum(1 for at, _, _ in self.limits if now - at <= WINDOW_S)

    def facts(self, now: float) -> tuple[tuple[str, str], ...]:
        """Rate limits and failed tools of the last 5 minutes, for the detail page and `check`."""
        out: list[tuple[str, str]] = []
        limits = [x for x in self.limits if now - x[0] <= WINDOW_S]
        if limits:
            by = collections.Counter(p for _, p, _ in limits)
            retry = limits[-1][2]
            said = ", ".join(f"{p} x{n}" for p, n in by.most_common(5))
            out.append(("rate limited (5 min)", said + (f"; last retry_after_s {retry}" if retry else "")))
        tools = collections.Counter(t for at, t in self.tools if now - at <= WINDOW_S)
        if tools:
            out.append(("tools failed (5 min)", ", ".join(f"{t} x{n}" for t, n in tools.most_common(5))))
        return tuple(out)


def _expire(
    events: collections.deque[tuple[float, str]] | collections.deque[tuple[float, str, str]], before: float
) -> None:
    """Drop the oldest events logged before `before` (the log's own clock: the newest event's time less WINDOW_S)."""
    while events and events[0][0] < before:
        events.popleft()
