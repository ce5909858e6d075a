"""The presentation package without an app: formats, the overview's header and trend line, alerts, the journal and
the dialogs' text. Strings from outside are shown as written, never run as markup."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

from rich.text import Text

from agentops_tui.actions.model import Step
from agentops_tui.presentation import Palette, fmt_bytes, fmt_clock, fmt_cpu, fmt_cpus, fmt_duration
from agentops_tui.presentation.alerts import alert_row, alerts_title
from agentops_tui.presentation.journal import entry_table, journal_row, journal_title
from agentops_tui.presentation.overview import fit_columns, row_cells, summary_text, trend_title
from agentops_tui.presentation.workflow import confirm_body, plan_text, result_text, steps_table
from probes.model import Alert, ContainerInfo, Status
from probes.view import FleetSnapshot
from tests.fixtures.fleet import T0, static_snapshot, view
from tests.fixtures.plain import plain

P = Palette()
HOSTILE = "[@click=app.quit]x[/]"


def test_formats_say_a_dash_for_what_is_not_known() -> None:
    assert [fmt_bytes(None), fmt_duration(None), fmt_cpu(None), fmt_clock(None)] == ["–"] * 4
    assert fmt_bytes(512) == "512B" and fmt_bytes(26_000_000) == "25M" and fmt_bytes(3 << 30) == "3.0G"
    assert [fmt_duration(s) for s in (59, 600, 5400, 9000, 200_000)] == ["59s", "10m", "90m", "2h30m", "2d"]
    assert fmt_cpu(12.4) == "12%"
    assert fmt_cpus(None) == "no limit" and fmt_cpus(0.5) == "0.5 CPUs"


def test_columns_give_way_so_the_reason_keeps_its_width() -> None:
    wide = [key for key, _, _ in fit_columns(200, 12)]
    narrow = fit_columns(80, 12)
    assert wide[-1] == "reason" and "mem" in wide
    assert [k for k, _, _ in narrow] == ["status", "name", "p95", "err", "breaker", "reason"]
    assert narrow[-1][2] >= 24


def test_a_row_shows_the_status_it_is_given_and_its_mark() -> None:
    v = view("planner", Status.OK, "healthy")
    cells = row_cells(v, P, Status.STALE, "no data for 9s", ("status", "name", "reason"), marked=True)
    assert [c.plain for c in cells] == ["◌ STALE", "✓ planner", "no data for 9s"]
    assert P.stale in str(cells[0].style) and cells[1].spans  # the mark in its own colour


def test_the_header_counts_the_statuses_given_and_goes_compact() -> None:
    snap = static_snapshot()
    full = summary_text(snap, P, [Status.STALE] * len(snap.services), ("DEMO",))
    assert "8 services" in full.plain and "◌ 8 STALE" in full.plain and " DEMO " in full.plain
    compact = summary_text(snap, P, badges=(), compact=True)
    assert "8 svc" in compact.plain and len(compact.plain) < len(full.plain)


def test_the_trend_title_names_containers_and_shows_a_hostile_name_as_written() -> None:
    c = ContainerInfo(id="1", name="w", state="running", mem_bytes=900, mem_limit=1000)
    line = trend_title(view(HOSTILE, Status.CRIT, "unhealthy", containers=(c,)), Status.CRIT, "unhealthy", P)
    assert isinstance(line, Text)
    assert line.plain == f"✖ CRIT  {HOSTILE}  unhealthy  [1 container · memory 90% of limit · 0 restarts in 5m]"


def test_an_alert_row_and_the_title_that_counts_them() -> None:
    firing = Alert("", "cost_hourly", "firing", T0, 3.0, HOSTILE, severity="critical")
    pending = Alert("writer", "error_rate", "pending", T0 - 60, 0.3, "errors 30%")
    row = alert_row(firing, T0 + 125, P)
    assert [c.plain for c in row][:2] == ["FIRING", "(fleet)"] and row[5].plain == "2m" and row[7].plain == HOSTILE
    assert f"bold {P.crit}" == str(row[0].style)
    assert "1 firing, 1 pending" in alerts_title((firing, pending)).plain


def test_journal_rows_read_odd_values_as_text() -> None:
    rec: dict[str, Any] = {"time": "2026-01-02T03:04:05Z", "user": "ops", "service": HOSTILE, "action": "throttle",
                           "phase": "succeeded", "params": {"max_requests_per_minute": 30}, "before": "not a dict",
                           "after": {"status": "OK"}, "operation": "POST http://x/admin/throttle"}  # fmt: skip
    cells = [c.plain for c in journal_row(rec)]
    assert cells == ["2026-01-02 03:04:05", "ops", HOSTILE, "throttle rpm=30", "succeeded", "– → OK",
                     "POST http://x/admin/throttle"]  # fmt: skip
    assert journal_row({"phase": ["odd"], "params": "x"})[4].plain == "['odd']"
    assert "nested" in plain(entry_table({"k": {"nested": [1, 2]}}))
    title = journal_title("/var/j.jsonl", 12, 1).plain
    assert "12 lines, 1 unreadable line skipped" in title and title.endswith("Enter shows the whole entry")


def test_dialog_text_lines_up_and_says_answers_in_words() -> None:
    body = confirm_body([("service", HOSTILE), ("operation", "POST http://x/admin/restart")]).plain
    assert body == f"service    {HOSTILE}\noperation  POST http://x/admin/restart\n"
    plan = plan_text([("drain", "POST http://x/admin/drain"), ("wait_idle", "")]).plain
    assert plan == "1. drain\n   POST http://x/admin/drain\n2. wait for active tasks to reach 0"
    steps = plain(steps_table([Step("drain", "done", '{"ok": true, "active_tasks": 2}'), Step("resume")]))
    assert "✓ drain" in steps and "done (active tasks 2)" in steps and "· resume" in steps
    assert result_text(False, 'HTTP 409: {"error": "already draining"}').plain.startswith(
        "stopped: HTTP 409: already draining"
    )


def test_the_overview_presentation_loads_without_textual_or_http() -> None:
    """The overview's cells are drawn before the poller (and its HTTP library) starts: see runner.py."""
    code = textwrap.dedent(
        """
        import sys
        import agentops_tui.presentation.overview
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "aiohttp", "httpx"))
        print(",".join(bad))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_a_snapshot_fixture_is_what_the_header_counts() -> None:
    snap = FleetSnapshot(services=(), daily_budget_usd=None, spend_today_usd=None, at=T0)
    assert "0 services" in summary_text(snap, P).plain and "spend –" in summary_text(snap, P).plain
