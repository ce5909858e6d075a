"""A service's own log file (`logs:`) in the real app: `l` shows its JSON lines rendered, then follows the file."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from agentops_tui import logs_cmd
from agentops_tui.app import make_app
from agentops_tui.screens.logs import LogsScreen
from probes.config.load import parse_config
from probes.formats.jsonlog import decode, render
from tests.functional.helpers import serve, wait_until
from tests.functional.test_actions_ui import SIZE
from tests.functional.test_actions_ui import select as select_service
from tests.functional.test_cli import run_cli


def line(level: str, event: str, **fields: object) -> str:
    """A line as the guide's agents write to stderr."""
    stamp = dt.datetime.now(dt.timezone.utc).isoformat()
    return json.dumps({"timestamp": stamp, "level": level, "event": event,
                       "agent_id": "default", **fields}) + "\n"  # fmt: skip


async def test_l_shows_the_services_json_log_and_follows_it(tmp_path: Path) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text(line("info", "task_started", task_id="abc-123") + line("warn", "rate_limited", retry_after_s=30))
    with serve(b'{"status": "healthy"}') as port:
        text = (
            "refresh_interval: 0.5\nservices:\n  - name: guide-agent\n"
            f"    health: {{url: 'http://127.0.0.1:{port}/health'}}\n"
            f"    logs: {{path: '{log}', format: json}}\n"
        )
        cfg, _ = parse_config(text, "cfg.yaml")
        app = make_app(cfg)
        async with app.run_test(size=SIZE) as pilot:
            await select_service(pilot, app, "guide-agent")
            await pilot.press("l")
            assert await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen), 5)
            screen = app.screen
            assert isinstance(screen, LogsScreen)

            def shown() -> str:
                return "\n".join(strip.text for strip in screen.log_view.lines)

            assert await wait_until(pilot, lambda: "rate_limited" in shown(), 10), shown()
            rows = [re.split(r"\s{2,}", row.strip()) for row in shown().splitlines()]
            assert rows[0][1:] == ["INFO", "task_started", "default", "abc-123"]  # columns: the fields both carry
            assert rows[1][1:] == ["WARN", "rate_limited", "default", "30"]
            with log.open("a") as fh:
                fh.write(line("error", "tool_failed", tool="database_query", error="\x1b[2Jconnection refused"))
            assert await wait_until(pilot, lambda: "ERROR  tool_failed" in shown(), 10), (
                shown()
            )  # the level column grew
            assert "\x1b" not in shown() and 'error="connection refused"' in shown()
            await pilot.press("escape")


def test_check_reports_the_breaker_and_rate_limits_its_log_names(tmp_path: Path) -> None:
    """The guide's agents keep breaker state only in their log: `check --json` reads it back from the file."""
    log = tmp_path / "agent.jsonl"
    log.write_text(
        line("info", "task_started", task_id="t1")
        + line("error", "circuit_opened", failures=5, service="anthropic")
        + line("warn", "rate_limited", provider="openai", retry_after_s=30)
    )
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        f"refresh_interval: 2\nservices:\n  - name: guide-agent\n    logs: {{path: '{log}', format: json}}\n"
    )
    out = run_cli("check", "--config", str(cfg), "--json", "--settle", "0", timeout=60)
    svc = json.loads(out.stdout)["services"][0]
    assert svc["breakers"] == {"anthropic": "open"}
    assert svc["log_events"] == {"rate limited (5 min)": "openai x1; last retry_after_s 30"}


