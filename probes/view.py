"""What the screens read: frozen views of each service and snapshots of the fleet, built by probes.fleet.state.

A screen keeps and compares these without locks; `status_now` says what a row's status is at display time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from probes.config import Thresholds
from probes.model import (
    Alert,
    BudgetState,
    ContainerInfo,
    LiteLLMResult,
    QueueResult,
    SpendEstimate,
    SpendSummary,
    Status,
    decide,
)
from probes.text.units import DASH, fmt_percent, fmt_ratio, fmt_seconds

HISTORY = 60  # points per sparkline series; bounded memory per service
SAMPLES = 20  # recent samples kept for the detail screen


@dataclass(frozen=True)
class Sample:
    """One row of the detail screen's recent-samples table."""

    at: float
    status: Status
    latency_p95_s: float | None
    error_rate: float | None
    active_tasks: float | None
    note: str


@dataclass(frozen=True)
class ServiceView:
    """Everything the screen shows about one service, as of `updated` (monotonic seconds)."""

    name: str
    kind: str
    description: str
    status: Status
    reason: str
    updated: float
    interval: float
    latency_p95_s: float | None = None
    error_rate: float | None = None
    requests_per_s: float | None = None
    tokens_per_min: float | None = None
    active_tasks: float | None = None
    cost_hourly_usd: float | None = None
    breakers: tuple[tuple[str, str], ...] = ()
    draining: bool = False
    cpu_percent: float | None = None
    rss_bytes: int | None = None
    pid: int | None = None
    spend_today_usd: float | None = None
    calls_today: int | None = None
    checks: tuple[tuple[str, Any], ...] = ()
    extra: tuple[tuple[str, Any], ...] = ()
    uptime_s: float | None = None
    health_http_status: int | None = None
    last_error: str | None = None
    last_error_at: float | None = None
    sources: tuple[str, ...] = ()
    history: tuple[tuple[str, tuple[float, ...]], ...] = ()
    history_span_s: tuple[tuple[str, float], ...] = ()
    """Seconds between the oldest and the newest point of each sparkline series (the time it covers)."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    """The WARN/CRIT lines that apply to this service (its sparklines are scaled to at least the WARN line)."""
    samples: tuple[Sample, ...] = ()
    budget: BudgetState | None = None
    health_error_kind: str | None = None
    """Why the last health poll failed (refused, timeout...), None when it answered or there is none."""
    metrics_source: str | None = None
    """Where p95, error rate and the other numbers come from: "metrics" (direct scrape) or "prometheus"."""
    alerts: tuple[Alert, ...] = ()
    """This service's pending and firing alerts (built-in and from Prometheus)."""
    containers: tuple[ContainerInfo, ...] = ()
    """The service's Docker containers as of the last sweep (empty without a docker source)."""
    restarts_recent: int = 0
    """Container restarts counted by the engine within the last RESTART_WINDOW_S."""
    native: tuple[tuple[str, str], ...] = ()
    """What the service manager says (systemd unit, launchd job), for the detail view; secrets masked."""
    memory_limit_bytes: int | None = None
    """The memory limit a backend reports (systemd MemoryMax, else MemoryHigh): the `memory` alert rule uses it."""
    queue: QueueResult | None = None
    """The latest good poll of the service's Redis queues (None without `queue:` or before one answered)."""
    litellm: LiteLLMResult | None = None
    """The latest poll of a LiteLLM proxy: deployments, spend by model and key, key budgets."""
    spend_partial: bool = False
    """The ledger's spend is known to be incomplete (not read to its end, a file of today not read, or failed)."""
    spend_estimate: SpendEstimate | None = None
    """Today's spend estimated from the token counter, for a service no ledger reads: never in spend_today_usd."""
    log_events: tuple[tuple[str, str], ...] = ()
    prometheus_up: float | None = None
    """Prometheus's `up` for the service (its lowest target), None when Prometheus does not say."""
    rate_limits_5m: int = 0
    """Rate limits the service's own log reported in the last 5 minutes."""
    """What the service's own log says lately (rate limits, failed tools: the logs backend), as (what, detail)."""

    def series(self, name: str) -> tuple[float, ...]:
        return dict(self.history).get(name, ())

    def span(self, name: str) -> float | None:
        """The time a sparkline series covers (None before it has a point)."""
        return dict(self.history_span_s).get(name)


def status_now(view: ServiceView, now: float) -> tuple[Status, str]:
    """The view's status and reason as of `now` (monotonic): STALE once its data is three intervals old. The
    view's own status already has its alerts (decided when the snapshot was made); only the time is added."""
    return decide(view.status, view.reason, (), now - view.updated, view.interval)


@dataclass(frozen=True)
class FleetSnapshot:
    """The whole fleet at one moment: what a screen renders."""

    services: tuple[ServiceView, ...]
    daily_budget_usd: float | None
    spend_today_usd: float | None
    at: float = field(default_factory=time.time)
    spend: SpendSummary | None = None
    """All ledgers' aggregates merged (the Spend screen); None before the first ledger read."""
    budget: BudgetState | None = None
    """The fleet-wide budgets against `spend`."""
    alerts: tuple[Alert, ...] = ()
    """Every pending and firing alert, firing first (fleet-wide ones have service "")."""
    spend_partial: bool = False
    """Some ledger's spend is known to be incomplete: `spend_today_usd` is a lower bound."""
    spend_notes: tuple[str, ...] = ()
    """Per ledger ("PATH: ..."): what its spend leaves out, and what was read besides it."""
    spend_estimate_usd: float | None = None
    """Today's spend estimated from token counters of the services no ledger reads (None without any): beside
    `spend_today_usd`, never in it."""

    def estimates(self) -> tuple[tuple[str, SpendEstimate], ...]:
        """(service, estimate) of every service whose spend is estimated from its token counter."""
        return tuple((v.name, v.spend_estimate) for v in self.services if v.spend_estimate is not None)

    def firing(self) -> tuple[Alert, ...]:
        return tuple(a for a in self.alerts if a.state == "firing")

    def counts(self) -> dict[Status, int]:
        out = dict.fromkeys(Status, 0)
        for s in self.services:
            out[s.status] += 1
        return out

    def worst(self) -> Status:
        return max((s.status for s in self.services), key=lambda st: st.rank, default=Status.OK)


UNITS: dict[str, Callable[[float], str]] = {
    "latency_p95": fmt_seconds, "error_rate": fmt_percent, "tokens_per_request": fmt_ratio, "memory": fmt_percent,
    "model_latency": fmt_seconds, "cost_hourly": fmt_ratio, "queue_depth": fmt_percent,
}  # fmt: skip
"""How each built-in rule's value and threshold are written (its metric's unit)."""
STATES: dict[str, Callable[[float], str]] = {
    "breaker_open": lambda n: f"{n:.0f} open",
    "health_unreachable": lambda x: "unreachable" if x else "reachable",
    "queue_stalled": fmt_seconds,
}
"""Rules whose threshold is only "more than none": the value alone says it."""


def alert_value(a: Alert) -> str:
    """The value against its threshold, in the unit of the rule's metric: `5.2% > 5%`, `31.7x > 2x`, `1 open`.
    Prometheus alerts carry no unit: their value as given."""
    if a.value is None:
        return DASH
    fmt = UNITS.get(a.name) if a.source == "builtin" else None
    if fmt is not None:
        return fmt(a.value) + ("" if a.threshold is None else f" > {fmt(a.threshold)}")
    state = STATES.get(a.name) if a.source == "builtin" else None
    if state is not None:
        return state(a.value)
    return f"{a.value:.3g}" + ("" if a.threshold is None else f" > {a.threshold:g}")
