"""Which LogSource shows a service's log: the one place that chooses (backends add their case here)."""

from __future__ import annotations

from probes.config import ServiceConfig
from probes.logs import LogSource


def log_source_for(svc: ServiceConfig) -> LogSource | str:
    """The service's log source, or why it has none."""
    if svc.docker is not None:
        from probes.docker_logs import DockerLogSource

        return DockerLogSource(svc.docker)
    return f"no logs for {svc.name}: it has no docker, systemd or launchd source"
