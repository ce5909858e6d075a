"""Only what can run is offered (footer and palette), resume only for a drained service, and marks are counted in
the header and used up by the action they were made for."""

from __future__ import annotations

import dataclasses
import io
from typing import Any

from rich.console import Console
from textual.command import CommandList, CommandPalette
from textual.widgets import Input, Static

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.demo.fleet import DemoFleet
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.help import HelpScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import FleetConfig
from probes.config.load import parse_config
from tests.functional.helpers import wait_until
from tests.functional.test_actions_ui import SIZE, admin, phases
from tests.functional.test_actions_ui import select as select_service

ACTION_KEYS = ("r", "t", "d")


def shown_keys(app: AgentOpsApp) -> set[str]:
    """The keys the footer shows now."""
    return {key for key, active in app.screen.active_bindings.items() if active.binding.show}


async def palette_titles(pilot: Any, app: AgentOpsApp) -> list[str]:
    await pilot.press("ctrl+p")
    assert await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), 5)
    palette = app.screen
    await wait_until(pilot, lambda: palette.query_one(CommandList).option_count > 0, 5)
    titles = [str(palette.query_one(CommandList).get_option_at_index(i).prompt)
              for i in range(palette.query_one(CommandList).option_count)]  # fmt: skip
    await pilot.press("escape")
    return titles


def header(app: AgentOpsApp) -> str:
    return str(app.screen_stack[0].query_one("#summary").render())


def with_solo(cfg: FleetConfig) -> FleetConfig:
    """The demo fleet plus a service with no control endpoint and no command (nothing can act on it)."""
    solo, _ = parse_config("services:\n  - name: solo\n    process: {pid: 1}\n", "inline.yaml", {})
    return dataclasses.replace(cfg, services=[*cfg.services, *solo.services])


async def test_read_only_offers_no_action(demo_config: FleetConfig) -> None:
    app = make_app(dataclasses.replace(demo_config, read_only=True))
    async with app.run_test(size=SIZE) as pilot:
        await select_service(pilot, app, "planner")
        assert not shown_keys(app) & set(ACTION_KEYS), shown_keys(app)
        titles = await palette_titles(pilot, app)
        assert not [t for t in titles if t.split()[0] in ("Restart", "Throttle", "Drain", "Resume")], titles


async def test_a_service_without_control_offers_no_action(demo_config: FleetConfig) -> None:
    app = make_app(with_solo(demo_config))
    async with app.run_test(size=SIZE) as pilot:
        table = await select_service(pilot, app, "planner")
        assert set(ACTION_KEYS) <= shown_keys(app)
        assert any(t.startswith("Restart planner") for t in await palette_titles(pilot, app))
        table.move_cursor(row=table.get_row_index("solo"))
        await pilot.pause(0.2)
        assert not shown_keys(app) & set(ACTION_KEYS), shown_keys(app)
        assert not [t for t in await palette_titles(pilot, app) if "solo" in t]
        await pilot.press("r")  # not offered, but pressed anyway: it says why, and nothing is journaled
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("no restart" in n.message for n in app._notifications)
        table.move_cursor(row=table.get_row_index("planner"))
        await pilot.pause(0.2)
        assert set(ACTION_KEYS) <= shown_keys(app)


async def test_resume_is_offered_only_for_a_drained_service(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await select_service(pilot, app, "summarizer")
        view = app.view_of("summarizer")
        assert view is not None and not view.draining
        assert not [t for t in await palette_titles(pilot, app) if t.startswith("Resume")]
        await pilot.press("R")
        await pilot.pause(0.3)
        assert not isinstance(app.screen, ConfirmScreen)
        assert any("not draining" in n.message for n in app._notifications)
        assert phases(app, "summarizer", "resume") == []


async def test_marks_are_counted_and_used_up_by_the_action(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    """Bulk drain of two marked services, then bulk resume (offered once both are seen draining)."""
    app = make_app(demo_config)
    names = ["planner", "researcher"]
    try:
        async with app.run_test(size=SIZE) as pilot:
            table: ServiceTable = await select_service(pilot, app, "planner")
            await mark(pilot, table, names)
            assert table.model.marked == set(names) and "2 marked" in header(app)
            await bulk(pilot, app, "d", "DRAIN")
            assert table.model.marked == set() and "marked" not in header(app)  # used up as soon as it was confirmed
            for name in names:
                assert await wait_until(pilot, lambda n=name: phases(app, n, "drain")[-1:] == ["succeeded"], 15)
                assert await wait_until(pilot, lambda n=name: bool(getattr(app.view_of(n), "draining", 0)), 15)
            await mark(pilot, table, names)
            await bulk(pilot, app, "R", "RESUME")
            assert table.model.marked == set()
            for name in names:
                assert await wait_until(pilot, lambda n=name: phases(app, n, "resume")[-1:] == ["succeeded"], 15)
    finally:
        for name in names:
            await admin(demo_fleet, name, "resume")


async def mark(pilot: Any, table: ServiceTable, names: list[str]) -> None:
    """Space on each service: rows are sorted worst first, so live statuses may part two neighbours."""
    for name in names:
        table.move_cursor(row=table.get_row_index(name))
        await pilot.press("space")


async def bulk(pilot: Any, app: AgentOpsApp, key: str, word: str) -> None:
    await pilot.press(key)
    assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
    app.screen.query_one("#typed", Input).value = word
    await pilot.press("enter")
    await pilot.pause(0.3)


async def test_help_says_space_marks_and_moves_down(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), 5)
        console = Console(width=120, file=io.StringIO(), record=True)
        for static in app.screen.query(Static):
            console.print(static.content)
        text = console.export_text()
        assert "Space" in text and "moves down" in text, text
