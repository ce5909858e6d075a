"""Quitting while a drain workflow runs: the dashboard asks first (naming the workflow and its step), and when it
goes anyway (the operator insists, SIGTERM, SIGHUP) the journal says the workflow was abandoned and where."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import httpx
import pytest

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.demo.fleet import DemoFleet
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.drain import WorkflowScreen
from probes.config import FleetConfig
from tests.functional.helpers import wait_until
from tests.functional.test_actions_ui import SIZE, admin
from tests.functional.test_actions_ui import select as select_service
from tests.functional.test_key_race import Terminal, dashboard_argv


async def resume_when_back(fleet: DemoFleet, name: str) -> None:
    """Leave the shared fleet as it was: the abandoned workflow left the service draining, perhaps mid-restart."""
    for _ in range(40):
        try:
            await admin(fleet, name, "resume")
            return
        except httpx.TransportError:  # restarting: its port is back in a moment
            await asyncio.sleep(0.5)


def abandoned(records: list[dict[str, object]], service: str) -> list[dict[str, object]]:
    return [r for r in records if r["service"] == service and r["phase"] == "abandoned"]


async def start_workflow(pilot: object, app: AgentOpsApp, name: str) -> WorkflowScreen:
    await select_service(pilot, app, name)
    await pilot.press("d", "down", "down", "enter", "y")  # type: ignore[attr-defined]
    assert await wait_until(pilot, lambda: isinstance(app.screen, WorkflowScreen), 5)  # type: ignore[arg-type]
    assert isinstance(app.screen, WorkflowScreen)
    return app.screen


@pytest.mark.parametrize("key", ["q", "ctrl+q", "ctrl+c"])
async def test_quit_during_a_workflow_asks_first(demo_fleet: DemoFleet, demo_config: FleetConfig, key: str) -> None:
    app = make_app(demo_config)
    try:
        async with app.run_test(size=SIZE) as pilot:
            workflow = await start_workflow(pilot, app, "researcher")
            await pilot.press(key)
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
            question = app.screen
            assert isinstance(question, ConfirmScreen)
            shown = question.title_text + " " + " ".join(f"{label} {value}" for label, value in question.lines)
            assert "drain" in shown.lower() and "researcher" in shown and "step" in shown, shown
            await pilot.press("escape")  # keep running
            await pilot.pause(0.2)
            assert app.screen is workflow and app.is_running and not workflow.finished
            await pilot.press(key)
            assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
            await pilot.press("y")  # quit anyway
            assert await wait_until(pilot, lambda: not app.is_running, 10)
        records = app.actions.tail()
        gone = abandoned(records, "researcher")
        assert len(gone) == 1, records[-6:]
        assert "step" in str(gone[0]["error"]) and "researcher" in str(gone[0]["error"]), gone
    finally:
        await resume_when_back(demo_fleet, "researcher")


def test_sigterm_during_a_workflow_journals_abandoned(
    demo_fleet: DemoFleet, demo_config_path: Path, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    term = Terminal(dashboard_argv(demo_config_path), {"XDG_STATE_HOME": str(state)})
    try:
        assert term.wait_for(lambda s: any("OK" in line and "planner" in line for line in s), 30), term.screen.text()
        os.write(term.fd, b"d")
        assert term.wait_for(lambda s: any("Drain planner" in line for line in s), 10), term.screen.text()
        for _ in range(2):  # down, down: restart when idle, wait until healthy, resume (the longest)
            os.write(term.fd, b"\x1b[B")
            term.read(0.3)
        os.write(term.fd, b"\r")
        term.read(0.3)
        os.write(term.fd, b"y")
        assert term.wait_for(lambda s: any("Draining planner" in line for line in s), 10), term.screen.text()
        os.kill(term.pid, signal.SIGTERM)
        _, status = os.waitpid(term.pid, 0)
        assert os.WIFEXITED(status) or os.WIFSIGNALED(status)
    finally:
        term.close()
        asyncio.run(resume_when_back(demo_fleet, "planner"))
    lines = (state / "agentops-tui" / "audit.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    gone = abandoned(records, "planner")
    assert len(gone) == 1, records[-6:]
    assert "step" in str(gone[0]["error"]), gone
