"""systemd probe over D-Bus (dbus-fast): one ListUnitsByNames call for every configured unit, one
ListUnitsByPatterns call for every pattern (they carry the load/active/sub states), then one Properties.GetAll of
the Service interface per matched service unit (NRestarts, MainPID, Result, ExecMainStatus, memory, CPU, start
time), concurrently and bounded (dbus-daemon allows 128 pending replies per connection). No `systemctl` process
per unit. The Unit interface is not read: everything we show from it is already in the ListUnits rows.
With many units, the properties of steadily running ones (same state as last poll) are re-read REFRESH_STEADY per
poll in turn: their status comes from the ListUnits row every poll; pid, memory and CPU may be a few polls old.

One probe per bus address. The connection is kept between polls; every call has a 2 s timeout, and a hung or
vanished bus drops the connection (the rows turn UNKNOWN with the reason) and the next poll connects again.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import time
from typing import Any

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

from probes.config import SystemdConfig
from probes.model import UNSET, ProbeError, SystemdResult, SystemdUnit
from probes.text.sanitize import clean

CALL_TIMEOUT_S = 2.0
PARALLEL = 64  # property calls in flight at once on one connection
MAX_UNITS = 1000  # units one pattern may match
REFRESH_STEADY = 50  # steadily running units whose properties are re-read per poll, in turn (all of them when fewer)
SYSTEMD = "org.freedesktop.systemd1"
MANAGER_PATH = "/org/freedesktop/systemd1"
MANAGER = "org.freedesktop.systemd1.Manager"
PROPERTIES = "org.freedesktop.DBus.Properties"
SERVICE = "org.freedesktop.systemd1.Service"


def bus_address(cfg: SystemdConfig, environ: dict[str, str] | None = None) -> str:
    """The configured address, else DBUS_SYSTEM_BUS_ADDRESS (DBUS_SESSION_BUS_ADDRESS for the user bus), else the
    standard socket."""
    env = os.environ if environ is None else environ
    if cfg.bus_address:
        return cfg.bus_address
    if cfg.bus == "user":
        return env.get("DBUS_SESSION_BUS_ADDRESS") or f"unix:path=/run/user/{os.getuid()}/bus"
    return env.get("DBUS_SYSTEM_BUS_ADDRESS") or "unix:path=/run/dbus/system_bus_socket"


class BusError(Exception):
    """A D-Bus call failed: `name` is the D-Bus error name (org.freedesktop.DBus.Error.AccessDenied...)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


class Bus:
    """One kept D-Bus connection with a timeout on every call; drops itself when a call times out."""

    def __init__(self, address: str, timeout: float = CALL_TIMEOUT_S) -> None:
        self.address = address
        self.timeout = timeout
        self._bus: MessageBus | None = None

    async def _connected(self) -> MessageBus:
        if self._bus is not None and self._bus.connected:
            return self._bus
        self.close()
        bus = MessageBus(bus_address=self.address)
        try:
            self._bus = await asyncio.wait_for(bus.connect(), self.timeout)
        except BaseException:
            with contextlib.suppress(Exception):
                bus.disconnect()
            raise
        # The bus reports a lost connection through this future; consume it so it is not logged as unretrieved.
        watch = asyncio.ensure_future(self._bus.wait_for_disconnect())
        watch.add_done_callback(lambda f: None if f.cancelled() else f.exception())
        return self._bus

    async def call(self, path: str, interface: str, member: str, signature: str = "", body: list[Any] | None = None,
                   destination: str = SYSTEMD) -> list[Any]:  # fmt: skip
        """One method call; raises BusError for a D-Bus error reply, TimeoutError/OSError for a dead bus."""
        bus = await self._connected()
        msg = Message(destination=destination, path=path, interface=interface, member=member, signature=signature,
                      body=body or [])  # fmt: skip
        try:
            reply = await asyncio.wait_for(bus.call(msg), self.timeout)
        except asyncio.TimeoutError:
            self.close()
            raise
        if reply is None:
            raise BusError("org.freedesktop.DBus.Error.NoReply", "no reply")
        if reply.message_type == MessageType.ERROR:
            text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
            raise BusError(reply.error_name or "error", clean(text or reply.error_name or "error", 300))
        return list(reply.body)

    def close(self) -> None:
        if self._bus is not None:
            with contextlib.suppress(Exception):
                self._bus.disconnect()
            self._bus = None


def describe_failure(exc: BaseException, address: str, timeout: float = CALL_TIMEOUT_S) -> ProbeError:
    """A failed connection or call as the reason shown on the rows."""
    where = clean(address, 120)
    if isinstance(exc, asyncio.TimeoutError):
        return ProbeError("timeout", f"D-Bus at {where}: no answer within {timeout:g}s")
    if isinstance(exc, BusError):
        return ProbeError("error", f"D-Bus: {clean(exc.name, 100)}: {clean(str(exc), 200)}")
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
        return ProbeError("error", f"D-Bus at {where} unreachable: {type(exc).__name__}")
    return ProbeError("error", clean(f"D-Bus at {where}: {type(exc).__name__}: {exc}", 300))


def _u64(props: dict[str, Any], key: str) -> int | None:
    v = props.get(key)
    value = getattr(v, "value", v)
    if isinstance(value, bool) or not isinstance(value, int) or value in (UNSET, UNSET >> 1):
        return None
    return value


def _str(props: dict[str, Any], key: str) -> str:
    v = props.get(key)
    value = getattr(v, "value", v)
    return clean(value, 128) if isinstance(value, str) else ""


