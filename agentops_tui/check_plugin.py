"""`check` as a Nagios/Icinga plugin: the status line, the perfdata and the thresholds the statuses came from.

The first line is what Nagios shows and pages with (`AGENTOPS CRITICAL - 1 crit, 2 warn of 7: ...`); the perfdata
after its `|` is what graphers store; the table follows as long output. The warn and crit figures are the ones the
fleet's rules use: a service's status thresholds (probes.config.Thresholds, where `value >= warn` is WARN) and the
budgets' warn_at/crit_at shares of the daily budget.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from agentops_tui.plugin_output import Perf, perfdata, plugin_text, status_word
from probes.config import BudgetConfig, FleetConfig, Thresholds
from probes.model import Status
from probes.spend.budget import fleet_budgets
from probes.text.units import fit, fmt_money, fmt_percent, fmt_seconds
from probes.view import FleetSnapshot, ServiceView

SCHEMA = 1
"""Version of `check --json`: raised when a key changes meaning or goes away (new keys do not raise it)."""

REASONS_SHOWN = 3
"""Worst services named on the status line; more are counted (`+2 more`)."""

REASON_CHARS = 80
"""Characters of one reason on the status line (the long output has them whole)."""

NO_FLEET_NOTE = "fleet spend and budget are not checked with --service"


def status_line(snap: FleetSnapshot, worst: Status, fleet: bool) -> str:
    """`AGENTOPS CRITICAL - 1 crit, 2 warn of 7: writer error rate 27% >= 25%; ...` (no perfdata)."""
    counts = snap.counts()
    parts = [f"{counts[Status.CRIT]} crit", f"{counts[Status.WARN]} warn"]
    parts += [f"{counts[s]} {s.value.lower()}" for s in (Status.UNKNOWN, Status.STALE) if counts[s]]
    head = f"AGENTOPS {status_word(worst)} - {', '.join(parts)} of {len(snap.services)}"
    reasons = _worst_reasons(snap, fleet)
    return plugin_text(head + (f": {reasons}" if reasons else ""), 2000)


def _worst_reasons(snap: FleetSnapshot, fleet: bool) -> str:
    """What is wrong, worst first: services, then (whole fleet only) the budget and fleet-wide alerts."""
    found = [(v.status.rank, f"{v.name} {v.reason}") for v in snap.services if v.status is not Status.OK]
    if fleet and snap.budget is not None and snap.budget.status is not Status.OK:
        found.append((snap.budget.status.rank, f"budget: {snap.budget.reason}"))
    if fleet:
        found += [(a.status.rank, f"fleet alert {a.name}: {a.summary}") for a in snap.firing() if not a.service]
    found.sort(key=lambda f: -f[0])
    shown = [fit(plugin_text(text, 400), REASON_CHARS) for _, text in found[:REASONS_SHOWN]]
    more = len(found) - len(shown)
    return "; ".join(shown + ([f"+{more} more"] if more > 0 else []))


def snapshot_perf(snap: FleetSnapshot, cfg: FleetConfig, fleet: bool) -> list[Perf]:
    """Per service p95, error rate, active tasks and spend (with their warn/crit), then the fleet's spend against
    its daily budget. A number with no data is left out (a service with no metrics would graph nothing but U); a
    spend known to be incomplete is U (undetermined), never a lower bound graphed as the day's spend."""
    budgets = {s.name: s.budgets for s in cfg.services}
    out: list[Perf] = []
    for v in snap.services:
        out += _service_perf(v, v.thresholds, budgets.get(v.name))
    spend = snap.spend_today_usd if snap.budget is None else snap.budget.today_usd
    if fleet and spend is not None:
        value = None if snap.spend_partial else spend
        out.append(Perf("spend_today", value, "", *_budget_marks(fleet_budgets(cfg)), 0))
    return out


