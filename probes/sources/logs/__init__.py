"""The logs backend: a log file a service names in its `logs:` block.

It offers the file as the service's log for the logs view (`l`), and, for a JSON log, follows it for the events
agents log (probes.sources.logs.events): breakers opened on a dependency, rate limits, failed tools. Listed
first in probes.registry, so a service's own log file wins over its container's logs, its unit's journal and its
job's output files.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from probes.backend import Backend, Row, Shared, per_service
from probes.config import FleetConfig, ServiceConfig, timeout_for
from probes.config.models import LogEventNames
from probes.model import LogEventsResult, LogSource, Probe


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe for each service with a JSON log file; for one without a `logs:` block, one following its
    service manager's log (its container's logs, its unit's journal) when it has one."""
    from probes.sources.logs.probe import LogEventsProbe
    from probes.sources.logs.stream import StreamEventsProbe

    iv = cfg.refresh_interval
    out: list[Probe[Any]] = []
    for svc in cfg.services:
        if svc.logs is not None and svc.logs.format == "json":
            names = aliases(svc.logs.events)
            out.append(LogEventsProbe(svc.name, svc.logs.path, iv, timeout_for(None, iv), aliases=names))
        elif svc.logs is None and shared.native_logs is not None and shared.native_logs.has(svc):
            opener = functools.partial(shared.native_logs.open, svc, timeout_for(None, iv))
            out.append(StreamEventsProbe(svc.name, opener, iv, timeout_for(None, iv)))
    return out


def aliases(names: LogEventNames) -> dict[str, str]:
    """An agent's own event names -> the event each is (circuit_opened, rate_limited...)."""
    return {alias: event for event, said in dataclasses.asdict(names).items() for alias in said}


def take(row: Row, r: LogEventsResult) -> None:
    from probes.sources.logs.events import LogState

    state = row.parts.get("logs")
    if state is None:
        state = row.parts["logs"] = LogState()
    for e in r.events:
        state.feed(e)
    row.log_breakers = state.breakers(r.at)
    row.log_facts = state.facts(r.at)
    row.log_rate_limits = state.rate_limits(r.at)
    row.note_error("logs", r.error.message if r.error else None, r.at)


def log_source(svc: ServiceConfig, facts: tuple[tuple[str, str], ...]) -> LogSource | str | None:
    """The file of the service's `logs:` block, its lines as written (the logs view renders JSON lines)."""
    if svc.logs is None:
        return None
    from probes.files.logs import FileLogSource

    return FileLogSource(svc.logs.path, None)


BACKEND = Backend("logs", probes, per_service(LogEventsResult, take), log_source=log_source)
