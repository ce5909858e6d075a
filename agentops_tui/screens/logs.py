"""`l`: a service's log, from whichever LogSource `log_source_for` picks: the last lines, then new ones.

The buffer is bounded (`max_lines`, default 1,000 lines); `f` toggles follow mode (stay at the newest line or
stay where you scrolled). Lines arrive already cleaned by the source and are written as `Text`, never markup.
"""

from __future__ import annotations

import asyncio
import contextlib

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static

from agentops_tui.logsource import log_source_for
from agentops_tui.screens.base import Dashboard
from probes.model import DEFAULT_LINES, LogSource
from probes.text.sanitize import clean


class LogsScreen(Screen[None]):
    """One service's log; the source is closed when the screen goes away."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="logs.back"),
        Binding("f", "toggle_follow", "Follow", id="logs.follow"),
        Binding("g", "first", "First line", show=False, id="logs.first"),
        Binding("G", "last", "Last line", show=False, id="logs.last"),
    ]

    def __init__(
        self, dashboard: Dashboard, service: str, max_lines: int = DEFAULT_LINES, source: LogSource | None = None
    ) -> None:
        super().__init__()
        self.dashboard = dashboard
        self.service_name = service
        self.max_lines = max_lines
        self.source: LogSource | None = source
        self.follow = True
        self.received = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="logs-title")
        yield RichLog(id="logs", max_lines=self.max_lines, markup=False, highlight=False, wrap=False)
        yield Footer()

    @property
    def log_view(self) -> RichLog:
        return self.query_one("#logs", RichLog)

    def _title(self, note: str = "") -> None:
        label = self.source.label if self.source is not None else clean(self.service_name, 80)
        mode = "following" if self.follow else "paused (f to follow)"
        text = Text.assemble((clean(label, 120), "bold"), f"  last {self.max_lines} lines, {mode}", (note, "dim"))
        self.query_one("#logs-title", Static).update(text)

    def on_mount(self) -> None:
        if self.source is None:
            svc = next((s for s in self.dashboard.cfg.services if s.name == self.service_name), None)
            view = self.dashboard.view_of(self.service_name)
            native = view.native if view is not None else ()
            found = log_source_for(svc, native) if svc is not None else f"{self.service_name} is not configured"
            if isinstance(found, str):
                self._title()
                self.log_view.write(Text(clean(found, 300)))
                return
            self.source = found
        self._title()
        self.run_worker(self._read(self.source), group="logs", exit_on_error=False)

    async def _read(self, source: LogSource) -> None:
        log = self.log_view
        for line in await source.tail(self.max_lines):
            self._write(log, line)
        async for line in source.follow():
            self._write(log, line)

    def _write(self, log: RichLog, line: str) -> None:
        self.received += 1
        log.write(Text(self.dashboard.redact(clean(line, 2000))), scroll_end=self.follow)

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        self.log_view.auto_scroll = self.follow
        if self.follow:
            self.log_view.scroll_end(animate=False)
        self._title()

    def action_first(self) -> None:
        """`g`: the oldest line kept; following stops, or new lines would take the view away again."""
        if self.follow:
            self.action_toggle_follow()
        self.log_view.scroll_home(animate=False)

    def action_last(self) -> None:
        """`G`: the newest line, and follow from there (as `less +F`)."""
        if not self.follow:
            self.action_toggle_follow()
        self.log_view.scroll_end(animate=False)

    async def on_unmount(self) -> None:
        self.workers.cancel_group(self, "logs")
        if self.source is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.source.close(), 3.0)
