"""Names and answers that are markup, through every place the app draws outside text (Pilot): the command palette
(discovery, search highlight, help, a click on an entry), the dialogs, the toasts, the table, the detail, logs,
journal, alerts and spend screens. Each shows the text as written and nothing is run or crashes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets._toast import Toast

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.docker_throttle import DockerThrottleScreen
from agentops_tui.screens.drain import DrainScreen
from agentops_tui.screens.overview import OverviewScreen
from agentops_tui.screens.throttle import ThrottleScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import FleetConfig
from probes.config.load import load_config
from tests.functional.helpers import row_status, row_text, wait_until
from tests.functional.hostile_names import DEP, NAMES, REPLY, hostile_server, write_config

SIZE = (150, 40)


@pytest.fixture
def hostile_config(tmp_path: Path) -> Iterator[FleetConfig]:
    with hostile_server() as port:
        yield load_config(write_config(tmp_path, port))[0]


def screen_text(app: AgentOpsApp) -> str:
    """What the active screen draws, as text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def toasts(app: AgentOpsApp) -> list[str]:
    return [str(t.render()) for t in app.screen.query(Toast)]


def palette_prompts(app: AgentOpsApp) -> list[str]:
    commands = app.screen.query_one(CommandList)
    return [str(commands.get_option_at_index(i).prompt) for i in range(commands.option_count)]


async def select(pilot: Any, app: AgentOpsApp, name: str) -> None:
    table = app.screen.query_one(ServiceTable)
    assert await wait_until(
        pilot, lambda: row_status(table, name) is not None and DEP in row_text(table, name)["reason"], 10
    )
    table.move_cursor(row=table.get_row_index(name))


async def open_palette(pilot: Any, app: AgentOpsApp, name: str) -> None:
    await pilot.press("ctrl+p")
    assert await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), 5)
    assert await wait_until(pilot, lambda: any(p.startswith("Restart ") for p in palette_prompts(app)), 5)


@pytest.mark.parametrize("name", NAMES)
async def test_palette_shows_a_hostile_name_as_written(hostile_config: FleetConfig, name: str) -> None:
    app = make_app(hostile_config)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select(pilot, app, name)
        await open_palette(pilot, app, name)
        prompts = palette_prompts(app)  # discovery: what the palette lists before anything is typed
        assert f"Restart {name}\nPOST http://127.0.0.1:" in "\n".join(prompts)
        assert any(p.startswith(f"Restart {name}\n") and p.endswith("/r/[/nope]") for p in prompts), prompts
        assert f"Throttle {name}" in "\n".join(prompts) and f"Drain {name}" in "\n".join(prompts)
        await pilot.press(*"rest")  # search: the matched letters are highlighted, the rest stays as written
        assert await wait_until(pilot, lambda: any(p.startswith(f"Restart {name}\n") for p in palette_prompts(app)), 5)
        await pilot.pause(0.3)
        assert app.is_running and isinstance(app.screen, CommandPalette)
        commands = app.screen.query_one(CommandList)
        prompt = next(p for i in range(commands.option_count) if str(p := commands.get_option_at_index(i).prompt)
                      .startswith(f"Restart {name}"))  # fmt: skip
        assert {span.start for span in prompt.spans} >= {0, 1, 2, 3}  # "rest" is highlighted
        assert f"Restart {name}" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.is_running


async def test_clicking_a_hostile_palette_entry_runs_its_command_not_the_markup(hostile_config: FleetConfig) -> None:
    name = "[@click=app.quit]clickme"
    app = make_app(hostile_config)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select(pilot, app, name)
        await open_palette(pilot, app, name)
        await pilot.press(*"restart")
        assert await wait_until(pilot, lambda: any(p.startswith(f"Restart {name}") for p in palette_prompts(app)), 5)
        await pilot.pause(0.3)
        commands = app.screen.query_one(CommandList)
        region = commands.content_region
        rows = [commands.render_line(y).text for y in range(region.height)]
        y = next(i for i, row in enumerate(rows) if "clickme" in row and "Restart" in row)
        x = rows[y].index("clickme") + 2  # on the word the markup would have made a quit button
        assert await pilot.click(offset=(region.x + x, region.y + y))
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5), app.screen
        assert app.is_running
        assert f"Restart {name}?" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert app.is_running


