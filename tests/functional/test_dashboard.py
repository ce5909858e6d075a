"""The real app (App.run_test + Pilot) against the real demo fleet."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from pathlib import Path

import pytest

from agentops_tui.app import make_app
from agentops_tui.demo import schedule
from agentops_tui.demo.fleet import DemoFleet
from agentops_tui.screens.detail import DetailScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import FleetConfig
from probes.config.load import load_config, parse_config
from probes.model import Status
from tests.functional.helpers import free_port, row_status, row_text, silent_server, upcoming_window, wait_until

SIZE = (120, 30)


async def test_rows_appear_with_live_numbers(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        names = demo_fleet.service_names()
        assert sorted(table.model.cells) == sorted(names)  # rows exist before the first poll answers
        assert await wait_until(pilot, lambda: all(row_text(table, n)["p95"] != "–" for n in ("planner", "writer")), 15)
        planner = row_text(table, "planner")
        assert planner["name"] == "planner"
        assert planner["spend"].startswith("$")  # spend today from the ledger
        assert app.snapshot is not None and app.snapshot.spend_today_usd
        summary = str(app.screen.query_one("#summary").render())
        assert "7 services" in summary and "spend $" in summary


async def test_scheduled_error_burst_turns_writer_warn_or_crit(demo_fleet: DemoFleet, demo_config: FleetConfig) -> None:
    start, end = upcoming_window(schedule.ERROR_BURST, demo_fleet.epoch, demo_fleet.cycle_s)
    # The burst fails 30-40% of a few calls at random: over the 30 s rate window that is 4-10%, so the default 5%
    # line is crossed only most of the time. A 2% line makes the test about showing the burst, not about dice.
    cfg = dataclasses.replace(demo_config, thresholds=dataclasses.replace(demo_config.thresholds, error_rate_warn=0.02))
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        await pilot.pause(max(0.0, start - time.time()))
        bad = {Status.WARN, Status.CRIT}

        def burst_shown() -> bool:  # a slow call on a busy machine may also warn on p95: wait for the burst itself
            reason = row_text(table, "writer")["reason"]
            return row_status(table, "writer") in bad and ("error rate" in reason or "unhealthy" in reason)

        # the 30 s rate window holds the burst's errors for a while after it ends: a busy machine may show them late
        assert await wait_until(pilot, burst_shown, end - time.time() + 10), row_text(table, "writer")


async def test_filter_narrows_rows_and_escape_restores(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        await pilot.press("slash", "p", "l", "a", "n")
        await pilot.pause(0.2)
        assert list(table.model.cells) == ["planner"]
        await pilot.press("enter")  # back to the table, filter kept
        assert app.focused is table and table.row_count == 1
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert table.row_count == 7


async def test_sort_enter_detail_and_back(demo_config: FleetConfig) -> None:
    app = make_app(demo_config)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        await pilot.press("s", "s")  # status (worst first) -> config -> name
        await pilot.pause(0.2)
        assert table.model.sort_by == "name"
        ordered = list(table.model.rows)
        assert ordered == sorted(table.model.cells)
        assert table.cursor_row == ordered.index("planner")  # the selection follows its service
        await pilot.press("down", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.service_name == ordered[ordered.index("planner") + 1]
        await pilot.press("escape")
        assert not isinstance(app.screen, DetailScreen)
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.press("q")
    assert app.return_code == 0


async def test_killed_agent_is_crit_and_hung_endpoint_unknown() -> None:
    """A refused connection is CRIT; an endpoint that accepts and never answers is UNKNOWN within its timeout."""
    with silent_server() as hung_port:
        dead = free_port()  # nothing listens here: connection refused
        text = (
            "refresh_interval: 1.0\nservices:\n"
            f"  - name: dead\n    health: {{url: 'http://127.0.0.1:{dead}/health', timeout: 0.5}}\n"
            f"  - name: hung\n    health: {{url: 'http://127.0.0.1:{hung_port}/health', timeout: 0.5}}\n"
        )
        cfg, _ = parse_config(text, "inline.yaml", {})
        app = make_app(cfg)
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ServiceTable)
            t0 = time.monotonic()
            assert row_text(table, "hung")["reason"] == "waiting for first poll"
            assert await wait_until(pilot, lambda: "no answer" in row_text(table, "hung")["reason"], 3)
            assert time.monotonic() - t0 < 2.0  # first poll at once, answer cut at its 0.5 s timeout
            assert row_status(table, "hung") is Status.UNKNOWN
            assert row_status(table, "dead") is Status.CRIT
            assert "connection refused" in row_text(table, "dead")["reason"]
            assert "no answer within 0.5s" in row_text(table, "hung")["reason"]


async def test_demo_agent_killed_mid_run_turns_crit(tmp_path_factory: pytest.TempPathFactory) -> None:
    fleet = DemoFleet(tmp_path_factory.mktemp("killfleet"), services=5, cycle_s=600)
    fleet.start()
    try:
        path = fleet.workdir / "c.yaml"
        fleet.write_config(path)
        cfg, _ = load_config(path)
        app = make_app(cfg)
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ServiceTable)
            assert await wait_until(pilot, lambda: row_status(table, "summarizer") is Status.OK, 15)
            fleet.kill("summarizer", restart=False)
            assert await wait_until(pilot, lambda: row_status(table, "summarizer") is Status.CRIT, 6)
            assert "connection refused" in row_text(table, "summarizer")["reason"]
            assert app.is_running  # the dashboard lives on
    finally:
        fleet.stop()


async def test_keymap_from_config_rebinds_keys() -> None:
    text = "keymap: {overview.sort: o, app.quit: x}\nservices:\n  - name: a\n    process: {pid: 1}\n"
    cfg, _ = parse_config(text, "inline.yaml", {})
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        await pilot.press("o")
        assert table.model.sort_by == "config"  # the default is status, worst first
        await pilot.press("q")  # no longer quits
        assert app.is_running
        await pilot.press("x")
    assert app.return_code == 0


async def test_ledger_deleted_and_replaced_mid_run(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.jsonl"
    line = '{{"timestamp": "{ts}", "service": "solo", "model": "m", "cost_usd": {cost}}}\n'
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    ledger.write_text(line.format(ts=now, cost=1.25))
    text = f"refresh_interval: 0.5\nservices:\n  - name: solo\n    process: {{pid: {os.getpid()}}}\n" \
           f"    ledger: {{path: '{ledger}'}}\n"  # fmt: skip
    cfg, _ = parse_config(text, "inline.yaml", {})
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: row_text(table, "solo")["spend"] == "$1.25", 5)
        ledger.unlink()
        await pilot.pause(1.5)
        assert app.is_running and row_text(table, "solo")["spend"] == "$1.25"  # last known total kept
        ledger.write_text(line.format(ts=now, cost=0.5) + line.format(ts=now, cost=0.25))
        # A new file adds to today's spend: deleting a ledger does not un-spend money.
        assert await wait_until(pilot, lambda: row_text(table, "solo")["spend"] == "$2.00", 5)
