"""Docker actions through the action layer and the keys, verified through the engine itself (docker inspect)."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.widgets import Static

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Plan
from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.detail import DetailScreen
from agentops_tui.screens.docker_throttle import DockerThrottleScreen
from agentops_tui.screens.drain import DrainScreen, WorkflowScreen
from agentops_tui.screens.logs import LogsScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import ControlConfig, ControlEndpoint, DockerConfig, FleetConfig
from probes.model import Status
from tests.functional.docker_helpers import container, fleet, inspect, name
from tests.functional.helpers import row_status, wait_until
from tests.testbed.docker import DockerDaemon
from tests.waiting import wait_for

SIZE = (120, 30)


def layer_for(cfg: FleetConfig, tmp_path: Path) -> ActionLayer:
    return ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda _: None)


async def act(layer: ActionLayer, request: ActionRequest) -> tuple[Plan, Any]:
    plan = layer.plan(request)
    assert isinstance(plan, Plan), plan
    layer.confirm(plan)
    return plan, await layer.run(plan)


@contextmanager
def drain_endpoint() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP control endpoint that records the paths POSTed to it."""
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            calls.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            return None

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_address[1], calls
    finally:
        srv.shutdown()
        srv.server_close()


async def test_restart_update_stop_start_seen_by_the_engine(docker_daemon: DockerDaemon, tmp_path: Path) -> None:
    with container(docker_daemon, name("act"), "--memory", "64m") as c:
        cfg = fleet(docker_daemon, {"svc": DockerConfig(container=c, stop_timeout=1)})
        layer = layer_for(cfg, tmp_path)
        before = inspect(docker_daemon, c)["State"]["StartedAt"]

        plan, out = await act(layer, ActionRequest("svc", "restart"))
        assert out.ok, out
        assert plan.operation.executor == "docker" and f"docker restart --time 1 {c}" in plan.operation.description
        state = inspect(docker_daemon, c)["State"]
        assert state["Running"] and state["StartedAt"] != before

        _, out = await act(layer, ActionRequest("svc", "throttle", {"cpus": 0.5, "memory_bytes": 48 << 20}))
        assert out.ok, out
        host = inspect(docker_daemon, c)["HostConfig"]
        assert host["NanoCpus"] == 500_000_000 and host["Memory"] == 48 << 20

        _, out = await act(layer, ActionRequest("svc", "drain"))
        assert out.ok, out
        assert inspect(docker_daemon, c)["State"]["Running"] is False

        _, out = await act(layer, ActionRequest("svc", "start"))
        assert out.ok, out
        assert inspect(docker_daemon, c)["State"]["Running"] is True

        phases = [(r["action"], r["phase"]) for r in layer.tail()]
        assert ("restart", "succeeded") in phases and ("start", "succeeded") in phases
        assert all(r["executor"] in ("docker", None) for r in layer.tail())

        bad = layer.plan(ActionRequest("svc", "throttle", {"memory_bytes": 1024}))
        assert not isinstance(bad, Plan) and "memory_bytes" in bad.reason


async def test_drain_calls_the_http_drain_first_then_stops(docker_daemon: DockerDaemon, tmp_path: Path) -> None:
    with container(docker_daemon, name("drain")) as c, drain_endpoint() as (port, calls):
        base = fleet(docker_daemon, {"svc": DockerConfig(container=c, stop_timeout=1)})
        control = ControlConfig(base_url=f"http://127.0.0.1:{port}", drain=ControlEndpoint("/admin/drain"))
        cfg = FleetConfig(services=[base.services[0].__class__(**{**base.services[0].__dict__, "control": control})])
        layer = layer_for(cfg, tmp_path)
        plan, out = await act(layer, ActionRequest("svc", "drain"))
        assert out.ok, out
        assert plan.operation.description.startswith(f"POST http://127.0.0.1:{port}/admin/drain, then docker stop")
        assert calls == ["/admin/drain"]
        assert inspect(docker_daemon, c)["State"]["Running"] is False


async def test_restart_of_a_missing_container_fails_cleanly(docker_daemon: DockerDaemon, tmp_path: Path) -> None:
    cfg = fleet(docker_daemon, {"svc": DockerConfig(container=name("absent"))})
    _, out = await act(layer_for(cfg, tmp_path), ActionRequest("svc", "restart"))
    assert not out.ok and out.error_kind == "not_found"


def detail_text(app: AgentOpsApp) -> str:
    body = app.screen.query_one("#detail-body", Static)
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(body.content)
    return console.export_text()


async def select(pilot: Any, app: AgentOpsApp, svc: str) -> None:
    table = app.screen.query_one(ServiceTable)
    assert await wait_until(pilot, lambda: row_status(table, svc) is Status.OK, 20)
    table.move_cursor(row=table.get_row_index(svc))