@pytest.mark.parametrize("name", NAMES)
async def test_dialogs_and_toasts_show_a_hostile_name_as_written(hostile_config: FleetConfig, name: str) -> None:
    app = make_app(hostile_config)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await select(pilot, app, name)
        assert await wait_until(pilot, lambda: any(f"{name}: breaker_open" in t for t in toasts(app)), 5)  # alert
        await pilot.press("r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
        assert f"Restart {name}?" in screen_text(app) and "/r/[/nope]" in screen_text(app)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: any("Restart cancelled" in t for t in toasts(app)), 5)
        await pilot.press("t")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ThrottleScreen), 5)
        await pilot.press(*"90")
        await pilot.pause(0.2)
        shown = screen_text(app)
        assert f"Throttle {name}" in shown and "current   [/nope]60 requests/min" in shown and "operation POST" in shown
        await pilot.press("escape")
        await pilot.press("d")
        assert await wait_until(pilot, lambda: isinstance(app.screen, DrainScreen), 5)
        assert f"Drain {name}" in screen_text(app)
        await pilot.press("y")  # the drain runs: its progress shows the endpoint's markup reply
        assert await wait_until(pilot, lambda: REPLY in screen_text(app), 10)
        assert f"Draining {name}" in screen_text(app)
        for _ in range(3):  # Esc cancels the wait for idle, then closes
            if not isinstance(app.screen, OverviewScreen):
                await pilot.press("escape")
                await pilot.pause(0.3)
        app.push_screen(DockerThrottleScreen(name, f"{name}: [/nope]cpus", lambda _: f"docker update {name}"))
        await pilot.pause(0.2)
        await pilot.press(*"0.5")
        await pilot.pause(0.2)
        shown = screen_text(app)
        assert f"Throttle {name} (docker update)" in shown and f"{name}: [/nope]cpus" in shown
        assert f"docker update {name}" in shown
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
        await pilot.press("y")  # runs: the control endpoint's markup reply comes back in a toast
        assert await wait_until(pilot, lambda: any(f"Restart {name}: {REPLY}" in t for t in toasts(app)), 10)
        assert app.is_running


@pytest.mark.parametrize("name", NAMES)
async def test_screens_show_a_hostile_name_as_written(hostile_config: FleetConfig, name: str) -> None:
    app = make_app(hostile_config)
    async with app.run_test(size=(150, 70), notifications=True) as pilot:  # the whole detail page on screen
        await select(pilot, app, name)
        table = app.screen.query_one(ServiceTable)
        assert row_text(table, name)["name"] == name
        assert DEP in row_text(table, name)["reason"]
        await pilot.pause(0.2)
        assert f"{name}  alert breaker_open (breaker open: {DEP})" in screen_text(app)  # the spark panel's title
        await pilot.press("r", "escape")  # a cancelled restart: two journal lines that name the service
        await pilot.pause(0.2)
        for key, expected in (
            ("enter", (name, "[/nope]check", "[@click=app.quit]v1", DEP)),  # detail
            ("l", (name,)),  # logs: none configured, says so with the name
            ("a", (name,)),  # journal
            ("exclamation_mark", (name, DEP)),  # alerts
            ("dollar_sign", (name, "[/nope]model", "[b]type")),  # spend
        ):
            await pilot.press(key)
            await pilot.pause(0.5)
            assert not isinstance(app.screen, OverviewScreen), key
            if key == "dollar_sign":
                assert await wait_until(pilot, lambda: "[/nope]model" in screen_text(app), 5)
            shown = screen_text(app)
            for text in expected:
                assert text in shown, (key, text, shown)
            await pilot.press("escape")
            await pilot.pause(0.2)
            assert isinstance(app.screen, OverviewScreen), key
        assert app.is_running
