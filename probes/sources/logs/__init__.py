"""The logs backend: a log file a service names in its `logs:` block, shown by the logs view (`l`).

It polls nothing and merges nothing (its only offer is a log source), so it is the smallest backend there is:
this package and its line in probes.registry. Listed first there, so a service's own log file wins over its
container's logs, its unit's journal and its job's output files.
"""

from __future__ import annotations

from probes.backend import Backend
from probes.config import ServiceConfig
from probes.model import LogSource


def log_source(svc: ServiceConfig, facts: tuple[tuple[str, str], ...]) -> LogSource | str | None:
    """The file of the service's `logs:` block, its JSON lines rendered when its format is json."""
    if svc.logs is None:
        return None
    from probes.sources.logs.source import JsonLines, TextLines

    return JsonLines(svc.logs.path) if svc.logs.format == "json" else TextLines(svc.logs.path)


BACKEND = Backend("logs", log_source=log_source)
