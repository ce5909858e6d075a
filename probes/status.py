"""Status rules: turn the latest results of a service's sources into one status with a reason.

Each source gives a verdict; the worst wins (CRIT > UNKNOWN > STALE > WARN > OK) and the reasons of the worst
level are joined. UNKNOWN means our probe could not tell (timeout, garbage); CRIT means the service itself says
it is broken or refuses connections; STALE is decided at display time from the age of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from probes.config import Thresholds
from probes.launchd import LaunchdResult
from probes.launchd_parse import LaunchdJob
from probes.model import ContainerInfo, DockerResult, HealthResult, MetricsResult, ProbeError, ProcessResult, Status
from probes.sanitize import clean
from probes.systemd_model import SystemdResult, SystemdUnit
from probes.units import fmt_percent, fmt_seconds

_CRIT_KINDS = {"refused", "http"}
MEMORY_WARN = 0.8  # share of a container's memory limit that warns (the deployment guide alerts above 80%)


@dataclass(frozen=True)
class Verdict:
    status: Status
    reason: str


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
            if value >= INFERENCE_AGE_LIMIT_S:
                out.append(f"{name} {fmt_seconds(value)}")
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


def container_verdict(c: ContainerInfo) -> Verdict:
    """One container: exited/dead/restarting or unhealthy is CRIT; health starting or memory near the limit WARN."""
    who = c.service or c.name
    if c.state in ("exited", "dead"):
        oom = ", OOMKilled" if c.oom_killed else ""
        return Verdict(Status.CRIT, f"{who} {c.state} (code {c.exit_code}{oom})")
    if c.state == "restarting":
        return Verdict(Status.CRIT, f"{who} restarting ({c.restart_count} restarts)")
    if c.state in ("created", "paused", "removing"):
        return Verdict(Status.WARN, f"{who} {c.state}")
    if c.health == "unhealthy":
        out = f": {c.health_output[:80]}" if c.health_output else ""
        return Verdict(Status.CRIT, f"{who} unhealthy{out}")
    if c.health == "starting":
        return Verdict(Status.WARN, f"{who} health starting")
    if c.mem_bytes is not None and c.mem_limit:
        share = c.mem_bytes / c.mem_limit
        if share > MEMORY_WARN:
            return Verdict(Status.WARN, f"{who} memory {fmt_percent(share)} of limit")
    return Verdict(Status.OK, f"{c.state}{f' ({c.health})' if c.health else ''}")


def docker_verdict(r: DockerResult, restarts_recent: int = 0) -> Verdict:
    """A service's containers: the worst of them; the daemon unreachable is UNKNOWN (we cannot tell), no
    matching container is CRIT, and restarts seen in the last window WARN even while the container runs."""
    if r.error is not None:
        return Verdict(Status.UNKNOWN, r.error.message if r.error.kind == "refused" else f"docker: {r.error.message}")
    if not r.containers:
        return Verdict(Status.CRIT, "no container found")
    verdicts = [container_verdict(c) for c in r.containers]
    if restarts_recent > 0:
        verdicts.append(Verdict(Status.WARN, f"{restarts_recent} restarts in 5m"))
    return combine(verdicts)


def combine(verdicts: list[Verdict]) -> Verdict:
    """Worst status wins; reasons at that level are joined, skipping the bland OK ones when others exist."""
    if not verdicts:
        return Verdict(Status.UNKNOWN, "no sources configured")
    worst = max(v.status.rank for v in verdicts)
    top = [v for v in verdicts if v.status.rank == worst]
    reasons = list(dict.fromkeys(v.reason for v in top))
    if top[0].status is Status.OK:
        reasons = reasons[:1]
    return Verdict(top[0].status, "; ".join(reasons))


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


def effective(status: Status, reason: str, age_s: float, interval: float) -> tuple[Status, str]:
    """STALE when the newest data is older than three intervals (the poller is stuck or starved)."""
    if age_s > 3 * interval:
        return Status.STALE, f"no data for {age_s:.0f}s (last: {status.value} {reason})"
    return status, reason


# --- service managers (systemd, launchd): the unit is expected to be running -------------------------------------


def _unit_verdict(u: SystemdUnit) -> Verdict:
    restarts = f", {u.n_restarts} restarts" if u.n_restarts else ""
    if u.load_state == "not-found":
        return Verdict(Status.CRIT, f"{u.name}: unit not found")
    if u.load_state not in ("loaded", ""):
        return Verdict(Status.CRIT, f"{u.name}: {u.load_state}")
    if u.start_limit_hit:
        return Verdict(Status.CRIT, f"{u.name}: start limit hit{restarts}")
    if u.active_state == "failed":
        code = f", status {u.exec_main_status}" if u.exec_main_status else ""
        return Verdict(Status.CRIT, f"{u.name}: failed ({u.result or 'unknown'}{code})")
    if u.active_state == "activating" and u.sub_state == "auto-restart":
        return Verdict(Status.CRIT, f"{u.name}: crash loop (auto-restart{restarts})")
    if u.active_state in ("inactive", "deactivating"):
        return Verdict(Status.CRIT, f"{u.name}: {u.active_state} ({u.sub_state})")
    if u.active_state == "activating":
        return Verdict(Status.WARN, f"{u.name}: activating ({u.sub_state}){restarts}")
    if u.memory_current is not None:
        for limit, name in ((u.memory_max, "MemoryMax"), (u.memory_high, "MemoryHigh")):
            if limit and u.memory_current >= MEMORY_WARN * limit:
                return Verdict(Status.WARN, f"{u.name}: memory {fmt_percent(u.memory_current / limit)} of {name}")
    return Verdict(Status.OK, f"{u.name}: {u.active_state} ({u.sub_state}){restarts}")


def systemd_verdict(r: SystemdResult) -> Verdict:
    """Failed, crash-looping, start-limited or stopped units are CRIT; an unreachable bus is UNKNOWN."""
    if r.error is not None:
        if r.error.kind == "refused":  # the pattern matched nothing: the units are gone
            return Verdict(Status.CRIT, f"systemd: {r.error.message}")
        return Verdict(Status.UNKNOWN, f"systemd: {r.error.message}")
    verdict = combine([_unit_verdict(u) for u in r.units])
    if len(r.units) == 1:  # the unit is the row: no need to name it
        return Verdict(verdict.status, verdict.reason.split(": ", 1)[1])
    if verdict.status is Status.OK:
        return Verdict(Status.OK, f"{len(r.units)} units active")
    return verdict


def _job_verdict(j: LaunchdJob) -> Verdict:
    runs = f", runs {j.runs}" if j.runs else ""
    last = j.last_exit_text
    if not j.loaded:
        return Verdict(Status.CRIT, f"{j.label}: not loaded")
    if j.state == "running":
        return Verdict(Status.OK, f"{j.label}: running (pid {j.pid}{runs})")
    failed = j.last_signal is not None or (j.last_exit not in (None, 0))
    if failed:
        loop = "crash loop, " if j.keepalive and (j.runs or 0) > 1 else ""
        return Verdict(Status.CRIT, f"{j.label}: {loop}{j.state or 'not running'} ({last}{runs})")
    if j.state == "waiting":
        return Verdict(Status.OK, f"{j.label}: waiting (on demand)")
    status = Status.CRIT if j.keepalive else Status.WARN
    return Verdict(status, f"{j.label}: {j.state or 'not running'}" + (f" ({last})" if last else ""))


def launchd_verdict(r: LaunchdResult) -> Verdict:
    """Not loaded, exited with an error or killed by a signal is CRIT; launchctl failing is UNKNOWN."""
    if r.error is not None:
        if r.error.kind == "refused":
            return Verdict(Status.CRIT, f"launchd: {r.error.message}")
        return Verdict(Status.UNKNOWN, f"launchd: {r.error.message}")
    verdict = combine([_job_verdict(j) for j in r.jobs])
    if len(r.jobs) == 1:
        return Verdict(verdict.status, verdict.reason.split(": ", 1)[1])
    if verdict.status is Status.OK:
        return Verdict(Status.OK, f"{len(r.jobs)} jobs running or waiting")
    return verdict
