"""One service's row: the latest results of its sources, as their backends' merges wrote them, and its frozen view.

`ServiceState` is the `Row` of probes.backend: a backend's merge writes its result here, and the view is built
again from all of them when it is next read (once a round, for the snapshot). Owned by the poller thread.
"""

from __future__ import annotations

import collections
import dataclasses
import time
from typing import Any

from probes.backend import Backend
from probes.config import FleetConfig, ServiceConfig, Thresholds
from probes.fleet.status import Sources, health_verdict, prometheus_verdicts, source_verdict
from probes.model import (
    BudgetState,
    DockerResult,
    HealthResult,
    LiteLLMResult,
    MetricsResult,
    ProcessResult,
    QueueResult,
    SpendEstimate,
    Status,
    Verdict,
)
from probes.registry import BACKENDS
from probes.sources import docker
from probes.sources.docker.status import docker_verdict
from probes.sources.queue.status import queue_verdicts
from probes.spend.budget import budget_verdict, estimate_budget
from probes.text.redact import PLAIN, Redactor
from probes.view import HISTORY, SAMPLES, Sample, ServiceView


def primary_source(cfg: ServiceConfig, backends: tuple[Backend, ...] = BACKENDS) -> str:
    """The source whose polls add a row to the detail screen's recent samples: the lowest-ranked backend the
    service configures, else Prometheus (a fleet-wide server may serve it)."""
    ranked = sorted((b for b in backends if b.rank is not None), key=lambda b: b.rank or 0)
    return next((b.name for b in ranked if getattr(cfg, b.name) is not None), "prometheus")


SERIES = ("latency", "errors", "spend")
"""The sparklines' series."""


