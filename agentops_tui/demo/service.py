"""State shared by the simulated agents and the model-proxy stand-in: metrics, drain/throttle, health.

A call is decided when it starts but only *finishes* (metrics, ledger) when its simulated latency has passed, so
slow calls pile up as in-flight tasks and drain empties the queue at the pace real work would.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from agentops_tui.demo.metrics import ServiceMetrics

VERSION = "demo-0.1"
MAX_RPM = 1_000_000  # the dashboard's own bound on a throttle (agentops_tui.actions.layer)
ERROR_WINDOW_S = 10.0  # health judges the error rate of calls finished in the last 10 s
MIN_CALLS_FOR_RATE = 10
MIN_ERRORS = 3  # fewer failures than this never change health (1 % background errors must not flicker it)
UNHEALTHY_ERROR_RATE = 0.25
DEGRADED_ERROR_RATE = 0.15


@dataclass
class Call:
    """One simulated model call, decided at its start."""

    model: str
    ok: bool
    latency_s: float
    input_tokens: int
    output_tokens: int
    cost_usd: float
    task_id: str = ""
    task_type: str = ""
    caller: str = ""


class SimService:
    """Base of a simulated service; subclasses add what starts calls and their own checks/breakers."""

    backlog_tasks = 10  # more tasks than this in flight: queue "backlog" (health degraded)

    def __init__(self, name: str, dependencies: tuple[str, ...]) -> None:
        self.name = name
        self.metrics = ServiceMetrics(dependencies)
        self.lock = threading.Lock()  # HTTP handler threads read what the tick thread writes
        self.started = time.time()
        self.draining = False
        self.max_rpm: int | None = None
        self._seq = itertools.count()
        self._inflight: list[tuple[float, int, Call]] = []
        self._outcomes: deque[tuple[float, bool]] = deque()
        self._costs: deque[tuple[float, float]] = deque()
        self.last_inference: float | None = None

    # --- simulation -------------------------------------------------------------------------------------------
    def begin(self, now: float, call: Call) -> None:
        """Put a call in flight; it finishes at now + latency."""
        with self.lock:
            heapq.heappush(self._inflight, (now + call.latency_s, next(self._seq), call))

    def tick(self, now: float) -> None:
        """Finish the calls whose latency has passed and refresh the gauges."""
        while True:
            with self.lock:
                if not self._inflight or self._inflight[0][0] > now:
                    break
                end, _, call = heapq.heappop(self._inflight)
            self.finish(end, call)
        with self.lock:
            self.metrics.active.set(len(self._inflight))
            self.metrics.cost_hourly.set(self._hourly_cost(now))
            self.metrics.set_breakers(self.breakers(now))

    def finish(self, at: float, call: Call) -> None:
        """Record a finished call; subclasses extend this (the agents write the ledger)."""
        self.metrics.observe_call(call.model, call.ok, call.latency_s, call.input_tokens, call.output_tokens)
        with self.lock:
            self.last_inference = at
            self._outcomes.append((at, call.ok))
            self._costs.append((at, call.cost_usd))

    def _hourly_cost(self, now: float) -> float:
        while self._costs and self._costs[0][0] < now - 60:
            self._costs.popleft()
        span = min(60.0, max(1.0, now - self.started))
        return round(sum(c for _, c in self._costs) * 3600.0 / span, 4)

    def error_rate(self, now: float) -> float | None:
        """Share of failed calls in the last ERROR_WINDOW_S, or None when too few calls or errors to judge."""
        with self.lock:
            while self._outcomes and self._outcomes[0][0] < now - ERROR_WINDOW_S:
                self._outcomes.popleft()
            errors = sum(1 for _, ok in self._outcomes if not ok)
            if len(self._outcomes) < MIN_CALLS_FOR_RATE or errors < MIN_ERRORS:
                return None
            return errors / len(self._outcomes)

    def active_tasks(self) -> int:
        with self.lock:
            return len(self._inflight)

    def effective_rate(self, base_rate: float) -> float:
        """Calls per second after the throttle."""
        if self.max_rpm is None:
            return base_rate
        return min(base_rate, self.max_rpm / 60.0)

    # --- hooks ------------------------------------------------------------------------------------------------
    def breakers(self, now: float) -> dict[str, str]:
        return {}

    def checks(self, now: float) -> dict[str, Any]:
        return {}

    def handle_post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """Service-specific POST endpoints; None means 404."""
        return None

    def handle_get(self, path: str) -> tuple[int, bytes, str] | None:
        """Service-specific GET endpoints as (code, body, content type); None means 404."""
        return None

    # --- admin ------------------------------------------------------------------------------------------------
    def drain(self) -> dict[str, Any]:
        self.draining = True
        return {"ok": True, "draining": True, "active_tasks": self.active_tasks()}

    def resume(self) -> dict[str, Any]:
        self.draining = False
        return {"ok": True, "draining": False, "active_tasks": self.active_tasks()}

    def throttle(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Set or clear (null) the calls-per-minute limit; replies with the old and the new value."""
        if "max_requests_per_minute" not in body:
            return 400, {"ok": False, "error": "body needs max_requests_per_minute (integer >= 0 or null)"}
        new = body["max_requests_per_minute"]
        if new is not None and (isinstance(new, bool) or not isinstance(new, (int, float)) or not 0 <= new <= MAX_RPM):
            return 400, {"ok": False, "error": f"max_requests_per_minute must be an integer 0..{MAX_RPM} or null"}
        old = self.max_rpm
        self.max_rpm = None if new is None else int(new)
        return 200, {"ok": True, "old": old, "new": self.max_rpm, "max_requests_per_minute": self.max_rpm}

    # --- health -----------------------------------------------------------------------------------------------
    def health(self, now: float) -> tuple[int, dict[str, Any]]:
        """The health convention; unhealthy (503) when >= 25 % of recent calls failed."""
        breakers = self.breakers(now)
        active = self.active_tasks()
        queue = "backlog" if active > self.backlog_tasks else "ok"
        rate = self.error_rate(now)
        if rate is not None and rate >= UNHEALTHY_ERROR_RATE:
            status = "unhealthy"
        elif (
            self.draining
            or queue != "ok"
            or any(s != "closed" for s in breakers.values())
            or (rate is not None and rate >= DEGRADED_ERROR_RATE)
        ):
            status = "degraded"
        else:
            status = "healthy"
        age = None if self.last_inference is None else round(max(0.0, now - self.last_inference), 2)
        body = {
            "status": status,
            "checks": {**self.checks(now), "last_inference_age_s": age, "queue": queue},
            "uptime_s": round(now - self.started, 1),
            "breakers": breakers,
            "active_tasks": active,
            "draining": self.draining,
            "max_requests_per_minute": self.max_rpm,
            "version": VERSION,
        }
        if status == "unhealthy" and rate is not None:  # say why, as a service should: the dashboard shows it
            body["message"] = f"{rate:.0%} of calls failed in the last {ERROR_WINDOW_S:.0f}s"
        return (503 if status == "unhealthy" else 200), body
