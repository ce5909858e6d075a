"""The joined view: one row per logical service, built from the latest result of each of its sources.

`FleetState` is owned by the poller (one thread); it hands out frozen `ServiceView`s and `FleetSnapshot`s that
the screen can keep and compare without locks.
"""

from __future__ import annotations

import collections
import dataclasses
import os
import time
from typing import Any

from probes.config import FleetConfig, ServiceConfig, Thresholds
from probes.fleet.alerts import AlertEngine
from probes.fleet.status import breaker_verdict, evaluate, health_verdict, metrics_verdicts
from probes.model import (
    Alert,
    BudgetState,
    ContainerInfo,
    DockerResult,
    HealthResult,
    LaunchdResult,
    LedgerResult,
    LiteLLMResult,
    MetricsResult,
    ProcessResult,
    PromResult,
    QueueResult,
    SpendSummary,
    Status,
    SystemdResult,
    Verdict,
    combine,
    sort_alerts,
)
from probes.sources.docker.status import docker_verdict
from probes.sources.launchd.facts import launchd_facts
from probes.sources.launchd.status import launchd_verdict
from probes.sources.queue.probe import queue_verdicts
from probes.sources.systemd.facts import systemd_facts
from probes.sources.systemd.status import systemd_verdict
from probes.spend.book import merge
from probes.spend.budget import (
    budget_verdict,
    evaluate_budget,
    fleet_budget,
    fleet_budgets,
    seconds_left,
    service_budget,
    unsure,
)
from probes.text.redact import PLAIN, Redactor, redactor_for
from probes.view import HISTORY, SAMPLES, FleetSnapshot, Sample, ServiceView

RESTART_WINDOW_S = 300.0  # restart count growth is measured over this window (shown and warned about)
SOURCES = (
    "health", "metrics", "process", "ledger", "queue", "litellm", "docker", "systemd", "launchd", "prometheus",
    "control",
)  # fmt: skip


