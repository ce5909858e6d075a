"""Alerts: pending and firing, from the built-in rules (probes.fleet.alerts) or a Prometheus server."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from probes.model.results import Status

AlertState = Literal["pending", "firing"]


@dataclass(frozen=True)
class Alert:
    """One pending or firing alert, built-in or from Prometheus."""

    service: str
    name: str
    state: AlertState
    since: float
    """Wall-clock time the condition started to hold (Prometheus: activeAt)."""
    value: float | None
    summary: str
    severity: str = "warning"
    source: str = "builtin"
    threshold: float | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.service, self.name)

    @property
    def status(self) -> Status:
        """What this alert makes its service while it fires."""
        return Status.CRIT if self.severity == "critical" else Status.WARN


def sort_alerts(alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    """Firing first, then pending; critical before warning; oldest first."""
    return tuple(sorted(alerts, key=lambda a: (a.state != "firing", a.severity != "critical", a.since, a.service)))
