"""What the screen says is true and says why: causes named, one rounding, one burn rate, distinct colours."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from textual.widgets import Static

from agentops_tui.actions.model import Step
from agentops_tui.app import make_app
from agentops_tui.presentation.answers import answer_summary
from agentops_tui.screens.detail import DetailScreen
from agentops_tui.screens.drain import WorkflowScreen
from agentops_tui.source import StaticSource
from agentops_tui.widgets.service_table import ServiceTable
from agentops_tui.widgets.spark import Spark, levels
from probes.config.load import parse_config
from probes.model import Status
from probes.view import FleetSnapshot
from tests.fixtures.fleet import view as fixture_view
from tests.fixtures.plain import plain
from tests.functional.helpers import row_status, row_text, serve, serve_handler, wait_until
from tests.waiting import Deadline

SIZE = (160, 30)


async def test_unhealthy_503_names_its_cause_in_the_row_and_the_detail() -> None:
    body = b'{"status": "unhealthy", "checks": {"db": true, "model_proxy": {"ok": true}}, ' \
           b'"message": "31% of calls failed in the last 60s"}'  # fmt: skip
    with serve(body, 503) as port:
        text = f"refresh_interval: 0.5\nservices:\n  - name: writer\n    health: {{url: 'http://127.0.0.1:{port}/h'}}\n"
        cfg, _ = parse_config(text, "inline.yaml", {})
        app = make_app(cfg)
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ServiceTable)
            assert await wait_until(pilot, lambda: row_status(table, "writer") is Status.CRIT, 5)
            cause = "unhealthy (HTTP 503; 31% of calls failed in the last 60s)"
            assert row_text(table, "writer")["reason"] == cause
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert isinstance(app.screen, DetailScreen)
            view = app.view_of("writer")
            assert view is not None and view.last_error == f"health: {cause}"
            shown = plain(app.screen.query_one("#detail-body", Static).content)
            assert "Last error" in shown and cause in shown.split("Last error", 1)[1]


STATUS_TEXT = {Status.OK: "● OK", Status.WARN: "▲ WARN", Status.CRIT: "✖ CRIT", Status.UNKNOWN: "? UNKN"}
SGR = re.compile(rb"\x1b\[([0-9;]*)m")


def foreground(params: str) -> str:
    """The foreground colour an SGR parameter list sets ('' when it sets none)."""
    codes = [int(c) if c else 0 for c in params.split(";")]
    found, i = "", 0
    while i < len(codes):
        c = codes[i]
        if c in (38, 48):
            n = 3 if codes[i + 1 : i + 2] == [5] else 5
            if c == 38:
                found = ";".join(map(str, codes[i : i + n]))
            i += n
            continue
        if 30 <= c <= 37 or 90 <= c <= 97 or c == 39:
            found = str(c)
        i += 1
    return found


def status_colours(out: bytes) -> dict[Status, set[str]]:
    """For each status word drawn, the foreground colours it was drawn in (the SGR just before the text)."""
    seen: dict[Status, set[str]] = {}
    for status, text in STATUS_TEXT.items():
        needle = text.encode()
        for m in SGR.finditer(out):
            if out.startswith(needle, m.end()):
                seen.setdefault(status, set()).add(foreground(m.group(1).decode()))
    return seen


def fleet_servers() -> contextlib.ExitStack:
    """Four health endpoints: healthy (OK), degraded (WARN), unhealthy 503 (CRIT), garbage (UNKNOWN)."""
    stack = contextlib.ExitStack()
    stack.ports = [  # type: ignore[attr-defined]
        stack.enter_context(serve(b'{"status": "healthy"}')),
        stack.enter_context(serve(b'{"status": "degraded", "checks": {"db": false}}')),
        stack.enter_context(serve(b'{"status": "unhealthy"}', 503)),
        stack.enter_context(serve(b"not json")),
    ]
    return stack


def run_in_pty(cfg: Path, env: dict[str, str], needles: tuple[bytes, ...], timeout: float = 20) -> bytes:
    pid, fd = pty.fork()
    if pid == 0:
        os.environ.pop("NO_COLOR", None)
        os.environ.pop("COLORTERM", None)
        os.environ.update(env)
        os.environ["COLUMNS"], os.environ["LINES"] = "120", "30"
        os.execv(sys.executable, [sys.executable, "-m", "agentops_tui.cli", "--config", str(cfg)])
    out = b""
    try:
        deadline = Deadline(timeout)
        while deadline and not all(n in out for n in needles):
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                with contextlib.suppress(OSError):
                    out += os.read(fd, 65536)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        os.close(fd)
    return out


@pytest.mark.parametrize("term", ["xterm", "xterm-256color", "linux"])
def test_statuses_are_drawn_in_distinct_colours(tmp_path: Path, term: str) -> None:
    """16 colours (xterm), 8 (linux) and 256: WARN, CRIT, UNKNOWN and OK never share a colour (on xterm WARN and
    CRIT were both bright red, SGR 91, as was UNKNOWN)."""
    with fleet_servers() as stack:
        names = ("ok", "warn", "crit", "unknown")
        lines = ["refresh_interval: 1.0", "services:"]
        for name, port in zip(names, stack.ports, strict=True):  # type: ignore[attr-defined]
            lines.append(f"  - name: {name}\n    health: {{url: 'http://127.0.0.1:{port}/h', timeout: 0.5}}")
        cfg = tmp_path / "fleet.yaml"
        cfg.write_text("\n".join(lines) + "\n")
        out = run_in_pty(cfg, {"TERM": term}, tuple(t.encode() for t in STATUS_TEXT.values()))
    colours = status_colours(out)
    assert set(colours) == set(STATUS_TEXT), colours
    assert all(len(c) == 1 for c in colours.values()), colours
    drawn = {status: c.pop() for status, c in colours.items()}
    assert len(set(drawn.values())) == 4, drawn
    if term != "xterm-256color":  # an 8-colour terminal shows 91 as 31: still four colours
        assert len({str(int(c) - 60) if c.startswith("9") else c for c in drawn.values()}) == 4, drawn


def test_without_colour_the_statuses_still_differ(tmp_path: Path) -> None:
    """NO_COLOR: everything is drawn in one colour, so each status has its own glyph and word on the row."""
    with fleet_servers() as stack:
        lines = ["refresh_interval: 1.0", "services:"]
        for name, port in zip(("ok", "warn", "crit", "unknown"), stack.ports, strict=True):  # type: ignore[attr-defined]
            lines.append(f"  - name: {name}\n    health: {{url: 'http://127.0.0.1:{port}/h', timeout: 0.5}}")
        cfg = tmp_path / "fleet.yaml"
        cfg.write_text("\n".join(lines) + "\n")
        needles = tuple(t.encode() for t in STATUS_TEXT.values())
        out = run_in_pty(cfg, {"TERM": "xterm-256color", "NO_COLOR": "1"}, needles)
    assert all(n in out for n in needles), out[-2000:]
    greys = {0, 7, 8, 15, 16, 59, 102, 145, 188, 231, *range(232, 256)}
    for colours in status_colours(out).values():  # shades of grey at most: no hue carries the meaning
        for c in colours:
            parts = [int(x) for x in c.split(";")] if c else []
            assert parts[:2] != [38, 5] or parts[2] in greys, c
            assert parts[:2] != [38, 2] or len(set(parts[2:])) == 1, c
    assert len({s[0] for s in STATUS_TEXT.values()}) == len(STATUS_TEXT)  # a glyph of its own per status


async def test_sparklines_have_a_fixed_scale_their_range_and_span() -> None:
    """A flat 1.9 s p95 draws a fifth of the way up a 0-10 s scale (the WARN line), not full height; the label
    says the latest value, min, max and the time covered, the chart's end says the scale."""
    flat = (1.9,) * 30
    v = fixture_view("flat", Status.OK, "healthy", latency_p95_s=1.9, error_rate=0.002, spend_today_usd=1.5,
                     history=(("latency", flat), ("errors", (0.0, 0.002, 0.004)), ("spend", (0.01, 0.02))),
                     history_span_s=(("latency", 58.0), ("errors", 4.0), ("spend", 2.0)))  # fmt: skip
    cfg, _ = parse_config("services:\n  - name: flat\n", "inline.yaml", {})
    app = make_app(cfg, source=StaticSource(FleetSnapshot(services=(v,), daily_budget_usd=None, spend_today_usd=1.5)))
    async with app.run_test(size=(200, 30)) as pilot:
        await pilot.pause(0.3)
        label = str(app.screen.query_one("#spark-label-latency", Static).content)
        assert label == "p95 latency 1.9s  min 1.9s max 1.9s  last 58s"
        assert str(app.screen.query_one("#spark-label-errors", Static).content).endswith("min 0% max 0.4%  last 4s")
        spark = app.screen.query_one("#spark-latency", Spark)
        spark.styles.height = 2  # the panel grows with the terminal; two rows make the steps below exact
        await pilot.pause(0.1)
        top, bottom = (spark.render_line(y).text for y in (0, 1))
        assert top.rstrip().endswith("10s") and bottom.rstrip().endswith("0")
        chart = bottom.rstrip()[:-1].rstrip()  # without the axis
        assert set(chart[-25:]) == {"▃"}, bottom  # the flat part: 1.9 of 10 (3 of 16 steps)
        assert set(top[: len(chart)]) == {" "}, top
    assert levels([0.0] * 30 + [1.9] * 30, 60, 10.0)[-1] == pytest.approx(0.19)
    assert levels([1.9] * 30, 30, 1.0)[-1] == 1.0  # above the WARN line the scale grows to the maximum


