"""The app on a fixed fleet (no polling), and the screen as plain text: for layout tests and snapshots."""

from __future__ import annotations

import io
from collections.abc import Callable

from rich.console import Console
from rich.segment import Segment, Segments
from rich.style import Style

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.source import StaticSource
from probes.config.load import parse_config
from probes.view import FleetSnapshot
from tests.fixtures.fleet import static_snapshot


def static_app(
    snap: FleetSnapshot | None = None,
    read_only: bool = False,
    clock: Callable[[], float] = lambda: 0.0,
    journal: str | None = None,
) -> AgentOpsApp:
    """The app showing `snap` (the fixture fleet by default); every service has a control endpoint, except those
    of kind `docker`, which are acted on through their container."""
    snap = snap or static_snapshot()
    lines = ["services:"]
    for v in snap.services:
        lines.append(f"  - name: '{v.name}'")
        if v.kind == "docker":
            lines.append(f"    docker: {{container: '{v.name}-1'}}")
            continue
        lines.append("    control: {base_url: 'http://127.0.0.1:8101', drain: {path: /admin/drain},")
        lines.append("              resume: {path: /admin/resume}, throttle: {path: /admin/throttle},")
        lines.append("              restart: {path: /admin/restart}}")
    if read_only:
        lines.insert(0, "read_only: true")
    if journal:
        lines.insert(0, f"actions: {{journal: '{journal}'}}")
    cfg, _ = parse_config("\n".join(lines) + "\n", "static.yaml", {})
    return make_app(cfg, source=StaticSource(snap), clock=clock)


def screen_lines(app: AgentOpsApp) -> list[str]:
    """What the terminal shows now, one string per row (the screen on top with the ones under it)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)  # fmt: skip
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()


def in_terminal_colours(app: AgentOpsApp) -> AgentOpsApp:
    """The app, with screenshots in the colours its terminal is sent (what Rich makes of them for the colour system
    it found in TERM: 16 for `xterm`, 256 for `xterm-256color`). Textual's own screenshot is always truecolor,
    and TEXTUAL_COLOR_SYSTEM is read once at import, so the colours are brought down here the way Rich brings
    them down on their way to the terminal; the SVG then shows them in the standard xterm palette."""
    system = app.console._color_system
    if system is not None:
        app.headless_colours = system  # the palette is chosen for this terminal, as the real app would choose it

    def down(style: Style | None) -> Style | None:
        if style is None or system is None:
            return style
        color = style.color.downgrade(system) if style.color else None
        bgcolor = style.bgcolor.downgrade(system) if style.bgcolor else None
        return style + Style.from_color(color, bgcolor)

    def export_screenshot(*, title: str | None = None, simplify: bool = False) -> str:
        width, height = app.size
        console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                          color_system="truecolor", legacy_windows=False, safe_box=False)  # fmt: skip
        update = app.screen._compositor.render_update(
            full=True, screen_stack=app._background_screens, simplify=simplify
        )
        segments = [Segment(seg.text, down(seg.style), seg.control) for seg in console.render(update)]
        console.print(Segments(segments))
        return console.export_svg(title=title or app.title)

    app.export_screenshot = export_screenshot  # type: ignore[method-assign]
    return app
