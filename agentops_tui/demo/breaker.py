"""A small real circuit breaker, used by agents for their calls to the model proxy.

It opens after ``threshold`` consecutive failures, stays open for ``cooldown_s``, then lets calls through as
half-open probes: a success closes it, a failure opens it again. Killing the proxy therefore opens every
agent's ``model_proxy`` breaker within a few calls, and restarting it closes them.
"""

from __future__ import annotations


class Breaker:
    """Consecutive-failure breaker; not thread-safe (one simulator thread per process uses it)."""

    def __init__(self, threshold: int = 3, cooldown_s: float = 5.0) -> None:
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self.failures = 0
        self.opened_at: float | None = None

    def state(self, now: float) -> str:
        if self.opened_at is None:
            return "closed"
        return "half_open" if now - self.opened_at >= self.cooldown_s else "open"

    def allow(self, now: float) -> bool:
        return self.state(now) != "open"

    def success(self) -> None:
        self.failures = 0
        self.opened_at = None

    def failure(self, now: float) -> None:
        self.failures += 1
        if self.opened_at is not None or self.failures >= self.threshold:
            self.opened_at = now  # a failed half-open probe re-opens for a full cooldown
