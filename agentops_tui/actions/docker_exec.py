"""The Docker executor: restart, throttle (`update` of CPUs and memory), drain (HTTP drain, then stop with a grace
period) and start/resume, through the engine API of the service's Docker host.

The operation is worded from the config alone (no Docker call on the UI loop); the containers are looked up when
the action runs, with the same matching as the probe (a name, or a Compose project/service's labels). The SDK
blocks, so the calls run on a worker thread, bounded by the stop timeout plus actions.timeout_s.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from typing import Any

from agentops_tui.actions.executors import DrainFirst
from agentops_tui.actions.model import ActionKind, ActionRequest, Operation, Outcome
from probes.config import DockerConfig, ServiceConfig
from probes.sources.docker.client import docker_error, make_api, resolve_host
from probes.sources.docker.probe import matches
from probes.text.sanitize import clean

MIN_MEMORY = 6 * 1024 * 1024  # the engine refuses a memory limit below 6 MiB
MAX_MEMORY = 1 << 50  # 1 PiB: a sane ceiling far above any host (the engine takes int64)
MIN_CPUS = 0.01  # the engine's own floor
MAX_CPUS = 1024  # a remote host's CPUs are unknown here; its engine refuses more than it has
KINDS: tuple[ActionKind, ...] = ("restart", "throttle", "drain", "resume", "start")


def fmt_memory(value: int | None) -> str:
    if not value:
        return "no limit"
    for unit, size in (("g", 1 << 30), ("m", 1 << 20), ("k", 1 << 10)):
        if value >= size and value % size == 0:
            return f"{value // size}{unit}"
    return f"{value}b"


def parse_memory(text: str) -> int | None:
    """`256m`, `1g`, `65536k` or bytes -> bytes; None when it is not a size."""
    s = text.strip().lower().removesuffix("b")
    mult = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(s[-1:], 1)
    digits = s[:-1] if s[-1:] in ("k", "m", "g") else s
    try:
        value = float(digits)
    except ValueError:
        return None
    return int(value * mult) if 0 < value <= MAX_MEMORY else None  # `inf` or `1e30g` is no size


def throttle_params_problem(params: Mapping[str, Any], max_cpus: int = MAX_CPUS) -> str | None:
    """Why docker throttle parameters are unusable: at least one of cpus (MIN_CPUS..max_cpus, the host's CPUs
    when known) and memory_bytes (6 MiB..MAX_MEMORY)."""
    cpus, mem = params.get("cpus"), params.get("memory_bytes")
    if cpus is None and mem is None:
        return "docker throttle needs cpus or memory_bytes"
    if cpus is not None and (isinstance(cpus, bool) or not isinstance(cpus, (int, float)) or not cpus > 0):
        return f"cpus must be a number of cores above 0 (got {clean(repr(cpus), 40)})"
    if cpus is not None and not MIN_CPUS <= cpus <= max_cpus:  # inf too
        return f"cpus must be from {MIN_CPUS:g} to {max_cpus} (got {clean(repr(cpus), 40)})"
    if mem is not None and (isinstance(mem, bool) or not isinstance(mem, int) or mem < MIN_MEMORY):
        return f"memory_bytes must be a whole number >= {MIN_MEMORY} (got {clean(repr(mem), 40)})"
    if mem is not None and mem > MAX_MEMORY:
        return f"memory_bytes must be at most {MAX_MEMORY} (1 PiB) (got {clean(repr(mem), 40)})"
    return None


class DockerExecutor:
    """Acts on the containers of one service's docker config."""

    name = "docker"

    def __init__(self, service: ServiceConfig, timeout_s: float) -> None:
        assert service.docker is not None
        self.service = service
        self.docker: DockerConfig = service.docker
        self.host = resolve_host(self.docker.host)
        self.timeout_s = timeout_s
        local = self.host.startswith(("unix://", "npipe://"))
        self.max_cpus = (os.cpu_count() or MAX_CPUS) if local else MAX_CPUS  # what `cpus` may be on this host

    def _target(self) -> str:
        d = self.docker
        if d.container is not None:
            return clean(d.container, 120)
        scope = f"{d.compose_project}/{d.compose_service}" if d.compose_service else f"{d.compose_project}"
        return clean(f"containers of compose {scope}", 160)

    def _drain_first(self) -> DrainFirst:
        return DrainFirst(self.service.control, self.timeout_s)

    def operation(self, request: ActionRequest) -> Operation:
        grace = f"--time {self.docker.stop_timeout:g}"
        target, host = self._target(), clean(self.host, 120)
        kind = request.kind
        if kind == "restart":
            text = f"docker restart {grace} {target}"
        elif kind == "throttle":
            p = request.params
            parts = [f"--cpus {p['cpus']:g}" if p.get("cpus") is not None else ""]
            if p.get("memory_bytes") is not None:
                parts.append(f"--memory {fmt_memory(p['memory_bytes'])}")
            text = f"docker update {' '.join(x for x in parts if x)} {target}"
        elif kind == "drain":
            text = self._drain_first().describe(request, f"docker stop {grace} {target}")
        elif kind in ("start", "resume"):
            text = f"docker start {target}"
        else:
            raise LookupError(f"docker cannot {kind}")
        return Operation(self.name, clean(f"{text} on {host}", 300))

    async def run(self, request: ActionRequest) -> Outcome:
        drain_failed = await self._drain_first().run(request, "HTTP drain failed, not stopped")
        if drain_failed is not None:
            return drain_failed
        budget = self.timeout_s + (self.docker.stop_timeout if request.kind in ("restart", "drain") else 0.0)
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._run, request), budget + 5.0)
        except asyncio.TimeoutError:
            return Outcome(False, f"docker did not finish within {budget + 5.0:g}s", "timeout")

    def _run(self, request: ActionRequest) -> Outcome:
        wait = self.docker.stop_timeout
        try:
            api = make_api(self.host, self.timeout_s + wait, pool=1)
        except Exception as exc:
            return Outcome(False, docker_error(exc).message, "refused")
        try:
            ids = [(c["Id"], str((c.get("Names") or ["?"])[0]).lstrip("/"))
                   for c in api.containers(all=True) if matches(self.docker, c)]  # fmt: skip
            if not ids:
                return Outcome(False, f"no container found for {self._target()}", "not_found")
            for cid, _ in ids:  # one at a time: a scaled service is never all down at once
                self._one(api, cid, request)
            names = ", ".join(clean(n, 80) for _, n in ids[:5])
            return Outcome(True, clean(f"{_PAST[request.kind]} {names}", 300))
        except Exception as exc:
            err = docker_error(exc)
            kind = {"refused": "refused", "timeout": "timeout"}.get(err.kind, "error")
            return Outcome(False, err.message, kind)  # type: ignore[arg-type]
        finally:
            api.close()

    def _one(self, api: Any, cid: str, request: ActionRequest) -> None:
        wait = round(self.docker.stop_timeout)
        if request.kind == "restart":
            api.restart(cid, timeout=wait)
        elif request.kind == "drain":
            api.stop(cid, timeout=wait)
        elif request.kind in ("start", "resume"):
            api.start(cid)
        elif request.kind == "throttle":  # the API body of `docker update --cpus --memory`
            data: dict[str, int] = {}
            cpus, mem = request.params.get("cpus"), request.params.get("memory_bytes")
            if cpus is not None:
                data["NanoCpus"] = int(float(cpus) * 1e9)
            if mem is not None:
                data["Memory"], data["MemorySwap"] = int(mem), 2 * int(mem)  # swap as `docker run --memory` sets it
            res = api._post_json(api._url("/containers/{0}/update", cid), data=data)
            api._raise_for_status(res)


_PAST = {"restart": "restarted", "throttle": "updated", "drain": "stopped", "resume": "started", "start": "started"}


def docker_executor_for(service: ServiceConfig, kind: ActionKind, timeout_s: float) -> DockerExecutor | None:
    """The Docker executor when the service has a docker source and docker can do `kind`."""
    if service.docker is None or kind not in KINDS:
        return None
    return DockerExecutor(service, timeout_s)
