"""`l`: a service's log, from whichever LogSource `log_source_for` picks: the last lines, then new ones.

The buffer is bounded (`max_lines`, default 1,000 lines); `f` toggles follow mode (stay at the newest line or
stay where you scrolled). `/` opens the query bar (probes.formats.logquery: `level=error model=x since=1h word`):
only the kept lines that meet it are shown, and new ones as they come, with a count. JSON lines show as aligned
columns of the fields the shown lines carry most (presentation.log_columns), their level coloured; `c` switches
to the lines as written and back. `t` (or `at=14:05` in a query) goes to the first line at or after a time and
pauses following. Lines are written as `Text`, never markup.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Input, RichLog, Static

from agentops_tui import bindings
from agentops_tui.logsource import log_source_for
from agentops_tui.presentation import log_columns
from agentops_tui.presentation.logs import LINE_LEN, level_style, log_line
from agentops_tui.screens.base import Dashboard
from probes.formats.jsonlog import decode, timestamp
from probes.formats.logquery import Query, QueryError, clock_time, parse_query
from probes.model import DEFAULT_LINES, LogSource
from probes.text.sanitize import clean

Line = tuple[str, dict[str, object] | None]  # the line (cleaned, redacted) and its decoded JSON object


class LogsScreen(Screen[None]):
    """One service's log; the source is closed when the screen goes away."""

    AUTO_FOCUS = "#logs"  # the log, not the hidden query bar (a `/` would be typed into it)
    BINDINGS = bindings.LOGS

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
        self.columns_on = True  # `c`: JSON lines as columns, or as they were written
        self.field_columns: tuple[log_columns.Column, ...] = ()
        self.note = ""  # what the last jump found
        self._stale = False  # the columns no longer fit what is shown: chosen again once the batch is in
        self._since_layout = 0  # lines shown since the columns were chosen: the fields carried may have changed
        self._settling = False

    def compose(self) -> ComposeResult:
        yield Static("", id="logs-title")
        box = Input(placeholder="query: level=error model=claude-opus since=1h words (Esc closes)", id="log-query")
        box.display = False
        yield box
        jump = Input(placeholder="jump to time: 14:05, 2026-12-04T14:05 or 10m (Esc closes)", id="log-jump")
        jump.display = False
        yield jump
        yield Static("", id="logs-columns")
        yield RichLog(id="logs", max_lines=self.max_lines, markup=False, highlight=False, wrap=False)
        yield Footer()

    @property
    def log_view(self) -> RichLog:
        return self.query_one("#logs", RichLog)

    def _title(self) -> None:
        label = self.source.label if self.source is not None else clean(self.service_name, 80)
        mode = "following" if self.follow else "paused (f to follow)"
        parts: list[str | tuple[str, str]] = [(clean(label, 120), "bold"), f"  last {self.max_lines} lines, {mode}"]
        if self.filter.text:
            parts.append(f"; {self.matched} of {len(self.kept)} match {clean(self.filter.text, 80)!r}")
        if self.problem:
            parts.append((f"  {self.problem}", "bold"))
        self.query_one("#logs-title", Static).update(Text.assemble(*parts, (self.note, "dim")))

    def on_mount(self) -> None:
        self.query_one("#logs-columns", Static).display = False
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
        async for line in source.follow():
            self._take(line)

    def _take(self, raw: str) -> None:
        """One line in; the title and the columns are seen to once for all the lines that came together."""
        self.received += 1
        line = self.dashboard.redact(clean(raw, 2000))
        entry = decode(line)
        if len(self.kept) == self.kept.maxlen and self._meets(*self.kept[0]):
            self.matched -= 1  # the oldest line is about to go
        self.kept.append((line, entry))
        if self._meets(line, entry):
            self.matched += 1
            if entry is not None and self.columns_on:
                self._since_layout += 1
                if (
                    not self.field_columns
                    or self._since_layout > 200
                    or log_columns.outgrows(entry, self.field_columns)
                ):
                    self._stale = True
            self.log_view.write(self._text(line, entry), scroll_end=self.follow)
        if not self._settling:
            self._settling = True
            self.call_after_refresh(self._settle)

    def _settle(self) -> None:
        self._settling = False
        if self._stale:
            self._relayout()
        self._title()

    def _meets(self, line: str, entry: dict[str, object] | None) -> bool:
        return not self.filter.text or self.filter.matches(line, entry)

    def _shown(self) -> list[Line]:
        return [(line, entry) for line, entry in self.kept if self._meets(line, entry)]

    def _text(self, line: str, entry: dict[str, object] | None) -> Text:
        """A line as shown: columns, the one-line rendering until the columns are chosen, or as written."""
        p = self.dashboard.palette
        if entry is None or not self.columns_on:
            style = "" if entry is None else level_style(entry.get("level", ""), p)
            return Text(clean(line, LINE_LEN), style=style, no_wrap=True)
        return log_columns.row(entry, self.field_columns, p) if self.field_columns else log_line(line, entry, p)

    def _relayout(self, redraw: bool = False) -> None:
        """Choose the columns from the JSON lines shown; write the lines again when they changed."""
        self._stale, self._since_layout = False, 0
        entries = [e for _, e in self._shown() if e is not None] if self.columns_on else []
        layout = log_columns.choose(entries, max(self.size.width, 40)) if entries else ()
        heading = self.query_one("#logs-columns", Static)
        heading.display = bool(layout)
        heading.update(log_columns.header(layout, self.dashboard.palette))
        if layout != self.field_columns or redraw:
            self.field_columns = layout
            self._redraw()

    def _redraw(self) -> None:
        log = self.log_view
        y = log.scroll_y
        log.clear()
        self.matched = 0
        for line, entry in self._shown():
            self.matched += 1
            log.write(self._text(line, entry), scroll_end=self.follow)
        if self.follow:  # again once laid out: a horizontal scrollbar may come and hide the last line
            self.call_after_refresh(log.scroll_end, animate=False)
        else:
            self.call_after_refresh(log.scroll_to, y=y, animate=False)

    def _apply(self, text: str) -> None:
        """Show the kept lines that meet `text` (all of them for an empty query); `at=` goes to its time."""
        self.note = ""
        try:
            self.filter, self.problem = parse_query(text, time.time()), ""
        except QueryError as exc:
            self.problem = clean(str(exc), 120)
            self._title()
            return
        self._relayout(redraw=True)
        if self.filter.at is not None:
            self._jump(self.filter.at)
        self._title()

    def _jump(self, at: float) -> None:
        """Scroll to the first line shown at or after `at` (epoch seconds), and stop following there."""
        stamps = (timestamp(e.get("timestamp")) if e is not None else None for _, e in self._shown())
        n = next((n for n, stamp in enumerate(stamps) if stamp is not None and stamp >= at), None)
        if n is None:
            self.note = "  no line at or after that time"
            return
        if self.follow:
            self.action_toggle_follow()
        extra = max(0, len(self.log_view.lines) - self.matched)  # lines the view still shows that the buffer let go
        self.note = f"  at line {n + 1} of {self.matched}"
        self.call_after_refresh(self.log_view.scroll_to, y=n + extra, animate=False)

    def on_resize(self) -> None:
        if self.field_columns:
            self._stale = True
            self.call_after_refresh(self._settle)

    def action_toggle_columns(self) -> None:
        self.columns_on = not self.columns_on
        self._relayout(redraw=True)

    def action_jump(self) -> None:
        box = self.query_one("#log-jump", Input)
        box.display = True
        self.set_focus(box)

    @on(Input.Submitted, "#log-jump")
    def _jump_done(self, event: Input.Submitted) -> None:
        try:
            at = clock_time(event.value.strip(), time.time())
        except QueryError as exc:
            self.problem = clean(str(exc), 120)
            self._title()
            return
        self.problem = ""
        event.input.value, event.input.display = "", False
        self.set_focus(self.log_view)
        self._jump(at)
        self._title()

    def action_query(self) -> None:
        box = self.query_one("#log-query", Input)
        box.display = True
        self.set_focus(box)  # now, not after the queued keys: what is typed next goes into the box

    def action_back(self) -> None:
        """Esc: closes the jump box, or the query bar (showing every line again), else leaves the logs."""
        jump, box = self.query_one("#log-jump", Input), self.query_one("#log-query", Input)
        if jump.display:
            jump.value, jump.display, self.problem = "", False, ""
            self._title()
        elif box.display:
            box.value, box.display = "", False
            self._apply("")
        else:
            self.app.pop_screen()
            return
        self.set_focus(self.log_view)

    @on(Input.Changed, "#log-query")
    def _query_changed(self, event: Input.Changed) -> None:
        self._apply(event.value)

    @on(Input.Submitted, "#log-query")
    def _query_done(self, event: Input.Submitted) -> None:
        self.set_focus(self.log_view)

    def action_toggle_follow(self) -> None:
        self.follow = not self.follow
        self.note = "" if self.follow else self.note
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
