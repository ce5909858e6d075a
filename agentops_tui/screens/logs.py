"""`l`: a service's log, from whichever LogSource `log_source_for` picks: the last lines, then new ones.

The buffer is bounded (`max_lines`, default 1,000 lines); `f` toggles follow mode (stay at the newest line or
stay where you scrolled). `/` opens the query bar (probes.formats.logquery: `level=error model=x since=1h word`):
only the kept lines that meet it are shown, and new ones as they come, with a count. A JSON line reads as
`time LEVEL event key=value`, its level coloured; lines are written as `Text`, never markup.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, RichLog, Static

from agentops_tui.logsource import log_source_for
from agentops_tui.presentation.logs import log_line
from agentops_tui.screens.base import Dashboard
from probes.formats.jsonlog import decode
from probes.formats.logquery import Query, QueryError, parse_query
from probes.model import DEFAULT_LINES, LogSource
from probes.text.sanitize import clean

Line = tuple[str, dict[str, object] | None]  # the line (cleaned, redacted) and its decoded JSON object


class LogsScreen(Screen[None]):
    """One service's log; the source is closed when the screen goes away."""

    AUTO_FOCUS = "#logs"  # the log, not the hidden query bar (a `/` would be typed into it)
    BINDINGS = [
        Binding("escape", "back", "Back", id="logs.back"),
        Binding("q", "app.pop_screen", "Back", show=False, id="logs.quit"),
        Binding("slash", "query", "Query", id="logs.query"),
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
        self.kept: collections.deque[Line] = collections.deque(maxlen=max_lines)
        self.filter = Query()
        self.problem = ""  # why the query typed last cannot be used (the one before stays)
        self.matched = 0  # of the kept lines, those the query shows (counted as they come and go, not rescanned)

    def compose(self) -> ComposeResult:
        yield Static("", id="logs-title")
        box = Input(placeholder="query: level=error model=claude-opus since=1h words (Esc closes)", id="log-query")
        box.display = False
        yield box
        yield RichLog(id="logs", max_lines=self.max_lines, markup=False, highlight=False, wrap=False)
        yield Footer()

    @property
    def log_view(self) -> RichLog:
        return self.query_one("#logs", RichLog)

    def _title(self, note: str = "") -> None:
        label = self.source.label if self.source is not None else clean(self.service_name, 80)
        mode = "following" if self.follow else "paused (f to follow)"
        parts: list[str | tuple[str, str]] = [(clean(label, 120), "bold"), f"  last {self.max_lines} lines, {mode}"]
        if self.filter.text:
            parts.append(f"; {self.matched} of {len(self.kept)} match {clean(self.filter.text, 80)!r}")
        if self.problem:
            parts.append((f"  {self.problem}", "bold"))
        self.query_one("#logs-title", Static).update(Text.assemble(*parts, (note, "dim")))

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
        for line in await source.tail(self.max_lines):
            self._take(line)
        if self.follow:  # once more after the layout: a horizontal scrollbar may have come and hidden the last line
            self.call_after_refresh(self.log_view.scroll_end, animate=False)
        if self.filter.text:
            self._title()
        async for line in source.follow():
            self._take(line)
            if self.filter.text:
                self._title()

    def _take(self, raw: str) -> None:
        self.received += 1
        line = self.dashboard.redact(clean(raw, 2000))
        entry = decode(line)
        if len(self.kept) == self.kept.maxlen and self._meets(*self.kept[0]):
            self.matched -= 1  # the oldest line is about to go
        self.kept.append((line, entry))
        if self._meets(line, entry):
            self.matched += 1
            self.log_view.write(log_line(line, entry, self.dashboard.palette), scroll_end=self.follow)

    def _meets(self, line: str, entry: dict[str, object] | None) -> bool:
        return not self.filter.text or self.filter.matches(line, entry)

    def _apply(self, text: str) -> None:
        """Show the kept lines that meet `text` (all of them for an empty query)."""
        try:
            self.filter, self.problem = parse_query(text, time.time()), ""
        except QueryError as exc:
            self.problem = clean(str(exc), 120)
            self._title()
            return
        log = self.log_view
        log.clear()
        self.matched = 0
        for line, entry in self.kept:
            if self._meets(line, entry):
                self.matched += 1
                log.write(log_line(line, entry, self.dashboard.palette), scroll_end=self.follow)
        self._title()

    def action_query(self) -> None:
        box = self.query_one("#log-query", Input)
        box.display = True
        self.set_focus(box)  # now, not after the queued keys: what is typed next goes into the box

    def action_back(self) -> None:
        """Esc: closes the query bar (showing every line again) when it is open, else leaves the logs."""
        box = self.query_one("#log-query", Input)
        if not box.display:
            self.app.pop_screen()
            return
        box.value, box.display = "", False
        self._apply("")
        self.set_focus(self.log_view)

    @on(Input.Changed, "#log-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._apply(event.value)

    @on(Input.Submitted, "#log-query")
    def _query_done(self, event: Input.Submitted) -> None:
        self.set_focus(self.log_view)

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
