"""The Docker backend: every configured container (or Compose service) of one Docker host in one sweep.

A sweep is one `containers(all=True)` list call for the whole host and an inspect only for containers whose state
line changed (or that an event named, or not inspected for `REINSPECT_S`); CPU and memory come from one one-shot
stats request per running container per interval, made in the background (probes.sources.docker.sampler) and attached
to the next sweep. Never a stats stream per container. A `docker events`
subscription (probes.sources.docker.events) wakes the probe the moment a container dies, starts or changes health.
The whole sweep runs on a worker thread (the SDK blocks); the daemon being gone makes every service's result a
"docker daemon unreachable" error, and the next sweep simply tries again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import threading
import time
from typing import Any

from probes.config import DockerConfig
from probes.model import ContainerInfo, DockerResult, ProbeError
from probes.sources.docker.client import ClientCache, docker_error
from probes.sources.docker.events import EventWatcher
from probes.sources.docker.sampler import StatsSampler, with_figures
from probes.text.sanitize import clean

REINSPECT_S = 30.0  # an unchanged container is inspected again at least this often (health log output)
PROJECT = "com.docker.compose.project"
SERVICE = "com.docker.compose.service"


def _epoch(text: Any) -> float | None:
    """Docker's RFC 3339 time with nanoseconds, as epoch seconds; None for the zero time or garbage."""
    if not isinstance(text, str) or text.startswith("0001-"):
        return None
    try:
        head, _, frac = text.rstrip("Z").partition(".")
        base = dt.datetime.fromisoformat(head).replace(tzinfo=dt.timezone.utc).timestamp()
        digits = "".join(c for c in frac if c.isdigit())[:6]
        return base + (int(digits) / 10 ** len(digits) if digits else 0.0)
    except ValueError:
        return None


def state_key(summary: dict[str, Any]) -> str:
    """What in a listed container's state line is worth a new inspect: its state and the bracketed parts of its
    status (health, exit code, restart count), not the time phrases ("Up 5 seconds") that change every poll."""
    status = str(summary.get("Status", ""))
    return f"{summary.get('State')}|{'|'.join(_BRACKETS.findall(status))}"


_BRACKETS = re.compile(r"\(([^)]*)\)")


def matches(cfg: DockerConfig, summary: dict[str, Any]) -> bool:
    """Whether a container (as listed) belongs to a service's docker config."""
    labels = summary.get("Labels") or {}
    if cfg.compose_project is not None:
        if labels.get(PROJECT) != cfg.compose_project:
            return False
        return cfg.compose_service is None or labels.get(SERVICE) == cfg.compose_service
    if cfg.container is None:
        return False
    names = [str(n).lstrip("/") for n in summary.get("Names") or []]
    cid = str(summary.get("Id", ""))
    return cfg.container in names or (len(cfg.container) >= 12 and cid.startswith(cfg.container))


def from_inspect(data: dict[str, Any]) -> ContainerInfo:
    """The fields we show, from `docker inspect` output (every string cleaned: names and output are outside text)."""
    state = data.get("State") or {}
    host = data.get("HostConfig") or {}
    health: dict[str, Any] | None = state.get("Health") or None
    log = (health or {}).get("Log") or []
    last = log[-1] if log and isinstance(log[-1], dict) else {}
    nano = host.get("NanoCpus") or 0
    quota, period = host.get("CpuQuota") or 0, host.get("CpuPeriod") or 100_000
    cpus = nano / 1e9 if nano else (quota / period if quota > 0 else None)
    policy = (host.get("RestartPolicy") or {}).get("Name") or ""
    labels = (data.get("Config") or {}).get("Labels") or {}
    return ContainerInfo(
        id=clean(data.get("Id", ""), 80),
        name=clean(str(data.get("Name", "")).lstrip("/"), 120),
        service=clean(labels.get(SERVICE, ""), 120),
        state=clean(state.get("Status", "unknown"), 20),
        health=clean(health.get("Status"), 20) if health and health.get("Status") else None,
        health_output=clean(str(last.get("Output", "")), 300).strip(),
        failing_streak=int(health.get("FailingStreak") or 0) if health is not None else 0,
        restart_count=int(data.get("RestartCount") or 0),
        exit_code=state.get("ExitCode") if isinstance(state.get("ExitCode"), int) else None,
        oom_killed=bool(state.get("OOMKilled")),
        started_at=_epoch(state.get("StartedAt")),
        restart_policy=clean(policy, 30),
        mem_limit=int(host["Memory"]) if isinstance(host.get("Memory"), int) and host["Memory"] > 0 else None,
        cpus_limit=cpus,
    )


