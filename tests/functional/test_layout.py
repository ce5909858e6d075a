"""What is broken comes first, and the screen's space goes to what matters (issue 18, items 13-16)."""

from __future__ import annotations

from agentops_tui.widgets.service_table import ServiceTable
from probes.fleet import FleetSnapshot
from probes.model import Status
from tests.fixtures.fleet import view
from tests.functional.helpers import wait_until
from tests.functional.static import screen_lines, static_app

SIZE = (120, 30)


def every_status() -> FleetSnapshot:
    services = (
        view("ok-1", Status.OK, "healthy"),
        view("warn-1", Status.WARN, "p95 12s >= 10s"),
        view("stale-1", Status.OK, "healthy", updated=-100.0),  # three intervals old by the app's clock (0)
        view("unknown-1", Status.UNKNOWN, "health: no answer within 1s"),
        view("crit-1", Status.CRIT, "health: connection refused"),
        view("ok-2", Status.OK, "healthy"),
        view("crit-2", Status.CRIT, "unhealthy"),
    )
    return FleetSnapshot(services=services, daily_budget_usd=20.0, spend_today_usd=1.0, at=0.0)


async def test_default_sort_is_worst_first_with_an_arrow_and_s_cycles() -> None:
    app = static_app(every_status())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        table = app.screen.query_one(ServiceTable)
        assert table.rows == ["crit-1", "crit-2", "unknown-1", "stale-1", "warn-1", "ok-1", "ok-2"]
        header = screen_lines(app)[1]
        assert "STATUS↓" in header, header
        assert table.cursor_row == 0  # the cursor starts on the worst service
        await pilot.press("s")
        await pilot.pause(0.2)
        assert table.sort_by == "config"
        assert table.rows == ["ok-1", "warn-1", "stale-1", "unknown-1", "crit-1", "ok-2", "crit-2"]
        assert "↓" not in screen_lines(app)[1] and "↑" not in screen_lines(app)[1]
        await pilot.press("s")
        await pilot.pause(0.2)
        assert table.sort_by == "name"
        assert "SERVICE↑" in screen_lines(app)[1]


async def test_a_row_that_turns_stale_moves_up_without_a_new_snapshot() -> None:
    now = [0.0]
    snap = FleetSnapshot(
        services=(
            view("quiet", Status.OK, "healthy", updated=0.0),
            view("slow", Status.WARN, "p95 12s >= 10s", updated=100.0),
        ),
        daily_budget_usd=None,
        spend_today_usd=None,
    )
    app = static_app(snap, clock=lambda: now[0])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        table = app.screen.query_one(ServiceTable)
        assert table.rows == ["slow", "quiet"]
        now[0] = 20.0  # `quiet` has sent nothing for ten intervals: STALE ranks above WARN
        # no snapshot arrives: the overview's once-a-second staleness check must move it
        assert await wait_until(pilot, lambda: table.rows == ["quiet", "slow"], 5)
