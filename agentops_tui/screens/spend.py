"""`$`: where the money goes. Runaway tasks first (with the service to throttle), then today's spend per hour,
by service, by model tier, by model and by task type; computed (priced from tokens) and reported cost apart."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Sparkline, Static

from agentops_tui.presentation import Palette, fmt_duration, fmt_money
from probes.config import FleetConfig
from probes.model import BURN_WINDOW, BudgetState, Runaway, SpendRow, SpendSummary, Status
from probes.text.sanitize import clean
from probes.text.units import fmt_count, fmt_percent, fmt_ratio
from probes.view import FleetSnapshot

if TYPE_CHECKING:
    from agentops_tui.app import AgentOpsApp

RUNAWAY_COLUMNS = ("TASK", "SERVICE", "TYPE", "COST", "CALLS", "× MEDIAN", "THROTTLE")
SERVICE_COLUMNS = ("SERVICE", "TODAY", "REPORTED", "COMPUTED", "CALLS", "BURN/H", "MONTH", "7D AVG", "BUDGET")
GROUP_COLUMNS = ("NAME", "TODAY", "REPORTED", "COMPUTED", "CALLS", "TOKENS")


def dashboard_name(cfg: FleetConfig, ledger_service: str) -> str | None:
    """The dashboard row whose ledger records carry this `service` value (the one the throttle key acts on)."""
    for svc in cfg.services:
        if svc.ledger is not None and (svc.ledger.service or svc.name) == ledger_service:
            return svc.name
    return None


def headline(s: SpendSummary, budget: BudgetState | None, p: Palette) -> Text:
    """Totals, burn, projection, budgets, the 7-day average: two lines of plain Text."""
    out = Text()
    out.append(" spend today ", style="bold reverse")
    out.append(f" {fmt_money(s.today.usd)}", style="bold")
    out.append(f"  reported {fmt_money(s.today.reported_usd)}  computed {fmt_money(s.today.computed_usd)}")
    if s.today.unpriced_calls:
        out.append(f"  {s.today.unpriced_calls} calls without a price", style=p.warn)
    out.append(
        f"  burn ({BURN_WINDOW}) {fmt_money(s.burn_usd_per_h)}/h  projected {fmt_money(s.projected_usd)} by midnight"
    )
    out.append("\n")
    if budget is not None and budget.daily_usd:
        share = budget.today_usd / budget.daily_usd
        out.append(
            f" daily budget {fmt_money(budget.daily_usd)} ({fmt_percent(share)})", style=_style(budget, share, p)
        )
        if budget.exhausted_in_s == 0:
            out.append("  reached", style=f"bold {p.crit}")
        elif budget.exhausted_in_s is not None:
            out.append(f"  reached in {fmt_duration(budget.exhausted_in_s)} at this rate", style=p.warn)
    out.append(f"  month {fmt_money(s.month_usd)}")
    if budget is not None and budget.monthly_usd:
        share = s.month_usd / budget.monthly_usd
        out.append(f" of {fmt_money(budget.monthly_usd)} ({fmt_percent(share)})", style=_style(budget, share, p))
    out.append(f"  7-day average {fmt_money(s.avg7_usd)}/day")
    if s.above_average:
        out.append("  today is heading for 2x the average", style=f"bold {p.warn}")
    return out


def _style(budget: BudgetState, share: float, p: Palette) -> str:
    return p.crit if share >= 1 else p.warn if share >= 0.8 else p.ok


def runaway_cells(r: Runaway, throttle: str | None, p: Palette) -> tuple[Text, ...]:
    factor = max(r.cost_factor, r.calls_factor)
    return (
        Text(clean(r.task_id, 40), style="bold"),
        Text(clean(r.service, 40)),
        Text(clean(r.task_type, 30)),
        Text(fmt_money(r.usd), style=f"bold {p.crit}"),
        Text(str(r.calls)),
        Text(fmt_ratio(factor), style=p.warn),
        Text(f"t: {clean(throttle, 40)}" if throttle else "not on the dashboard", style="" if throttle else p.dim),
    )


def service_cells(row: SpendRow, budget: BudgetState | None, p: Palette) -> tuple[Text, ...]:
    state = Text("–", style=p.dim)
    if budget is not None and (budget.daily_usd or budget.monthly_usd):
        st = budget.status
        state = Text(
            clean(budget.reason, 60) if st is not Status.OK else "ok",
            style=p.of(st) if st is not Status.OK else p.dim,
        )
    return (
        Text(clean(row.name, 40), style="bold"),
        Text(fmt_money(row.usd), style="bold"),
        Text(fmt_money(row.reported_usd)),
        Text(fmt_money(row.computed_usd), style=p.warn if row.computed_usd else p.dim),
        Text(str(row.calls)),
        Text(fmt_money(row.burn_usd_per_h)),
        Text(fmt_money(row.month_usd)),
        Text(fmt_money(row.avg7_usd)),
        state,
    )


def group_cells(row: SpendRow, p: Palette, tier: bool = False) -> tuple[Text, ...]:
    name = clean(row.name, 40) + (f"  ({row.tier})" if tier and row.tier else "")
    return (
        Text(name, style="bold"),
        Text(fmt_money(row.usd), style="bold"),
        Text(fmt_money(row.reported_usd)),
        Text(fmt_money(row.computed_usd), style=p.warn if row.computed_usd else p.dim),
        Text(str(row.calls)),
        Text(fmt_count(row.input_tokens + row.output_tokens)),
    )


class SpendScreen(Screen[None]):
    """Rebuilt from each fleet snapshot; `t` throttles the service of the highlighted runaway task."""

    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back", id="spend.back"),
        Binding("t", "throttle", "Throttle runaway's service", id="spend.throttle"),
    ]

    app: AgentOpsApp

    def compose(self) -> ComposeResult:
        yield Static("", id="spend-head")
        yield Static(Text("runaway tasks (far above their task type's median cost or calls)"), classes="title")
        yield DataTable(id="runaways", cursor_type="row")
        yield Static(Text("spend per hour today"), classes="title")
        yield Sparkline([], id="hourly")
        yield Static(Text("by service"), classes="title")
        yield DataTable(id="by-service", cursor_type="row")
        with Horizontal():
            for key, title in (("by-tier", "by model tier"), ("by-model", "by model"), ("by-type", "by task type")):
                with VerticalScroll():
                    yield Static(Text(title), classes="title")
                    yield DataTable(id=key, cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#runaways", DataTable).add_columns(*RUNAWAY_COLUMNS)
        self.query_one("#by-service", DataTable).add_columns(*SERVICE_COLUMNS)
        for key in ("by-tier", "by-model", "by-type"):
            self.query_one(f"#{key}", DataTable).add_columns(*GROUP_COLUMNS)
        self.query_one("#runaways", DataTable).focus()
        if self.app.snapshot is not None:
            self.show_fleet(self.app.snapshot)

    def show_fleet(self, snap: FleetSnapshot) -> None:
        if not self.is_mounted:
            return
        p = self.app.palette
        s = snap.spend
        head = self.query_one("#spend-head", Static)
        if s is None:
            head.update(Text(" no ledger read yet (a service needs `ledger:` in the config)", style=p.dim))
            return
        head.update(headline(s, snap.budget, p))
        self.query_one("#hourly", Sparkline).data = list(s.hourly)
        cfg = self.app.cfg
        budgets = {v.name: v.budget for v in snap.services}
        self._fill("#runaways", [(r.task_id, runaway_cells(r, dashboard_name(cfg, r.service), p)) for r in s.runaways])
        rows = sorted(s.services, key=lambda r: -r.usd)
        self._fill(
            "#by-service",
            [(r.name, service_cells(r, budgets.get(dashboard_name(cfg, r.name) or ""), p)) for r in rows],
        )
        self._fill("#by-tier", [(r.name, group_cells(r, p)) for r in s.tiers])
        self._fill("#by-model", [(r.name, group_cells(r, p, tier=True)) for r in s.models])
        self._fill("#by-type", [(r.name, group_cells(r, p)) for r in s.task_types])

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
        snap = self.app.snapshot
        table = self.query_one("#runaways", DataTable)
        if snap is None or snap.spend is None or not table.row_count:
            return None
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        return next((r for r in snap.spend.runaways if r.task_id == key), None)

    def action_throttle(self) -> None:
        r = self.selected_runaway()
        name = dashboard_name(self.app.cfg, r.service) if r else None
        if name is None:
            self.notify("no runaway task on a dashboard service selected", timeout=2, markup=False)
            return
        self.app.controller.request([name], "throttle")
