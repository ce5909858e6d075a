"""A service's own log file (`logs:`) in the real app: `l` shows its JSON lines rendered, then follows the file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from agentops_tui.app import make_app
from agentops_tui.screens.logs import LogsScreen
from probes.config.load import parse_config
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

            assert await wait_until(pilot, lambda: "WARN rate_limited" in shown(), 10), shown()
            assert "INFO task_started agent_id=default task_id=abc-123" in shown()
            with log.open("a") as fh:
                fh.write(line("error", "tool_failed", tool="database_query", error="\x1b[2Jconnection refused"))
            assert await wait_until(pilot, lambda: "ERROR tool_failed" in shown(), 10), shown()
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
