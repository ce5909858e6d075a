"""`!`: every pending and firing alert, firing first: which service, since when, the value, and where it came from."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Footer, Static

from agentops_tui import bindings
from agentops_tui.presentation.alerts import ALERT_COLUMNS, alert_row, alerts_title
from agentops_tui.screens.base import FleetScreen
from agentops_tui.widgets.list_table import ListTable
from probes.model import Alert
from probes.text.sanitize import clean
from probes.view import FleetSnapshot


class AlertsScreen(FleetScreen):
    """Follows the fleet snapshots while shown; the order is the snapshot's (firing, critical, oldest first)."""

    BINDINGS = bindings.ALERTS

    def compose(self) -> ComposeResult:
        yield Static("", id="alerts-title")
        yield ListTable(id="alerts", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#alerts", DataTable)
        for label in ALERT_COLUMNS:
            table.add_column(label)

    shown: tuple[Alert, ...] = ()
    """The alerts in the table, in its order."""

    def show_fleet(self, snap: FleetSnapshot) -> None:
        table = self.query_one("#alerts", DataTable)
        selected = self.shown[table.cursor_row].key if 0 <= table.cursor_row < len(self.shown) else None
        table.clear()
        now = snap.at  # how long each alert has held, as of this snapshot
        self.shown = snap.alerts
        for a in snap.alerts:
            table.add_row(*alert_row(a, now, self.dashboard.palette))
        keys = [a.key for a in snap.alerts]
        if selected in keys:  # the cursor stays on its alert while others come and go
            table.move_cursor(row=keys.index(selected), animate=False)
        self.query_one("#alerts-title", Static).update(alerts_title(snap.alerts))

    @on(DataTable.RowSelected, "#alerts")
    def _open(self, event: DataTable.RowSelected) -> None:
        """Enter: the alert's service; a fleet-wide cost alert opens the spend screen."""
        if not 0 <= event.cursor_row < len(self.shown):
            return
        alert = self.shown[event.cursor_row]
        if alert.service and self.dashboard.view_of(alert.service) is not None:
            self.dashboard.open_detail(alert.service)
        elif not alert.service and alert.name.startswith("cost"):
            self.dashboard.open_spend()
        else:
            self.notify(f"{clean(alert.name, 40)} is not about one service", timeout=3, markup=False)