def test_the_logs_command_prints_what_a_query_matches(tmp_path: Path) -> None:
    """`agentops-tui logs SERVICE QUERY`: the lines of the service's log that meet the query, plain or JSON."""
    log = tmp_path / "agent.jsonl"
    log.write_text(
        line("info", "task_started", task_id="t1", model="claude-opus")
        + line("error", "tool_failed", tool="search", model="claude-opus", error="timeout")
        + line("error", "tool_failed", tool="search", model="claude-sonnet", error="timeout")
        + "not json: \x1b[31mtimeout\x1b[0m\n"
    )
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"services:\n  - name: guide-agent\n    logs: {{path: '{log}', format: json}}\n")
    out = run_cli("logs", "guide-agent", "level=error", "model=claude-opus", "since=1h", "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [out.stdout.splitlines()[0]] and " ERROR tool_failed " in out.stdout
    assert "model=claude-opus" in out.stdout and "1 matching line(s)" in out.stderr
    as_json = run_cli("logs", "guide-agent", "timeout", "--json", "--config", str(cfg))
    rows = [json.loads(r) for r in as_json.stdout.splitlines()]
    assert [r.get("model") for r in rows] == ["claude-opus", "claude-sonnet", None]
    assert rows[-1] == {"line": "not json: timeout"}  # escape sequences gone
    assert run_cli("logs", "guide-agent", "level=fatal", "--config", str(cfg)).returncode == 1
    bad = run_cli("logs", "guide-agent", "since=yesterday", "--config", str(cfg))
    assert bad.returncode == 2 and "since=yesterday" in bad.stderr
    assert run_cli("logs", "nobody", "--config", str(cfg)).returncode == 2


async def test_the_query_bar_shows_only_what_meets_it_and_counts(tmp_path: Path) -> None:
    log = tmp_path / "agent.jsonl"
    log.write_text(
        line("info", "task_started", task_id="t1", model="claude-opus")
        + line("error", "tool_failed", tool="search", model="claude-opus", error="timeout")
        + line("warn", "rate_limited", provider="anthropic", retry_after_s=30)
        + line("error", "tool_failed", tool="db", model="claude-sonnet", error="refused")
    )
    cfg, _ = parse_config(f"services:\n  - name: guide-agent\n    logs: {{path: '{log}', format: json}}\n", "c.yaml")
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.received == 4, 10)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        await pilot.press("slash", *"level=error q")  # typed at once: q goes into the bar, it does not leave
        await pilot.pause(0.2)

        def shown() -> list[str]:
            return [strip.text.rstrip() for strip in screen.log_view.lines]

        assert isinstance(app.screen, LogsScreen)
        await pilot.press("backspace", "backspace")
        assert await wait_until(pilot, lambda: len(shown()) == 2, 5), shown()
        assert all(re.search(r"\sERROR\s+tool_failed\s", s) for s in shown())
        assert "2 of 4 match 'level=error'" in str(screen.query_one("#logs-title").render())
        await pilot.press(*" model=claude-opus")
        assert await wait_until(pilot, lambda: len(shown()) == 1 and " search " in shown()[0], 5), shown()
        with log.open("a") as fh:  # a new line that meets the query shows, one that does not stays hidden
            fh.write(
                line("error", "tool_failed", model="claude-opus", tool="fetch") + line("info", "x", model="claude-opus")
            )
        assert await wait_until(pilot, lambda: len(shown()) == 2 and " fetch " in shown()[1], 10), shown()
        await pilot.press("escape")  # closes the bar: every line again
        assert await wait_until(pilot, lambda: len(shown()) == 6, 5), shown()
        assert isinstance(app.screen, LogsScreen)
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, LogsScreen), 5)


def test_the_logs_command_decodes_each_line_it_prints_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Once to choose it, not again to print it."""
    log = tmp_path / "agent.jsonl"
    log.write_text("".join(line("error" if i % 2 else "info", "x", i=i) for i in range(10)))
    cfg, _ = parse_config(f"services:\n  - name: a\n    logs: {{path: '{log}', format: json}}\n", "c.yaml")
    calls: list[str] = []

    def counted(text: str) -> dict[str, object] | None:
        calls.append(text)
        return decode(text)

    monkeypatch.setattr(logs_cmd, "decode", counted)
    assert logs_cmd.run_logs(cfg, "a", "level=error", False, 100) == 0
    assert len(calls) == 5 and len(set(calls)) == 5


async def test_the_screen_and_the_command_show_the_same_lines_for_level_error(tmp_path: Path) -> None:
    """The guide's `level=error`: errors in any case, not a message saying level=error, not a text line saying it."""
    log = tmp_path / "agent.jsonl"
    log.write_text(
        line("error", "tool_failed", tool="db")
        + line("ERROR", "tool_failed", tool="[bold]x[/]", note="\x1b[31mred\x1b[0m \u202eevil")
        + line("info", "task_completed", message="level=error and error everywhere", error="none")
        + "plain text: level=error\n"
        + line("warn", "rate_limited", level_error=True)
        + '{"level": "error", "event": "no_time"}\n'
        + "{not json at all, level=error}\n"
    )
    cfg_path = tmp_path / "c.yaml"
    cfg_path.write_text(f"services:\n  - name: guide-agent\n    logs: {{path: '{log}', format: json}}\n")
    cfg, _ = parse_config(cfg_path.read_text(), str(cfg_path))
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.received == 7, 10)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        await pilot.press("c", "slash", *"level=error", "enter")  # the lines as written
        await pilot.pause(0.3)
        shown = [strip.text.rstrip() for strip in screen.log_view.lines]
        await pilot.press("escape", "escape")
    assert len(shown) == 3, shown
    plain = run_cli("logs", "guide-agent", "level=error", "--config", str(cfg_path))
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.splitlines() == [render(e) for e in map(decode, shown) if e is not None]
    as_json = run_cli("logs", "guide-agent", "level=error", "--json", "--config", str(cfg_path))
    assert [json.loads(r) for r in as_json.stdout.splitlines()] == [decode(s) for s in shown]
    assert "\x1b" not in plain.stdout + as_json.stdout and "\u202e" not in plain.stdout