async def test_throttle_dialog_shows_limits_and_updates_the_container(docker_daemon: DockerDaemon) -> None:
    with container(docker_daemon, name("ui"), "--memory", "64m", "--cpus", "1.5") as c:
        app = make_app(fleet(docker_daemon, {"box": DockerConfig(container=c)}))
        async with app.run_test(size=SIZE) as pilot:
            await select(pilot, app, "box")
            await pilot.press("t")
            assert await wait_until(pilot, lambda: isinstance(app.screen, DockerThrottleScreen), 5)
            assert isinstance(app.screen, DockerThrottleScreen)
            assert app.screen.current == f"{c}: 1.5 CPUs, memory 64m"
            await pilot.press(*"0.25", "tab", *"32m")
            await pilot.click("#confirm")
            assert await wait_until(pilot, lambda: inspect(docker_daemon, c)["HostConfig"]["Memory"] == 32 << 20, 10)
            assert inspect(docker_daemon, c)["HostConfig"]["NanoCpus"] == 250_000_000
            rec = app.actions.tail()[-1]
            assert rec["params"] == {"cpus": 0.25, "memory_bytes": 32 << 20} and rec["executor"] == "docker"

            await pilot.press("enter")  # the detail screen's Docker panel shows the new limits
            assert await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), 5)
            assert await wait_until(pilot, lambda: "0.25 CPUs" in detail_text(app), 10)
            text = detail_text(app)
            assert "Containers (0 restarts in the last 5m)" in text and c in text and "running" in text
            await pilot.press("escape")

            await pilot.press("r")
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
            started = inspect(docker_daemon, c)["State"]["StartedAt"]
            await pilot.press("y")
            wait_for(lambda: inspect(docker_daemon, c)["State"]["StartedAt"] != started, 30, "restarted by the engine")

            await pilot.press("d")  # no drain endpoint: the drain workflow stops it through Docker, SIGTERM first
            assert await wait_until(pilot, lambda: isinstance(app.screen, DrainScreen), 5)
            assert isinstance(app.screen, DrainScreen) and app.screen.summary is not None
            assert app.screen.summary("stay").startswith(f"stops {c} via docker: SIGTERM")
            assert any("docker stop --time 10" in op for _, op in app.screen.preview("stay"))
            await pilot.press("y")
            wait_for(lambda: inspect(docker_daemon, c)["State"]["Running"] is False, 30, "stopped by the engine")
            assert await wait_until(pilot, lambda: isinstance(app.screen, WorkflowScreen) and app.screen.finished, 30)
            await pilot.press("escape")
            assert await wait_until(pilot, lambda: row_status(app.screen.query_one(ServiceTable), "box") is Status.CRIT,
                                    10)  # fmt: skip
            await pilot.press("S")
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
            await pilot.press("y")
            wait_for(lambda: inspect(docker_daemon, c)["State"]["Running"] is True, 30, "started by the engine")


async def test_logs_view_strips_escapes_and_stays_bounded(docker_daemon: DockerDaemon) -> None:
    script = (
        'i=0; while [ $i -lt 300 ]; do echo -e "line $i \\033[31mred\\033[0m \\033]0;pwned\\007 end"; '
        'i=$((i+1)); done; while true; do echo -e "tick \\033[2J\\033[Hok"; sleep 0.2; done'
    )
    with container(docker_daemon, name("logs"), cmd=("sh", "-c", script)) as c:
        cfg = fleet(docker_daemon, {"talker": DockerConfig(container=c)})
        app = make_app(cfg)
        async with app.run_test(size=SIZE) as pilot:
            await select(pilot, app, "talker")
            await pilot.press("l")  # the key opens the logs view with the default 1,000-line buffer
            assert await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen), 5)
            assert isinstance(app.screen, LogsScreen) and app.screen.max_lines == 1000
            await pilot.press("escape")
            await pilot.pause(0.2)
            app.push_screen(LogsScreen(app, "talker", max_lines=100))
            await pilot.pause(0.2)
            screen = app.screen
            assert isinstance(screen, LogsScreen)
            assert await wait_until(pilot, lambda: screen.received >= 110, 15)  # 100 from the tail, then followed
            log = screen.log_view
            text = "\n".join(strip.text for strip in log.lines)
            assert "\x1b" not in text and "\x07" not in text and "pwned" not in text
            assert "line 299 red  end" in text or "tick ok" in text
            assert len(log.lines) <= 100
            await pilot.press("f")
            assert screen.follow is False and log.auto_scroll is False
            await pilot.press("escape")
            await pilot.pause(0.3)
            assert not isinstance(app.screen, LogsScreen)
            assert json.dumps(screen.source.label if screen.source else "").startswith('"docker logs')
