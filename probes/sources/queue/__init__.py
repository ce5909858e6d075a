"""The Redis queue backend: depth, rates, oldest task and workers of a service's task queues (probe.py)."""

from __future__ import annotations

from typing import Any

from probes.backend import Backend, Row, Shared, per_service
from probes.config import FleetConfig, timeout_for
from probes.model import Probe, QueueResult


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe (one pipelined round trip a poll) per service with queues."""
    from probes.sources.queue.probe import QueueProbe

    out: list[Probe[Any]] = []
    for svc in cfg.services:
        if svc.queue is not None:
            iv = cfg.interval_of(svc.queue.interval)
            out.append(QueueProbe(svc.name, svc.queue, iv, timeout_for(svc.queue.timeout, iv)))
    return out


def take(row: Row, r: QueueResult) -> None:
    row.queue = r
    row.note_error("queue", r.error.message if r.error else None, r.at)


BACKEND = Backend("queue", probes, per_service(QueueResult, take), rank=5, paced=True)
