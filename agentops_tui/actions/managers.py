"""What a drain through a service manager needs of the manager: its grace period before SIGKILL, and whether the
service has stopped (and how it ended).

An agent written the deployment guide's way has no drain endpoint: it drains on SIGTERM (finishes its current
task, persists, exits). The manager sends SIGTERM and kills after its grace period, so the grace is what the
operator must know before confirming, and how the process ended says whether it finished or was killed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from probes.config import ServiceConfig
from probes.text.sanitize import clean

SYSTEMD_DEFAULT_STOP_S = 90.0  # systemd's DefaultTimeoutStopSec
LAUNCHD_DEFAULT_EXIT_S = 20.0  # launchd's ExitTimeOut when the plist sets none
UNIT = "org.freedesktop.systemd1.Unit"
SERVICE = "org.freedesktop.systemd1.Service"
USEC = 1_000_000
SIGNALS = {137: "SIGKILL", 143: "SIGTERM"}  # 128 + n: how a container's exit code tells a signal


@dataclass(frozen=True)
class Ended:
    """The manager's word on the service: stopped or not (None: it could not tell) and a note on how it ended."""

    stopped: bool | None
    note: str = ""


class Manager(Protocol):
    """The service manager of one service, as the drain workflow asks it."""

    name: str
    target: str

    async def grace(self) -> tuple[float | None, bool]:
        """Seconds from SIGTERM to SIGKILL (None when the manager never kills) and whether that was read from the
        manager (False: its default, the service's own setting unknown)."""
        ...

    async def state(self) -> Ended: ...


class SystemdManager:
    """A unit over D-Bus: TimeoutStopUSec, ActiveState and the service's Result."""

    name = "systemd"

    def __init__(self, service: ServiceConfig, timeout_s: float, environ: Mapping[str, str] | None) -> None:
        from probes.sources.systemd.probe import bus_address

        assert service.systemd is not None and service.systemd.unit
        self.target = service.systemd.unit
        self.timeout_s = timeout_s
        self.address = bus_address(service.systemd, dict(environ) if environ is not None else None)

    async def _props(self, *wanted: tuple[str, str]) -> list[Any]:
        from probes.sources.systemd.probe import MANAGER, MANAGER_PATH, PROPERTIES, Bus

        bus = Bus(self.address, self.timeout_s)
        try:
            path = (await bus.call(MANAGER_PATH, MANAGER, "LoadUnit", "s", [self.target]))[0]
            got = [(await bus.call(path, PROPERTIES, "Get", "ss", [i, p]))[0] for i, p in wanted]
        finally:
            bus.close()
        return [getattr(v, "value", v) for v in got]

    async def grace(self) -> tuple[float | None, bool]:
        try:
            (usec,) = await self._props((SERVICE, "TimeoutStopUSec"))
        except Exception:  # no bus, no permission, no such unit: say the default
            return SYSTEMD_DEFAULT_STOP_S, False
        if not isinstance(usec, int) or isinstance(usec, bool):
            return SYSTEMD_DEFAULT_STOP_S, False
        return (None if usec >= (1 << 63) else usec / USEC), True  # infinity: systemd never kills

    async def state(self) -> Ended:
        try:
            active, result = await self._props((UNIT, "ActiveState"), (SERVICE, "Result"))
        except Exception as exc:
            return Ended(None, clean(f"D-Bus: {type(exc).__name__}: {exc}", 200))
        note = {"success": "exited cleanly", "timeout": "killed after the stop timeout"}.get(str(result), "")
        return Ended(str(active) in ("inactive", "failed"), note or clean(f"result {result}", 60))


class DockerManager:
    """The service's containers through the engine API: the configured stop timeout, State.Running, ExitCode."""

    name = "docker"

    def __init__(self, service: ServiceConfig, timeout_s: float) -> None:
        from probes.sources.docker.client import resolve_host

        assert service.docker is not None
        self.docker = service.docker
        self.host = resolve_host(service.docker.host)
        self.timeout_s = timeout_s
        d = service.docker
        self.target = d.container or f"{d.compose_project}/{d.compose_service or '*'}"

    async def grace(self) -> tuple[float | None, bool]:
        return self.docker.stop_timeout, True  # the executor passes it to the stop call (overrides the image's)

    def _state(self) -> Ended:
        from probes.sources.docker.client import make_api
        from probes.sources.docker.probe import matches

        api = make_api(self.host, self.timeout_s, pool=1)
        try:
            states = [api.inspect_container(c["Id"])["State"] for c in api.containers(all=True)
                      if matches(self.docker, c)]  # fmt: skip
        finally:
            api.close()
        if not states:
            return Ended(None, "no container found")
        if any(s.get("Running") for s in states):
            return Ended(False, "running")
        code = states[0].get("ExitCode")
        why = " (OOM killed)" if states[0].get("OOMKilled") else ""
        signal = f" ({SIGNALS[code]})" if code in SIGNALS else ""
        return Ended(True, clean(f"exit {code}{signal}{why}", 80))

    async def state(self) -> Ended:
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._state), self.timeout_s + 5.0)
        except Exception as exc:
            return Ended(None, clean(f"docker: {type(exc).__name__}: {exc}", 200))


