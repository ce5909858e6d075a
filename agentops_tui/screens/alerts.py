"""`!`: every pending and firing alert, firing first: which service, since when, the value, and where it came from."""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from agentops_tui.presentation import Palette, fmt_duration
from probes.alerts import Alert, alert_value
from probes.fleet import FleetSnapshot
from probes.sanitize import clean

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
        yield DataTable(id="alerts", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#alerts", DataTable)
        for label in COLUMNS:
            table.add_column(label)
        if self.app.snapshot is not None:
            self.show_fleet(self.app.snapshot)

    def show_fleet(self, snap: FleetSnapshot) -> None:
        table = self.query_one("#alerts", DataTable)
        table.clear()
        now = time.time()
        for a in snap.alerts:
            table.add_row(*alert_row(a, now, self.app.palette))
        firing = len(snap.firing())
        title = Text.assemble(
            (" Alerts ", "bold reverse"),
            f"  {firing} firing, {len(snap.alerts) - firing} pending  ",
            ("built-in rules and Prometheus; Esc goes back", "dim"),
        )
        self.query_one("#alerts-title", Static).update(title)