class DockerProbe:
    """All services on one Docker host; `wake` is set by the events watcher so a change is polled at once."""

    def __init__(self, host: str, targets: dict[str, DockerConfig], interval: float, timeout: float) -> None:
        self.host = host
        self.key = f"docker:{host}"
        self.targets = targets
        self.interval = interval
        self.timeout = timeout
        self.wake = asyncio.Event()
        self._clients = ClientCache(timeout)
        self._stats = StatsSampler(host)
        self._busy = threading.Lock()
        self._inspected: dict[str, tuple[str, float, ContainerInfo]] = {}  # id -> (state line, when, info)
        self._dirty: set[str] = set()
        self._events: EventWatcher | None = None
        self.stats_on = any(c.stats for c in targets.values())
        self.stats_every = min([c.stats_interval for c in targets.values() if c.stats] or [interval])
        self._stats_at = -1e9  # monotonic time the last stats round was asked for

    async def collect(self) -> dict[str, DockerResult]:
        if self._events is None:
            self._events = EventWatcher(self.host, self._on_event, asyncio.get_running_loop())
            self._events.start()
        self.wake.clear()
        dirty, self._dirty = self._dirty, set()
        return await asyncio.to_thread(self._sweep, dirty)

    def _on_event(self, container_id: str | None) -> None:
        """Called on the probe's loop by the events watcher (None: the stream connected or broke)."""
        if container_id is not None:
            self._dirty.add(container_id)
        self.wake.set()

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> dict[str, DockerResult]:
        return {name: DockerResult(at=at, error=error) for name in self.targets}

    def close(self) -> None:
        if self._events is not None:
            self._events.stop()
        self._stats.close()
        self._clients.drop(self.host)

    # --- the sweep (worker thread) -----------------------------------------------------------------------------
    def _sweep(self, dirty: set[str]) -> dict[str, DockerResult]:
        at = time.time()
        if not self._busy.acquire(blocking=False):  # a sweep cut off by its timeout is still finishing
            return self.failed(ProbeError("timeout", "previous docker sweep still running"), at, 0.0)
        try:
            api = self._clients.get(self.host)
            listed = api.containers(all=True)
            infos = self._inspect_changed(api, listed, dirty)
            if self.stats_on:
                if time.monotonic() - self._stats_at >= self.stats_every:
                    self._stats_at = time.monotonic()
                    self._stats.request([cid for cid, c in infos.items() if c.state == "running"])
                max_age = 3 * max(self.interval, self.stats_every)
                infos = {cid: with_figures(c, self._stats.latest(cid, max_age) if c.state == "running" else None)
                         for cid, c in infos.items()}  # fmt: skip
        except Exception as exc:
            err = docker_error(exc)
            if err.kind in ("refused", "timeout"):
                self._clients.drop(self.host)
            return self.failed(err, at, time.time() - at)
        finally:
            self._busy.release()
        if self._events is not None:
            self._events.poke()
        out: dict[str, DockerResult] = {}
        for name, cfg in self.targets.items():
            mine = [infos[s["Id"]] for s in listed if s.get("Id") in infos and matches(cfg, s)]
            if not cfg.stats:
                mine = [_no_stats(c) for c in mine]
            out[name] = DockerResult(at=at, containers=tuple(sorted(mine, key=lambda c: c.name)))
        return out

    def _inspect_changed(self, api: Any, listed: list[dict[str, Any]], dirty: set[str]) -> dict[str, ContainerInfo]:
        wanted = [s for s in listed if any(matches(c, s) for c in self.targets.values())]
        now = time.monotonic()
        infos: dict[str, ContainerInfo] = {}
        for s in wanted:
            cid = str(s.get("Id", ""))
            line = state_key(s)
            cached = self._inspected.get(cid)
            if cached is None or cid in dirty or cached[0] != line or now - cached[1] > REINSPECT_S:
                try:
                    info = from_inspect(api.inspect_container(cid))
                except Exception as exc:  # removed between list and inspect: skip it this sweep
                    if docker_error(exc).kind in ("refused", "timeout"):
                        raise
                    continue
                cached = (line, now, info)
                self._inspected[cid] = cached
            infos[cid] = cached[2]
        keep = {str(s.get("Id", "")) for s in wanted}
        for gone in set(self._inspected) - keep:
            self._inspected.pop(gone, None)
        self._stats.forget(keep)
        return infos


def _no_stats(c: ContainerInfo) -> ContainerInfo:
    return ContainerInfo(**{**c.__dict__, "cpu_percent": None, "mem_bytes": None})
