"""Built-in alert rules (the deployment guide's), evaluated on the service views the app already has.

Pure: no I/O and no clock of its own (`evaluate` takes `now`), so the rules are tested with synthetic series.
Each rule turns a view into a value (None when the data it needs does not exist); the value above the rule's
threshold is the condition. Like Prometheus: the condition held for less than `for_s` is *pending*, for longer
*firing*; once it stops holding (or its data is gone) the alert is resolved. A rule with `window_s` compares the
average of its values over that many seconds (the guide's "error rate over 5 minutes").
"""

from __future__ import annotations

import collections
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from probes.config import AlertRule, AlertsConfig, FleetConfig, ServiceConfig
from probes.model import BURN_WINDOW, Alert, AlertState, sort_alerts
from probes.spend.budget import fleet_budgets
from probes.text.units import fmt_count, fmt_money, fmt_percent, fmt_ratio, fmt_seconds

if TYPE_CHECKING:
    from probes.view import ServiceView

UNREACHABLE = frozenset({"refused", "timeout", "dns", "tls"})
FLEET = ""
"""The `service` of a fleet-wide alert (the fleet's cost per hour against its budget)."""


@dataclass(frozen=True)
class RuleSpec:
    """A rule with every setting resolved (defaults < fleet < service)."""

    name: str
    enabled: bool
    threshold: float
    for_s: float
    window_s: float
    severity: Literal["warning", "critical"]


DEFAULTS: dict[str, RuleSpec] = {
    r.name: r
    for r in (
        # The guide: p95 latency > 10 s. `for` 2 m like its error-rate alert: one slow burst is not a page.
        RuleSpec("latency_p95", True, 10.0, 120.0, 0.0, "warning"),
        # The guide: error rate > 5% over 5 minutes, for 2 m: the 5 m is the averaging window, 2 m the `for`.
        RuleSpec("error_rate", True, 0.05, 120.0, 300.0, "warning"),
        # The guide's expr as written, rate(agent_requests_total{status="error"}[5m]) > 0.05: errors per second.
        # Its summary says 5%, which error_rate is; this one is there for whoever wants the expr. Off by default.
        RuleSpec("errors_per_s", False, 0.05, 120.0, 300.0, "warning"),
        RuleSpec("tokens_per_request", True, 2.0, 300.0, 0.0, "warning"),
        RuleSpec("memory", True, 0.8, 300.0, 0.0, "warning"),
        RuleSpec("model_latency", True, 5.0, 120.0, 0.0, "warning"),
        RuleSpec("cost_hourly", True, 2.0, 300.0, 0.0, "warning"),
        # The guide's AgentCostSpike: the agent's own cost estimate (agent_cost_estimate_hourly) > $10/h for 5 m.
        RuleSpec("cost_spike", True, 10.0, 300.0, 0.0, "warning"),
        RuleSpec("breaker_open", True, 0.0, 0.0, 0.0, "warning"),
        # The guide's agents log `rate_limited`: any in the last 5 minutes (the service's log) is worth knowing.
        RuleSpec("rate_limited", True, 0.0, 0.0, 0.0, "warning"),
        RuleSpec("health_unreachable", True, 0.0, 60.0, 0.0, "critical"),
        # The guide's AgentDown: up == 0 for 1 m, critical (Prometheus cannot scrape the service).
        RuleSpec("down", True, 0.0, 60.0, 0.0, "critical"),
        # The guide: active tasks > queue depth limit. The value is the depth as a share of queue.depth_limit.
        RuleSpec("queue_depth", True, 1.0, 0.0, 0.0, "warning"),
        # No dequeues while the backlog grows: the workers are dead or stuck. Holds from the first poll that sees it.
        RuleSpec("queue_stalled", True, 0.0, 60.0, 0.0, "critical"),
    )
}
RULES = tuple(DEFAULTS)


