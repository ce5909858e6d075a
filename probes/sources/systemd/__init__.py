"""The systemd backend: units over D-Bus, one connection per bus (probe.py), their status rules (status.py), facts
(facts.py) and journal (logs.py)."""

from __future__ import annotations

from typing import Any

from probes.backend import Backend, Manager, Row, Shared, per_name
from probes.config import FleetConfig, ServiceConfig, SystemdConfig, timeout_for
from probes.model import LogSource, Probe, SystemdResult
from probes.sources.systemd.facts import systemd_facts
from probes.sources.systemd.status import systemd_verdict


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe per bus (one connection, batched calls)."""
    from probes.sources.systemd.probe import SystemdProbe, group_by_bus  # the D-Bus client loads on the poller thread

    iv = cfg.refresh_interval
    units: dict[str, SystemdConfig] = {svc.name: svc.systemd for svc in cfg.services if svc.systemd is not None}
    return [SystemdProbe(addr, group, iv, timeout_for(None, iv)) for addr, group in group_by_bus(units).items()]


def take(row: Row, r: SystemdResult) -> None:
    """Also derives the unit's CPU % from CPUUsageNSec between two polls (one-unit rows only)."""
    unit = r.units[0] if len(r.units) == 1 else None
    if unit is None or unit.cpu_usage_nsec is None:
        row.parts["systemd"], row.native_cpu = None, None
    else:
        mark = (unit.read_at, unit.name, unit.main_pid, unit.cpu_usage_nsec)
        prev = row.parts.get("systemd")
        if prev is None or prev[1:3] != mark[1:3]:
            row.parts["systemd"], row.native_cpu = mark, None  # first reading, or restarted: a new baseline
        elif mark[0] > prev[0]:  # properties read again (not kept from an earlier poll)
            row.native_cpu = max(0.0, (mark[3] - prev[3]) / 1e9 / (mark[0] - prev[0]) * 100)
            row.parts["systemd"] = mark
    row.managed["systemd"] = r
    row.note_error("systemd", r.error.message if r.error else None, r.at)


def one_process(r: SystemdResult) -> tuple[int | None, int | None]:
    """A one-unit row's main pid and memory."""
    return (r.units[0].main_pid, r.units[0].memory_current) if len(r.units) == 1 else (None, None)


def memory_limit(r: SystemdResult) -> tuple[bool, int | None]:
    """A one-unit row's MemoryMax, else MemoryHigh."""
    return (True, r.units[0].memory_max or r.units[0].memory_high) if len(r.units) == 1 else (False, None)


def log_source(svc: ServiceConfig, facts: tuple[tuple[str, str], ...]) -> LogSource | None:
    """`journalctl -u UNIT` (one unit, not a pattern)."""
    if svc.systemd is None or not svc.systemd.unit:
        return None
    from probes.sources.systemd.logs import JournalLogSource

    where = svc.systemd.journal_directory
    program = ("journalctl", f"--directory={where}") if where else ("journalctl",)
    return JournalLogSource(svc.systemd.unit, user=svc.systemd.bus == "user", program=program)


BACKEND = Backend(
    "systemd", probes, per_name(SystemdResult, take), rank=6,
    manager=Manager(systemd_verdict, systemd_facts, one_process, memory_limit),
    log_source=log_source, executors=("systemd",),
)  # fmt: skip
