"""`a`: the audit journal, newest first: who did what to which service, and how it ended."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agentops_tui.actions.journal import JournalError, JournalTail
from agentops_tui.screens.dialog import Dialog
from agentops_tui.widgets.list_table import ListTable
from probes.text.sanitize import clean

if TYPE_CHECKING:
    from agentops_tui.app import AgentOpsApp

PHASE_STYLE = {
    "succeeded": "green", "failed": "bold red", "cancelled": "yellow", "started": "bold", "abandoned": "bold yellow",
}  # fmt: skip
PARAM_NAMES = {"max_requests_per_minute": "rpm", "memory_bytes": "memory"}
ACTION_WIDTH = 32  # a huge value (or a hand-edited line) must not push DETAIL off the screen


def _mapping(value: object) -> dict[str, Any]:
    """A field that should be an object; anything else in a hand-edited or foreign line reads as empty."""
    return value if isinstance(value, dict) else {}


def journal_row(rec: dict[str, Any]) -> tuple[Text, ...]:
    """One journal line as table cells (pure; every value cleaned, none parsed as markup; odd values shown as
    text, never an error)."""
    phase = str(rec.get("phase", ""))
    before = _mapping(rec.get("before"))
    after = _mapping(rec.get("after"))
    change = ""
    if before or after:
        change = f"{before.get('status', '–')} → {after.get('status', '…')}" if after else str(before.get("status", ""))
    params = _mapping(rec.get("params"))
    action = str(rec.get("action", ""))
    if isinstance(params, dict) and params:
        action += " " + " ".join(f"{PARAM_NAMES.get(k, k)}={clean(v, 12)}" for k, v in params.items())
    return (
        Text(clean(str(rec.get("time", ""))[:19].replace("T", " "), 20)),
        Text(clean(rec.get("user", ""), 20)),
        Text(clean(rec.get("service", ""), 40), style="bold"),
        Text(clean(action, ACTION_WIDTH)),
        Text(clean(phase, 12), style=PHASE_STYLE.get(phase, "")),
        Text(clean(change, 30), style="dim"),
        Text(clean(rec.get("error") or rec.get("operation") or "", 200), style="red" if rec.get("error") else "dim"),
    )


def entry_table(rec: dict[str, Any]) -> Table:
    """Every field of one journal record, values wrapped (nested ones as JSON), none parsed as markup."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rec.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        table.add_row(Text(clean(str(key), 40)), Text(clean(text, 4000)))
    return table


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

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="journal.back"),
        Binding("r", "reload", "Reload", id="journal.reload"),
    ]
    records: list[dict[str, Any]] = []
    """The rows' records, newest first."""

    app: AgentOpsApp

    def compose(self) -> ComposeResult:
        yield Static("", id="journal-title")
        yield ListTable(id="journal", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#journal", DataTable)
        for label in ("TIME (UTC)", "USER", "SERVICE", "ACTION", "PHASE", "STATUS", "DETAIL"):
            table.add_column(label)
        self.action_reload()

    def action_reload(self) -> None:
        table = self.query_one("#journal", DataTable)
        table.clear()
        try:
            read = self.app.actions.read_tail(500)
        except JournalError as exc:
            read = JournalTail([])
            self.notify(f"cannot read the journal: {exc}", severity="error", markup=False)
        redact = self.app.redact  # lines written before redaction existed, or by another tool
        self.records = [redact.value(rec) for rec in reversed(read.records)]
        for rec in self.records:
            table.add_row(*journal_row(rec))
        skipped = read.skipped
        title = Text.assemble(
            (" Audit journal ", "bold reverse"),
            f"  {clean(str(self.app.actions.journal.path), 200)}  ",
            (f"{len(read.records)} lines", "dim"),
            (f", {skipped} unreadable line{'s' if skipped != 1 else ''} skipped" if skipped else "", "bold yellow"),
            ("; Enter shows the whole entry", "dim"),  # last: a long path may push it off a narrow screen
        )
        self.query_one("#journal-title", Static).update(title)

    @on(DataTable.RowSelected, "#journal")
    def _show_entry(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.records):
            self.app.push_screen(JournalEntryScreen(self.records[event.cursor_row]))
