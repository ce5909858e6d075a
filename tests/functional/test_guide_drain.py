"""`d` on the guide's reference agent, which has no drain endpoint and drains on SIGTERM: the drain goes through
its service manager (a real systemd running the guide's unit file; a real Docker container with the guide's
healthcheck). The agent logs shutdown_complete, the task in flight when the SIGTERM came is in its cost records,
the journal has each step before and after with what was seen, and after "start it again" it is healthy.

Needs the docker test bed (and the systemd image); the provider's calls take a second, so the SIGTERM usually lands
in the middle of a task.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.screens.drain import DrainScreen, WorkflowScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import DockerConfig, FleetConfig, HealthConfig, MetricsConfig, ServiceConfig, SystemdConfig
from probes.model import Status
from tests.fixtures.guide import Provider, records
from tests.functional.docker_helpers import inspect
from tests.functional.helpers import free_port, row_status, wait_until
from tests.testbed import missing
from tests.testbed.docker import DockerDaemon
from tests.testbed.guide import GuideSystemd, run_container
from tests.waiting import wait_for

SIZE = (120, 40)
UNIT = "guide-agent.service"


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider(delay=1.0)  # a task takes about a second: the SIGTERM lands in one
    yield p
    p.server.shutdown()


def fleet(port: int, **backend: Any) -> FleetConfig:
    """The agent as the guide runs it: its health and metrics, and its service manager."""
    base = f"http://127.0.0.1:{port}"
    svc = ServiceConfig(name="guide-agent", health=HealthConfig(url=f"{base}/health"),
                        metrics=MetricsConfig(url=f"{base}/metrics"), **backend)  # fmt: skip
    return FleetConfig(services=[svc], refresh_interval=0.5)


async def drain_with_d(app: AgentOpsApp, pilot: Any, summary: str) -> str:
    """Select the agent, press d, check the dialog's sentence, choose "start it again", run it to the end;
    returns the result line."""
    table = app.screen.query_one(ServiceTable)
    assert await wait_until(pilot, lambda: row_status(table, "guide-agent") is Status.OK, 60)
    table.move_cursor(row=table.get_row_index("guide-agent"))
    await pilot.press("d")
    assert await wait_until(pilot, lambda: isinstance(app.screen, DrainScreen), 10)
    dialog = app.screen
    assert isinstance(dialog, DrainScreen) and dialog.summary is not None
    assert dialog.summary("restart") == summary
    await pilot.press("down", "enter")  # "start it again, wait until healthy"
    await pilot.press("y")
    assert await wait_until(pilot, lambda: isinstance(app.screen, WorkflowScreen), 10)
    screen = app.screen
    assert isinstance(screen, WorkflowScreen)
    assert await wait_until(pilot, lambda: screen.finished, 150)
    return str(screen.query_one("#result").render())


def check_journal(app: AgentOpsApp) -> str:
    """Each step started and succeeded, in order; returns what the wait saw while the agent stopped."""
    steps = [(r["action"], r.get("params", {}).get("step", ""), r["phase"]) for r in app.actions.tail()
             if r["phase"] in ("started", "succeeded", "failed")]  # fmt: skip
    assert steps == [
        ("drain", "", "started"), ("drain", "", "succeeded"),
        ("drain", "wait_stopped", "started"), ("drain", "wait_stopped", "succeeded"),
        ("start", "", "started"), ("start", "", "succeeded"),
        ("start", "wait_healthy", "started"), ("start", "wait_healthy", "succeeded"),
    ]  # fmt: skip
    seen = next(r["seen"] for r in app.actions.tail() if r.get("params", {}).get("step") == "wait_stopped"
                and r["phase"] == "succeeded")  # fmt: skip
    assert re.search(r"shutdown_complete logged after [\d.]+ s; task-\d+ finished first", seen), seen
    return str(seen)


def finished_task(seen: str, ledger: Path) -> None:
    """The task in hand when the SIGTERM came finished: its cost record is in the ledger."""
    match = re.search(r"(task-\d+) finished first", seen)
    assert match is not None
    assert match.group(1) in {r.get("task_id") for r in records(ledger)}


@pytest.fixture
def guide_unit(docker_daemon: DockerDaemon, tmp_path: Path, provider: Provider) -> Iterator[tuple[GuideSystemd, int]]:
    sysd = GuideSystemd(docker_daemon, f"i20-drain-{uuid.uuid4().hex[:6]}", tmp_path)
    try:
        sysd.start()
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        sysd.remove()
        missing(f"systemd container did not start: {exc}")
    port = free_port()
    try:
        sysd.install(UNIT, port, provider.url)
        yield sysd, port
    finally:
        sysd.remove()


async def test_d_drains_the_guide_unit_through_systemd(guide_unit: tuple[GuideSystemd, int], tmp_path: Path) -> None:
    sysd, port = guide_unit
    systemd = SystemdConfig(unit=UNIT, bus_address=sysd.address, journal_directory=str(sysd.journal))
    app = make_app(fleet(port, systemd=systemd))
    async with app.run_test(size=SIZE) as pilot:
        wait_for(lambda: len(records(tmp_path / "data" / "costs.jsonl")) >= 2, 60, "the agent at work")
        said = "stops guide-agent.service via systemd: SIGTERM, it finishes its current task, SIGKILL after 90 s"
        result = await drain_with_d(app, pilot, said + "; then starts it and waits for healthy")
        assert "done: guide-agent drained through systemd: stopped after" in result, result
    seen = check_journal(app)
    assert "(exited cleanly)" in seen
    finished_task(seen, tmp_path / "data" / "costs.jsonl")
    assert sysd.systemctl("is-active", UNIT, check=False).strip() == "active"


async def test_d_drains_the_guide_container_through_docker(
    docker_daemon: DockerDaemon, tmp_path: Path, provider: Provider
) -> None:
    name = f"i20-drain-{uuid.uuid4().hex[:6]}"
    port = free_port()
    run_container(docker_daemon, name, tmp_path, port, provider.url)
    try:
        docker = DockerConfig(container=name, host=docker_daemon.host, stop_timeout=30)
        app = make_app(fleet(port, docker=docker))
        async with app.run_test(size=SIZE) as pilot:
            wait_for(lambda: len(records(tmp_path / "data" / "costs.jsonl")) >= 2, 60, "the agent at work")
            result = await drain_with_d(app, pilot, f"stops {name} via docker: SIGTERM, it finishes its current "
                                        "task, SIGKILL after 30 s; then starts it and waits for healthy")  # fmt: skip
            assert "done: guide-agent drained through docker: stopped after" in result, result
        seen = check_journal(app)
        assert "(exit 0)" in seen
        finished_task(seen, tmp_path / "data" / "costs.jsonl")
        assert inspect(docker_daemon, name)["State"]["Running"] is True
    finally:
        docker_daemon.docker("rm", "-f", name, check=False)
