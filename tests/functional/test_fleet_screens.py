"""Fleet screens are handed snapshots by the app (never poll for them) and keep their own STALE clock: with no new
snapshot, time alone turns rows, the header's counts, the trend panel and the detail page STALE; a screen shown
again catches up with the snapshots it missed while hidden."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from textual.widgets import Static

from agentops_tui.app import AgentOpsApp
from agentops_tui.messages import FleetUpdated
from agentops_tui.screens.detail import DetailScreen
from agentops_tui.screens.logs import LogsScreen
from agentops_tui.screens.spend import SpendScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.model import Status
from probes.view import FleetSnapshot
from tests.fixtures.fleet import full_snapshot, view
from tests.functional.helpers import wait_until
from tests.functional.static import screen_lines, static_app

SIZE = (100, 24)


def fleet(updated: float = 0.0) -> FleetSnapshot:
    return FleetSnapshot(
        services=(view("quiet", Status.OK, "healthy", updated=updated), view("busy", Status.OK, "healthy")),
        daily_budget_usd=None,
        spend_today_usd=None,
    )


async def test_time_alone_turns_rows_the_header_and_the_trend_stale() -> None:
    now = [1.0]
    app = static_app(fleet(), clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        table = app.screen.query_one(ServiceTable)
        await pilot.press("slash", *"busy", "enter")  # `quiet` is filtered out: the header still counts it
        assert await wait_until(pilot, lambda: table.model.rows == ["busy"], 5)
        assert "● 2 OK" in screen_lines(app)[0]
        now[0] = 20.0  # both sent nothing for ten intervals, and no snapshot comes
        assert await wait_until(pilot, lambda: "◌ 2 STALE" in screen_lines(app)[0], 5), screen_lines(app)[0]
        trend = next(line for line in screen_lines(app) if "busy" in line and "no data" in line)
        assert "◌ STALE" in trend


async def test_the_detail_page_turns_stale_by_its_own_clock() -> None:
    now = [1.0]
    app = static_app(fleet(), clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        app.open_detail("quiet")
        assert await wait_until(pilot, lambda: "● OK  quiet" in "\n".join(screen_lines(app)), 5)
        now[0] = 20.0
        assert await wait_until(pilot, lambda: "◌ STALE  quiet" in "\n".join(screen_lines(app)), 5)


async def test_a_screen_shown_again_catches_up_with_what_it_missed() -> None:
    app = static_app(fleet())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        app.open_detail("quiet")
        assert await wait_until(pilot, lambda: isinstance(app.screen, DetailScreen), 5)
        app.open_logs("quiet")  # a full screen: the detail page under it is not shown, so not handed snapshots
        assert await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen), 5)
        newer = fleet()
        newer = replace(newer, services=(replace(newer.services[0], reason="draining for maintenance"),
                                         newer.services[1]))  # fmt: skip
        app.post_message(FleetUpdated(newer))
        assert await wait_until(pilot, lambda: app.snapshot is newer, 5)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: "draining for maintenance" in "\n".join(screen_lines(app)), 5)
        await pilot.press("escape")
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: table.model.views["quiet"] is newer.services[0], 5)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_the_spend_headline_keeps_its_budget_line_when_the_first_line_wraps(size: tuple[int, int]) -> None:
    """The first line (totals, unpriced calls, burn, projection) is wider than 120 columns on a busy day; the
    budget line under it was cut off."""
    app = static_app(full_snapshot())
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.2)
        app.open_spend()
        assert await wait_until(pilot, lambda: isinstance(app.screen, SpendScreen), 5)
        await pilot.pause(0.3)
        head = app.screen.query_one("#spend-head", Static)
        shown = "\n".join(screen_lines(app))
        assert "spend today" in shown and "daily budget $20.00 (79%)" in shown, shown
        assert head.size.height >= 2 and head.region.y >= 0


async def test_snapshots_that_arrive_while_the_app_shuts_down_are_dropped() -> None:
    """The poller thread keeps posting while the app takes its screens apart: a snapshot handed to the overview
    then found its widgets gone (NoMatches) and ended the run with a traceback."""
    for _ in range(30):  # the race is lost about one time in ten
        app = static_app(fleet())
        stop = threading.Event()

        def poller(app: AgentOpsApp = app, stop: threading.Event = stop) -> None:
            while not stop.wait(0.0005):
                app.post_message(FleetUpdated(fleet()))

        try:
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause(0.05)
                threading.Thread(target=poller, daemon=True).start()
                await pilot.pause(0.05)
        finally:
            stop.set()
