"""A service's own log file (`logs:`) in the real app: `l` shows its JSON lines rendered, then follows the file."""

from __future__ import annotations

import json
from pathlib import Path

from agentops_tui.app import make_app
from agentops_tui.screens.logs import LogsScreen
from probes.config.load import parse_config
from tests.functional.helpers import serve, wait_until
from tests.functional.test_actions_ui import SIZE
from tests.functional.test_actions_ui import select as select_service


def line(level: str, event: str, **fields: object) -> str:
    """A line as the guide's agents write to stderr."""
    return json.dumps({"timestamp": "2026-12-03T10:00:00+00:00", "level": level, "event": event,
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
