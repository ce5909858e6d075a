"""Which LogSource shows a service's log: the one place that chooses (backends add their case here)."""

from __future__ import annotations

from probes.config import ServiceConfig
from probes.model import LogSource


def log_source_for(svc: ServiceConfig, native: tuple[tuple[str, str], ...] = ()) -> LogSource | str:
    """The service's log source, or why it has none. `native` is the view's service-manager facts (a launchd
    job's stdout/stderr paths come from its last `launchctl print`)."""
    if svc.docker is not None:
        from probes.sources.docker.logs import DockerLogSource

        return DockerLogSource(svc.docker)
    from probes.registry import native_log_source

    found = native_log_source(svc, native)
    if found is not None:
        return found
    if svc.launchd is not None:
        return f"no logs for {svc.name} yet: launchctl has not reported stdout/stderr paths for one job label"
    return f"no logs for {svc.name}: it has no docker, systemd or launchd source"
