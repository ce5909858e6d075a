"""The probes of a fleet: each backend's factory (probes.registry), run once for the whole fleet."""

from __future__ import annotations

import contextlib
from typing import Any

from probes.backend import Backend, Shared
from probes.config import FleetConfig
from probes.http.client import Client
from probes.model import Probe
from probes.registry import BACKENDS, StreamedLogs


def build_probes(
    cfg: FleetConfig,
    client: Client,
    one_shot: bool = False,
    ledger_s: float | None = None,
    backends: tuple[Backend, ...] = BACKENDS,
) -> list[Probe[Any]]:
    """Every backend's probes: one per source of every service, or one shared by the services a single poll serves
    (a process sampler, a ledger file, a Docker host, a D-Bus connection, a Prometheus server). `ledger_s`: each
    ledger's reading time over all polls (check), instead of a share of each poll's timeout."""
    shared = Shared(client, one_shot, ledger_s, native_logs=StreamedLogs(backends))
    return [probe for b in backends for probe in b.probes(cfg, shared)]


def service_manager_probes(cfg: FleetConfig) -> list[Probe[Any]]:
    """The probes of the service-manager backends (systemd: one per bus; launchd: one for every job)."""
    shared = Shared(client=None)  # type: ignore[arg-type]  # service managers make no HTTP request
    return [probe for b in BACKENDS if b.manager is not None for probe in b.probes(cfg, shared)]


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
