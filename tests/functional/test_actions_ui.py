"""Actions from the keyboard, through the real app, against the real demo fleet, journaled."""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import httpx
from textual.widgets import Button, DataTable, Input, Static

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.demo.fleet import DemoFleet
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.drain import DrainScreen, WorkflowScreen
from agentops_tui.screens.journal import JournalScreen
from agentops_tui.screens.throttle import ThrottleScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import FleetConfig
from probes.config.load import parse_config
from probes.model import Status
from tests.functional.helpers import row_status, wait_until

SIZE = (120, 34)


def phases(app: AgentOpsApp, service: str, action: str) -> list[str]:
    return [r["phase"] for r in app.actions.tail() if r["service"] == service and r["action"] == action]


async def admin(fleet: DemoFleet, name: str, action: str) -> None:
    """Drain or resume a demo service directly (set-up, and leaving the shared fleet as it was)."""
    async with httpx.AsyncClient(trust_env=False, timeout=5.0) as client:
        url = f"http://127.0.0.1:{fleet.port_of(name)}/admin/{action}"
        (await client.post(url, headers=fleet.admin_headers())).raise_for_status()


async def select(pilot: Any, app: AgentOpsApp, name: str) -> ServiceTable:
    table = app.screen.query_one(ServiceTable)
    assert await wait_until(pilot, lambda: row_status(table, name) in (Status.OK, Status.WARN), 20)
    table.move_cursor(row=table.get_row_index(name))
    return table


async def test_r_then_y_restarts_and_journals(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "summarizer")
        old_pid = demo_fleet.pid_of("summarizer")
        await pilot.press("r")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen)
        shown = " ".join(value for _, value in app.screen.lines)
        assert f"POST http://127.0.0.1:{demo_fleet.port_of('summarizer')}/admin/restart" in shown
        await pilot.press("y")
        assert await wait_until(pilot, lambda: demo_fleet.pid_of("summarizer") not in (None, old_pid), 15)
        assert await wait_until(pilot, lambda: phases(app, "summarizer", "restart")[-1:] == ["succeeded"], 15)
        assert phases(app, "summarizer", "restart") == ["requested", "confirmed", "started", "succeeded"]
        started, done = app.actions.tail()[-2:]
        assert started["phase"] == "started" and started["before"]["status"] in ("OK", "WARN")
        assert done["phase"] == "succeeded" and done["after"] is not None
        await pilot.press("a")
        await pilot.pause(0.3)
        assert isinstance(app.screen, JournalScreen)


async def test_cancel_is_journaled_and_nothing_runs(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "summarizer")
        pid = demo_fleet.pid_of("summarizer")
        await pilot.press("r")
        await pilot.pause(0.3)
        await pilot.press("enter")  # focus starts on Cancel: a stray Enter does nothing harmful
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen)
        assert phases(app, "summarizer", "restart") == ["requested", "cancelled"]
        assert demo_fleet.pid_of("summarizer") == pid


async def test_read_only_blocks_every_action(demo_config: FleetConfig) -> None:
    app = make_app(dataclasses.replace(demo_config, read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "planner")
        assert "READ-ONLY" in str(app.screen.query_one("#summary").render())
        for key in ("r", "t", "d", "R"):
            await pilot.press(key)
            await pilot.pause(0.2)
            assert not isinstance(app.screen, (ConfirmScreen, ThrottleScreen, DrainScreen))
        for action in ("restart", "throttle", "drain", "resume"):
            assert phases(app, "planner", action) == ["requested", "failed"]
        assert all("read-only" in r["error"] for r in app.actions.tail() if r["phase"] == "failed")


async def test_throttle_dialog_shows_current_limit_and_sets_the_new_one(
    demo_fleet: DemoFleet, demo_config: FleetConfig
) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "summarizer")  # no scheduled fault on it
        await pilot.press("t")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ThrottleScreen)
        await pilot.press(*"90", "enter")

        def limit() -> object:
            view = app.view_of("summarizer")
            return dict(view.extra).get("max_requests_per_minute") if view else None

        assert await wait_until(pilot, lambda: limit() == 90, 10), app.actions.tail()[-4:]
        assert await wait_until(pilot, lambda: phases(app, "summarizer", "throttle")[-1:] == ["succeeded"], 10)
        rec = app.actions.tail()[-1]
        assert rec["params"] == {"max_requests_per_minute": 90}


