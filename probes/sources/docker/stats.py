"""CPU and memory of a container from one one-shot stats answer, with CPU % from OUR previous sample.

A one-shot stats request (`stream=False, one_shot=True`) carries no usable `precpu_stats`, so the CPU share is the
delta against the sample we took on the previous poll. Some engines answer with empty stats (this happens when
containerd cannot read the cgroups: the daemon logs "no metrics received"); for a local daemon we then read the
container's cgroup files ourselves, which costs the daemon nothing.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class StatSample:
    """Cumulative CPU time of the container and a clock to divide it by, plus memory used now."""

    cpu_ns: int
    clock_ns: int
    """Engine: system CPU time summed over CPUs (scaled by `cpus`); cgroup fallback: monotonic wall time."""
    cpus: int
    mem_bytes: int | None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def engine_sample(stats: Any) -> StatSample | None:
    """The sample in an engine stats answer, or None when the engine sent nothing usable."""
    if not isinstance(stats, dict):
        return None
    cpu = _dict(stats.get("cpu_stats"))
    usage = _dict(cpu.get("cpu_usage"))
    total, system = _int(usage.get("total_usage")), _int(cpu.get("system_cpu_usage"))
    mem = _dict(stats.get("memory_stats"))
    used = _int(mem.get("usage"))
    if not total or not system or used is None:
        return None
    inner = _dict(mem.get("stats"))
    cache = _int(inner.get("total_inactive_file", inner.get("inactive_file"))) or 0
    cpus = _int(cpu.get("online_cpus")) or len(usage.get("percpu_usage") or []) or (os.cpu_count() or 1)
    return StatSample(total, system, cpus, max(0, used - cache) if cache < used else used)


def _read_int(path: Path) -> int | None:
    try:
        with path.open("rb") as fh:
            return int(fh.read(64).split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stat_field(path: Path, names: tuple[str, ...]) -> int:
    try:
        with path.open("rb") as fh:
            text = fh.read(16384).decode("ascii", "replace")
    except OSError:
        return 0
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key in names and value.strip().isdigit():
            return int(value)
    return 0


def cgroup_sample(container_id: str, now_ns: int, root: Path = CGROUP_ROOT) -> StatSample | None:
    """The sample from the container's own cgroup files (cgroup v1 `docker/ID` or v2), None if not found."""
    if not container_id.isalnum():
        return None
    v1_cpu, v1_mem = root / "cpuacct" / "docker" / container_id, root / "memory" / "docker" / container_id
    if v1_cpu.is_dir() and v1_mem.is_dir():
        cpu = _read_int(v1_cpu / "cpuacct.usage")
        used = _read_int(v1_mem / "memory.usage_in_bytes")
        if cpu is None:
            return None
        cache = _stat_field(v1_mem / "memory.stat", ("total_inactive_file",))
        mem = None if used is None else max(0, used - cache) if cache < used else used
        return StatSample(cpu, now_ns, 1, mem)
    for v2 in (root / "docker" / container_id, root / "system.slice" / f"docker-{container_id}.scope"):
        if v2.is_dir():
            cpu_us = _stat_field(v2 / "cpu.stat", ("usage_usec",))
            used = _read_int(v2 / "memory.current")
            cache = _stat_field(v2 / "memory.stat", ("inactive_file",))
            mem = None if used is None else max(0, used - cache) if cache < used else used
            return StatSample(cpu_us * 1000, now_ns, 1, mem)
    return None


def cpu_percent(prev: StatSample | None, cur: StatSample) -> float | None:
    """Share of one core (100 = one full core) between two samples of the same kind; None without a usable pair."""
    if prev is None or prev.cpus != cur.cpus:
        return None
    d_cpu, d_clock = cur.cpu_ns - prev.cpu_ns, cur.clock_ns - prev.clock_ns
    if d_cpu < 0 or d_clock <= 0:
        return None
    return d_cpu / d_clock * cur.cpus * 100.0
