"""What the Prometheus backend reports: one poll of a server for the services it serves."""

from __future__ import annotations

from dataclasses import dataclass, field

from probes.model.alerts import Alert
from probes.model.results import MetricsResult, ProbeError


@dataclass(frozen=True)
class PromResult:
    """One poll of a Prometheus server: per-service metrics, alerts and (sometimes) sparkline history."""

    at: float
    elapsed_s: float
    services: dict[str, MetricsResult] = field(default_factory=dict)
    alerts: tuple[Alert, ...] = ()
    history: dict[str, dict[str, tuple[float, ...]]] = field(default_factory=dict)
    """service -> {"latency": ..., "errors": ...} from query_range; empty on polls that did not fetch it."""
    error: ProbeError | None = None
    history_step_s: float = 0.0
    """Seconds between two points of `history`."""

    @property
    def ok(self) -> bool:
        return self.error is None
