"""The overview: fleet summary, one row per service, the selected service's trends, and the keys."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input

from agentops_tui import bindings
from agentops_tui.actions.model import ActionKind
from agentops_tui.screens.base import FleetScreen
from agentops_tui.widgets.fleet_summary import FleetSummary
from agentops_tui.widgets.key_footer import PALETTE, KeyFooter
from agentops_tui.widgets.service_table import ServiceTable
from agentops_tui.widgets.spark_panel import SparkPanel
from probes.view import FleetSnapshot

SPARKS_MIN = 5  # rows of the trend panel when the fleet needs all the others


OFFERED: tuple[ActionKind, ...] = ("restart", "throttle", "drain", "resume", "start")


class OverviewScreen(FleetScreen):
    """The screen an operator leaves open all day."""

    BINDINGS = bindings.OVERVIEW

    _offered: tuple[str, ...] = ()
    _snap: FleetSnapshot | None = None
    """The snapshot shown last (the header's alerts and spend come from it)."""

    def compose(self) -> ComposeResult:
        d = self.dashboard
        yield FleetSummary(d.palette, d.badges, id="summary")
        yield Input(placeholder="filter: name, kind, status or reason words (Esc clears)", id="filter")
        yield ServiceTable(d.palette, d.clock, self._refresh_trend, id="services")
        yield SparkPanel(d.palette, id="sparks")
        yield KeyFooter(drop=("open_detail", PALETTE, "sort", "filter"))  # Enter is in the help; q and ? stay

    def on_mount(self) -> None:
        self.query_one("#filter", Input).display = False
        self._fit_table()
        self.table.focus()

    def on_resize(self) -> None:
        self._fit_table()

    def _fit_table(self) -> None:
        """The table as tall as its rows, up to what leaves the trend panel its minimum; the panel takes the rest
        (a small fleet on a tall terminal gets taller sparklines, not a band of blank rows)."""
        chrome = 2 + SPARKS_MIN + (3 if self.query_one("#filter", Input).display else 0)  # header, key bar
        self.table.styles.max_height = max(2, self.size.height - chrome)

    @property
    def table(self) -> ServiceTable:
        return self.query_one("#services", ServiceTable)

    def show_fleet(self, snap: FleetSnapshot) -> None:
        self._snap = snap
        self.table.show_fleet(snap)
        self._refresh_side()

    def _refresh_side(self) -> None:
        """The header (counts by status, marks, alerts, spend) and the selected service's trend."""
        if self._snap is None:
            return
        model = self.table.model
        self.query_one(FleetSummary).show_fleet(self._snap, model.statuses(), len(model.marked))
        self._refresh_trend()

    @on(ServiceTable.StatusesChanged)
    def _statuses_changed(self) -> None:
        self._refresh_side()

    def _refresh_trend(self) -> None:
        table = self.table
        name = table.selected_name()
        view = table.model.views.get(name) if name else None
        self.query_one(SparkPanel).show(view, table.model.effective(view) if view else None)
        self._refresh_offers()

    def _refresh_offers(self) -> None:
        """The footer again when what can run on the selection changed (another row, marks, a drain seen)."""
        targets = self.targets()
        offered = tuple(k for k in OFFERED if self.dashboard.controller.why_not(targets, k) is None)
        if offered != self._offered:
            self._offered = offered
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "act" and parameters:
            return parameters[0] in self._offered
        return True

    @on(ServiceTable.OpenDetail)
    def _open_detail(self, event: ServiceTable.OpenDetail) -> None:
        self.dashboard.open_detail(event.name)

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        self._fit_table()
        self.set_focus(box)  # now, not after the queued keys: what is typed next goes into the box

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self._fit_table()
        self.table.set_filter("")
        self.set_focus(self.table)

    def targets(self) -> list[str]:
        """The marked services, else the selected one."""
        return self.table.targets()

    def action_act(self, kind: ActionKind) -> None:
        self.dashboard.controller.request(self.targets(), kind)

    def action_explain(self, kind: ActionKind) -> None:
        """The key of an action that cannot run here: the controller says why (and journals a read-only refusal)."""
        self.dashboard.controller.request(self.targets(), kind)

    def action_logs(self) -> None:
        name = self.table.selected_name()
        if name:
            self.dashboard.open_logs(name)

    def action_mark(self) -> None:
        self.table.toggle_mark()
        self._marks_changed()

    def unmark(self, names: list[str]) -> None:
        self.table.unmark(names)
        self._marks_changed()

    def _marks_changed(self) -> None:
        """The header counts the marks; the footer follows the targets they make."""
        self._refresh_side()

    def action_journal(self) -> None:
        self.dashboard.open_journal()

    def action_alerts(self) -> None:
        self.dashboard.open_alerts()

    def action_spend(self) -> None:
        self.dashboard.open_spend()

    def action_sort(self) -> None:
        key = self.table.cycle_sort()
        self.notify(f"sorted by {key}", timeout=1.5, markup=False)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value:
            event.input.display = False
            self._fit_table()
        self.set_focus(self.table)
