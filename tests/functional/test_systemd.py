"""systemd backend against a real systemd (PID 1 in a container) reached over its D-Bus system socket: units that
run, fail, crash-loop and hit their start limit show the right status; restart, throttle, stop and start act through
systemd and are verified through systemd; a bus that goes away turns rows UNKNOWN and recovers by itself."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Outcome, Plan
from agentops_tui.actions.systemd_exec import SystemdExecutor
from probes.config import ControlConfig, ControlEndpoint, FleetConfig, HealthConfig, ServiceConfig, SystemdConfig
from probes.fleet.state import FleetState
from probes.model import Status
from probes.runtime.factory import service_manager_probes
from probes.sources.systemd.probe import SystemdProbe, SystemdUnit
from tests.functional.helpers import free_port
from tests.functional.test_launchd import control_server
from tests.testbed.systemd import SystemdContainer
from tests.waiting import agather

# The first test here may build the systemd image (debootstrap, about a minute) in the session fixture.
pytestmark = pytest.mark.timeout(900)

P = "issue5-"  # every unit and container of these tests


def units(http_port: int) -> dict[str, str]:
    return {
        f"{P}run.service": "[Service]\nExecStart=/bin/sleep infinity\n",
        f"{P}fail.service": "[Service]\nExecStart=/bin/sh -c 'exit 3'\n",
        f"{P}loop.service": (
            "[Unit]\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/sh -c 'sleep 0.2; exit 1'\n"
            "Restart=always\nRestartSec=3\n"
        ),
        f"{P}limit.service": (
            "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n[Service]\nExecStart=/bin/sh -c 'exit 1'\n"
            "Restart=always\nRestartSec=100ms\n"
        ),
        f"{P}http.service": (
            '[Service]\nExecStartPre=/bin/sh -c \'mkdir -p /srv/www && echo {\\"status\\":\\"healthy\\"} > '
            f"/srv/www/health'\nExecStart=/usr/local/bin/busybox httpd -f -p 127.0.0.1:{http_port} -h /srv/www\n"
        ),
    }


@pytest.fixture(scope="module")
def sysd(systemd_container: SystemdContainer) -> Iterator[tuple[SystemdContainer, int]]:
    port = free_port()
    for name, body in units(port).items():
        systemd_container.write_unit(name, body)
    systemd_container.reload()
    for name in units(port):
        systemd_container.systemctl("start", "--no-block", name)
    try:
        yield systemd_container, port
    finally:
        for name in units(port):
            systemd_container.systemctl("stop", name, check=False)
            systemd_container.exec("rm", "-f", f"/etc/systemd/system/{name}", check=False)
        systemd_container.systemctl("reset-failed", check=False)


def svc(name: str, unit: str, address: str, **kw: object) -> ServiceConfig:
    return ServiceConfig(name=name, systemd=SystemdConfig(unit=unit, bus_address=address), **kw)  # type: ignore[arg-type]


async def poll_until(
    cfg: FleetConfig, done: object, timeout: float = 20.0, probe: SystemdProbe | None = None
) -> FleetState:
    """Poll (a fresh FleetState each time) until `done(state)` holds; returns the last state."""
    probe = probe or service_manager_probes(cfg)[0]  # type: ignore[assignment]
    assert isinstance(probe, SystemdProbe)
    found = probe

    async def fresh() -> FleetState:
        state = FleetState(cfg)
        state.apply(found.key, await asyncio.wait_for(found.collect(), found.timeout + 1))
        return state

    return await agather(fresh, done, timeout)  # type: ignore[arg-type]


def row(state: FleetState, name: str) -> tuple[Status, str]:
    v = state.services[name].view
    return v.status, v.reason


async def test_units_show_the_right_status(sysd: tuple[SystemdContainer, int]) -> None:
    c, port = sysd
    cfg = FleetConfig(
        services=[
            svc("run", f"{P}run.service", c.address),
            svc("fail", f"{P}fail.service", c.address),
            svc("loop", f"{P}loop.service", c.address),
            svc("limit", f"{P}limit.service", c.address),
            svc("missing", f"{P}nothing.service", c.address),
            svc("http", f"{P}http.service", c.address, health=HealthConfig(url=f"http://127.0.0.1:{port}/health")),
        ]
    )

    def settled(state: FleetState) -> bool:
        return (
            row(state, "loop")[1].startswith("crash loop")
            and "restarts" in row(state, "loop")[1]
            and row(state, "limit")[1] == "start limit hit, 3 restarts"
            and row(state, "fail")[0] is Status.CRIT
            and row(state, "run")[0] is Status.OK
        )

    state = await poll_until(cfg, settled)
    assert row(state, "run")[0] is Status.OK and row(state, "run")[1] == "active (running)"
    assert row(state, "fail") == (Status.CRIT, "failed (exit-code, status 3)")
    status, reason = row(state, "loop")
    assert status is Status.CRIT and reason.startswith("crash loop (auto-restart, ") and reason.endswith(" restarts)")
    assert row(state, "limit") == (Status.CRIT, "start limit hit, 3 restarts")
    assert row(state, "missing") == (Status.CRIT, "unit not found")
    view = state.services["run"].view
    facts = dict(view.native)
    assert view.pid is not None and view.pid > 1 and facts["main pid"] == str(view.pid)
    assert view.rss_bytes is not None or "memory" not in facts
    assert facts["unit"] == f"{P}run.service: loaded active (running)"


async def test_unit_pattern(sysd: tuple[SystemdContainer, int]) -> None:
    c, _ = sysd
    cfg = FleetConfig(
        services=[ServiceConfig(name="all", systemd=SystemdConfig(unit_pattern=f"{P}*.service", bus_address=c.address))]
    )
    state = await poll_until(cfg, lambda s: "start limit hit" in row(s, "all")[1])
    status, reason = row(state, "all")
    assert status is Status.CRIT
    assert f"{P}fail.service: failed" in reason and f"{P}limit.service: start limit hit" in reason
    names = {v.split(":")[0] for k, v in state.services["all"].view.native if k.endswith("unit")}
    assert {f"{P}run.service", f"{P}fail.service", f"{P}http.service"} <= names


def layer_for(cfg: FleetConfig, tmp_path: Path) -> tuple[ActionLayer, Journal]:
    journal = Journal(tmp_path / "audit.jsonl")
    return ActionLayer(cfg, journal, lambda name: None), journal


async def act(layer: ActionLayer, request: ActionRequest) -> tuple[Plan, Outcome]:
    plan = layer.plan(request)
    assert isinstance(plan, Plan), plan
    layer.confirm(plan)
    return plan, await layer.run(plan)


async def unit_of(cfg: FleetConfig, name: str, done: object) -> SystemdUnit:
    await poll_until(cfg, lambda s: done(s.services[name].view))  # type: ignore[operator]
    probe = service_manager_probes(cfg)[0]
    assert isinstance(probe, SystemdProbe)
    result = (await probe.collect())[name]
    return result.units[0]


async def test_restart_throttle_stop_start_through_systemd(sysd: tuple[SystemdContainer, int], tmp_path: Path) -> None:
    c, _ = sysd
    unit = f"{P}run.service"
    with control_server() as (port, posted):
        control = ControlConfig(base_url=f"http://127.0.0.1:{port}", drain=ControlEndpoint("/admin/drain"))
        cfg = FleetConfig(services=[svc("run", unit, c.address, control=control)])
        layer, journal = layer_for(cfg, tmp_path)
        before = await unit_of(cfg, "run", lambda v: v.pid is not None)

        plan, outcome = await act(layer, ActionRequest("run", "restart"))
        assert outcome.ok, outcome.detail
        assert plan.operation.description == f"systemd RestartUnit {unit} (mode replace)"
        after = await unit_of(cfg, "run", lambda v: v.pid not in (None, before.main_pid))
        assert after.main_pid not in (None, before.main_pid)

        plan, outcome = await act(layer, ActionRequest("run", "throttle", {"max_requests_per_minute": 10}))
        assert outcome.ok, outcome.detail
        assert plan.operation.description.startswith(
            f"systemd SetUnitProperties {unit} runtime CPUQuotaPerSecUSec=500000 (50% of one CPU)"
        )
        assert c.systemctl("show", "-p", "CPUQuotaPerSecUSec", unit).strip() == "CPUQuotaPerSecUSec=500ms"
        throttled = await unit_of(cfg, "run", lambda v: ("cpu quota", "50%") in v.native)
        assert throttled.cpu_quota_per_sec_usec == 500_000

        plan, outcome = await act(layer, ActionRequest("run", "drain"))
        assert outcome.ok, outcome.detail
        assert posted == ["/admin/drain"]
        assert plan.operation.description == (
            f"POST http://127.0.0.1:{port}/admin/drain, then systemd StopUnit {unit} (mode replace)"
        )
        stopped = await unit_of(cfg, "run", lambda v: v.status is Status.CRIT)
        assert stopped.active_state == "inactive"
        assert c.systemctl("is-active", unit, check=False).strip() == "inactive"

        _, outcome = await act(layer, ActionRequest("run", "start"))
        assert outcome.ok, outcome.detail
        started = await unit_of(cfg, "run", lambda v: v.status is Status.OK)
        assert started.active_state == "active"

        c.systemctl("stop", unit)
        await unit_of(cfg, "run", lambda v: v.status is Status.CRIT)
        plan, outcome = await act(layer, ActionRequest("run", "resume"))  # no control.resume: systemd starts it
        assert outcome.ok and plan.operation.description == f"systemd StartUnit {unit} (mode replace)"
        assert (await unit_of(cfg, "run", lambda v: v.status is Status.OK)).active_state == "active"
    phases = [(r["action"], r["phase"], r["executor"]) for r in journal.tail() if r["phase"] == "succeeded"]
    assert phases == [(k, "succeeded", "systemd") for k in ("restart", "throttle", "drain", "start", "resume")]


async def test_missing_unit_action_fails_clearly(sysd: tuple[SystemdContainer, int], tmp_path: Path) -> None:
    c, _ = sysd
    layer, journal = layer_for(FleetConfig(services=[svc("x", f"{P}nothing.service", c.address)]), tmp_path)
    _, outcome = await act(layer, ActionRequest("x", "start"))
    assert not outcome.ok and outcome.error_kind == "not_found"
    assert "NoSuchUnit" in outcome.detail
    assert journal.tail()[-1]["phase"] == "failed"


def restart_as(uid: int, unit: str, address: str) -> str:
    """Run the systemd restart executor in a forked child that dropped to `uid`; returns "ok kind detail"."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read_fd)
            os.setgroups([])
            os.setgid(uid)
            os.setuid(uid)
            svc = ServiceConfig(name="x", systemd=SystemdConfig(unit=unit, bus_address=address))
            out = asyncio.run(SystemdExecutor(svc, 5.0).run(ActionRequest("x", "restart")))
            os.write(write_fd, f"{out.ok} {out.error_kind} {out.detail}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(write_fd)
    with os.fdopen(read_fd, "rb") as fh:
        text = fh.read().decode()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return text


def test_permission_refusal_is_shown(sysd: tuple[SystemdContainer, int]) -> None:
    """An unprivileged caller (uid 65534) is refused by systemd (no polkit rule allows it): shown, kind permission."""
    if os.geteuid() != 0:
        pytest.skip("testbed: needs root to run a caller as another uid")
    c, _ = sysd
    ok, kind, detail = restart_as(65534, f"{P}run.service", c.address).split(" ", 2)
    assert (ok, kind) == ("False", "permission"), detail
    assert detail.startswith("RestartUnit refused by systemd/polkit: org.freedesktop.DBus.Error."), detail


@contextmanager
def silent_bus(path: Path) -> Iterator[str]:
    """A unix socket that accepts and never answers: a hung bus."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(path))
    srv.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield f"unix:path={path}"
    finally:
        stop.set()
        t.join(2)
        for s in held:
            s.close()
        srv.close()


async def test_hung_bus_is_unknown_within_the_timeout(tmp_path: Path) -> None:
    with silent_bus(tmp_path / "bus") as address:
        cfg = FleetConfig(services=[svc("a", "a.service", address), svc("b", "b.service", address)])
        probe = service_manager_probes(cfg)[0]
        start = time.monotonic()
        state = FleetState(cfg)
        state.apply(probe.key, await probe.collect())
        assert time.monotonic() - start < probe.timeout + 0.5
        for name in ("a", "b"):
            status, reason = row(state, name)
            assert status is Status.UNKNOWN
            assert reason == f"systemd: D-Bus at {address}: no answer within 0.9s"  # 2 s, or less for a shorter poll


async def test_bus_going_away_turns_rows_unknown_and_recovers(
    docker_daemon: object, systemd_container: SystemdContainer
) -> None:
    c = SystemdContainer(systemd_container.daemon, f"{P}bounce")
    c.start()
    try:
        cfg = FleetConfig(services=[svc("dbus", "dbus.service", c.address)])
        probe = service_manager_probes(cfg)[0]
        assert isinstance(probe, SystemdProbe)
        state = await poll_until(cfg, lambda s: row(s, "dbus")[0] is Status.OK, probe=probe)
        assert row(state, "dbus") == (Status.OK, "active (running)")
        c.stop_container()
        state = await poll_until(cfg, lambda s: row(s, "dbus")[0] is Status.UNKNOWN, probe=probe)
        status, reason = row(state, "dbus")
        assert status is Status.UNKNOWN and reason.startswith("systemd: D-Bus at "), reason
        c.start_container()
        state = await poll_until(cfg, lambda s: row(s, "dbus")[0] is Status.OK, probe=probe, timeout=30)
        assert row(state, "dbus") == (Status.OK, "active (running)")
    finally:
        c.remove()


async def test_garbage_from_the_bus_is_unknown(tmp_path: Path) -> None:
    """A socket that completes the auth handshake and then sends garbage: UNKNOWN with the reason, no exception."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(str(tmp_path / "bus"))
    srv.listen(4)
    srv.settimeout(5)

    def serve() -> None:
        with contextlib.suppress(OSError):
            conn = srv.accept()[0]
            conn.recv(4096)
            conn.sendall(b"OK 0123456789abcdef0123456789abcdef\r\n")
            conn.recv(4096)
            conn.sendall(b"\x00" * 16 + b"\x1b]52;c;QUJD\x07garbage" * 50)
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        address = f"unix:path={tmp_path / 'bus'}"
        cfg = FleetConfig(services=[svc("a", "a.service", address)])
        probe = service_manager_probes(cfg)[0]
        state = FleetState(cfg)
        state.apply(probe.key, await asyncio.wait_for(probe.collect(), probe.timeout + 0.5))
        status, reason = row(state, "a")
        assert status is Status.UNKNOWN and reason.startswith(f"systemd: D-Bus at {address}: "), reason
        assert "\x1b" not in reason
    finally:
        t.join(5)
        srv.close()
