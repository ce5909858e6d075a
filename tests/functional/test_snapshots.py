"""SVG snapshots of every screen at fixed sizes, on a fixed fleet (pytest-textual-snapshot)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.source import StaticSource
from agentops_tui.widgets.service_table import ServiceTable
from probes.config.load import parse_config
from tests.fixtures.fleet import burst_snapshot, static_snapshot
from tests.functional.helpers import wait_until
from tests.functional.static import in_terminal_colours, screen_lines
from tests.functional.static import static_app as static_app_of

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def static_app(read_only: bool = False) -> AgentOpsApp:
    snap = static_snapshot()
    lines = ["services:"]
    for v in snap.services:
        lines.append(f"  - name: '{v.name}'")
        lines.append("    control: {base_url: 'http://127.0.0.1:8101', drain: {path: /admin/drain},")
        lines.append("              resume: {path: /admin/resume}, throttle: {path: /admin/throttle},")
        lines.append("              restart: {path: /admin/restart}}")
    if read_only:
        lines.insert(0, "read_only: true")
    cfg, _ = parse_config("\n".join(lines) + "\n", "static.yaml", {})
    return make_app(cfg, source=StaticSource(snap), clock=lambda: 0.0)


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause(0.3)


def test_overview_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(static_app(), terminal_size=(80, 24), run_before=_settle)


def test_overview_120x30_read_only(snap_compare: SnapCompare) -> None:
    assert snap_compare(static_app(read_only=True), terminal_size=(120, 30), run_before=_settle)


def test_detail_screen(snap_compare: SnapCompare) -> None:
    async def open_detail(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.2)
        table = pilot.app.screen.query_one(ServiceTable)
        table.move_cursor(table.get_row_index("planner"))  # the service with checks, samples and extra fields
        await pilot.press("enter")
        await pilot.pause(0.3)

    assert snap_compare(static_app(), terminal_size=(100, 40), run_before=open_detail)


def test_help_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(static_app(), terminal_size=(100, 30), press=["question_mark"], run_before=_settle)


def test_filter_and_status_sort(snap_compare: SnapCompare) -> None:
    async def filter_rows(pilot: Pilot[Any]) -> None:
        await pilot.press("slash", *"crit", "enter")  # sorted by status, worst first: the default
        await pilot.pause(0.3)

    assert snap_compare(static_app(), terminal_size=(100, 24), run_before=filter_rows)


async def test_markup_in_names_is_shown_literally_and_runs_nothing() -> None:
    app = static_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause(0.3)
        table = app.screen.query_one(ServiceTable)
        name = "[@click=app.quit]evil[/]"
        assert table.get_row(name)[1].plain == name
        await pilot.click(ServiceTable, offset=(12, 8))  # clicking the row must not quit
        await pilot.pause(0.2)
        assert app.is_running


def test_restart_confirmation_dialog(snap_compare: SnapCompare) -> None:
    async def press_r(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.2)
        await pilot.press("r")
        await pilot.pause(0.3)

    assert snap_compare(static_app(), terminal_size=(100, 30), run_before=press_r)


def test_bulk_confirmation_asks_for_the_word(snap_compare: SnapCompare) -> None:
    async def mark_two(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.2)
        await pilot.press("space", "space", "r")
        await pilot.pause(0.3)

    assert snap_compare(static_app(), terminal_size=(100, 30), run_before=mark_two)


def test_drain_dialog(snap_compare: SnapCompare) -> None:
    async def press_d(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.2)
        await pilot.press("d", "down", "down", "enter")
        await pilot.pause(0.3)

    assert snap_compare(static_app(), terminal_size=(100, 30), run_before=press_d)


async def _keys_shown(pilot: Pilot[Any]) -> None:
    """Settled, and the key bar laid out (it is composed again a few times while the app starts)."""
    await pilot.pause(0.3)
    assert await wait_until(pilot, lambda: "Quit" in screen_lines(pilot.app)[-1], 5)  # type: ignore[arg-type]


@pytest.mark.parametrize("term", ["xterm-256color", "xterm"])
def test_error_burst_80x24(snap_compare: SnapCompare, monkeypatch: pytest.MonkeyPatch, term: str) -> None:
    """The demo's error burst at 80x24, in the colours a 256-colour and a 16-colour terminal get."""
    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("COLORTERM", raising=False)
    app = in_terminal_colours(static_app_of(burst_snapshot()))
    assert app.console.color_system == ("256" if term == "xterm-256color" else "standard")
    assert snap_compare(app, terminal_size=(80, 24), run_before=_keys_shown)


def test_error_burst_200x50(snap_compare: SnapCompare) -> None:
    assert snap_compare(static_app_of(burst_snapshot()), terminal_size=(200, 50), run_before=_keys_shown)
