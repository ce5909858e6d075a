"""Status rules: turn the latest results of a service's sources into one status with a reason.

Each source gives a verdict; the worst wins (CRIT > UNKNOWN > STALE > WARN > OK) and the reasons of the worst
level are joined. UNKNOWN means our probe could not tell (timeout, garbage); CRIT means the service itself says
it is broken or refuses connections. `source_verdict` is what a row's sources say together; its alerts and
the age of its data are added by probes.model.decide.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from probes.config import ServiceConfig, Thresholds
from probes.model import (
    HealthResult,
    MetricsResult,
    ProbeError,
    ProcessResult,
    Status,
    Verdict,
    combine,
)
from probes.text.sanitize import clean
from probes.text.units import fmt_percent, fmt_seconds

_CRIT_KINDS = {"refused", "http"}


def _error_verdict(source: str, error: ProbeError, primary: bool) -> Verdict:
    """A failed poll: refusal or an HTTP error from the service is CRIT; our own failure to tell is UNKNOWN.

    A secondary source (metrics beside a health check) failing only warns, since the health check still answers.
    """
    if not primary:
        return Verdict(Status.WARN, f"{source}: {error.message}")
    status = Status.CRIT if error.kind in _CRIT_KINDS else Status.UNKNOWN
    return Verdict(status, f"{source}: {error.message}")


def health_verdict(h: HealthResult) -> Verdict:
    if h.error is not None:
        return _error_verdict("health", h.error, primary=True)
    if h.status == "unhealthy":
        return Verdict(Status.CRIT, f"unhealthy{health_cause(h, unhealthy=True)}")
    if h.status == "degraded":
        return Verdict(Status.WARN, f"degraded{health_cause(h)}")
    if h.draining:
        return Verdict(Status.WARN, "draining")
    return Verdict(Status.OK, "healthy")


def health_cause(h: HealthResult, unhealthy: bool = False) -> str:
    """Why a health answer is not healthy, as ` (HTTP 503; db failing; the body's message; draining; anthropic
    half-open)`: an operator seeing CRIT must not have to curl the endpoint to learn what it said. Says so when the
    body gives no cause."""
    parts: list[str] = []
    failing = failing_checks(h.checks)
    if failing:
        parts.append(f"{', '.join(failing[:3])}{' …' if len(failing) > 3 else ''} failing")
    if h.message:
        parts.append(h.message)
    if h.draining:
        parts.append("draining")
    half = sorted(dep for dep, state in h.breakers.items() if state == "half_open")  # open ones have a verdict
    if half:
        parts.append(f"{', '.join(half[:3])} half-open")
    if unhealthy:
        http = f"HTTP {h.http_status}" if h.http_status is not None and h.http_status >= 400 else ""
        if not parts:
            return f" ({http}, no cause given)" if http else " (no cause given)"
        if http:
            parts.insert(0, http)
    return f" ({'; '.join(parts)})" if parts else ""


INFERENCE_AGE_LIMIT_S = 300.0
"""The deployment guide's health check counts an agent without an inference for 5 minutes as not healthy."""


def failing_checks(checks: dict[str, Any]) -> list[str]:
    """The names of the failing checks, each with its own message when it has one (`db (timeout)`)."""
    out: list[str] = []
    for name, value in checks.items():
        if name == "last_inference_age_s" and isinstance(value, (int, float)) and not isinstance(value, bool):
            if value >= INFERENCE_AGE_LIMIT_S:  # the number and the guide's limit, so the rule can be checked
                out.append(f"{name} {value:.0f} s >= {INFERENCE_AGE_LIMIT_S:.0f} s")
        elif _check_failed(value):
            said = _check_message(value)
            out.append(f"{name} ({said})" if said else name)
    return out


def _check_failed(value: object) -> bool:
    if isinstance(value, bool):
        return not value
    if isinstance(value, dict):
        ok = value.get("ok", value.get("healthy", value.get("status")))
        return ok is False or (isinstance(ok, str) and ok.lower() in {"fail", "error", "down", "unhealthy"})
    return isinstance(value, str) and value.lower() in {"fail", "error", "down", "unhealthy"}


def _check_message(value: object) -> str:
    if not isinstance(value, dict):
        return ""
    for key in ("message", "error", "detail", "reason"):
        said = value.get(key)
        if isinstance(said, str) and said.strip():
            return clean(said.strip().splitlines()[0], 60)
    return ""


def metrics_verdicts(m: MetricsResult, t: Thresholds, primary: bool) -> list[Verdict]:
    if m.error is not None:
        return [_error_verdict("metrics", m.error, primary)]
    d = m.derived
    out = [
        v
        for v in (
            _over("error rate", d.error_rate, t.error_rate_warn, t.error_rate_crit, fmt_percent),
            _over("p95", d.latency_p95_s, t.latency_p95_warn_s, t.latency_p95_crit_s, fmt_seconds),
        )
        if v is not None
    ]
    if m.note:
        out.append(Verdict(Status.WARN, f"metrics: {m.note}"))
    return out or [Verdict(Status.OK, "metrics ok")]