def _service_perf(v: ServiceView, t: Thresholds, budget: BudgetConfig | None) -> list[Perf]:
    out: list[Perf] = []
    if v.latency_p95_s is not None:
        out.append(Perf(f"{v.name}_p95", v.latency_p95_s, "s", t.latency_p95_warn_s, t.latency_p95_crit_s, 0))
    if v.error_rate is not None:
        out.append(Perf(f"{v.name}_err", v.error_rate * 100, "%", t.error_rate_warn * 100, t.error_rate_crit * 100,
                        0, 100))  # fmt: skip
    if v.active_tasks is not None:
        out.append(Perf(f"{v.name}_tasks", v.active_tasks, "", None, None, 0))
    if v.spend_today_usd is not None:
        value = None if v.spend_partial else v.spend_today_usd
        out.append(Perf(f"{v.name}_spend", value, "", *_budget_marks(budget), 0))
    return out


def _budget_marks(b: BudgetConfig | None) -> tuple[float | None, float | None]:
    """The daily budget's warn and crit lines in USD (none without a daily budget)."""
    if b is None or not b.daily_usd:
        return None, None
    return b.daily_usd * b.warn_at, b.daily_usd * b.crit_at


def plugin_output(snap: FleetSnapshot, cfg: FleetConfig, worst: Status, fleet: bool, long_output: str) -> str:
    """The whole plugin output: status line ` | ` perfdata, then the long output (no `|` in it: Nagios would take
    what follows as perfdata) and the thresholds."""
    perf = perfdata(snapshot_perf(snap, cfg, fleet))
    first = status_line(snap, worst, fleet) + (f" | {perf}" if perf else "")
    lines = [plugin_text(line, 4000) for line in long_output.splitlines()]
    return "\n".join([first, *lines, *thresholds_lines(snap, cfg, fleet)])


def thresholds_lines(snap: FleetSnapshot, cfg: FleetConfig, fleet: bool) -> list[str]:
    """The thresholds used, services sharing them on one line: `thresholds: a, b: p95 warn 10s crit 30s, ...`."""
    groups: dict[Thresholds, list[str]] = {}
    for v in snap.services:
        groups.setdefault(v.thresholds, []).append(v.name)
    lines = [f"thresholds: {', '.join(names)}: {_thresholds_text(t)}" for t, names in groups.items()]
    for s in cfg.services:
        if s.budgets is not None and any(v.name == s.name for v in snap.services):
            lines.append(f"budget thresholds: {s.name}: {_budget_text(s.budgets)}")
    if fleet:
        lines.append(f"budget thresholds: {_budget_text(fleet_budgets(cfg))}")
    return [plugin_text(line, 4000) for line in lines]


def _thresholds_text(t: Thresholds) -> str:
    return (
        f"p95 warn {fmt_seconds(t.latency_p95_warn_s)} crit {fmt_seconds(t.latency_p95_crit_s)}, "
        f"error rate warn {fmt_percent(t.error_rate_warn)} crit {fmt_percent(t.error_rate_crit)}, "
        f"open breaker {t.breaker_open}"
    )


def _budget_text(b: BudgetConfig) -> str:
    marks = [
        f"{label} {fmt_money(limit)} (warn at {fmt_percent(b.warn_at)} = {fmt_money(limit * b.warn_at)}, "
        f"crit at {fmt_percent(b.crit_at)} = {fmt_money(limit * b.crit_at)})"
        for label, limit in (("daily", b.daily_usd), ("monthly", b.monthly_usd))
        if limit
    ]
    return "; ".join(marks) or "none set"


def thresholds_json(snap: FleetSnapshot, cfg: FleetConfig, fleet: bool) -> dict[str, Any]:
    """Per service its status thresholds and own budgets; the fleet's budgets (None with --service)."""
    budgets = {s.name: s.budgets for s in cfg.services}
    services = {
        v.name: {**dataclasses.asdict(v.thresholds), "budget": _budget_json(budgets.get(v.name))} for v in snap.services
    }
    return {"services": services, "budget": _budget_json(fleet_budgets(cfg)) if fleet else None}


def _budget_json(b: BudgetConfig | None) -> dict[str, Any] | None:
    return None if b is None else dataclasses.asdict(b)