class LaunchdManager:
    """A job through `launchctl print`: stopped when it no longer runs with the pid it had before the SIGTERM."""

    name = "launchd"

    def __init__(self, service: ServiceConfig, timeout_s: float) -> None:
        from probes.sources.launchd.probe import domain_target

        assert service.launchd is not None and service.launchd.label
        self.label = service.launchd.label
        self.target = self.label
        self.full = f"{domain_target(service.launchd.domain)}/{self.label}"
        self.timeout_s = timeout_s
        self.pid: int | None = None  # the pid seen first: a KeepAlive job relaunched has a new one

    async def grace(self) -> tuple[float | None, bool]:
        return None, False  # `launchctl kill SIGTERM` never escalates; ExitTimeOut is for launchd's own stops

    async def state(self) -> Ended:
        from probes.sources.launchd.parse import parse_print
        from probes.sources.launchd.probe import launchctl

        try:
            code, out, _ = await launchctl("print", self.full, timeout=self.timeout_s)
        except Exception as exc:
            return Ended(None, clean(f"launchctl: {type(exc).__name__}: {exc}", 200))
        if code != 0:
            return Ended(True, f"launchctl print exit {code}")
        job = parse_print(out.decode("utf-8", "replace"), self.label, self.full)
        if self.pid is None and job.state == "running":
            self.pid = job.pid
            return Ended(False, "running")
        if job.state == "running" and job.pid == self.pid:
            return Ended(False, "running")
        ended = f"exit {job.last_exit}" if job.last_exit is not None else f"signal {job.last_signal}"
        again = "; launchd relaunched it (KeepAlive)" if job.state == "running" else ""
        return Ended(True, clean(ended + again, 120))


class ProcessManager:
    """A plain process, which nothing manages: the one named in the dialog (its PID and start time) is stopped once
    it is gone, a zombie, or its PID belongs to another process. Nothing kills it, so the wait lasts `wait_s`."""

    name = "process"

    def __init__(self, service: ServiceConfig, wait_s: float) -> None:
        from agentops_tui.actions.process_exec import identify

        assert service.process is not None
        self.wait_s = wait_s
        self.found = identify(service.process)  # read as the dialog opens: the PID the operator confirms
        pid = f"PID {self.found.pid}" if not isinstance(self.found, str) else "PID unknown"
        self.target = f"{service.name} ({pid})"

    def expect(self) -> dict[str, Any]:
        """The process confirmed, for the executor to check before its signal ({} when none was found)."""
        return {} if isinstance(self.found, str) else self.found.expect()

    async def grace(self) -> tuple[float | None, bool]:
        return None, True  # no SIGKILL, ever: a plain process is only asked to stop

    async def state(self) -> Ended:
        import psutil

        if isinstance(self.found, str):
            return Ended(None, self.found)
        pid, started = self.found.pid, self.found.started
        try:
            proc = psutil.Process(pid)
            gone = proc.status() == psutil.STATUS_ZOMBIE or abs(proc.create_time() - started) > 1e-3
        except psutil.NoSuchProcess:
            gone = True
        except psutil.Error as exc:
            return Ended(None, clean(f"PID {pid}: {type(exc).__name__}: {exc}", 200))
        return Ended(True, f"PID {pid} exited") if gone else Ended(False, "running")


def manager_for(service: ServiceConfig, executor: str, timeout_s: float,
                environ: Mapping[str, str] | None = None, *, wait_s: float = 120.0) -> Manager | None:  # fmt: skip
    """The manager whose executor drains the service (the chooser's choice), None for any other executor. `wait_s`:
    how long a plain process, which nothing kills, is waited for."""
    if executor == "systemd" and service.systemd is not None and service.systemd.unit:
        return SystemdManager(service, timeout_s, environ)
    if executor == "docker" and service.docker is not None:
        return DockerManager(service, timeout_s)
    if executor == "launchd" and service.launchd is not None and service.launchd.label:
        return LaunchdManager(service, timeout_s)
    if executor == "process" and service.process is not None:
        return ProcessManager(service, wait_s)
    return None
