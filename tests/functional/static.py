"""The app on a fixed fleet (no polling), and the screen as plain text: for layout tests and snapshots."""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.console import Console

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.source import StaticSource
from probes.configload import parse_config
from probes.fleet import FleetSnapshot
from tests.fixtures.fleet import static_snapshot


def static_app(
    snap: FleetSnapshot | None = None, read_only: bool = False, clock: Callable[[], float] = lambda: 0.0
) -> AgentOpsApp:
    """The app showing `snap` (the fixture fleet by default); every service has a control endpoint."""
    snap = snap or static_snapshot()
    lines = ["services:"]
    for v in snap.services:
        lines.append(f"  - name: '{v.name}'")
        lines.append("    control: {base_url: 'http://127.0.0.1:8101', drain: {path: /admin/drain},")
        lines.append("              resume: {path: /admin/resume}, throttle: {path: /admin/throttle},")
        lines.append("              restart: {path: /admin/restart}}")
    if read_only:
        lines.insert(0, "read_only: true")
    cfg, _ = parse_config("\n".join(lines) + "\n", "static.yaml", {})
    return make_app(cfg, source=StaticSource(snap), clock=clock)


def screen_lines(app: AgentOpsApp) -> list[str]:
    """What the terminal shows now, one string per row (the screen on top with the ones under it)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)  # fmt: skip
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()