class SystemdProbe:
    """Polls the units of every service on one bus (key "systemd:ADDRESS"); results per service name."""

    def __init__(self, address: str, targets: dict[str, SystemdConfig], interval: float, timeout: float) -> None:
        self.address = address
        self.key = f"systemd:{address}"
        self.targets = targets
        self.interval = interval
        self.timeout = timeout
        self.bus = Bus(address, min(CALL_TIMEOUT_S, max(0.1, timeout * 0.9)))
        self._sem = asyncio.Semaphore(PARALLEL)
        self.names = sorted({c.unit for c in targets.values() if c.unit})
        self.patterns = sorted({c.unit_pattern for c in targets.values() if c.unit_pattern})
        self._cache: dict[str, SystemdUnit] = {}
        self._turn = 0

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> dict[str, SystemdResult]:
        self.bus.close()  # a timed-out poll may have left a call hanging: start clean
        self._cache = {}
        return {name: SystemdResult(at=at, error=error) for name in self.targets}

    async def collect(self) -> dict[str, SystemdResult]:
        at = time.time()
        try:
            units = await self.list_units()
            details = await asyncio.gather(*(self._details(u, refresh) for u, refresh in self._plan(units)))
        except Exception as exc:  # a dead bus, a timeout, an error reply: every row says why
            if not isinstance(exc, BusError):
                self.bus.close()
            return self.failed(describe_failure(exc, self.address, self.bus.timeout), at, 0.0)
        by_name = {u.name: u for u in details}
        self._cache = by_name
        out: dict[str, SystemdResult] = {}
        for service, cfg in self.targets.items():
            mine = [by_name[cfg.unit]] if cfg.unit and cfg.unit in by_name else []
            if cfg.unit_pattern:
                mine += [
                    u for n, u in sorted(by_name.items()) if fnmatch.fnmatchcase(n, cfg.unit_pattern) and n != cfg.unit
                ]
                if not mine:
                    out[service] = SystemdResult(at, error=ProbeError("refused", f"no unit matches {cfg.unit_pattern}"))
                    continue
            out[service] = SystemdResult(at, tuple(mine))
        return out

    async def list_units(self) -> dict[str, tuple[Any, ...]]:
        """name -> the ListUnits row (name, description, load, active, sub, following, path, ...)."""
        rows: list[Any] = []
        if self.names:
            rows += (await self.bus.call(MANAGER_PATH, MANAGER, "ListUnitsByNames", "as", [self.names]))[0]
        if self.patterns:
            found = (await self.bus.call(MANAGER_PATH, MANAGER, "ListUnitsByPatterns", "asas", [[], self.patterns]))[0]
            rows += found[:MAX_UNITS]
        return {str(r[0]): tuple(r) for r in rows}

    def _plan(self, units: dict[str, tuple[Any, ...]]) -> list[tuple[tuple[Any, ...], bool]]:
        """Which units get their properties read this poll: every unit that is new, changed state or is not
        steadily running, and up to REFRESH_STEADY of the steady ones in turn (the rest keep last poll's)."""
        plan: list[tuple[tuple[Any, ...], bool]] = []
        steady: list[int] = []
        for row in units.values():
            old = self._cache.get(str(row[0]))
            same = old is not None and (old.load_state, old.active_state, old.sub_state) == tuple(row[2:5])
            if same and row[3] == "active" and row[4] == "running":
                steady.append(len(plan))
            plan.append((row, not same or row[3] != "active"))
        if len(steady) <= REFRESH_STEADY:
            return [(row, True) for row, _ in plan]
        start = self._turn % len(steady)
        for i in (steady + steady)[start : start + REFRESH_STEADY]:
            plan[i] = (plan[i][0], True)
        self._turn = (start + REFRESH_STEADY) % len(steady)
        return plan

    async def _details(self, row: tuple[Any, ...], refresh: bool = True) -> SystemdUnit:
        name, desc, load, active, sub = (str(x) for x in row[:5])
        path = str(row[6])
        base = SystemdUnit(name=clean(name, 256), description=clean(desc, 256), load_state=clean(load, 32),
                           active_state=clean(active, 32), sub_state=clean(sub, 32))  # fmt: skip
        if load != "loaded" or not name.endswith(".service"):
            return base
        cached = self._cache.get(base.name)
        if not refresh and cached is not None:
            return cached
        async with self._sem:
            p: dict[str, Any] = (await self.bus.call(path, PROPERTIES, "GetAll", "s", [SERVICE]))[0]
        exec_status = getattr(p.get("ExecMainStatus"), "value", None)
        return SystemdUnit(
            name=base.name, description=base.description, load_state=base.load_state,
            active_state=base.active_state, sub_state=base.sub_state,
            main_pid=_u64(p, "MainPID") or None, n_restarts=_u64(p, "NRestarts"), result=_str(p, "Result"),
            exec_main_status=exec_status if isinstance(exec_status, int) else None,
            memory_current=_u64(p, "MemoryCurrent"), memory_max=_u64(p, "MemoryMax"),
            memory_high=_u64(p, "MemoryHigh"), cpu_usage_nsec=_u64(p, "CPUUsageNSec"),
            cpu_quota_per_sec_usec=_u64(p, "CPUQuotaPerSecUSec"),
            started_usec=_u64(p, "ExecMainStartTimestamp") or None, restart=_str(p, "Restart"), read_at=time.time(),
        )  # fmt: skip


def group_by_bus(targets: dict[str, SystemdConfig]) -> dict[str, dict[str, SystemdConfig]]:
    """Services grouped by the bus they live on: one probe (one connection) per bus."""
    out: dict[str, dict[str, SystemdConfig]] = {}
    for service, cfg in targets.items():
        out.setdefault(bus_address(cfg), {})[service] = cfg
    return out
