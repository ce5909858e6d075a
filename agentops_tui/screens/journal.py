"""`a`: the audit journal, newest first: who did what to which service, and how it ended."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agentops_tui import bindings
from agentops_tui.actions.journal import JournalError, JournalTail
from agentops_tui.presentation.journal import JOURNAL_COLUMNS, entry_table, journal_row, journal_title
from agentops_tui.screens.base import Dashboard
from agentops_tui.screens.dialog import Dialog
from agentops_tui.widgets.list_table import ListTable


class JournalEntryScreen(Dialog[None]):
    """Enter on a journal row: the whole record (the table cuts DETAIL to its column)."""

    BINDINGS = [Binding("escape,q,enter", "close", "Close", id="journal_entry.close")]

    def __init__(self, record: dict[str, Any]) -> None:
        super().__init__()
        self.record = record

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(Text("Journal entry", style="bold"), id="dialog-title")
            yield Static(entry_table(self.record))

    def action_close(self) -> None:
        self.dismiss(None)


class JournalScreen(Screen[None]):
    """Reads the journal's tail when shown and when `r` is pressed; it is a file, not a stream."""

    BINDINGS = bindings.JOURNAL
    records: list[dict[str, Any]] = []
    """The rows' records, newest first."""

    def __init__(self, dashboard: Dashboard) -> None:
        super().__init__()
        self.dashboard = dashboard

    def compose(self) -> ComposeResult:
        yield Static("", id="journal-title")
        yield ListTable(id="journal", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#journal", DataTable)
        for label in JOURNAL_COLUMNS:
            table.add_column(label)
        self.action_reload()

    def action_reload(self) -> None:
        table = self.query_one("#journal", DataTable)
        table.clear()
        try:
            read = self.dashboard.actions.read_tail(500)
        except JournalError as exc:
            read = JournalTail([])
            self.notify(f"cannot read the journal: {exc}", severity="error", markup=False)
        redact = self.dashboard.redact  # lines written before redaction existed, or by another tool
        self.records = [redact.value(rec) for rec in reversed(read.records)]
        for rec in self.records:
            table.add_row(*journal_row(rec))
        title = journal_title(str(self.dashboard.actions.journal.path), len(read.records), read.skipped)
        self.query_one("#journal-title", Static).update(title)

    @on(DataTable.RowSelected, "#journal")
    def _show_entry(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.records):
            self.app.push_screen(JournalEntryScreen(self.records[event.cursor_row]))