class ServiceState:
    """Latest results and bounded history for one service (mutable; poller thread only)."""

    def __init__(self, cfg: ServiceConfig, thresholds: Thresholds, interval: float, redact: Redactor = PLAIN) -> None:
        self.cfg = cfg
        self.redact = redact  # every reason, error and echoed field is redacted as it enters the view
        self.thresholds = thresholds
        self.interval = interval
        self.primary = primary_source(cfg)
        self.health: HealthResult | None = None
        self._health_fields: tuple[tuple[Any, Any], tuple[Any, Any]] = (({}, {}), ({}, {}))  # last seen, redacted
        self.metrics: MetricsResult | None = None
        self.last_good_metrics: MetricsResult | None = None
        self.prom: MetricsResult | None = None
        self.last_good_prom: MetricsResult | None = None
        self.process: ProcessResult | None = None
        self.docker: DockerResult | None = None
        self._restart_marks: collections.deque[tuple[float, int]] = collections.deque(maxlen=HISTORY * 4)
        self.systemd: SystemdResult | None = None
        self.launchd: LaunchdResult | None = None
        self.native_cpu: float | None = None
        self._cpu_mark: tuple[float, str, int | None, int] | None = None
        self.queue: QueueResult | None = None
        self.litellm: LiteLLMResult | None = None
        self.spend_today: float | None = None
        self.calls_today: int | None = None
        self.budget: BudgetState | None = None
        self.ledger_issue: str | None = None  # why the ledger's spend is incomplete, for the row
        self.ledger_failed = False  # and whether that is a failed read
        self.updated = time.monotonic()
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.history: dict[str, collections.deque[float]] = {
            k: collections.deque(maxlen=HISTORY) for k in ("latency", "errors", "spend")
        }
        self.history_at: dict[str, collections.deque[float]] = {
            k: collections.deque(maxlen=HISTORY) for k in self.history
        }
        self.samples: collections.deque[Sample] = collections.deque(maxlen=SAMPLES)
        self._spend_mark: float | None = None
        self._sources_of: dict[bool, tuple[str, ...]] = {}
        self.stale = False  # results arrived since the view was built
        self.sample_due = False  # and one of them was the primary source's: take a history sample at the build
        self._view = self._build()

    def _note_error(self, source: str, error: str | None, at: float) -> None:
        if error:
            self.last_error = self.redact(f"{source}: {error}")
            self.last_error_at = at

    def apply_health(self, r: HealthResult) -> None:
        """An answer saying unhealthy is an error too: the detail's Last error keeps its cause."""
        if r.checks or r.extra:  # the service's own words: an echoed request, a connection string
            fields = (r.checks, r.extra)
            if fields != self._health_fields[0]:  # most answers repeat the last one: redacted once
                self._health_fields = (fields, (self.redact.value(r.checks), self.redact.value(r.extra)))
            checks, extra = self._health_fields[1]
            r = dataclasses.replace(r, checks=checks, extra=extra)
        self.health = r
        said = r.error.message if r.error else health_verdict(r).reason if r.status == "unhealthy" else None
        self._note_error("health", said, r.at)

    def apply_metrics(self, r: MetricsResult) -> None:
        self.metrics = r
        self._note_error("metrics", r.error.message if r.error else None, r.at)
        if r.ok:
            self.last_good_metrics = r
            d = r.derived
            self._plot("latency", d.latency_p95_s or 0.0, r.at)
            self._plot("errors", d.error_rate or 0.0, r.at)

    def _plot(self, series: str, value: float, at: float) -> None:
        self.history[series].append(value)
        self.history_at[series].append(at)

    def apply_prometheus(
        self, r: MetricsResult, history: dict[str, tuple[float, ...]] | None, step_s: float = 0.0
    ) -> None:
        """PromQL results: the numbers of a direct scrape, used where the service has no good direct scrape;
        `history` holds range-query series of points `step_s` apart, ending now."""
        self.prom = r
        self._note_error("prometheus", r.error.message if r.error else None, r.at)
        if not r.ok:
            return
        self.last_good_prom = r
        if self.cfg.metrics is not None:
            return  # the direct scrape feeds the sparklines
        if history:
            for key, values in history.items():
                if key in self.history:
                    self.history[key].clear()
                    self.history[key].extend(values)
                    self.history_at[key].clear()
                    self.history_at[key].extend(r.at - (len(values) - 1 - i) * step_s for i in range(len(values)))
        else:
            self._plot("latency", r.derived.latency_p95_s or 0.0, r.at)
            self._plot("errors", r.derived.error_rate or 0.0, r.at)

    def _numbers(self) -> tuple[MetricsResult | None, str | None]:
        """The metrics to show: the direct scrape while it answers, else Prometheus's."""
        direct_ok = self.metrics is not None and self.metrics.ok
        if self.last_good_metrics is not None and (direct_ok or self.last_good_prom is None):
            return self.last_good_metrics, "metrics"
        if self.last_good_prom is not None and (self.prom is None or self.prom.ok or self.last_good_metrics is None):
            return self.last_good_prom, "prometheus"
        return self.last_good_metrics, "metrics" if self.last_good_metrics else None

    def _prometheus_verdicts(self) -> list[Verdict]:
        """Prometheus failing is our failure to tell (UNKNOWN), a warning only beside a direct scrape."""
        r = self.prom
        if r is None:
            return []
        only = self.cfg.metrics is None
        if r.error is not None:
            return [Verdict(Status.UNKNOWN if only else Status.WARN, f"prometheus: {r.error.message}")]
        if not only:
            return []
        if r.series == 0:
            primary = self.cfg.health is None and self.cfg.process is None
            return [Verdict(Status.UNKNOWN, "prometheus: no series for this service")] if primary else []
        return metrics_verdicts(r, self.thresholds, primary=False)

    def apply_process(self, r: ProcessResult) -> None:
        self.process = r

    def apply_docker(self, r: DockerResult) -> None:
        self.docker = r
        self._note_error("docker", r.error.message if r.error else None, r.at)
        if r.ok and r.containers:
            total = sum(c.restart_count for c in r.containers)
            marks = self._restart_marks
            while marks and marks[0][0] < r.at - RESTART_WINDOW_S:
                marks.popleft()
            if marks and total < marks[-1][1]:  # containers replaced (counts start again): a new baseline
                marks.clear()
            marks.append((r.at, total))

    def restarts_recent(self) -> int:
        marks = self._restart_marks
        return marks[-1][1] - marks[0][1] if marks else 0

    def apply_systemd(self, r: SystemdResult) -> None:
        """Also derives the unit's CPU % from CPUUsageNSec between two polls (one-unit rows only)."""
        unit = r.units[0] if len(r.units) == 1 else None
        if unit is None or unit.cpu_usage_nsec is None:
            self._cpu_mark, self.native_cpu = None, None
        else:
            mark = (unit.read_at, unit.name, unit.main_pid, unit.cpu_usage_nsec)
            prev = self._cpu_mark
            if prev is None or prev[1:3] != mark[1:3]:
                self._cpu_mark, self.native_cpu = mark, None  # first reading, or restarted: a new baseline
            elif mark[0] > prev[0]:  # properties read again (not kept from an earlier poll)
                self.native_cpu = max(0.0, (mark[3] - prev[3]) / 1e9 / (mark[0] - prev[0]) * 100)
                self._cpu_mark = mark
        self.systemd = r
        self._note_error("systemd", r.error.message if r.error else None, r.at)

    def apply_launchd(self, r: LaunchdResult) -> None:
        self.launchd = r
        self._note_error("launchd", r.error.message if r.error else None, r.at)

    def _memory_limit(self) -> int | None:
        """systemd MemoryMax (else MemoryHigh) of a one-unit row, else the running containers' limits summed."""
        units = self.systemd.units if self.systemd is not None else ()
        if len(units) == 1:
            return units[0].memory_max or units[0].memory_high
        if self.docker is not None and self.docker.ok:
            limits = [c.mem_limit for c in self.docker.containers if c.state == "running"]
            if limits and all(lim is not None for lim in limits):
                return sum(lim for lim in limits if lim is not None)
        return None

    def _native(self) -> tuple[list[Verdict], tuple[tuple[str, str], ...], int | None, int | None]:
        """The service manager's verdicts, facts, main pid and memory (None when not configured or not polled)."""
        verdicts: list[Verdict] = []
        facts: list[tuple[str, str]] = []
        pid: int | None = None
        mem: int | None = None
        if self.systemd is not None:
            verdicts.append(systemd_verdict(self.systemd))
            facts += systemd_facts(self.systemd)
            if len(self.systemd.units) == 1:
                pid, mem = self.systemd.units[0].main_pid, self.systemd.units[0].memory_current
        if self.launchd is not None:
            verdicts.append(launchd_verdict(self.launchd))
            facts += launchd_facts(self.launchd)
            if len(self.launchd.jobs) == 1 and pid is None:
                pid = self.launchd.jobs[0].pid
        return verdicts, tuple(facts), pid, mem

    def apply_queue(self, r: QueueResult) -> None:
        self.queue = r
        self._note_error("queue", r.error.message if r.error else None, r.at)

    def apply_litellm(self, r: LiteLLMResult) -> None:
        """The proxy's liveness/readiness and metrics are a health and a metrics result; spend is its own ledger."""
        self.litellm = r
        self.apply_health(r.health)
        self.apply_metrics(r.metrics)
        if r.summary is not None:
            self.spend_today = r.summary.today.usd
            self.calls_today = r.summary.today.calls
            b, t = self.cfg.budgets, r.summary
            self.budget = evaluate_budget(b, t.today.usd, t.month_usd, t.burn_usd_per_h, seconds_left(t)) if b else None

    def _more_verdicts(self) -> list[Verdict]:
        """Verdicts of the sources that are not part of evaluate(): the Redis queues."""
        out: list[Verdict] = []
        if self.queue is not None and self.cfg.queue is not None:
            out.extend(queue_verdicts(self.queue, self.cfg.queue))
        return out

    def apply_ledger(self, r: LedgerResult, ledger_service: str) -> None:
        gap = r.error.message if r.error is not None else r.gap()
        self.ledger_issue = f"ledger: {gap}" + ("" if r.error is not None else "; spend incomplete") if gap else None
        self.ledger_failed = r.error is not None
        if not r.ok and r.error is not None:
            self._note_error("ledger", r.error.message, r.at)
            if r.summary is not None:
                self.budget = unsure(service_budget(self.cfg.budgets, r.summary, ledger_service), r.error.message)
            return
        spend = r.spend_today.get(ledger_service, 0.0)
        if self._spend_mark is not None:
            self._plot("spend", max(0.0, spend - self._spend_mark), r.at)
        self._spend_mark = spend
        self.spend_today = spend
        self.calls_today = r.calls_today.get(ledger_service, 0)
        self.budget = service_budget(self.cfg.budgets, r.summary, ledger_service)
        if gap:
            self.budget = unsure(self.budget, gap)

    @property
    def view(self) -> ServiceView:
        """The row as of the last result (built now if results arrived since)."""
        return self._rebuild() if self.stale else self._view

    def _rebuild(self) -> ServiceView:
        v = self._view = self._build()
        self.stale = self.sample_due = False
        return v

    def _sources(self) -> tuple[str, ...]:
        """The configured sources, and Prometheus once it has answered: the same for the row's life, so cached."""
        key = bool(self.prom)
        got = self._sources_of.get(key)
        if got is None:
            cfg = self.cfg
            got = self._sources_of[key] = tuple(
                s for s in SOURCES if getattr(cfg, s) is not None or (s == "prometheus" and key)
            )
        return got

    def _breakers(self) -> dict[str, str]:
        out: dict[str, str] = {}
        m, _ = self._numbers()
        if m is not None:
            out.update(m.breakers)
        if self.health is not None and self.health.ok:
            out.update(self.health.breakers)
        return out

    def _build(self) -> ServiceView:
        cfg = self.cfg
        breakers = self._breakers()
        prom = self._prometheus_verdicts()
        docker = [docker_verdict(self.docker, self.restarts_recent())] if self.docker is not None else []
        more = self._more_verdicts()
        native, facts, native_pid, native_mem = self._native()
        # beside other sources, a ledger that cannot be read warns
        unread = [Verdict(Status.WARN, self.ledger_issue)] if self.ledger_failed and self.ledger_issue else []
        if self.health is None and self.metrics is None and self.process is None and (prom or docker or more):
            b = breaker_verdict(breakers, self.thresholds) if (prom or docker) else None
            budget = budget_verdict(self.budget)
            verdict = combine(
                [*more, *prom, *docker, *native, *([b] if b else []), *([budget] if budget else []), *unread]
            )
        elif self.health is None and self.metrics is None and self.process is None and not native:
            budget = budget_verdict(self.budget)
            if self.ledger_issue:  # a ledger-only row: spend it cannot vouch for is all it has (but a blown budget)
                blown = [budget] if budget is not None and budget.status is Status.CRIT else []
                verdict = combine([Verdict(Status.UNKNOWN, self.ledger_issue), *blown])
            elif self.spend_today is None:
                verdict = Verdict(Status.UNKNOWN, "waiting for first poll")
            else:  # a ledger-only row: its budget is all there is to judge
                verdict = combine([Verdict(Status.OK, "ledger only"), *([budget] if budget else [])])
        else:
            verdict = evaluate(
                self.health,
                self.metrics,
                self.process,
                breakers,
                self.thresholds,
                budget_verdict(self.budget),
                native,
            )
            if prom or docker or more:  # the queue first: at OK its line (depth, rates, workers) says more
                verdict = combine([*more, verdict, *prom, *docker])
            if unread:
                verdict = combine([verdict, *unread])
        m, metrics_source = self._numbers()
        h = self.health if self.health is not None and self.health.ok else None
        p = self.process if self.process is not None and self.process.ok else None
        active = h.active_tasks if h is not None and h.active_tasks is not None else (m.active_tasks if m else None)
        containers = self.docker.containers if self.docker is not None and self.docker.ok else ()
        cpu, mem, uptime = _docker_usage(containers, time.time())
        q = self.queue if self.queue is not None and self.queue.ok else None
        if active is None and q is not None:
            active = q.depth  # a queue-only row: its TASKS column is the backlog
        latency = m.derived.latency_p95_s if m else None
        error_rate = m.derived.error_rate if m else None
        reason = self.redact(verdict.reason)
        if self.sample_due:  # the primary source reported since the last build: one more recent-samples row
            self.samples.append(Sample(time.time(), verdict.status, latency, error_rate, active, reason))
        return ServiceView(
            name=cfg.name,
            kind=cfg.kind,
            description=cfg.description,
            status=verdict.status,
            reason=reason,
            updated=self.updated,
            interval=self.interval,
            latency_p95_s=latency,
            error_rate=error_rate,
            requests_per_s=m.derived.requests_per_s if m else None,
            tokens_per_min=m.derived.tokens_per_min if m else None,
            active_tasks=active,
            cost_hourly_usd=m.cost_hourly_usd if m else None,
            breakers=tuple(sorted(breakers.items())),
            draining=bool(h.draining) if h else False,
            cpu_percent=p.cpu_percent if p else (cpu if cpu is not None else self.native_cpu),
            rss_bytes=p.rss_bytes if p else (mem if mem is not None else native_mem),
            pid=p.pid if p else native_pid,
            spend_today_usd=self.spend_today,
            calls_today=self.calls_today,
            checks=tuple(h.checks.items()) if h else (),
            extra=tuple(h.extra.items()) if h else (),
            uptime_s=h.uptime_s if h and h.uptime_s is not None else uptime,
            health_http_status=self.health.http_status if self.health else None,
            last_error=self.last_error,
            last_error_at=self.last_error_at,
            sources=self._sources(),
            history=tuple((k, tuple(v)) for k, v in self.history.items()),
            history_span_s=tuple((k, at[-1] - at[0]) for k, at in self.history_at.items() if at),
            thresholds=self.thresholds,
            samples=tuple(self.samples),
            budget=self.budget,
            health_error_kind=self.health.error.kind if self.health and self.health.error else None,
            metrics_source=metrics_source,
            containers=containers,
            restarts_recent=self.restarts_recent(),
            native=tuple((k, self.redact(v)) for k, v in facts),
            memory_limit_bytes=self._memory_limit(),
            queue=q,
            litellm=self.litellm,
            spend_partial=self.ledger_issue is not None,
        )


