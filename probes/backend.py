"""What a backend declares, once, in its package's __init__.py: everything the rest of the dashboard asks of it.

A backend is one kind of source (health endpoint, Docker, systemd, a cost ledger...) in its own package,
probes.sources.<name>, and `probes.registry` lists them, one line each. The runtime asks a backend for its probes,
the fleet state routes its results to its `merge`, the detail page shows its service manager's facts, the logs
view asks it for a log source and the action layer for its executors, all through the `Backend` below. A
backend's package __init__ must stay light: the dashboard imports every one before its first frame, so a
backend's probe (and the client library it needs) is imported inside its factory, on the poller thread.

A merge writes what a result says onto the rows of the services it serves (`Row`: the fleet state's
ServiceState), through the same few fields whatever the backend: the HTTP health convention, the numbers of a
metrics scrape, a service manager's result, spend. Anything a backend keeps between two results of one service
(Docker's restart counts, systemd's last CPU reading) goes in `row.parts[name]`.
"""

from __future__ import annotations

import collections
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from probes.config import FleetConfig, ServiceConfig
from probes.model import (
    Alert,
    BudgetState,
    DockerResult,
    HealthResult,
    LiteLLMResult,
    LogSource,
    MetricsResult,
    Probe,
    ProcessResult,
    QueueResult,
    SpendSummary,
    Verdict,
)

if TYPE_CHECKING:
    from probes.http.client import Client
    from probes.text.redact import Redactor


class NativeLogs(Protocol):
    """The log a service's manager keeps for it (probes.registry.StreamedLogs)."""

    def has(self, svc: ServiceConfig) -> bool:
        """It has one, or may once its manager reports where (a launchd job's files)."""
        ...

    async def open(self, svc: ServiceConfig, timeout: float) -> LogSource | None:
        """The log source now (asking the manager for its facts when it must), None when there is none."""
        ...


LogFacts = Callable[[ServiceConfig, float], Awaitable[tuple[tuple[str, str], ...]]]
"""Asks a service manager now for the facts its log_source needs (a launchd job's output paths), within a timeout."""


@dataclass(frozen=True)
class Shared:
    """What the runtime hands every backend's factory for one run of the probes."""

    client: Client
    """The HTTP client of the run (its keep-alive connections are shared by every HTTP probe)."""
    one_shot: bool = False
    """One poll or two (`check`): rates fall back to lifetime figures, ledgers read within `ledger_s`."""
    ledger_s: float | None = None
    """Each ledger's reading time over all polls (check), instead of a share of each poll's timeout."""
    native_logs: NativeLogs | None = None
    """A service's own log source (its container's logs, its unit's journal, its job's output files), for the
    logs backend to follow for events when the service names no log file; None where nothing should follow one."""


class Row(Protocol):
    """One service's state as backends' merges write it (probes.fleet.row.ServiceState; poller thread only)."""

    cfg: ServiceConfig
    redact: Redactor
    health: HealthResult | None
    metrics: MetricsResult | None
    prom: MetricsResult | None
    last_good_prom: MetricsResult | None
    process: ProcessResult | None
    docker: DockerResult | None
    managed: dict[str, Any]
    """The latest result of each service-manager backend (systemd, launchd) by its name."""
    native_cpu: float | None
    """CPU % a service manager derives for its one process (systemd's CPUUsageNSec between two polls)."""
    queue: QueueResult | None
    litellm: LiteLLMResult | None
    spend_today: float | None
    calls_today: int | None
    budget: BudgetState | None
    ledger_issue: str | None
    ledger_failed: bool
    parts: dict[str, Any]
    """What a backend keeps between two of its results for this service, by the backend's name."""
    log_breakers: dict[str, str]
    """Breakers inferred from the service's own log (the logs backend); a reported state wins over these."""
    log_facts: tuple[tuple[str, str], ...]
    log_rate_limits: int
    """Rate limits the service's log reported in the last 5 minutes (the `rate_limited` alert rule reads it)."""
    """What the service's log says lately (rate limits, failed tools), for the detail page and `check`."""
    history: dict[str, collections.deque[float]]
    history_at: dict[str, collections.deque[float]]

    def note_error(self, source: str, error: str | None, at: float) -> None:
        """The detail page's Last error (redacted), when `error` is set."""
        ...

    def take_health(self, r: HealthResult) -> None:
        """A health answer in the README's convention (a health endpoint, a proxy's liveness and readiness)."""
        ...

    def take_metrics(self, r: MetricsResult) -> None:
        """A direct scrape's numbers (a /metrics endpoint, a proxy's metrics); plotted when good."""
        ...

    def plot(self, series: str, value: float, at: float) -> None:
        """One more point of a sparkline series (latency, errors, spend)."""
        ...


