"""The health backend: an HTTP endpoint answering the README's health JSON convention (probe.py)."""

from __future__ import annotations

from typing import Any

from probes.backend import Backend, Row, Shared, per_service
from probes.config import FleetConfig, timeout_for
from probes.model import HealthResult, Probe


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe per service with a health endpoint."""
    from probes.sources.health.probe import HealthProbe  # with the HTTP client: on the poller thread, after start

    out: list[Probe[Any]] = []
    for svc in cfg.services:
        if svc.health is not None:
            iv = cfg.interval_of(svc.health.interval)
            timeout = timeout_for(svc.health.timeout, iv)
            out.append(HealthProbe(svc.name, svc.health, shared.client, iv, timeout, cfg.max_read_bytes))
    return out


def take(row: Row, r: HealthResult) -> None:
    row.take_health(r)


BACKEND = Backend("health", probes, per_service(HealthResult, take), rank=2, paced=True)