def test_an_action_answer_is_summarised_not_shown_as_json() -> None:
    assert answer_summary('{"ok": true, "restarting": true, "pid": 11809}') == "done (pid 11809)"
    assert answer_summary('{"ok": true, "draining": true, "active_tasks": 3}') == "done (active tasks 3)"
    throttle = '{"ok": true, "old": null, "new": 30, "max_requests_per_minute": 30}'
    assert answer_summary(throttle) == "done (unlimited → 30)"
    assert answer_summary('HTTP 409: {"ok": false, "error": "already draining"}') == "HTTP 409: already draining"
    assert answer_summary('{"ok": true}') == "done"
    assert answer_summary("restarted") == "restarted"  # text is shown as it came
    assert answer_summary('{"ok": true, "pid": 1, "a": 2, "b": 3, "c": 4}') == "done (pid 1, a 2, b 3)"


async def test_restart_toast_says_done_with_the_pid(tmp_path: Path) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer(b'{"status": "healthy"}')

        def do_POST(self) -> None:
            self._answer(b'{"ok": true, "restarting": true, "pid": 11809}')

        def _answer(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    with serve_handler(Handler) as port:
        text = (
            f"refresh_interval: 0.5\nactions: {{journal: '{tmp_path / 'audit.jsonl'}'}}\nservices:\n"
            f"  - name: planner\n    health: {{url: 'http://127.0.0.1:{port}/h'}}\n"
            f"    control: {{base_url: 'http://127.0.0.1:{port}', restart: {{path: /admin/restart}}}}\n"
        )
        cfg, _ = parse_config(text, "inline.yaml", {})
        app = make_app(cfg)
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(ServiceTable)
            assert await wait_until(pilot, lambda: row_status(table, "planner") is Status.OK, 5)
            await pilot.press("r")
            await pilot.pause(0.3)
            await pilot.press("y")
            toasts = lambda: [n.message for n in app._notifications]  # noqa: E731
            assert await wait_until(pilot, lambda: any("Restart planner" in m for m in toasts()), 10), toasts()
            assert "Restart planner: done (pid 11809)" in toasts()


async def test_the_workflow_panel_says_each_answer_in_words() -> None:
    """The drain panel showed `{"ok": true, "draining": true, "active_tasks": 2}` beside its first step."""
    cfg, _ = parse_config("services:\n  - name: planner\n", "inline.yaml", {})
    app = make_app(cfg, source=StaticSource(FleetSnapshot(services=(), daily_budget_usd=None, spend_today_usd=None)))
    async with app.run_test(size=SIZE) as pilot:
        panel = WorkflowScreen("planner", lambda: None)
        app.push_screen(panel)
        await pilot.pause(0.2)
        panel.show_steps([Step("drain", "done", '{"ok": true, "draining": true, "active_tasks": 2}')])
        panel.show_result(False, '{"ok": false, "error": "already draining"}')
        await pilot.pause(0.2)
        shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "done (active tasks 2)" in shown and "stopped: already draining" in shown, shown
        assert '"ok"' not in shown
