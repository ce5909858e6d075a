"""What the screen says is true and says why: causes named, one rounding, one burn rate, distinct colours."""

from __future__ import annotations

from rich.console import Console
from textual.widgets import Static

from agentops_tui.app import make_app
from agentops_tui.screens.detail import DetailScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.configload import parse_config
from probes.model import Status
from tests.functional.helpers import row_status, row_text, serve, wait_until

SIZE = (160, 30)


def plain(renderable: object, width: int = 160) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


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
