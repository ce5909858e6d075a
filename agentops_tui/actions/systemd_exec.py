"""systemd executor: RestartUnit, StartUnit, StopUnit (after the HTTP drain when one is configured) and a runtime
SetUnitProperties (CPU quota, MemoryHigh) for throttle, over D-Bus. A refusal by systemd or polkit comes back as a
D-Bus error and becomes a failed outcome of kind "permission" that names it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from dbus_fast import Variant

from agentops_tui.actions.base import DETAIL_LEN, Executor
from agentops_tui.actions.executors import DrainFirst
from agentops_tui.actions.model import ActionKind, ActionRequest, ErrorKind, Operation, Outcome
from probes.config import ServiceConfig, SystemdConfig
from probes.sources.systemd.probe import MANAGER, MANAGER_PATH, Bus, BusError, bus_address
from probes.text.sanitize import clean

PERMISSION_ERRORS = ("AccessDenied", "InteractiveAuthorizationRequired", "PolicyKit1", "NotAuthorized")
MEMBER = {"restart": "RestartUnit", "start": "StartUnit", "drain": "StopUnit", "resume": "StartUnit"}


def error_kind(name: str) -> ErrorKind:
    if any(p in name for p in PERMISSION_ERRORS):
        return "permission"
    if "NoSuchUnit" in name or "LoadFailed" in name:
        return "not_found"
    return "error"


def throttle_values(cfg: SystemdConfig, request: ActionRequest) -> tuple[int, int | None]:
    """(CPUQuotaPerSecUSec, MemoryHigh or None) from the config, unless the request carries `cpus` (CPUs, as for
    Docker) or `cpu_quota_percent`, and `memory_bytes`."""
    params = request.params
    if isinstance(params.get("cpus"), (int, float)) and not isinstance(params.get("cpus"), bool):
        percent = float(params["cpus"]) * 100
    else:
        percent = float(params.get("cpu_quota_percent", cfg.throttle_cpu_percent))
    memory = params.get("memory_bytes", cfg.throttle_memory_high)
    return max(1, round(percent * 10_000)), memory if isinstance(memory, int) and memory > 0 else None


class SystemdExecutor:
    """One D-Bus connection per action (connect, call, close), every call bounded by the action timeout."""

    name = "systemd"

    def __init__(self, service: ServiceConfig, timeout_s: float, environ: Mapping[str, str] | None = None) -> None:
        assert service.systemd is not None and service.systemd.unit
        self.service = service
        self.cfg: SystemdConfig = service.systemd
        self.unit: str = service.systemd.unit
        self.timeout_s = timeout_s
        self.address = bus_address(self.cfg, dict(environ) if environ is not None else None)
        control = service.control
        self.http_drain = DrainFirst(control, timeout_s, environ)

    def operation(self, request: ActionRequest) -> Operation:
        unit = clean(self.unit, 200)
        if request.kind == "throttle":
            quota, high = throttle_values(self.cfg, request)
            text = (
                f"systemd SetUnitProperties {unit} runtime CPUQuotaPerSecUSec={quota} ({quota / 10_000:g}% of one CPU)"
            )
            if high:
                text += f" MemoryHigh={high}"
            text += " (systemd limits CPU and memory, not requests per minute)"
        else:
            text = f"systemd {MEMBER[request.kind]} {unit} (mode replace)"
            if request.kind == "drain":
                text = self.http_drain.describe(request, text)
        return Operation(self.name, clean(text, DETAIL_LEN))

    async def run(self, request: ActionRequest) -> Outcome:
        drain_failed = await self.http_drain.run(request, f"drain call failed, {self.unit} not stopped")
        if drain_failed is not None:
            return drain_failed
        bus = Bus(self.address, self.timeout_s)
        try:
            if request.kind == "throttle":
                quota, high = throttle_values(self.cfg, request)
                props = [["CPUQuotaPerSecUSec", Variant("t", quota)]]
                if high:
                    props.append(["MemoryHigh", Variant("t", high)])
                await bus.call(MANAGER_PATH, MANAGER, "SetUnitProperties", "sba(sv)", [self.unit, True, props])
                return Outcome(
                    True, f"{self.unit}: CPU quota {quota / 10_000:g}%" + (f", MemoryHigh {high}" if high else "")
                )
            reply = await bus.call(MANAGER_PATH, MANAGER, MEMBER[request.kind], "ss", [self.unit, "replace"])
            return Outcome(True, f"{self.unit}: {MEMBER[request.kind]} queued as {clean(reply[0], 120)}")
        except BusError as exc:
            kind = error_kind(exc.name)
            why = "refused by systemd/polkit" if kind == "permission" else "failed"
            return Outcome(
                False,
                clean(f"{MEMBER.get(request.kind, 'SetUnitProperties')} {why}: {exc.name}: {exc}", DETAIL_LEN),
                kind,
            )
        except asyncio.TimeoutError:
            return Outcome(False, f"D-Bus gave no answer within {self.timeout_s:g}s", "timeout")
        except OSError as exc:
            return Outcome(
                False, clean(f"D-Bus at {self.address} unreachable: {type(exc).__name__}: {exc}", DETAIL_LEN), "refused"
            )
        finally:
            bus.close()


KINDS: tuple[ActionKind, ...] = ("restart", "start", "drain", "throttle", "resume")


def offer(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None = None
) -> Executor | str | None:
    """The systemd executor, or why systemd cannot do it (str), or None when it is not systemd's to do."""
    if service.systemd is None or kind not in KINDS:
        return None
    if not service.systemd.unit:
        return f"no {kind} for {clean(service.name, 120)}: systemd actions need one unit (unit:), not a pattern"
    return SystemdExecutor(service, timeout_s, environ)
