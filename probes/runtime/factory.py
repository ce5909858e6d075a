"""The probes of a fleet: one per source of every service, shared where one poll serves several services."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from probes.config import DockerConfig, FleetConfig, PrometheusConfig, timeout_for
from probes.http.client import Client
from probes.model import Probe
from probes.sources.health.probe import HealthProbe
from probes.sources.launchd.probe import LaunchdProbe
from probes.sources.ledger.probe import LedgerProbe
from probes.sources.litellm.probe import LiteLLMProbe
from probes.sources.metrics.probe import MetricsProbe
from probes.sources.process.probe import ProcessProbe
from probes.sources.prometheus.probe import PromQLProbe
from probes.sources.queue.probe import QueueProbe
from probes.sources.systemd.probe import SystemdProbe, group_by_bus


def build_probes(
    cfg: FleetConfig, client: Client, one_shot: bool = False, ledger_s: float | None = None
) -> list[Probe[Any]]:
    """One probe per source of every service; process sampling and each ledger file are shared. `ledger_s`: each
    ledger's reading time over all polls (check), instead of a share of each poll's timeout."""
    probes: list[Probe[Any]] = []
    processes = {}
    ledgers: set[str] = set()
    docker_hosts: dict[str, dict[str, DockerConfig]] = {}
    for svc in cfg.services:
        if svc.health is not None:
            iv = cfg.interval_of(svc.health.interval)
            probes.append(
                HealthProbe(svc.name, svc.health, client, iv, timeout_for(svc.health.timeout, iv), cfg.max_read_bytes)
            )
        if svc.metrics is not None:
            iv = cfg.interval_of(svc.metrics.interval)
            probes.append(
                MetricsProbe(
                    svc.name, svc.metrics, client, iv, timeout_for(svc.metrics.timeout, iv), cfg.max_read_bytes,
                    window_s=max(30.0, 5 * iv), lifetime_fallback=one_shot,
                )
            )  # fmt: skip
        if svc.process is not None:
            processes[svc.name] = svc.process
        if svc.docker is not None:
            from probes.sources.docker.client import resolve_host  # the docker SDK is imported only where it is used

            docker_hosts.setdefault(resolve_host(svc.docker.host), {})[svc.name] = svc.docker
        if svc.litellm is not None:
            iv = cfg.interval_of(svc.litellm.interval)
            probes.append(
                LiteLLMProbe(
                    svc.name, svc.litellm, client, iv, timeout_for(svc.litellm.timeout, iv), cfg.max_read_bytes,
                    lifetime_fallback=one_shot,
                )
            )  # fmt: skip
        if svc.queue is not None:
            iv = cfg.interval_of(svc.queue.interval)
            probes.append(QueueProbe(svc.name, svc.queue, iv, timeout_for(svc.queue.timeout, iv)))
        if svc.ledger is not None and svc.ledger.path not in ledgers:
            ledgers.add(svc.ledger.path)
            iv = cfg.refresh_interval
            probes.append(LedgerProbe(svc.ledger.path, iv, timeout_for(None, iv), svc.ledger, total_s=ledger_s))
    if processes:
        iv = cfg.refresh_interval
        probes.append(ProcessProbe(processes, iv, timeout_for(None, iv)))
    probes.extend(prometheus_probes(cfg, client))
    for host, targets in docker_hosts.items():  # one sweep per Docker host, however many services live there
        from probes.sources.docker.probe import DockerProbe

        iv = cfg.refresh_interval
        probes.append(DockerProbe(host, targets, iv, timeout_for(None, iv)))
    probes += service_manager_probes(cfg)
    return probes


def service_manager_probes(cfg: FleetConfig) -> list[Probe[Any]]:
    """One systemd probe per bus (one connection, batched calls) and one launchd probe for every job."""
    iv = cfg.refresh_interval
    units = {svc.name: svc.systemd for svc in cfg.services if svc.systemd is not None}
    jobs = {svc.name: svc.launchd for svc in cfg.services if svc.launchd is not None}
    out: list[Probe[Any]] = [
        SystemdProbe(addr, group, iv, timeout_for(None, iv)) for addr, group in group_by_bus(units).items()
    ]
    if jobs:
        out.append(LaunchdProbe(jobs, iv, timeout_for(None, iv)))
    return out


def prometheus_probes(cfg: FleetConfig, client: Client) -> list[Probe[Any]]:
    """One PromQL probe per Prometheus server (and selector/label), serving every service that reads it."""
    groups: dict[str, tuple[PrometheusConfig, dict[str, str]]] = {}
    for svc in cfg.services:
        prom = cfg.prometheus_of(svc)
        if prom is None or prom.url is None:
            continue
        shared = replace(prom, value=None)
        groups.setdefault(repr(shared), (shared, {}))[1][prom.value or svc.name] = svc.name
    out: list[Probe[Any]] = []
    for i, (prom, services) in enumerate(groups.values()):
        iv = cfg.interval_of(prom.interval)
        out.append(PromQLProbe(str(i), prom, services, client, iv, timeout_for(prom.timeout, iv), cfg.max_read_bytes))
    return out


async def aclose_probes(probes: list[Probe[Any]]) -> None:
    """Close the probes that hold their own async connections (Redis); errors on the way out are ignored."""
    for probe in probes:
        aclose = getattr(probe, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()


def close_probes(probes: list[Probe[Any]]) -> None:
    """Stop what probes hold open (the Docker events thread, worker pools); never raises."""
    for p in probes:
        close = getattr(p, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                close()