def resolve_rules(*layers: AlertsConfig | None) -> dict[str, RuleSpec]:
    """Each rule's settings: the defaults, overridden key by key by each layer in order (fleet, then service)."""
    out: dict[str, RuleSpec] = {}
    for name, spec in DEFAULTS.items():
        for layer in layers:
            if layer is None:
                continue
            rule: AlertRule = getattr(layer, name)
            spec = RuleSpec(
                name,
                spec.enabled if rule.enabled is None else rule.enabled,
                spec.threshold if rule.threshold is None else rule.threshold,
                spec.for_s if rule.for_s is None else rule.for_s,
                spec.window_s if rule.window_s is None else rule.window_s,
                spec.severity if rule.severity is None else rule.severity,
            )
        out[name] = spec
    return out


class _TokenBaseline:
    """Tokens and requests over the last 24 h, in hourly buckets (integrated from the rates between evaluations)."""

    MIN_COVERAGE_S = 900.0  # no baseline before 15 minutes of data

    def __init__(self) -> None:
        self.buckets: collections.OrderedDict[int, list[float]] = collections.OrderedDict()
        self.last: float | None = None
        self.hour = 0

    def add(self, now: float, tokens_per_min: float, requests_per_s: float) -> None:
        dt = 0.0 if self.last is None else min(max(0.0, now - self.last), 60.0)
        self.last = now
        hour = int(now // 3600)
        b = self.buckets.setdefault(hour, [0.0, 0.0, 0.0])
        b[0] += tokens_per_min / 60.0 * dt
        b[1] += requests_per_s * dt
        b[2] += dt
        if hour != self.hour:  # old hours can only expire when the hour changes
            self.hour = hour
            for h in [h for h in self.buckets if h <= hour - 24]:
                del self.buckets[h]

    def average(self) -> float | None:
        tokens = sum(b[0] for b in self.buckets.values())
        requests = sum(b[1] for b in self.buckets.values())
        covered = sum(b[2] for b in self.buckets.values())
        if covered < self.MIN_COVERAGE_S or requests <= 0:
            return None
        return tokens / requests


class _Window:
    """The values of one rule's averaging window, with their running sum: a snapshot of 200 services no longer
    sums every window's hundreds of values (the sum is taken afresh now and then, so float error cannot build)."""

    MAX = 4096
    EXACT_EVERY = 256

    def __init__(self) -> None:
        self.points: collections.deque[tuple[float, float]] = collections.deque()
        self.total = 0.0
        self.steps = 0

    def mean_after(self, now: float, value: float, start: float) -> float:
        """Add `value` at `now`, drop what is older than `start`, and return the mean."""
        points = self.points
        points.append((now, value))
        self.total += value
        while points and (points[0][0] < start or len(points) > self.MAX):
            self.total -= points.popleft()[1]
        self.steps += 1
        if self.steps >= self.EXACT_EVERY:
            self.steps = 0
            self.total = math.fsum(x for _, x in points)
        return self.total / len(points)


@dataclass
class _Active:
    since: float
    value: float | None
    summary: str


class AlertEngine:
    """Keeps each (service, rule)'s pending/firing state between evaluations; owned by one thread."""

    def __init__(self, cfg: FleetConfig) -> None:
        self.cfg = cfg
        self.rules: dict[str, dict[str, RuleSpec]] = {s.name: resolve_rules(cfg.alerts, s.alerts) for s in cfg.services}
        self.fleet_rules = resolve_rules(cfg.alerts)
        self.services: dict[str, ServiceConfig] = {s.name: s for s in cfg.services}
        self._active: dict[tuple[str, str], _Active] = {}
        self._series: dict[tuple[str, str], _Window] = {}
        self._tokens: dict[str, _TokenBaseline] = {}
        self.resolved: collections.deque[tuple[Alert, float]] = collections.deque(maxlen=50)
        """Recently resolved alerts with the time each resolved (newest last)."""

    def evaluate(
        self, views: Iterable[ServiceView], now: float, burn_usd_per_h: float | None = None
    ) -> tuple[Alert, ...]:
        """Every pending and firing built-in alert as of `now` (wall-clock seconds); `burn_usd_per_h` is the
        ledgers' fleet burn (None without ledgers)."""
        views = list(views)
        out: list[Alert] = []
        for v in views:
            rules = self.rules.get(v.name) or self.fleet_rules
            for spec in rules.values():
                if spec.enabled:
                    out.extend(self._step(v.name, spec, self._measure(spec, v, now), now))
        spec = self.fleet_rules["cost_hourly"]
        if spec.enabled:
            out.extend(self._step(FLEET, spec, self._fleet_cost(views, burn_usd_per_h), now))
        return sort_alerts(out)

    def _measure(self, spec: RuleSpec, v: ServiceView, now: float) -> tuple[float, str] | None:
        if spec.name == "latency_p95":
            return None if v.latency_p95_s is None else (v.latency_p95_s, f"p95 {fmt_seconds(v.latency_p95_s)}")
        if spec.name == "error_rate":
            avg = self._averaged(v.name, spec, v.error_rate, now)
            return None if avg is None else (avg, f"error rate {fmt_percent(avg)}")
        if spec.name == "errors_per_s":
            rate = None if v.error_rate is None or v.requests_per_s is None else v.error_rate * v.requests_per_s
            avg = self._averaged(v.name, spec, rate, now)
            return None if avg is None else (avg, f"{avg:.3g} errors/s")
        if spec.name == "tokens_per_request":
            return self._tokens_ratio(v, now)
        if spec.name == "memory":
            return _memory_share(v)
        if spec.name == "model_latency":
            return _model_latency(v)
        if spec.name == "cost_hourly":
            return self._cost_ratio(v)
        if spec.name == "cost_spike":
            usd = v.cost_hourly_usd
            return None if usd is None else (usd, f"cost estimate {fmt_money(usd)}/h")
        if spec.name == "breaker_open":
            opened = sorted(dep for dep, state in v.breakers if state == "open")
            return (float(len(opened)), f"breaker open: {', '.join(opened)}") if opened else (0.0, "")
        if spec.name == "down":
            up = v.prometheus_up
            return None if up is None else (1.0 if up == 0 else 0.0, "up == 0: Prometheus cannot scrape it")
        if spec.name == "rate_limited":
            n = v.rate_limits_5m
            return (float(n), f"rate limited {n}x in 5 min") if n or "logs" in v.sources else None
        if spec.name == "queue_depth":
            return _queue_depth(v, self.services.get(v.name))
        if spec.name == "queue_stalled":
            return _queue_stalled(v)
        if spec.name == "health_unreachable":
            if v.health_error_kind is None:
                return None if v.health_http_status is None else (0.0, "")
            return (1.0 if v.health_error_kind in UNREACHABLE else 0.0), "health endpoint unreachable"
        return None

    def _averaged(self, service: str, spec: RuleSpec, value: float | None, now: float) -> float | None:
        if value is None:
            return None
        if spec.window_s <= 0:
            return value
        series = self._series.get((service, spec.name))
        if series is None:
            series = self._series[(service, spec.name)] = _Window()
        return series.mean_after(now, value, now - spec.window_s)

    def _tokens_ratio(self, v: ServiceView, now: float) -> tuple[float, str] | None:
        if v.tokens_per_min is None or not v.requests_per_s:
            return None
        baseline = self._tokens.setdefault(v.name, _TokenBaseline())
        average = baseline.average()
        baseline.add(now, v.tokens_per_min, v.requests_per_s)
        if not average:
            return None
        per_request = v.tokens_per_min / 60.0 / v.requests_per_s
        ratio = per_request / average
        return ratio, (
            f"{fmt_count(per_request)} tokens/request = {fmt_ratio(ratio)} the 24 h average ({fmt_count(average)})"
        )

    def _cost_ratio(self, v: ServiceView) -> tuple[float, str] | None:
        """The service's burn from its ledger where it has one (the Spend screen's number), else its own estimate."""
        svc = self.services.get(v.name)
        daily = svc.budgets.daily_usd if svc is not None and svc.budgets is not None else None
        if v.budget is not None:
            kind = "estimated burn" if v.spend_estimate is not None else "burn"  # from its token counter
            return _against_budget(f"{kind} ({BURN_WINDOW})", v.budget.burn_usd_per_h, daily)
        return _against_budget("reported cost", v.cost_hourly_usd, daily)

    def _fleet_cost(self, views: list[ServiceView], burn_usd_per_h: float | None) -> tuple[float, str] | None:
        """The fleet's burn from its ledgers and the token estimates when there are any, else the sum of the
        services' own estimates (agent_cost_estimate_hourly)."""
        daily = fleet_budgets(self.cfg).daily_usd
        if burn_usd_per_h is not None:
            est = ", estimated in part" if any(v.spend_estimate is not None for v in views) else ""
            return _against_budget(f"fleet burn ({BURN_WINDOW}{est})", burn_usd_per_h, daily)
        costs = [v.cost_hourly_usd for v in views if v.cost_hourly_usd is not None]
        return _against_budget("fleet reported cost", sum(costs), daily) if costs else None

    def _step(self, service: str, spec: RuleSpec, measured: tuple[float, str] | None, now: float) -> list[Alert]:
        key = (service, spec.name)
        holds = measured is not None and measured[0] > spec.threshold
        current = self._active.get(key)
        if not holds or measured is None:
            if current is not None:
                del self._active[key]
                if now - current.since >= spec.for_s:
                    self.resolved.append((self._alert(service, spec, current, now), now))
            return []
        value, summary = measured
        if current is None:
            current = self._active[key] = _Active(now, value, summary)
        current.value, current.summary = value, summary
        return [self._alert(service, spec, current, now)]

    def _alert(self, service: str, spec: RuleSpec, a: _Active, now: float) -> Alert:
        state: AlertState = "firing" if now - a.since >= spec.for_s else "pending"
        return Alert(service, spec.name, state, a.since, a.value, a.summary, spec.severity, "builtin", spec.threshold)


def _against_budget(what: str, usd_per_h: float | None, daily: float | None) -> tuple[float, str] | None:
    """`burn (last hour) $3.00/h = 6x the hourly budget ($0.50)`: the rate as a multiple of a day's budget / 24."""
    if usd_per_h is None or not daily:
        return None
    hourly = daily / 24.0
    ratio = usd_per_h / hourly
    return ratio, f"{what} {fmt_money(usd_per_h)}/h = {fmt_ratio(ratio)} the hourly budget ({fmt_money(hourly)})"


def _memory_share(v: ServiceView) -> tuple[float, str] | None:
    """Memory use against a limit, where a backend (Docker, systemd) reports one; inactive otherwise."""
    limit = getattr(v, "memory_limit_bytes", None)
    used = getattr(v, "memory_bytes", None) or v.rss_bytes
    if not limit or used is None:
        return None
    share = used / limit
    return share, f"memory {fmt_percent(share)} of its limit"


def _model_latency(v: ServiceView) -> tuple[float, str] | None:
    """The slowest health check reporting a latency (`latency_ms` or `latency_s`): the model API or proxy call."""
    worst: tuple[float, str] | None = None
    for name, check in v.checks:
        if not isinstance(check, dict):
            continue
        ms, s = _num(check.get("latency_ms")), _num(check.get("latency_s"))
        seconds = ms / 1000.0 if ms is not None else s
        if seconds is not None and (worst is None or seconds > worst[0]):
            worst = (seconds, f"{name} latency {fmt_seconds(seconds)}")
    return worst


def _queue_depth(v: ServiceView, svc: ServiceConfig | None) -> tuple[float, str] | None:
    """Pending tasks as a share of the queue's depth limit; inactive without a limit or a good poll."""
    limit = svc.queue.depth_limit if svc is not None and svc.queue is not None else None
    if v.queue is None or v.queue.depth is None or not limit:
        return None
    return v.queue.depth / limit, f"queue depth {v.queue.depth} > limit {limit}"


def _queue_stalled(v: ServiceView) -> tuple[float, str] | None:
    """Seconds without a dequeue while the depth grew (0 when the queue moves); inactive without a good poll."""
    q = v.queue
    if q is None:
        return None
    if q.stalled_s is None:
        return 0.0, ""
    workers = f", {q.workers} workers alive" if q.workers is not None else ""
    return q.stalled_s, f"no dequeues for {fmt_seconds(q.stalled_s)}, depth {fmt_count(q.depth)}{workers}"


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None
