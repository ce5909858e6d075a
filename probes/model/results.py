"""Result types shared by every probe: frozen, so a result can cross threads and be compared cheaply."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, TypeVar

from probes.model.estimate import SpendEstimate


class Status(enum.Enum):
    """A service's state. UNKNOWN means our probe failed; STALE means our data is old; CRIT means it is down."""

    OK = "OK"
    WARN = "WARN"
    CRIT = "CRIT"
    UNKNOWN = "UNKNOWN"
    STALE = "STALE"

    rank: int  # badness order used to combine sources and to sort: CRIT worst, then UNKNOWN, STALE, WARN, OK

    @property
    def exit_code(self) -> int:
        """Nagios plugin exit code."""
        return _EXIT[self]


_RANK = {Status.OK: 0, Status.WARN: 1, Status.STALE: 2, Status.UNKNOWN: 3, Status.CRIT: 4}
for _status, _rank in _RANK.items():  # a plain attribute: a property on an enum member costs a microsecond a read
    _status.rank = _rank
_EXIT = {Status.OK: 0, Status.WARN: 1, Status.CRIT: 2, Status.UNKNOWN: 3, Status.STALE: 3}

ErrorKind = Literal["timeout", "refused", "dns", "tls", "http", "garbage", "too_large", "error"]


@dataclass(frozen=True)
class ProbeError:
    """Why a poll produced no usable data. `kind` decides the status; `message` is shown (already cleaned)."""

    kind: ErrorKind
    message: str


MESSAGE_KEYS = ("message", "error", "detail", "reason")
"""Fields in which services (and web frameworks: FastAPI's `detail`) say what is wrong."""


@dataclass(frozen=True)
class HealthResult:
    """One poll of a health endpoint following the convention in the README."""

    at: float
    elapsed_s: float
    http_status: int | None = None
    status: str | None = None
    checks: dict[str, Any] = field(default_factory=dict)
    breakers: dict[str, str] = field(default_factory=dict)
    uptime_s: float | None = None
    active_tasks: int | None = None
    draining: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    error: ProbeError | None = None
    message: str | None = None
    """What the body says about itself (a `message`, `error`, `detail` or `reason` field), cleaned and bounded."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class MetricsDerived:
    """Numbers derived from the deltas between two scrapes (or from lifetime totals when only one exists)."""

    latency_p95_s: float | None = None
    error_rate: float | None = None
    requests_per_s: float | None = None
    tokens_per_min: float | None = None
    window_s: float = 0.0


@dataclass(frozen=True)
class MetricsResult:
    """One scrape: gauges as read, rates derived against earlier scrapes of the same probe."""

    at: float
    elapsed_s: float
    derived: MetricsDerived = field(default_factory=MetricsDerived)
    active_tasks: float | None = None
    cost_hourly_usd: float | None = None
    breakers: dict[str, str] = field(default_factory=dict)
    series: int = 0
    error: ProbeError | None = None
    note: str | None = None
    up: float | None = None
    """Prometheus's `up` for the service's targets (the lowest): 0 when one cannot be scraped (PromQL only)."""
    """What the parser's caps left out of a scrape that is otherwise used (a WARN on the row)."""
    spend_estimate: SpendEstimate | None = None
    """Today's spend estimated from the token counter, for a service no ledger reads (None otherwise)."""

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ProcessResult:
    """CPU and memory of a local process."""

    at: float
    pid: int | None = None
    cpu_percent: float | None = None
    rss_bytes: int | None = None
    error: ProbeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


R = TypeVar("R", covariant=True)


class Probe(Protocol[R]):
    """The one interface every collector implements; the scheduler needs nothing else."""

    key: str
    interval: float
    timeout: float

    async def collect(self) -> R:
        """Poll once. May raise; the scheduler turns exceptions and timeouts into `failed()` results."""
        ...

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> R:
        """The result to record when collect() timed out or raised."""
        ...


@dataclass(frozen=True)
class ContainerInfo:
    """One container as the Docker backend saw it: engine state, healthcheck, restarts, and one stats sample."""

    id: str
    name: str
    service: str = ""
    """Its Compose service label, when it belongs to a Compose project."""
    state: str = "unknown"
    """Engine state: created, running, restarting, paused, exited, dead, removing."""
    health: str | None = None
    """starting, healthy or unhealthy; None without a healthcheck."""
    health_output: str = ""
    """Output of the last healthcheck run (cleaned, truncated)."""
    failing_streak: int = 0
    restart_count: int = 0
    exit_code: int | None = None
    oom_killed: bool = False
    started_at: float | None = None
    """Epoch seconds of the last start (None if never started)."""
    restart_policy: str = ""
    cpu_percent: float | None = None
    """Share of one core over the time since our previous stats sample (None on the first)."""
    mem_bytes: int | None = None
    """Memory used without the page cache, as `docker stats` counts it."""
    mem_limit: int | None = None
    """The container's own memory limit in bytes (None: no limit)."""
    cpus_limit: float | None = None
    """The container's CPU limit in cores (None: no limit)."""


@dataclass(frozen=True)
class DockerResult:
    """The containers of one service at one sweep; `error` when the daemon could not be asked."""

    at: float
    containers: tuple[ContainerInfo, ...] = ()
    error: ProbeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
