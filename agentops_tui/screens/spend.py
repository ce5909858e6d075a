"""`$`: where the money goes. Runaway tasks first (with the service to throttle), then today's spend per hour,
by service, by model tier, by model and by task type; computed (priced from tokens) and reported cost apart."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Footer, Sparkline, Static

from agentops_tui import bindings
from agentops_tui.presentation.spend import (
    ESTIMATE_COLUMNS,
    ESTIMATE_TITLE,
    GROUP_COLUMNS,
    RUNAWAY_COLUMNS,
    SERVICE_COLUMNS,
    estimate_cells,
    estimate_headline,
    estimate_note,
    group_cells,
    headline,
    runaway_cells,
    service_cells,
)
from agentops_tui.screens.base import FleetScreen
from probes.config import ledger_readers
from probes.model import BudgetState, Runaway, SpendEstimate
from probes.view import FleetSnapshot


class SpendScreen(FleetScreen):
    """Rebuilt from each fleet snapshot; `t` throttles the service of the highlighted runaway task."""

    AUTO_FOCUS = ""  # focused on mount without scrolling: Textual's would scroll the headline off a short screen
    BINDINGS = bindings.SPEND

    def compose(self) -> ComposeResult:
        yield Static("", id="spend-head")
        yield Static(Text("runaway tasks (far above their task type's median cost or calls)"), classes="title")
        yield DataTable(id="runaways", cursor_type="row")
        yield Static(Text("spend per hour today"), classes="title")
        yield Sparkline([], id="hourly")
        yield Static(Text("by service"), classes="title")
        yield DataTable(id="by-service", cursor_type="row")
        yield Static(Text(ESTIMATE_TITLE), classes="title estimates")  # shown only when there are estimates
        yield DataTable(id="estimates", cursor_type="row", classes="estimates")
        with Horizontal():
            for key, title in (("by-tier", "by model tier"), ("by-model", "by model"), ("by-type", "by task type")):
                with VerticalScroll():
                    yield Static(Text(title), classes="title")
                    yield DataTable(id=key, cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#runaways", DataTable).add_columns(*RUNAWAY_COLUMNS)
        self.query_one("#by-service", DataTable).add_columns(*SERVICE_COLUMNS)
        self.query_one("#estimates", DataTable).add_columns(*ESTIMATE_COLUMNS)
        self.query(".estimates").set(display=False)
        for key in ("by-tier", "by-model", "by-type"):
            self.query_one(f"#{key}", DataTable).add_columns(*GROUP_COLUMNS)
        self.set_focus(self.query_one("#runaways", DataTable), scroll_visible=False)

    _snap: FleetSnapshot | None = None
    """The snapshot shown (the runaway tasks `t` chooses from)."""
    _readers: dict[str, str] | None = None

    @property
    def readers(self) -> dict[str, str]:
        """Ledger `service` value -> dashboard service: the config's, worked out once, not once a row."""
        if self._readers is None:
            self._readers = ledger_readers(self.dashboard.cfg)
        return self._readers

    def show_fleet(self, snap: FleetSnapshot) -> None:
        self._snap = snap
        p = self.dashboard.palette
        s = snap.spend
        head = self.query_one("#spend-head", Static)
        budgets = {v.name: v.budget for v in snap.services}
        estimates = snap.estimates()
        self._show_estimates(estimates, budgets)
        if s is None:
            if estimates:
                head.update(estimate_headline(tuple(e for _, e in estimates), snap.budget, p))
            else:
                head.update(Text(" no ledger read yet (a service needs `ledger:` in the config)", style=p.dim))
            return
        line = headline(s, snap.budget, p)
        if estimates:  # beside the ledgers' total, never in it
            line.append(estimate_note(tuple(e for _, e in estimates)), style="italic")
        head.update(line)
        self.query_one("#hourly", Sparkline).data = list(s.hourly)
        readers = self.readers
        self._fill("#runaways", [(r.task_id, runaway_cells(r, readers.get(r.service), p)) for r in s.runaways])
        rows = sorted(s.services, key=lambda r: -r.usd)
        self._fill(
            "#by-service",
            [
                (r.name, service_cells(r, budgets.get(reader or ""), p, reader))
                for r in rows
                for reader in [readers.get(r.name)]
            ],
        )
        self._fill("#by-tier", [(r.name, group_cells(r, p)) for r in s.tiers])
        self._fill("#by-model", [(r.name, group_cells(r, p, tier=True)) for r in s.models])
        self._fill("#by-type", [(r.name, group_cells(r, p)) for r in s.task_types])

    def _show_estimates(
        self, estimates: tuple[tuple[str, SpendEstimate], ...], budgets: dict[str, BudgetState | None]
    ) -> None:
        """The services whose spend is estimated from tokens, in their own table (hidden while there are none)."""
        shown = bool(estimates)
        if shown != self.query_one("#estimates", DataTable).display:
            self.query(".estimates").set(display=shown)
        if shown:
            p = self.dashboard.palette
            self._fill("#estimates", [(n, estimate_cells(n, e, budgets.get(n), p)) for n, e in estimates])

    def _fill(self, selector: str, rows: list[tuple[str, tuple[Text, ...]]]) -> None:
        """Replace a table's rows, keeping the cursor on the same key where it still exists."""
        table = self.query_one(selector, DataTable)
        keep = None
        if table.row_count and 0 <= table.cursor_row < table.row_count:
            keep = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        table.clear()
        for key, cells in rows:
            table.add_row(*cells, key=key)
        keys = [k for k, _ in rows]
        if keep in keys:
            table.move_cursor(row=keys.index(keep), animate=False)

    def selected_runaway(self) -> Runaway | None:
        snap = self._snap
        table = self.query_one("#runaways", DataTable)
        if snap is None or snap.spend is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((r for r in snap.spend.runaways if r.task_id == key), None)

    def action_throttle(self) -> None:
        r = self.selected_runaway()
        name = self.readers.get(r.service) if r else None
        if name is None:
            self.notify("no runaway task on a dashboard service selected", timeout=2, markup=False)
            return
        self.dashboard.controller.request([name], "throttle")
