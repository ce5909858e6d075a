"""What is broken comes first, and the screen's space goes to what matters (issue 18, items 13-16)."""

from __future__ import annotations

import io

from rich.console import Console

from agentops_tui.app import AgentOpsApp
from agentops_tui.presentation import Palette
from agentops_tui.presentation.detail import detail_renderable
from agentops_tui.widgets.service_table import ServiceTable
from probes.model import Status
from probes.view import FleetSnapshot
from tests.fixtures.fleet import burst_snapshot, view
from tests.functional.helpers import row_text, wait_until
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
        assert table.model.rows == ["crit-1", "crit-2", "unknown-1", "stale-1", "warn-1", "ok-1", "ok-2"]
        header = screen_lines(app)[1]
        assert "STATUS↓" in header, header
        assert table.cursor_row == 0  # the cursor starts on the worst service
        await pilot.press("s")
        await pilot.pause(0.2)
        assert table.model.sort_by == "config"
        assert table.model.rows == ["ok-1", "warn-1", "stale-1", "unknown-1", "crit-1", "ok-2", "crit-2"]
        assert "↓" not in screen_lines(app)[1] and "↑" not in screen_lines(app)[1]
        await pilot.press("s")
        await pilot.pause(0.2)
        assert table.model.sort_by == "name"
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
        assert table.model.rows == ["slow", "quiet"]
        now[0] = 20.0  # `quiet` has sent nothing for ten intervals: STALE ranks above WARN
        # no snapshot arrives: the overview's once-a-second staleness check must move it
        assert await wait_until(pilot, lambda: table.model.rows == ["quiet", "slow"], 5)


async def test_at_80x24_reason_gets_the_room_breakers_are_short_and_q_and_help_stay() -> None:
    app = static_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        table = app.screen.query_one(ServiceTable)
        assert row_text(table, "summarizer")["breaker"] == "2/2 ok"
        assert row_text(table, "planner")["breaker"] == "1 open"
        assert row_text(table, "billing-sync")["breaker"] == "1 half"
        writer = lambda: next(line for line in screen_lines(app) if " writer " in line)  # noqa: E731
        assert await wait_until(pilot, lambda: "unhealthy; error rate 3" in writer(), 5), writer()  # 24+ cells

        def keys_shown() -> bool:  # the key bar is laid out again a few times while the app starts
            footer = screen_lines(app)[-1]
            return "q Quit" in footer and "? Help" in footer and "r Restart" in footer

        assert await wait_until(pilot, keys_shown, 5), screen_lines(app)[-1]


async def test_header_names_pending_alerts_in_words_at_80_columns() -> None:
    app = static_app(burst_snapshot())
    async with app.run_test(size=(80, 24)) as pilot:
        shown = lambda: "3 pending" in screen_lines(app)[0] and "spend $11.68" in screen_lines(app)[0]  # noqa: E731
        assert await wait_until(pilot, shown, 5), screen_lines(app)[0]


async def test_tall_terminals_use_their_rows() -> None:
    """A small fleet leaves no band of blank rows: the table fits its rows and the trend panel takes the rest."""
    for size in ((120, 40), (200, 50)):
        app = static_app(burst_snapshot())
        async with app.run_test(size=size) as pilot:

            def blank_rows(app: AgentOpsApp = app) -> list[int]:
                return [i for i, line in enumerate(screen_lines(app)) if not line.strip()]

            assert await wait_until(pilot, lambda: len(blank_rows()) <= 1, 5), (size, "\n".join(screen_lines(app)))
            assert sum(" task-queue " in line for line in screen_lines(app)) == 1
            assert app.screen.query_one("#spark-latency").size.height >= 10


async def test_a_big_fleet_keeps_the_rows_and_the_filter_box_takes_its_share() -> None:
    services = tuple(view(f"agent-{i:03d}", Status.OK, "healthy") for i in range(60))
    app = static_app(FleetSnapshot(services=services, daily_budget_usd=None, spend_today_usd=None))
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.screen.query_one(ServiceTable)
        sparks = app.screen.query_one("#sparks")

        def heights(rows: int) -> bool:
            return table.outer_size.height == rows and sparks.outer_size.height == 5

        assert await wait_until(pilot, lambda: heights(40 - 2 - 5), 5), (
            table.outer_size,
            sparks.outer_size,
        )  # less header, keys
        await pilot.press("slash")
        assert await wait_until(pilot, lambda: heights(40 - 2 - 5 - 3), 5), (table.outer_size, sparks.outer_size)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: heights(40 - 2 - 5), 5), (table.outer_size, sparks.outer_size)


def detail_text(name: str) -> str:
    snap = burst_snapshot()
    v = next(s for s in snap.services if s.name == name)
    console = Console(width=110, file=io.StringIO(), record=True, color_system=None)
    console.print(detail_renderable(v, v.status, v.reason, Palette()))
    return console.export_text()


def test_a_queue_s_detail_shows_its_queue_first_and_no_empty_fields_or_tables() -> None:
    text = detail_text("task-queue")
    assert text.index("Queue") < text.index("sources"), text
    assert "Checks" not in text and "Breakers" not in text and "Recent samples" not in text, text
    for absent in ("p95 latency", "error rate", "tokens/min", "cost/hour", "spend today", "health HTTP status"):
        assert absent not in text, (absent, text)
    assert "no dequeues for" not in text and "dead letters" not in text  # the queue's own empty fields too
    dashes = [line for line in text.splitlines() if line.rstrip().endswith("–")]
    assert dashes == [], dashes


def test_an_agent_s_detail_keeps_its_numbers_checks_and_breakers() -> None:
    text = detail_text("writer")
    for present in ("p95 latency", "error rate", "spend today", "health HTTP status", "Checks", "Breakers"):
        assert present in text, (present, text)
