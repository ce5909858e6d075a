"""Bidi overrides and zero-width characters in a service name and in a health answer: the table and `agentops-tui
check` show them as visible escapes (a right-to-left override would make "evil<RLO>gnp.exe" read "evilexe.png"),
and so do the detail page, the log view and the audit journal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.widgets.service_table import ServiceTable
from probes.config.load import load_config
from tests.functional.helpers import row_text, serve, wait_until
from tests.functional.static import screen_lines

# A YAML double-quoted string takes \u escapes: the name carries a right-to-left override and a zero-width space.
NAME_YAML = "evil\\u202egnp.exe\\u200b"
NAME = "evil\u202egnp.exe\u200b"
BODY = "oops \u2066hidden\u2069 \ufeffbom \u200dzwj".encode()  # a 500 page that is not JSON: its text is the reason
INVISIBLE = ("\u202e", "\u200b", "\u2066", "\u2069", "\ufeff", "\u200d")
NAME_SHOWN = "evil\\u202egnp.exe\\u200b"
REASON_SHOWN = "oops \\u2066hidden\\u2069 \\ufeffbom \\u200dzwj"


def write_config(tmp: Path, port: int) -> Path:
    path = tmp / "bidi.yaml"
    path.write_text(
        f'services:\n  - name: "{NAME_YAML}"\n    health: {{url: "http://127.0.0.1:{port}/h", timeout: 0.5}}\n'
    )
    return path


async def test_table_shows_bidi_and_zero_width_characters_escaped(tmp_path: Path) -> None:
    with serve(BODY, 500, "text/html") as port:
        cfg = load_config(write_config(tmp_path, port))[0]
        assert cfg.services[0].name == NAME
        app = make_app(cfg)
        async with app.run_test(size=(150, 30)) as pilot:
            table = app.screen.query_one(ServiceTable)
            assert await wait_until(pilot, lambda: "oops" in row_text(table, NAME)["reason"], 10)
            row = row_text(table, NAME)
            assert row["name"] == NAME_SHOWN
            assert REASON_SHOWN in row["reason"]
            shown = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
            assert NAME_SHOWN in shown and REASON_SHOWN in shown
            assert not any(ch in shown for ch in INVISIBLE)


def test_check_shows_bidi_and_zero_width_characters_escaped(tmp_path: Path) -> None:
    with serve(BODY, 500, "text/html") as port:
        cfg = write_config(tmp_path, port)
        cli = [sys.executable, "-m", "agentops_tui.cli", "check", "--config", str(cfg), "--settle", "0"]
        table = subprocess.run(cli, capture_output=True, text=True, timeout=30)
        as_json = subprocess.run([*cli, "--json"], capture_output=True, text=True, timeout=30)
    assert table.returncode == 2, table.stderr  # CRIT: HTTP 500
    assert NAME_SHOWN in table.stdout and REASON_SHOWN in table.stdout, table.stdout
    assert not any(ch in table.stdout for ch in INVISIBLE), table.stdout
    assert not any(ch in as_json.stdout for ch in INVISIBLE)  # JSON escapes them too (\u202e)
    service = json.loads(as_json.stdout)["services"][0]
    assert REASON_SHOWN in service["reason"]


def shown_text(app: AgentOpsApp) -> str:
    return "\n".join(screen_lines(app))


async def test_detail_logs_and_journal_show_bidi_and_zero_width_characters_escaped(tmp_path: Path) -> None:
    """The same characters on every other screen where outside text lands: the detail page (name, reason), a log
    line as written, and the audit journal (a line in it quoting what a service answered) with its entry."""
    log = tmp_path / "agent.log"
    log.write_text("plain line \u202eevil\u200b end\n")
    journal = tmp_path / "audit.jsonl"
    record = {"time": "2026-01-01T00:00:00Z", "user": "op", "service": NAME, "action": "restart", "phase": "failed",
              "error": "HTTP 500: oops \u2066hidden\u2069 \ufeffbom"}  # fmt: skip
    journal.write_text(json.dumps(record) + "\n")
    with serve(BODY, 500, "text/html") as port:
        path = write_config(tmp_path, port)
        path.write_text(path.read_text() + f"    logs: {{path: '{log}'}}\nactions: {{journal: '{journal}'}}\n")
        app = make_app(load_config(path)[0])
        async with app.run_test(size=(150, 30)) as pilot:
            table = app.screen.query_one(ServiceTable)
            assert await wait_until(pilot, lambda: "oops" in row_text(table, NAME)["reason"], 10)
            app.open_detail(NAME)
            assert await wait_until(pilot, lambda: REASON_SHOWN in shown_text(app), 5)
            assert NAME_SHOWN in shown_text(app)
            assert not any(ch in shown_text(app) for ch in INVISIBLE)
            app.pop_screen()
            app.open_logs(NAME)
            assert await wait_until(pilot, lambda: "plain line \\u202eevil\\u200b end" in shown_text(app), 10)
            assert not any(ch in shown_text(app) for ch in INVISIBLE)
            app.pop_screen()
            app.open_journal()
            assert await wait_until(pilot, lambda: "\\u2066hidden\\u2069" in shown_text(app), 5)
            assert NAME_SHOWN in shown_text(app)
            assert not any(ch in shown_text(app) for ch in INVISIBLE)
            await pilot.press("enter")  # the whole entry
            assert await wait_until(pilot, lambda: "Journal entry" in shown_text(app), 5)
            assert "\\u2066hidden\\u2069 \\ufeffbom" in shown_text(app) and NAME_SHOWN in shown_text(app)
            assert not any(ch in shown_text(app) for ch in INVISIBLE)