async def test_throttle_dialog_bounds_the_limit_and_says_so(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "summarizer")
        await pilot.press("t")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ThrottleScreen)
        await pilot.press(*"100000000000000000000000")
        await pilot.pause(0.2)
        dialog = app.screen
        assert dialog.query_one("#confirm", Button).disabled
        assert "from 1 to 1,000,000" in str(dialog.query_one("#operation", Static).render())
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen is dialog  # nothing ran
        assert phases(app, "summarizer", "throttle") == []


async def test_journal_columns_are_not_widened_by_a_huge_value(demo_config: FleetConfig, tmp_path: Path) -> None:
    """A journal written before the bound (or edited by hand) still shows DETAIL within the screen."""
    path = tmp_path / "audit.jsonl"
    cfg = dataclasses.replace(demo_config, actions=dataclasses.replace(demo_config.actions, journal=str(path)))
    record = {
        "time": "2025-01-01T00:00:00+00:00", "id": "x" * 32, "user": "operator", "service": "summarizer",
        "action": "throttle", "phase": "failed", "params": {"max_requests_per_minute": 10**23, "x" * 300: "y" * 300},
        "operation": "POST http://127.0.0.1:1/admin/throttle", "error": "the detail stays on screen",
    }  # fmt: skip
    path.write_text(json.dumps(record) + "\n")
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause(0.3)
        table = app.screen.query_one("#journal", DataTable)
        widths = [column.get_render_width(table) for column in table.columns.values()]
        assert sum(widths[:-1]) < SIZE[0] - 20, widths  # DETAIL starts well inside the screen
        action = table.get_row_at(0)[3].plain
        assert action.startswith("throttle rpm=1000") and len(action) <= 32


async def test_bulk_resume_needs_the_typed_word(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        table = await select(pilot, app, "planner")
        await pilot.press("space", "space")  # marks planner and the next row
        marked = sorted(table.model.marked)
        assert len(marked) == 2
        for name in marked:  # resume is offered for a service seen draining
            await admin(demo_fleet, name, "drain")
        for name in marked:
            assert await wait_until(pilot, lambda n=name: bool(getattr(app.view_of(n), "draining", False)), 15)
        await pilot.press("R")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ConfirmScreen) and app.screen.typed_word == "RESUME"
        await pilot.press("y")  # `y` cannot skip the typed word
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.query_one("#typed", Input).value = "RESUME"
        await pilot.press("enter")
        for name in marked:
            assert await wait_until(pilot, lambda n=name: phases(app, n, "resume")[-1:] == ["succeeded"], 10)


async def test_unsupported_action_says_why_and_journals_nothing() -> None:
    cfg, _ = parse_config("services:\n  - name: solo\n    process: {pid: 1}\n", "inline.yaml", {})
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        await pilot.press("t")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ThrottleScreen)
        assert any("no throttle" in n.message for n in app._notifications)
        assert app.actions.tail() == []


async def test_drain_workflow_from_the_keyboard(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "summarizer")
        await pilot.press("d")
        await pilot.pause(0.3)
        assert isinstance(app.screen, DrainScreen)
        await pilot.press("down", "enter")  # "resume when idle"
        await pilot.press("y")
        await pilot.pause(0.3)
        assert isinstance(app.screen, WorkflowScreen)
        screen = app.screen
        t0 = time.monotonic()
        assert await wait_until(pilot, lambda: screen.finished, 60)
        steps = [r["action"] for r in app.actions.tail() if r["service"] == "summarizer" and r["phase"] == "succeeded"]
        assert steps[-2:] == ["drain", "resume"]
        assert time.monotonic() - t0 < 60
        await pilot.press("escape")
        assert not isinstance(app.screen, WorkflowScreen)


async def test_escape_cancels_a_running_drain_workflow(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, app, "planner")
        await pilot.press("d", "down", "down", "enter", "y")  # restart when idle, wait healthy, resume
        await pilot.pause(0.2)
        assert isinstance(app.screen, WorkflowScreen)
        screen = app.screen
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: screen.finished, 10)
        assert "cancelled" in str(screen.query_one("#result").render())
        await pilot.press("escape")
        assert not isinstance(app.screen, WorkflowScreen)
        assert "restart" not in [r["action"] for r in app.actions.tail() if r["phase"] == "started"]
    await admin(demo_fleet, "planner", "resume")  # leave the shared fleet as it was (drained or not, by when Esc came)
