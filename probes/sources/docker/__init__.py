"""The Docker backend: a service's containers (a name, or a Compose project/service) through the engine API, one
sweep per Docker host (probe.py; client, events, stats, sampler, compose, logs beside it)."""

from __future__ import annotations

import collections
from typing import Any

from probes.backend import Backend, Row, Shared, per_name
from probes.config import DockerConfig, FleetConfig, ServiceConfig, timeout_for
from probes.model import ContainerInfo, DockerResult, LogSource, Probe

RESTART_WINDOW_S = 300.0  # restart count growth is measured over this window (shown and warned about)
MARKS = 240  # restart counts kept per service (a poll every 2 s fills the window with 150)


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One sweep per Docker host, however many services live there."""
    from probes.sources.docker.client import resolve_host  # the docker SDK is imported only where it is used
    from probes.sources.docker.probe import DockerProbe

    hosts: dict[str, dict[str, DockerConfig]] = {}
    for svc in cfg.services:
        if svc.docker is not None:
            hosts.setdefault(resolve_host(svc.docker.host), {})[svc.name] = svc.docker
    iv = cfg.refresh_interval
    return [DockerProbe(host, targets, iv, timeout_for(None, iv)) for host, targets in hosts.items()]


def take(row: Row, r: DockerResult) -> None:
    """Also counts restarts over RESTART_WINDOW_S (the engine's restart counts are lifetime totals)."""
    row.docker = r
    row.note_error("docker", r.error.message if r.error else None, r.at)
    if r.ok and r.containers:
        total = sum(c.restart_count for c in r.containers)
        marks = row.parts.get("docker")
        if marks is None:
            marks = row.parts["docker"] = collections.deque(maxlen=MARKS)
        while marks and marks[0][0] < r.at - RESTART_WINDOW_S:
            marks.popleft()
        if marks and total < marks[-1][1]:  # containers replaced (counts start again): a new baseline
            marks.clear()
        marks.append((r.at, total))


def restarts_recent(row: Row) -> int:
    """Container restarts counted by the engine within the last RESTART_WINDOW_S."""
    marks = row.parts.get("docker")
    return marks[-1][1] - marks[0][1] if marks else 0


def usage(containers: tuple[ContainerInfo, ...], now: float) -> tuple[float | None, int | None, float | None]:
    """CPU % and memory summed over the service's running containers, and the uptime of the newest one."""
    cpus = [c.cpu_percent for c in containers if c.cpu_percent is not None]
    mems = [c.mem_bytes for c in containers if c.mem_bytes is not None]
    starts = [c.started_at for c in containers if c.state == "running" and c.started_at is not None]
    uptime = max(0.0, now - max(starts)) if starts else None
    return (sum(cpus) if cpus else None), (sum(mems) if mems else None), uptime


def log_source(svc: ServiceConfig, facts: tuple[tuple[str, str], ...]) -> LogSource | None:
    """`docker logs` of the service's containers."""
    if svc.docker is None:
        return None
    from probes.sources.docker.logs import DockerLogSource

    return DockerLogSource(svc.docker)


BACKEND = Backend("docker", probes, per_name(DockerResult, take), rank=3, log_source=log_source, executors=("docker",))
