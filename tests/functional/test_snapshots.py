"""SVG snapshots of every screen and dialog at 80x24 and 120x40 on a fixed fleet, and of the overview in special
states (read-only, filtered, the demo's error burst in 256 and 16 colours) (pytest-textual-snapshot).

Each picture was looked at (rsvg-convert to PNG) when it was made: regenerate with `--snapshot-update` only for a
deliberate change of a screen, and look at the new one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from agentops_tui.actions.model import Step
from agentops_tui.actions.workflow import DrainWorkflow
from agentops_tui.app import AgentOpsApp
from agentops_tui.screens.drain import WorkflowScreen
from agentops_tui.screens.logs import LogsScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.files.logs import FileLogSource
from tests.fixtures.fleet import burst_snapshot, estimate_snapshot, full_snapshot
from tests.functional.helpers import wait_until
from tests.functional.static import in_terminal_colours, screen_lines
from tests.functional.static import static_app as static_app_of

SnapCompare = Callable[..., bool]
Steps = Callable[[Pilot[Any]], Awaitable[None]]
SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
JOURNAL = [
    {"time": "2026-09-21T09:12:03Z", "user": "ops", "host": "box", "service": "planner", "action": "restart",
     "phase": phase, "operation": "POST http://127.0.0.1:8101/admin/restart",
     **({"before": {"status": "WARN"}} if phase == "started" else {}),
     **({"before": {"status": "WARN"}, "after": {"status": "OK"}} if phase == "succeeded" else {})}
    for phase in ("requested", "confirmed", "started", "succeeded")
] + [
    {"time": "2026-09-21T09:20:44Z", "user": "ops", "host": "box", "service": "writer", "action": "throttle",
     "phase": "failed", "params": {"max_requests_per_minute": 30}, "error": "HTTP 503: busy"},
    {"time": "2026-09-21T09:31:10Z", "user": "ops", "host": "box", "service": "summarizer", "action": "drain",
     "phase": "abandoned", "error": "the operator quit the dashboard at step 2 of 3: wait for active tasks to reach 0"},
]  # fmt: skip


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


def static_app(read_only: bool = False) -> AgentOpsApp:
    return static_app_of(read_only=read_only)


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause(0.3)


async def _select(pilot: Pilot[Any], name: str) -> None:
    await pilot.pause(0.2)
    table = pilot.app.screen.query_one(ServiceTable)
    table.move_cursor(table.get_row_index(name))
    await pilot.pause(0.1)


def _keys(*keys: str, select: str | None = None) -> Steps:
    async def run(pilot: Pilot[Any]) -> None:
        if select:
            await _select(pilot, select)
        await pilot.press(*keys)
        await pilot.pause(0.4)

    return run


async def _logs(pilot: Pilot[Any]) -> None:
    screen = LogsScreen(pilot.app, "planner", source=FileLogSource("planner.log", None, label="planner: stdout"))
    await pilot.app.push_screen(screen)
    assert await wait_until(pilot, lambda: screen.received == 60, 5)  # type: ignore[arg-type]
    await pilot.pause(0.3)
    # at the end whenever the horizontal scrollbar was laid out (it can come after the last write's scroll)
    screen.log_view.scroll_end(animate=False)
    await pilot.pause(0.2)


def _log_line(i: int) -> str:
    """The planner's log: the guide's JSON lines, a warning and an error now and then, and a text line."""
    if i % 20 == 19:
        return f"Traceback (most recent call last): step {i}\n"
    level, event = ("error", "tool_failed") if i % 10 == 7 else ("warn", "rate_limited") if i % 10 == 3 else \
        ("info", "task_completed")  # fmt: skip
    at = f"2026-09-21T09:{i // 60:02d}:{i % 60:02d}+00:00"
    entry = {"timestamp": at, "level": level, "event": event, "agent_id": "planner", "task_id": f"t-{i}"}
    return json.dumps({**entry, "tokens": 120 + i}) + "\n"


async def _logs_query(pilot: Pilot[Any]) -> None:
    await _logs(pilot)
    await pilot.press("slash", *"level=error")
    await pilot.pause(0.3)


async def _logs_raw(pilot: Pilot[Any]) -> None:
    await _logs(pilot)
    await pilot.press("c")  # the lines as written, not in columns
    await pilot.pause(0.3)


async def _logs_jump(pilot: Pilot[Any]) -> None:
    await _logs(pilot)
    await pilot.press("t", *"2026-09-21T09:00:20Z", "enter")  # to 09:00:20, following paused
    await pilot.pause(0.3)


async def _bulk(pilot: Pilot[Any]) -> None:
    for name in ("planner", "writer"):
        await _select(pilot, name)
        await pilot.press("space")
    await pilot.press("r", *"RESTA")
    await pilot.pause(0.4)


async def _workflow(pilot: Pilot[Any]) -> None:
    await pilot.pause(0.2)
    panel = WorkflowScreen("planner", lambda: None)
    await pilot.app.push_screen(panel)
    panel.show_steps([Step("drain", "done", '{"ok": true, "draining": true, "active_tasks": 2}'),
                      Step("wait_idle", "running", "active tasks 2"), Step("restart"), Step("wait_healthy"),
                      Step("resume")])  # fmt: skip
    await pilot.pause(0.4)


async def _quit_question(pilot: Pilot[Any]) -> None:
    """A drain workflow halfway (drained, waiting for idle), then `q`."""
    app = pilot.app
    assert isinstance(app, AgentOpsApp)
    await pilot.pause(0.2)
    workflow = DrainWorkflow(app.actions, "planner", "restart", app.view_of)
    workflow.steps[0].state = "done"
    workflow.steps[1].state = "running"
    app.controller.workflows.append(workflow)
    await pilot.press("q")
    await pilot.pause(0.4)
    app.controller.workflows.clear()  # nothing is journaled abandoned when the test's app exits


SCREENS: dict[str, Steps] = {
    "overview": _settle,
    "detail": _keys("enter", select="planner"),  # the service with checks, samples and extra fields
    "logs": _logs,
    "logs-query": _logs_query,
    "logs-raw": _logs_raw,
    "logs-jump": _logs_jump,
    "journal": _keys("a"),
    "journal_entry": _keys("a", "down", "enter"),
    "alerts": _keys("exclamation_mark"),
    "spend": _keys("dollar_sign"),
    "help": _keys("question_mark"),
    "confirm": _keys("r", select="planner"),
    "bulk_confirm": _bulk,
    "throttle": _keys("t", *"30", select="planner"),
    "docker_throttle": _keys("t", *"0.5", "tab", *"256m", select="sandbox"),
    "drain": _keys("d", "down", "down", select="planner"),
    "drain_managed": _keys("d", "down", "enter", select="sandbox"),  # no drain endpoint: through Docker, SIGTERM first
    "workflow": _workflow,
    "quit_question": _quit_question,
    "palette": _keys("ctrl+p", *"planner", select="planner"),  # its actions for planner, and planner to open
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_every_screen(
    snap_compare: SnapCompare, screen: str, size: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every screen and dialog on the full fixture fleet (alerts, spend, a Docker service, a journal)."""
    monkeypatch.chdir(tmp_path)  # the journal's and the log's paths are shown: relative, so the same every run
    monkeypatch.delenv("DOCKER_HOST", raising=False)  # the Docker throttle names the engine it would talk to
    Path("audit.jsonl").write_text("".join(json.dumps(r) + "\n" for r in JOURNAL))
    Path("audit.jsonl").chmod(0o600)
    Path("planner.log").write_text("".join(_log_line(i) for i in range(60)))
    app = static_app_of(full_snapshot(), journal="audit.jsonl")

    async def run_before(pilot: Pilot[Any]) -> None:
        if screen != "overview":  # the toast of the firing alert is the overview's; elsewhere it would hide the screen
            await pilot.pause(0.1)
            app.clear_notifications()
        await SCREENS[screen](pilot)
        for box in app.screen.query(Input):  # a blinking cursor is there in one picture and not in the next
            box.cursor_blink = False
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=SIZES[size], run_before=run_before)


def test_overview_120x30_read_only(snap_compare: SnapCompare) -> None:
    assert snap_compare(static_app(read_only=True), terminal_size=(120, 30), run_before=_settle)


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


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", ["overview", "spend", "detail"])
def test_spend_estimated_without_a_ledger(snap_compare: SnapCompare, screen: str, size: str) -> None:
    """Spend estimated from tokens marked as such on the row (≈), in the header (+ ≈$1.40 est.), on the detail page
    and in the Spend screen's own table (from when it is counted, the models with no price), beside ledger spend."""
    steps = {"overview": _settle, "spend": _keys("dollar_sign"), "detail": _keys("enter", select="legacy-agent")}
    assert snap_compare(static_app_of(estimate_snapshot()), terminal_size=SIZES[size], run_before=steps[screen])
