"""Every backend, one line each: adding a backend is its package (probes.sources.<name>) and a line here.

The order is the order of a service's sources on its detail page, and of the service-manager verdicts and facts
on its row; Docker before the service managers also makes Docker's logs and actions the ones a service with both
gets. The runtime (probes.runtime.factory), the fleet state (probes.fleet.state), the log view and the action layer
read this list; see "How it is built" in the README.
"""

from __future__ import annotations

from probes.backend import Backend
from probes.config import ServiceConfig
from probes.model import LogSource
from probes.sources import (
    docker,
    health,
    launchd,
    ledger,
    litellm,
    logs,
    metrics,
    process,
    prometheus,
    queue,
    systemd,
)

BACKENDS: tuple[Backend, ...] = (
    logs.BACKEND,
    health.BACKEND,
    metrics.BACKEND,
    process.BACKEND,
    ledger.BACKEND,
    queue.BACKEND,
    litellm.BACKEND,
    docker.BACKEND,
    systemd.BACKEND,
    launchd.BACKEND,
    prometheus.BACKEND,
)
BY_NAME: dict[str, Backend] = {b.name: b for b in BACKENDS}


def log_source(
    svc: ServiceConfig, facts: tuple[tuple[str, str], ...] = (), backends: tuple[Backend, ...] = BACKENDS
) -> LogSource | str | None:
    """The service's log source, from the first of its backends that has one; else why there is none yet (a
    backend's reason), else None."""
    why: str | None = None
    for b in backends:
        if b.log_source is None or getattr(svc, b.name) is None:
            continue
        found = b.log_source(svc, facts)
        if isinstance(found, str):
            why = why or found
        elif found is not None:
            return found
    return why


def native_log_source(svc: ServiceConfig, facts: tuple[tuple[str, str], ...] = ()) -> LogSource | None:
    """The log source of a service's manager (systemd journal, launchd job's files), None when there is none."""
    for b in BACKENDS:
        if b.manager is not None and b.log_source is not None and getattr(svc, b.name) is not None:
            found = b.log_source(svc, facts)
            if found is not None and not isinstance(found, str):
                return found
    return None


class StreamedLogs:
    """The log a service's events are followed in when it names no log file: its container's logs, its unit's
    journal, or its launchd job's output files (whose paths `launchctl print` is asked for first)."""

    def __init__(self, backends: tuple[Backend, ...] = BACKENDS) -> None:
        self.backends = backends

    def has(self, svc: ServiceConfig) -> bool:
        return log_source(svc, (), self.backends) is not None

    async def open(self, svc: ServiceConfig, timeout: float) -> LogSource | None:
        found = log_source(svc, (), self.backends)
        if not isinstance(found, str):
            return found
        for b in self.backends:
            if b.log_facts is not None and b.log_source is not None and getattr(svc, b.name) is not None:
                got = b.log_source(svc, await b.log_facts(svc, timeout))
                if got is not None and not isinstance(got, str):
                    return got
        return None


def log_backends() -> list[str]:
    """The backends that can show a service's log, in order."""
    return [b.name for b in BACKENDS if b.log_source is not None]
