"""The Spend screen on the real demo fleet: `$` opens it, it fills from the demo's ledger, Esc goes back."""

from __future__ import annotations

import dataclasses

from textual.widgets import DataTable, Sparkline, Static

from agentops_tui.app import make_app
from agentops_tui.screens.overview import OverviewScreen
from agentops_tui.screens.spend import SpendScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import BudgetConfig, FleetConfig
from probes.model import Status
from tests.functional.helpers import row_status, row_text, wait_until

SIZE = (140, 45)


def _cells(table: DataTable[object]) -> list[list[str]]:
    return [[c.plain for c in table.get_row_at(i)] for i in range(table.row_count)]  # type: ignore[attr-defined]


async def test_spend_screen_on_the_demo_fleet(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        assert await wait_until(pilot, lambda: app.snapshot is not None and app.snapshot.spend is not None, 15)
        await pilot.press("dollar_sign")
        await pilot.pause(0.3)
        screen = app.screen
        assert isinstance(screen, SpendScreen)
        services = screen.query_one("#by-service", DataTable)
        assert await wait_until(pilot, lambda: services.row_count >= 5, 10)
        names = {row[0] for row in _cells(services)}
        assert {"planner", "summarizer", "writer"} <= names
        head = str(screen.query_one("#spend-head", Static).render())
        assert "spend today" in head and "daily budget" in head and "burn" in head
        snap = app.snapshot
        assert snap is not None and snap.spend is not None
        assert snap.spend.today.usd > 0 and snap.spend.today.reported_usd == snap.spend.today.usd  # demo reports cost
        assert screen.query_one("#hourly", Sparkline).data
        assert screen.query_one("#by-model", DataTable).row_count >= 3
        assert screen.query_one("#by-type", DataTable).row_count >= 3
        assert screen.query_one("#by-tier", DataTable).row_count >= 1
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert isinstance(app.screen, OverviewScreen)


async def test_service_over_its_budget_is_crit_with_the_reason(demo_config: FleetConfig) -> None:
    services = [
        dataclasses.replace(s, budgets=BudgetConfig(daily_usd=0.01)) if s.name == "summarizer" else s
        for s in demo_config.services
    ]
    app = make_app(dataclasses.replace(demo_config, services=services))
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: row_status(table, "summarizer") is Status.CRIT, 15)
        assert "daily budget" in row_text(table, "summarizer")["reason"]