def _over(label: str, value: float | None, warn: float, crit: float, fmt: Callable[[float], str]) -> Verdict | None:
    """`error rate 7.5% >= 5%`: the value and the line it crossed, written the way the columns write them."""
    if value is None or value < warn:
        return None
    status, line = (Status.CRIT, crit) if value >= crit else (Status.WARN, warn)
    return Verdict(status, f"{label} {fmt(value)} >= {fmt(line)}")


def breaker_verdict(breakers: dict[str, str], t: Thresholds) -> Verdict | None:
    opened = sorted(dep for dep, state in breakers.items() if state == "open")
    if not opened or t.breaker_open == "ok":
        return None
    status = Status.CRIT if t.breaker_open == "crit" else Status.WARN
    return Verdict(status, f"breaker open: {', '.join(opened)}")


def process_verdict(p: ProcessResult, primary: bool) -> Verdict:
    if p.error is not None:
        return _error_verdict("process", p.error, primary)
    return Verdict(Status.OK, "running")


def evaluate(
    health: HealthResult | None,
    metrics: MetricsResult | None,
    process: ProcessResult | None,
    breakers: dict[str, str],
    t: Thresholds,
    budget: Verdict | None = None,
    native: list[Verdict] | None = None,
) -> Verdict:
    """The service's status from whatever sources it has (None = not configured or not polled yet).

    `budget` is the verdict of the service's spend budgets (None while they are fine or not configured);
    `native` the verdicts of its service manager (systemd unit, launchd job)."""
    verdicts: list[Verdict] = list(native or [])
    if health is not None:
        verdicts.append(health_verdict(health))
    if metrics is not None:
        verdicts.extend(metrics_verdicts(metrics, t, primary=health is None))
    if process is not None:
        verdicts.append(process_verdict(process, primary=health is None and metrics is None))
    b = breaker_verdict(breakers, t)
    if b is not None:
        verdicts.append(b)
    if budget is not None:
        verdicts.append(budget)
    return combine(verdicts)


def prometheus_verdicts(r: MetricsResult | None, cfg: ServiceConfig, t: Thresholds) -> list[Verdict]:
    """Prometheus failing is our failure to tell (UNKNOWN), a warning only beside a direct scrape."""
    if r is None:
        return []
    only = cfg.metrics is None
    if r.error is not None:
        return [Verdict(Status.UNKNOWN if only else Status.WARN, f"prometheus: {r.error.message}")]
    if not only:
        return []
    if r.series == 0:
        primary = cfg.health is None and cfg.process is None
        return [Verdict(Status.UNKNOWN, "prometheus: no series for this service")] if primary else []
    return metrics_verdicts(r, t, primary=False)


class Sources(NamedTuple):
    """What a row's sources say, grouped the way `source_verdict` combines them (a tuple: one is made for every
    build of every row)."""

    health: HealthResult | None
    metrics: MetricsResult | None
    process: ProcessResult | None
    breakers: dict[str, str]
    thresholds: Thresholds
    lead: list[Verdict]
    """The queue's: first, since at OK its line (depth, rates, workers) says the most."""
    beside: list[Verdict]
    """Prometheus's and Docker's: after the direct sources' verdict; they bring the breakers in without one."""
    managers: list[Verdict]
    """The service managers' (systemd, launchd): part of the direct sources' verdict."""
    budget: Verdict | None
    unread: list[Verdict]
    """A ledger that cannot be read warns, beside other sources."""
    ledger_issue: str | None
    spend_known: bool


def source_verdict(s: Sources) -> Verdict:
    """What a row's sources say together (before its alerts and the age of its data: probes.model.decide)."""
    direct = s.health is not None or s.metrics is not None or s.process is not None
    if not direct and (s.lead or s.beside):
        b = breaker_verdict(s.breakers, s.thresholds) if s.beside else None
        return combine([*s.lead, *s.beside, *s.managers, *([b] if b else []), *([s.budget] if s.budget else []),
                        *s.unread])  # fmt: skip
    if not direct and not s.managers:
        return _ledger_only(s)
    verdict = evaluate(s.health, s.metrics, s.process, s.breakers, s.thresholds, s.budget, s.managers)
    if s.lead or s.beside:
        verdict = combine([*s.lead, verdict, *s.beside])
    if s.unread:
        verdict = combine([verdict, *s.unread])
    return verdict


def _ledger_only(s: Sources) -> Verdict:
    """A row with no other source: spend it cannot vouch for is all it has (but a blown budget), else its budget."""
    if s.ledger_issue:
        blown = [s.budget] if s.budget is not None and s.budget.status is Status.CRIT else []
        return combine([Verdict(Status.UNKNOWN, s.ledger_issue), *blown])
    if not s.spend_known:
        return Verdict(Status.UNKNOWN, "waiting for first poll")
    return combine([Verdict(Status.OK, "ledger only"), *([s.budget] if s.budget else [])])
