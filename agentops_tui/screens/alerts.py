"""`!`: every pending and firing alert, firing first: which service, since when, the value, and where it came from."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agentops_tui.presentation import Palette, fmt_duration
from agentops_tui.widgets.list_table import ListTable
from probes.model import Alert
from probes.text.sanitize import clean
from probes.view import FleetSnapshot, alert_value

if TYPE_CHECKING:
    from agentops_tui.app import AgentOpsApp

COLUMNS = ("STATE", "SERVICE", "ALERT", "VALUE", "SINCE", "FOR", "SOURCE", "SUMMARY")


def alert_row(a: Alert, now: float, p: Palette) -> tuple[Text, ...]:
    """One alert as table cells (pure; names and summaries from Prometheus are data, never markup)."""
    colour = p.crit if a.severity == "critical" else p.warn
    state = Text(a.state.upper(), style=f"bold {colour}" if a.state == "firing" else colour)
    return (
        state,
        Text(clean(a.service, 40) or "(fleet)", style="bold"),
        Text(clean(a.name, 40)),
        Text(alert_value(a)),
        Text(dt.datetime.fromtimestamp(a.since).strftime("%H:%M:%S")),
        Text(fmt_duration(max(0.0, now - a.since))),
        Text(a.source, style=p.dim),
        Text(clean(a.summary, 200)),
    )


class AlertsScreen(Screen[None]):
    """Follows the fleet snapshots while shown; the order is the snapshot's (firing, critical, oldest first)."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", id="alerts.back")]

    app: AgentOpsApp

    def compose(self) -> ComposeResult:
        yield Static("", id="alerts-title")
        yield ListTable(id="alerts", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#alerts", DataTable)
        for label in COLUMNS:
            table.add_column(label)
        if self.app.snapshot is not None:
            self.show_fleet(self.app.snapshot)

    shown: tuple[Alert, ...] = ()
    """The alerts in the table, in its order."""

    def show_fleet(self, snap: FleetSnapshot) -> None:
        table = self.query_one("#alerts", DataTable)
        selected = self.shown[table.cursor_row].key if 0 <= table.cursor_row < len(self.shown) else None
        table.clear()
        now = time.time()
        self.shown = snap.alerts
        for a in snap.alerts:
            table.add_row(*alert_row(a, now, self.app.palette))
        keys = [a.key for a in snap.alerts]
        if selected in keys:  # the cursor stays on its alert while others come and go
            table.move_cursor(row=keys.index(selected), animate=False)
        firing = len(snap.firing())
        title = Text.assemble(
            (" Alerts ", "bold reverse"),
            f"  {firing} firing, {len(snap.alerts) - firing} pending  ",
            ("built-in rules and Prometheus; Enter opens the service, Esc goes back", "dim"),
        )
        self.query_one("#alerts-title", Static).update(title)

    @on(DataTable.RowSelected, "#alerts")
    def _open(self, event: DataTable.RowSelected) -> None:
        """Enter: the alert's service; a fleet-wide cost alert opens the spend screen."""
        if not 0 <= event.cursor_row < len(self.shown):
            return
        alert = self.shown[event.cursor_row]
        if alert.service and self.app.view_of(alert.service) is not None:
            self.app.open_detail(alert.service)
        elif not alert.service and alert.name.startswith("cost"):
            self.app.action_spend()
        else:
            self.notify(f"{clean(alert.name, 40)} is not about one service", timeout=3, markup=False)