class Fleet(Protocol):
    """What a merge sees of the whole fleet (probes.fleet.state.FleetState)."""

    cfg: FleetConfig
    redact: Redactor
    ledger_summaries: dict[str, SpendSummary]
    """Spend aggregates by source (a ledger's path, a proxy's probe key): merged for the Spend screen."""
    ledger_notes: dict[str, tuple[str | None, tuple[str, ...]]]
    """Ledger path -> (what its spend leaves out, the other files read for it)."""
    ledger_routes: dict[str, list[tuple[str, tuple[str, ...]]]]
    """Ledger path -> (service, the `service` values of its records) for every service reading that ledger."""
    prom_alerts: dict[str, tuple[Alert, ...]]
    """Alerts a Prometheus server reports, by probe."""

    @property
    def services(self) -> Mapping[str, Row]:
        """Every service's row by its name."""
        ...


Merge = Callable[[Fleet, str, Any], list[str]]
"""A probe's result into the rows of the services it is about: (fleet, the probe key after `name:`, result) ->
the names of the services it changed."""
ProbeFactory = Callable[[FleetConfig, Shared], Sequence[Probe[Any]]]
"""Every probe of this backend for the fleet (one per service, or one shared by several)."""
LogChooser = Callable[[ServiceConfig, tuple[tuple[str, str], ...]], "LogSource | str | None"]
"""A service's log source, or why there is none yet (str), or None; the tuple is the view's service-manager facts
(a launchd job's stdout/stderr paths come from its last `launchctl print`)."""


@dataclass(frozen=True)
class Manager:
    """A service manager's say on one of its services (systemd, launchd): read at each build of the row."""

    verdict: Callable[[Any], Verdict]
    facts: Callable[[Any], list[tuple[str, str]]]
    """(label, value) pairs for the detail page."""
    process: Callable[[Any], tuple[int | None, int | None]]
    """(main pid, memory in bytes) of the one process it runs for the service, (None, None) for several."""
    memory_limit: Callable[[Any], tuple[bool, int | None]] | None = None
    """(whether it decides the service's memory limit, the limit): a unit with a MemoryMax or MemoryHigh."""


def no_probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """A backend that polls nothing (one that only shows logs, say)."""
    return []


def no_merge(fleet: Fleet, target: str, result: Any) -> list[str]:
    return []


def own_block(cfg: FleetConfig, svc: ServiceConfig, name: str) -> Any:
    """A service's own config block of a backend (None when it has none)."""
    return getattr(svc, name)


@dataclass(frozen=True)
class Backend:
    """One backend, as its package declares it."""

    name: str
    """Its config key (ServiceConfig.<name>), the first part of its probes' keys (`name:target`) and its source
    name on the detail page."""
    probes: ProbeFactory = no_probes
    merge: Merge = no_merge
    rank: int | None = None
    """Rank as a service's primary source (lowest first): the primary source's polls add recent-samples rows."""
    paced: bool = False
    """Its block's `interval` sets the row's: the row is STALE after three of the shortest such intervals."""
    block: Callable[[FleetConfig, ServiceConfig, str], Any] = own_block
    """The config block that makes it serve a service (Prometheus: the service's own or the fleet's)."""
    manager: Manager | None = None
    log_source: LogChooser | None = None
    log_facts: LogFacts | None = None
    """For a log followed before any poll reported the facts its log_source needs."""
    executors: tuple[str, ...] = ()
    """Names of its executors in the action layer's table (agentops_tui.actions.chooser)."""

    def serves(self, cfg: FleetConfig, svc: ServiceConfig) -> Any:
        """The config block with which it serves `svc` (None when it does not)."""
        return self.block(cfg, svc, self.name)


def per_service(kind: type, take: Callable[[Row, Any], None]) -> Merge:
    """The merge of a backend whose probe polls one service (its key's target is the service's name)."""

    def merge(fleet: Fleet, target: str, result: Any) -> list[str]:
        if not isinstance(result, kind):
            return []
        take(fleet.services[target], result)
        return [target]

    return merge


def per_name(kind: type, take: Callable[[Row, Any], None]) -> Merge:
    """The merge of a backend whose probe polls several services at once (a dict of results by service name)."""

    def merge(fleet: Fleet, target: str, result: Any) -> list[str]:
        if not isinstance(result, dict):
            return []
        changed = []
        for name, r in result.items():
            if isinstance(r, kind):
                take(fleet.services[name], r)
                changed.append(name)
        return changed

    return merge
