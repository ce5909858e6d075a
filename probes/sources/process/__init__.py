"""The process backend: CPU and memory of local processes by pid or pidfile (probe.py), one probe for all."""

from __future__ import annotations

from typing import Any

from probes.backend import Backend, Row, Shared, per_name
from probes.config import FleetConfig, timeout_for
from probes.model import Probe, ProcessResult


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe samples every process of the fleet in one thread hop."""
    from probes.sources.process.probe import ProcessProbe  # psutil loads on the poller thread

    targets = {svc.name: svc.process for svc in cfg.services if svc.process is not None}
    iv = cfg.refresh_interval
    return [ProcessProbe(targets, iv, timeout_for(None, iv))] if targets else []


def take(row: Row, r: ProcessResult) -> None:
    row.process = r


BACKEND = Backend("process", probes, per_name(ProcessResult, take), executors=("process",))
