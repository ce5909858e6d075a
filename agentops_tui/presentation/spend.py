"""The spend screen's text: the headline (totals, burn, projection, budgets) and the rows of its tables."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from rich.text import Text

from agentops_tui.presentation.formats import fmt_duration, fmt_money
from agentops_tui.presentation.palette import Palette
from probes.model import BURN_WINDOW, Status
from probes.text.sanitize import clean
from probes.text.units import fmt_count, fmt_percent, fmt_ratio

if TYPE_CHECKING:
    from probes.model import BudgetState, Runaway, SpendEstimate, SpendRow, SpendSummary

RUNAWAY_COLUMNS = ("TASK", "SERVICE", "TYPE", "COST", "CALLS", "× MEDIAN", "THROTTLE")
SERVICE_COLUMNS = ("SERVICE", "TODAY", "REPORTED", "COMPUTED", "CALLS", "BURN/H", "MONTH", "7D AVG", "BUDGET")
GROUP_COLUMNS = ("NAME", "TODAY", "REPORTED", "COMPUTED", "CALLS", "TOKENS")
ESTIMATE_COLUMNS = ("SERVICE", "≈TODAY", "≈BURN/H", "INPUT TOK", "OUTPUT TOK", "COUNTED", "NO PRICE", "BUDGET")
ESTIMATE_TITLE = "estimated from agent_tokens_total × prices (services no ledger reads)"


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


def estimate_headline(estimates: tuple[SpendEstimate, ...], budget: BudgetState | None, p: Palette) -> Text:
    """The headline when no ledger has been read but services' spend is estimated from their token counters."""
    out = Text()
    out.append(" spend today ", style="bold reverse")
    out.append(f" ≈{fmt_money(sum(e.usd for e in estimates))} est.", style="bold italic")
    out.append(f"  from agent_tokens_total × prices, no ledger read  burn ({BURN_WINDOW}) ≈")
    out.append(f"{fmt_money(sum(e.burn_usd_per_h for e in estimates))}/h")
    unpriced = sorted({m for e in estimates for m in e.unpriced})
    if unpriced:
        out.append(f"  no price: {clean(', '.join(unpriced), 80)}", style=p.warn)
    if budget is not None and budget.daily_usd:
        share = budget.today_usd / budget.daily_usd
        out.append(
            f"\n daily budget {fmt_money(budget.daily_usd)} ({fmt_percent(share)})", style=_style(budget, share, p)
        )
    return out


def estimate_note(estimates: tuple[SpendEstimate, ...]) -> str:
    """What the ledger headline adds for the services no ledger reads."""
    return f"  + ≈{fmt_money(sum(e.usd for e in estimates))} est. from tokens (no ledger)"


def estimate_cells(name: str, e: SpendEstimate, budget: BudgetState | None, p: Palette) -> tuple[Text, ...]:
    """One service's estimate: its tokens today, from when they are counted, the models with no price."""
    tin = sum(m.input_tokens for m in e.models)
    tout = sum(m.output_tokens for m in e.models)
    since = "today" if e.whole_day else "since " + time.strftime("%H:%M", time.localtime(e.since))
    return (
        Text(clean(name, 40), style="bold"),
        Text("≈" + fmt_money(e.usd), style="bold italic"),
        Text("≈" + fmt_money(e.burn_usd_per_h)),
        Text(fmt_count(tin)),
        Text(fmt_count(tout)),
        Text(since, style="" if e.whole_day else p.warn),
        Text(clean(", ".join(e.unpriced), 40) or "–", style=p.warn if e.unpriced else p.dim),
        _budget_cell(budget, p),
    )


def _budget_cell(budget: BudgetState | None, p: Palette) -> Text:
    if budget is None or not (budget.daily_usd or budget.monthly_usd):
        return Text("–", style=p.dim)
    st = budget.status
    return Text(
        clean(budget.reason, 60) if st is not Status.OK else "ok", style=p.of(st) if st is not Status.OK else p.dim
    )


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


def service_cells(row: SpendRow, budget: BudgetState | None, p: Palette, reader: str | None = None) -> tuple[Text, ...]:
    """One service's spend; records with no `service` field are named for the service that reads them."""
    name = row.name or f"{reader or '–'} (no service field)"
    state = _budget_cell(budget, p)
    return (
        Text(clean(name, 40), style="bold"),
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