def _docker_usage(containers: tuple[ContainerInfo, ...], now: float) -> tuple[float | None, int | None, float | None]:
    """CPU % and memory summed over the service's running containers, and the uptime of the newest one."""
    cpus = [c.cpu_percent for c in containers if c.cpu_percent is not None]
    mems = [c.mem_bytes for c in containers if c.mem_bytes is not None]
    starts = [c.started_at for c in containers if c.state == "running" and c.started_at is not None]
    uptime = max(0.0, now - max(starts)) if starts else None
    return (sum(cpus) if cpus else None), (sum(mems) if mems else None), uptime


def primary_source(cfg: ServiceConfig) -> str:
    """The source whose polls add a row to the detail screen's recent samples."""
    for kind in ("metrics", "litellm", "health", "docker", "prometheus", "queue", "systemd", "launchd"):
        if getattr(cfg, kind) is not None:
            return kind
    return "prometheus"


class FleetState:
    """All services' states plus the routing of probe results to them."""

    def __init__(self, cfg: FleetConfig, redact: Redactor | None = None) -> None:
        self.cfg = cfg
        self.redact = redactor_for(cfg, os.environ) if redact is None else redact
        self.services: dict[str, ServiceState] = {}
        for svc in cfg.services:
            prom = cfg.prometheus_of(svc)
            interval = min(
                [
                    cfg.interval_of(s.interval)
                    for s in (svc.health, svc.metrics, prom, svc.queue, svc.litellm)
                    if s is not None
                ]
                or [cfg.refresh_interval]
            )
            self.services[svc.name] = ServiceState(svc, cfg.thresholds_of(svc), interval, self.redact)
        self.ledger_summaries: dict[str, SpendSummary] = {}
        self.ledger_routes: dict[str, list[tuple[str, str]]] = {}
        self.ledger_notes: dict[str, tuple[str | None, tuple[str, ...]]] = {}  # path -> (what is missing, read too)
        for svc in cfg.services:
            if svc.ledger is not None:
                self.ledger_routes.setdefault(svc.ledger.path, []).append((svc.name, svc.ledger.service or svc.name))
        self.engine = AlertEngine(cfg)
        self.prom_alerts: dict[str, tuple[Alert, ...]] = {}
        self._shown: dict[str, tuple[ServiceView, tuple[object, ...], ServiceView]] = {}  # view, its alerts' key, shown

    def apply(self, key: str, result: object) -> list[str]:
        """Route one probe result; returns the names of the services it changed."""
        kind, _, target = key.partition(":")
        changed: list[str] = []
        if kind == "health" and isinstance(result, HealthResult):
            self.services[target].apply_health(result)
            changed = [target]
        elif kind == "metrics" and isinstance(result, MetricsResult):
            self.services[target].apply_metrics(result)
            changed = [target]
        elif kind == "process" and isinstance(result, dict):
            for name, r in result.items():
                self.services[name].apply_process(r)
                changed.append(name)
        elif kind == "docker" and isinstance(result, dict):
            for name, r in result.items():
                self.services[name].apply_docker(r)
                changed.append(name)
        elif kind in ("systemd", "launchd") and isinstance(result, dict):
            for name, r in result.items():
                if isinstance(r, SystemdResult):
                    self.services[name].apply_systemd(r)
                elif isinstance(r, LaunchdResult):
                    self.services[name].apply_launchd(r)
                else:
                    continue
                changed.append(name)
        elif kind == "litellm" and isinstance(result, LiteLLMResult):
            if result.summary is not None:
                self.ledger_summaries[key] = result.summary
            self.services[target].apply_litellm(result)
            changed = [target]
        elif kind == "queue" and isinstance(result, QueueResult):
            self.services[target].apply_queue(result)
            changed = [target]
        elif kind == "ledger" and isinstance(result, LedgerResult):
            if result.summary is not None:
                self.ledger_summaries[target] = result.summary
            self.ledger_notes[target] = (result.error.message if result.error else result.gap(), result.notes)
            for name, ledger_service in self.ledger_routes.get(target, []):
                self.services[name].apply_ledger(result, ledger_service)
                changed.append(name)
        elif kind == "prometheus" and isinstance(result, PromResult):
            self.prom_alerts[target] = tuple(
                dataclasses.replace(a, summary=self.redact(a.summary)) for a in result.alerts
            )
            for name, r in result.services.items():
                self.services[name].apply_prometheus(r, result.history.get(name), result.history_step_s)
                changed.append(name)
        now = time.monotonic()
        for name in changed:  # rows are built when next read (the snapshot), once a round and not per result;
            state = self.services[name]  # a report of the primary source takes a history sample at that build
            state.updated, state.stale = now, True
            state.sample_due = state.sample_due or kind == state.primary
        return changed

    def snapshot(self, now: float | None = None) -> FleetSnapshot:
        """The fleet as of now: the alert rules are evaluated here, and firing alerts are put on their rows."""
        base = [s.view for s in self.services.values()]
        spend = merge(self.ledger_summaries.values())
        burn = spend.burn_usd_per_h if spend is not None else None  # the Spend screen's burn is the alerts' too
        alerts = sort_alerts(
            [
                *self.engine.evaluate(base, time.time() if now is None else now, burn),
                *(a for t in self.prom_alerts.values() for a in t),
            ]
        )
        mine: dict[str, list[Alert]] = {}
        for a in alerts:
            mine.setdefault(a.service, []).append(a)
        views = tuple(self._with_alerts(v, tuple(mine.get(v.name, ()))) for v in base)
        spends = [v.spend_today_usd for v in views if v.spend_today_usd is not None]
        budget = fleet_budget(self.cfg, spend)
        gaps = [f"{path}: {gap}" for path, (gap, _) in self.ledger_notes.items() if gap]
        if gaps:
            budget = unsure(budget, "; ".join(gaps))
        notes = [f"{path}: {n}" for path, (_, read) in self.ledger_notes.items() for n in read]
        return FleetSnapshot(
            services=views,
            daily_budget_usd=fleet_budgets(self.cfg).daily_usd,
            spend_today_usd=sum(spends) if spends else None,
            spend=spend,
            budget=budget,
            alerts=alerts,
            spend_partial=bool(gaps),
            spend_notes=tuple(notes + [f"{g}; spend incomplete" for g in gaps]),
        )

    def _with_alerts(self, view: ServiceView, mine: tuple[Alert, ...]) -> ServiceView:
        """The view with its alerts; a firing one sets the status (WARN, or CRIT if critical) and leads the reason.

        The same object is returned while neither the view nor its alerts change, so the table skips the row."""
        key: tuple[object, ...] = tuple((a.key, a.state, a.summary) for a in mine)
        cached = self._shown.get(view.name)
        if cached is not None and cached[0] is view and cached[1] == key:
            return cached[2]
        firing = [a for a in mine if a.state == "firing"]
        out = dataclasses.replace(view, alerts=mine) if mine else view
        if firing:
            worst = max((a.status for a in firing), key=lambda st: st.rank)
            text = "alert " + ", ".join(f"{a.name} ({a.summary})" for a in firing[:3])
            status = worst if worst.rank > view.status.rank else view.status
            said = {a.summary for a in firing[:3]}  # a cause the alert names is not repeated after it
            rest = [part for part in view.reason.split("; ") if part not in said]
            reason = text if view.status is Status.OK or not rest else "; ".join([text, *rest])
            out = dataclasses.replace(out, status=status, reason=reason)
        self._shown[view.name] = (view, key, out)
        return out