class ServiceState:
    """Latest results and bounded history for one service (mutable; poller thread only)."""

    def __init__(
        self,
        cfg: ServiceConfig,
        thresholds: Thresholds,
        interval: float,
        redact: Redactor = PLAIN,
        fleet: FleetConfig | None = None,
        backends: tuple[Backend, ...] = BACKENDS,
    ) -> None:
        self.cfg = cfg
        self.fleet_cfg = fleet or FleetConfig(services=[cfg])
        self.backends = backends
        self.redact = redact  # every reason, error and echoed field is redacted as it enters the view
        self.thresholds = thresholds
        self.interval = interval
        self.primary = primary_source(cfg, backends)
        self.health: HealthResult | None = None
        self._health_fields: tuple[tuple[Any, Any], tuple[Any, Any]] = (({}, {}), ({}, {}))  # last seen, redacted
        self.metrics: MetricsResult | None = None
        self.last_good_metrics: MetricsResult | None = None
        self.prom: MetricsResult | None = None
        self.last_good_prom: MetricsResult | None = None
        self.process: ProcessResult | None = None
        self.docker: DockerResult | None = None
        self.managed: dict[str, Any] = {}
        self.native_cpu: float | None = None
        self.queue: QueueResult | None = None
        self.litellm: LiteLLMResult | None = None
        self.spend_today: float | None = None
        self.spend_estimate: SpendEstimate | None = None
        self.calls_today: int | None = None
        self.budget: BudgetState | None = None
        self.ledger_issue: str | None = None  # why the ledger's spend is incomplete, for the row
        self.ledger_failed = False  # and whether that is a failed read
        self.parts: dict[str, Any] = {}
        self.log_breakers: dict[str, str] = {}
        self.log_facts: tuple[tuple[str, str], ...] = ()
        self.log_rate_limits = 0
        self.updated = time.monotonic()
        self.last_error: str | None = None
        self.last_error_at: float | None = None
        self.history: dict[str, collections.deque[float]] = {k: collections.deque(maxlen=HISTORY) for k in SERIES}
        self.history_at: dict[str, collections.deque[float]] = {k: collections.deque(maxlen=HISTORY) for k in SERIES}
        self.samples: collections.deque[Sample] = collections.deque(maxlen=SAMPLES)
        self.reported: set[str] = set()  # the backends that have sent a result for this service
        self._sources: tuple[str, ...] | None = None
        self.stale = False  # results arrived since the view was built
        self.sample_due = False  # and one of them was the primary source's: take a history sample at the build
        self._view = self._build()

    # --- what backends' merges write (probes.backend.Row) ---------------------------------------------------------

    def note_error(self, source: str, error: str | None, at: float) -> None:
        if error:
            self.last_error = self.redact(f"{source}: {error}")
            self.last_error_at = at

    def take_health(self, r: HealthResult) -> None:
        """An answer saying unhealthy is an error too: the detail's Last error keeps its cause."""
        if r.checks or r.extra:  # the service's own words: an echoed request, a connection string
            fields = (r.checks, r.extra)
            if fields != self._health_fields[0]:  # most answers repeat the last one: redacted once
                self._health_fields = (fields, (self.redact.value(r.checks), self.redact.value(r.extra)))
            checks, extra = self._health_fields[1]
            r = dataclasses.replace(r, checks=checks, extra=extra)
        self.health = r
        said = r.error.message if r.error else health_verdict(r).reason if r.status == "unhealthy" else None
        self.note_error("health", said, r.at)

    def take_metrics(self, r: MetricsResult) -> None:
        self.metrics = r
        self.note_error("metrics", r.error.message if r.error else None, r.at)
        if r.ok:
            self.last_good_metrics = r
            d = r.derived
            self.plot("latency", d.latency_p95_s or 0.0, r.at)
            self.plot("errors", d.error_rate or 0.0, r.at)
            if r.spend_estimate is not None:
                self.take_estimate(r.spend_estimate)

    def take_estimate(self, est: SpendEstimate) -> None:
        """Spend estimated from the token counter (no ledger reads this service): its own kind, and its budget."""
        last = self.spend_estimate
        if last is not None and last.since == est.since:  # the sparkline plots what it grew since the last scrape
            self.plot("spend", max(0.0, est.usd - last.usd), est.at)
        self.spend_estimate = est
        self.budget = estimate_budget(self.cfg.budgets, est)

    def plot(self, series: str, value: float, at: float) -> None:
        self.history[series].append(value)
        self.history_at[series].append(at)

    def reported_by(self, backend: str) -> None:
        """A backend sent its first result for this service: the sources listed on the row may change."""
        if backend not in self.reported:
            self.reported.add(backend)
            self._sources = None

    # --- the view ------------------------------------------------------------------------------------------------

    @property
    def view(self) -> ServiceView:
        """The row as of the last result (built now if results arrived since)."""
        return self._rebuild() if self.stale else self._view

    def _rebuild(self) -> ServiceView:
        v = self._view = self._build()
        self.stale = self.sample_due = False
        return v

    def sources(self) -> tuple[str, ...]:
        """The configured sources, and one serving the service from the fleet's config (Prometheus) once it has
        answered; then its control endpoints. Cached: the same for the row's life after the first results."""
        got = self._sources
        if got is None:
            cfg, fleet = self.cfg, self.fleet_cfg
            names = [
                b.name
                for b in self.backends
                if getattr(cfg, b.name) is not None or (b.name in self.reported and b.serves(fleet, cfg) is not None)
            ]
            got = self._sources = tuple(names + (["control"] if cfg.control is not None else []))
        return got

    def numbers(self) -> tuple[MetricsResult | None, str | None]:
        """The metrics to show: the direct scrape while it answers, else Prometheus's."""
        direct_ok = self.metrics is not None and self.metrics.ok
        if self.last_good_metrics is not None and (direct_ok or self.last_good_prom is None):
            return self.last_good_metrics, "metrics"
        if self.last_good_prom is not None and (self.prom is None or self.prom.ok or self.last_good_metrics is None):
            return self.last_good_prom, "prometheus"
        return self.last_good_metrics, "metrics" if self.last_good_metrics else None

    def _breakers(self, m: MetricsResult | None) -> dict[str, str]:
        """Inferred from the log, then reported by the metrics, then by the health answer: the last word wins."""
        out: dict[str, str] = dict(self.log_breakers)
        if m is not None:
            out.update(m.breakers)
        if self.health is not None and self.health.ok:
            out.update(self.health.breakers)
        return out

    def _managers(self) -> tuple[list[Verdict], tuple[tuple[str, str], ...], int | None, int | None]:
        """The service managers' verdicts, facts, main pid and memory (None when not configured or not polled)."""
        verdicts: list[Verdict] = []
        facts: list[tuple[str, str]] = []
        pid: int | None = None
        mem: int | None = None
        if not self.managed:  # most rows have no service manager: a row is built for every result
            return verdicts, (), pid, mem
        for b in self.backends:
            r = self.managed.get(b.name) if b.manager is not None else None
            if r is None or b.manager is None:
                continue
            verdicts.append(b.manager.verdict(r))
            facts += b.manager.facts(r)
            one_pid, one_mem = b.manager.process(r)
            pid = one_pid if pid is None else pid
            mem = one_mem if mem is None else mem
        return verdicts, tuple(facts), pid, mem

    def _memory_limit(self) -> int | None:
        """A service manager's limit for its one process (systemd MemoryMax, else MemoryHigh), else the running
        containers' limits summed."""
        for b in self.backends if self.managed else ():
            r = self.managed.get(b.name)
            if r is not None and b.manager is not None and b.manager.memory_limit is not None:
                decides, limit = b.manager.memory_limit(r)
                if decides:
                    return limit
        if self.docker is not None and self.docker.ok:
            limits = [c.mem_limit for c in self.docker.containers if c.state == "running"]
            if limits and all(lim is not None for lim in limits):
                return sum(lim for lim in limits if lim is not None)
        return None

    def _status_inputs(self, breakers: dict[str, str], managers: list[Verdict]) -> Sources:
        """What the row's sources say, grouped the way the status rules combine them (probes.fleet.status)."""
        lead = (
            queue_verdicts(self.queue, self.cfg.queue) if self.queue is not None and self.cfg.queue is not None else []
        )
        beside = prometheus_verdicts(self.prom, self.cfg, self.thresholds)
        if self.docker is not None:
            beside.append(docker_verdict(self.docker, docker.restarts_recent(self)))
        unread = [Verdict(Status.WARN, self.ledger_issue)] if self.ledger_failed and self.ledger_issue else []
        return Sources(
            self.health, self.metrics, self.process, breakers, self.thresholds, lead, beside, managers,
            budget_verdict(self.budget), unread, self.ledger_issue, self.spend_today is not None,
        )  # fmt: skip

    def _build(self) -> ServiceView:
        m, metrics_source = self.numbers()
        breakers = self._breakers(m)
        managers, facts, native_pid, native_mem = self._managers()
        verdict = source_verdict(self._status_inputs(breakers, managers))
        h = self.health if self.health is not None and self.health.ok else None
        p = self.process if self.process is not None and self.process.ok else None
        active = h.active_tasks if h is not None and h.active_tasks is not None else (m.active_tasks if m else None)
        containers = self.docker.containers if self.docker is not None and self.docker.ok else ()
        cpu, mem, uptime = docker.usage(containers, time.time())
        q = self.queue if self.queue is not None and self.queue.ok else None
        if active is None and q is not None:
            active = q.depth  # a queue-only row: its TASKS column is the backlog
        latency = m.derived.latency_p95_s if m else None
        error_rate = m.derived.error_rate if m else None
        reason = self.redact(verdict.reason)
        if self.sample_due:  # the primary source reported since the last build: one more recent-samples row
            self.samples.append(Sample(time.time(), verdict.status, latency, error_rate, active, reason))
        return ServiceView(
            name=self.cfg.name, kind=self.cfg.kind, description=self.cfg.description, status=verdict.status,
            reason=reason, updated=self.updated, interval=self.interval, latency_p95_s=latency, error_rate=error_rate,
            requests_per_s=m.derived.requests_per_s if m else None,
            tokens_per_min=m.derived.tokens_per_min if m else None, active_tasks=active,
            cost_hourly_usd=m.cost_hourly_usd if m else None, breakers=tuple(sorted(breakers.items())),
            draining=bool(h.draining) if h else False,
            cpu_percent=p.cpu_percent if p else (cpu if cpu is not None else self.native_cpu),
            rss_bytes=p.rss_bytes if p else (mem if mem is not None else native_mem), pid=p.pid if p else native_pid,
            spend_today_usd=self.spend_today, calls_today=self.calls_today,
            checks=tuple(h.checks.items()) if h else (), extra=tuple(h.extra.items()) if h else (),
            uptime_s=h.uptime_s if h and h.uptime_s is not None else uptime,
            health_http_status=self.health.http_status if self.health else None, last_error=self.last_error,
            last_error_at=self.last_error_at, sources=self.sources(),
            history=tuple((k, tuple(v)) for k, v in self.history.items()),
            history_span_s=tuple((k, at[-1] - at[0]) for k, at in self.history_at.items() if at),
            thresholds=self.thresholds, samples=tuple(self.samples), budget=self.budget,
            health_error_kind=self.health.error.kind if self.health and self.health.error else None,
            metrics_source=metrics_source, containers=containers, restarts_recent=docker.restarts_recent(self),
            native=tuple((k, self.redact(v)) for k, v in facts), memory_limit_bytes=self._memory_limit(), queue=q,
            litellm=self.litellm, spend_partial=self.ledger_issue is not None, spend_estimate=self.spend_estimate,
            log_events=tuple((k, self.redact(v)) for k, v in self.log_facts), rate_limits_5m=self.log_rate_limits,
            prometheus_up=self.prom.up if self.prom is not None and self.prom.ok else None,
        )  # fmt: skip
