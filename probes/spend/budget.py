"""Budgets: daily and monthly, fleet-wide and per service; WARN at 80% and CRIT at 100% (the guide's marks).

Also when the daily budget runs out at the current burn rate, for the header and the Spend screen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from probes.config import BudgetConfig, FleetConfig
from probes.model import BudgetState, SpendEstimate, SpendSummary, Status, Verdict
from probes.text.units import fmt_money, fmt_percent


def fleet_budgets(cfg: FleetConfig) -> BudgetConfig:
    """The fleet's budgets; the older `daily_budget_usd` key stands in when budgets.daily_usd is not set."""
    b = cfg.budgets
    if b.daily_usd is None and cfg.daily_budget_usd is not None:
        return BudgetConfig(cfg.daily_budget_usd, b.monthly_usd, b.warn_at, b.crit_at)
    return b


def evaluate_budget(
    budgets: BudgetConfig,
    today_usd: float,
    month_usd: float,
    burn_usd_per_h: float,
    seconds_left_today: float,
    estimated_usd: float = 0.0,
) -> BudgetState:
    """The state of one set of budgets (a service's or the fleet's); `estimated_usd` is the part of the spend
    estimated from token counters, which the reason says (`≈$1.20 est. of $2.00`)."""
    worst = Status.OK
    reasons: list[str] = []
    for label, spent, limit in (("daily", today_usd, budgets.daily_usd), ("monthly", month_usd, budgets.monthly_usd)):
        if not limit:
            continue
        share = spent / limit
        status = Status.CRIT if share >= budgets.crit_at else Status.WARN if share >= budgets.warn_at else Status.OK
        if status is not Status.OK:
            if status.rank > worst.rank:
                worst, reasons = status, []
            if status is worst:
                reasons.append(
                    f"{label} budget {fmt_percent(share)} ({_spent(spent, estimated_usd)} of {fmt_money(limit)})"
                )
    eta: float | None = None
    if budgets.daily_usd:
        left = budgets.daily_usd - today_usd
        if left <= 0:
            eta = 0.0
        elif burn_usd_per_h > 0 and left / burn_usd_per_h * 3600 <= seconds_left_today:
            eta = left / burn_usd_per_h * 3600
    return BudgetState(
        worst, "; ".join(reasons), budgets.daily_usd, budgets.monthly_usd, today_usd, month_usd, burn_usd_per_h, eta,
        estimated_usd,
    )  # fmt: skip


def _spent(usd: float, estimated: float) -> str:
    """Spend for a budget's reason, saying what of it is estimated from token counters."""
    if not estimated:
        return fmt_money(usd)
    if estimated >= usd:
        return f"≈{fmt_money(usd)} est."
    return f"{fmt_money(usd)} incl. ≈{fmt_money(estimated)} est."


def service_budget(
    budgets: BudgetConfig | None, summary: SpendSummary | None, keys: tuple[str, ...]
) -> BudgetState | None:
    """A service's budget state from its ledger's summary, over its records (`keys`: the `service` values that
    are its own); None without budgets or data."""
    if budgets is None or summary is None:
        return None
    rows = [r for r in map(summary.service, keys) if r is not None]
    today, month, burn = (sum(r.usd for r in rows), sum(r.month_usd for r in rows), sum(r.burn_usd_per_h for r in rows))
    return evaluate_budget(budgets, today, month, burn, seconds_left(summary))


def estimate_budget(budgets: BudgetConfig | None, est: SpendEstimate | None) -> BudgetState | None:
    """A service's budget state from its spend estimated from tokens (no ledger reads it). The estimate knows
    today only, so a monthly budget is judged on today's spend: a lower bound, whose WARN or CRIT is still true."""
    if budgets is None or est is None:
        return None
    return evaluate_budget(budgets, est.usd, est.usd, est.burn_usd_per_h, _to_midnight(est.at), est.usd)


def fleet_budget(
    cfg: FleetConfig, summary: SpendSummary | None, estimates: tuple[SpendEstimate, ...] = ()
) -> BudgetState | None:
    """The fleet's budgets against its ledgers' spend and, labelled as such, the estimates of services no ledger
    reads (their burn too)."""
    if summary is None and not estimates:
        return None
    est = sum(e.usd for e in estimates)
    burn = sum(e.burn_usd_per_h for e in estimates)
    b = fleet_budgets(cfg)
    if summary is None:
        return evaluate_budget(b, est, est, burn, _to_midnight(max(e.at for e in estimates)), est)
    return evaluate_budget(
        b, summary.today.usd + est, summary.month_usd + est, summary.burn_usd_per_h + burn, seconds_left(summary), est
    )


def seconds_left(summary: SpendSummary) -> float:
    """Seconds from the summary's `now` to local midnight."""
    day = dt.date.fromisoformat(summary.day) if summary.day else dt.date.fromtimestamp(summary.now)
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).timestamp()
    return max(0.0, midnight - summary.now)


def _to_midnight(now: float) -> float:
    midnight = dt.datetime.combine(dt.date.fromtimestamp(now) + dt.timedelta(days=1), dt.time()).timestamp()
    return max(0.0, midnight - now)


def unsure(state: BudgetState | None, why: str) -> BudgetState | None:
    """A budget judged on spend known to be incomplete: CRIT stands (spend only grows), an OK or a WARN is not
    known to be right and becomes UNKNOWN, saying why and what the spend so far gives."""
    if state is None or state.status in (Status.CRIT, Status.UNKNOWN) or not (state.daily_usd or state.monthly_usd):
        return state
    so_far = f"; {state.reason} so far" if state.reason else ""
    return replace(state, status=Status.UNKNOWN, reason=f"spend incomplete ({why}){so_far}")


def budget_verdict(state: BudgetState | None) -> Verdict | None:
    """The verdict a service's row gets from its budgets; None while they are fine."""
    if state is None or state.status is Status.OK:
        return None
    return Verdict(state.status, state.reason)
