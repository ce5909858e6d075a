"""Which LogSource shows a service's log: the first of its backends that offers one (probes.registry)."""

from __future__ import annotations

from probes.config import ServiceConfig
from probes.model import LogSource
from probes.registry import log_backends, log_source


def log_source_for(svc: ServiceConfig, native: tuple[tuple[str, str], ...] = ()) -> LogSource | str:
    """The service's log source, or why it has none. `native` is the view's service-manager facts (a launchd
    job's stdout/stderr paths come from its last `launchctl print`)."""
    found = log_source(svc, native)
    if found is not None:
        return found
    names = log_backends()
    listed = ", ".join(names[:-1]) + f" or {names[-1]}" if len(names) > 1 else "".join(names)
    return f"no logs for {svc.name}: it has no {listed} source"
