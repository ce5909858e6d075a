"""Getting around (issue 18, item 15): Enter on alerts and journal rows, the palette's service search, g/G, the
action keys on the detail screen, and dialogs that show their own keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.widgets import DataTable

from agentops_tui.app import AgentOpsApp
from agentops_tui.screens.alerts import AlertsScreen
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.detail import DetailScreen
from agentops_tui.screens.drain import DrainScreen
from agentops_tui.screens.journal import JournalScreen
from agentops_tui.screens.logs import LogsScreen
from agentops_tui.screens.spend import SpendScreen
from agentops_tui.screens.throttle import ThrottleScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.files.logs import FileLogSource
from tests.fixtures.fleet import burst_snapshot
from tests.functional.helpers import wait_until
from tests.functional.static import screen_lines, static_app

SIZE = (120, 34)
EVIL = "[@click=app.quit]evil[/]"


async def open_detail_of(pilot: Any, app: AgentOpsApp, name: str) -> DetailScreen:
    table = app.screen.query_one(ServiceTable)
    table.move_cursor(table.get_row_index(name))
    await pilot.press("enter")
    assert await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), 5)
    assert isinstance(app.screen, DetailScreen) and app.screen.service_name == name
    return app.screen


async def test_enter_on_an_alert_opens_its_service_even_after_a_refresh() -> None:
    app = static_app(burst_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        await pilot.press("exclamation_mark")
        assert await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), 5)
        await pilot.press("down")  # the fleet-wide cost alert, then researcher's latency
        assert app.snapshot is not None
        app.screen.show_fleet(app.snapshot)  # a new snapshot arrives: the cursor stays on its alert
        await pilot.pause(0.1)
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), 5)
        assert isinstance(app.screen, DetailScreen) and app.screen.service_name == "researcher"
        await pilot.press("escape", "g", "enter")  # g: the first alert, the fleet's spend: the spend screen
        assert await wait_until(pilot, lambda: isinstance(app.screen, SpendScreen), 5)


async def test_enter_on_a_journal_row_shows_every_field_of_it_wrapped() -> None:
    app = static_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        long_error = "upstream said: " + "connection reset by peer; " * 12 + "END-OF-DETAIL"
        app.actions.journal.write({"time": "2026-01-02T03:04:05.678+00:00", "user": "ops", "service": "writer",
                                   "action": "restart", "phase": "failed", "error": long_error,
                                   "before": {"status": "CRIT", "p95_s": 1.9}})  # fmt: skip
        app.actions.journal.write({"time": "2026-01-02T03:05:00.000+00:00", "user": "ops", "service": "planner",
                                   "action": "drain", "phase": "requested"})  # fmt: skip
        await pilot.press("a")
        assert await wait_until(pilot, lambda: isinstance(app.screen, JournalScreen), 5)
        await pilot.press("G", "enter")  # newest first: G is the older, failed restart
        assert await wait_until(pilot, lambda: "END-OF-DETAIL" in "\n".join(screen_lines(app)), 5)
        text = "\n".join(screen_lines(app))
        assert "p95_s" in text and "2026-01-02T03:04:05.678+00:00" in text
        assert "esc" in screen_lines(app)[-1].lower()  # its own keys
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: isinstance(app.screen, JournalScreen), 5)


async def test_the_palette_finds_services_by_name_and_opens_their_detail() -> None:
    app = static_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        for query, name in (("summa", "summarizer"), ("evil", EVIL)):
            await pilot.press("ctrl+p")
            assert await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), 5)
            await pilot.press(*query)
            assert await wait_until(pilot, lambda n=name: n in "\n".join(screen_lines(app)), 5)  # shown literally
            await pilot.press("enter")
            assert await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), 5)
            assert isinstance(app.screen, DetailScreen) and app.screen.service_name == name
            await pilot.press("escape")
            await pilot.pause(0.2)
        assert app.is_running


async def test_g_and_shift_g_jump_to_the_start_and_the_end() -> None:
    app = static_app(burst_snapshot())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        table = app.screen.query_one(ServiceTable)
        await pilot.press("G")
        assert table.cursor_row == len(table.model.rows) - 1
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("exclamation_mark")
        assert await wait_until(pilot, lambda: isinstance(app.screen, AlertsScreen), 5)
        alerts = app.screen.query_one(DataTable)
        await pilot.press("G")
        assert alerts.cursor_row == alerts.row_count - 1 == 2
        await pilot.press("g")
        assert alerts.cursor_row == 0


async def test_the_detail_screen_acts_on_its_service_through_the_same_dialogs() -> None:
    app = static_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        await open_detail_of(pilot, app, "summarizer")
        for key, dialog in (("r", ConfirmScreen), ("t", ThrottleScreen), ("d", DrainScreen)):
            await pilot.press(key)
            assert await wait_until(pilot, lambda d=dialog: isinstance(app.screen, d), 5), key
            title = "\n".join(screen_lines(app))
            assert "summarizer" in title, key
            await pilot.press("escape")
            assert await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), 5)
        requested = [(r["service"], r["action"]) for r in app.actions.tail() if r["phase"] == "requested"]
        assert ("summarizer", "restart") in requested  # journaled by the same safety layer


async def test_dialogs_show_their_own_keys_not_the_overview_s() -> None:
    app = static_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        await pilot.press("r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)

        def keys_line() -> str:
            return screen_lines(app)[-1]

        assert await wait_until(pilot, lambda: "y Confirm" in keys_line() and "esc Cancel" in keys_line(), 5)
        assert "Restart" not in keys_line() and "Journal" not in keys_line(), keys_line()


async def test_g_and_shift_g_in_the_logs_go_to_the_oldest_line_and_back_to_following(tmp_path: Path) -> None:
    log = tmp_path / "out.log"
    log.write_text("".join(f"line {i}\n" for i in range(200)))
    app = static_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await pilot.pause(0.2)
        screen = LogsScreen(app, "planner", source=FileLogSource(str(log), None, poll_s=0.1))
        await app.push_screen(screen)
        assert await wait_until(pilot, lambda: screen.received == 200, 5)
        assert await wait_until(pilot, lambda: screen.log_view.scroll_y > 100, 5)  # following: at the newest
        await pilot.press("g")
        assert await wait_until(pilot, lambda: screen.log_view.scroll_y == 0, 5) and not screen.follow
        await pilot.press("G")
        assert await wait_until(pilot, lambda: screen.log_view.scroll_y > 100, 5) and screen.follow


async def test_the_palette_on_a_detail_screen_offers_actions_for_that_service() -> None:
    app = static_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        app.open_detail("summarizer")  # from the palette, say: the overview's cursor stays where it was
        assert await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), 5)
        await pilot.press("ctrl+p")
        assert await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), 5)
        await pilot.press(*"restart")
        assert await wait_until(pilot, lambda: "Restart summarizer" in "\n".join(screen_lines(app)), 5)
