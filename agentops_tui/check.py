"""`agentops-tui check`: one poll of everything, as a table or JSON, with the Nagios exit code.

Imports no Textual: it runs from cron, a Nagios agent or a CI job.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import replace
from typing import Any

from agentops_tui.check_plugin import NO_FLEET_NOTE, SCHEMA, plugin_output, thresholds_json
from probes.config import FleetConfig
from probes.model import Alert, BudgetState, QueueResult, SpendEstimate, Status
from probes.runtime.scheduler import Scheduler
from probes.sources.ledger.probe import CHECK_READ_S
from probes.text.sanitize import clean
from probes.text.units import DASH, fit, fmt_count, fmt_money, fmt_percent, fmt_seconds
from probes.view import FleetSnapshot, ServiceView

REASON_WIDTH = 160
"""Characters of a reason in the table: a whole DNS error fits; longer ones are cut after a word."""


def service_json(v: ServiceView) -> dict[str, Any]:
    return {
        "name": v.name,
        "status": v.status.value,
        "reason": v.reason,
        "latency_p95_s": _round(v.latency_p95_s, 4),
        "error_rate": _round(v.error_rate, 4),
        "breakers": dict(v.breakers),
        "log_events": dict(v.log_events),
        "active_tasks": v.active_tasks,
        "spend_today_usd": _round(v.spend_today_usd, 6),
        "spend_partial": v.spend_partial,
        "spend_estimate": estimate_json(v.spend_estimate),
        "requests_per_s": _round(v.requests_per_s, 3),
        "tokens_per_min": _round(v.tokens_per_min, 1),
        **({"queue": queue_json(v.queue)} if v.queue is not None else {}),
    }


def estimate_json(e: SpendEstimate | None) -> dict[str, Any] | None:
    """Spend estimated from the token counter (a service no ledger reads): apart from the ledger's spend."""
    if e is None:
        return None
    return {
        "usd": _round(e.usd, 6),
        "burn_usd_per_h": _round(e.burn_usd_per_h, 6),
        "since": _iso(e.since),
        "whole_day": e.whole_day,
        "unpriced_models": list(e.unpriced),
        "models": {m.model: {"input_tokens": m.input_tokens, "output_tokens": m.output_tokens,
                             "usd": _round(m.usd, 6)} for m in e.models},
    }  # fmt: skip


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).isoformat(timespec="seconds")


def alert_json(a: Alert) -> dict[str, Any]:
    return {
        "service": a.service,
        "name": a.name,
        "state": a.state,
        "severity": a.severity,
        "source": a.source,
        "since": _iso(a.since),
        "value": _round(a.value, 6),
        "threshold": a.threshold,
        "summary": a.summary,
    }


def queue_json(q: QueueResult) -> dict[str, Any]:
    """A queue's numbers in `check --json` (only on rows with a `queue:` source)."""
    return {
        "depth": q.depth, "inflight": q.inflight, "dead": q.dead, "workers": q.workers,
        "enqueue_per_s": _round(q.enqueue_per_s, 3), "dequeue_per_s": _round(q.dequeue_per_s, 3),
        "oldest_age_s": _round(q.oldest_age_s, 1), "stalled_s": _round(q.stalled_s, 1),
    }  # fmt: skip


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def snapshot_json(snap: FleetSnapshot) -> dict[str, Any]:
    return {
        "status": worst_of(snap).value,
        "services": [service_json(v) for v in snap.services],
        "alerts": [alert_json(a) for a in snap.alerts],
        "spend_today_usd": _round(snap.spend_today_usd, 6),
        "spend_partial": snap.spend_partial,
        "spend_estimate_usd": _round(snap.spend_estimate_usd, 6),
        "spend_notes": [clean(n, 300) for n in snap.spend_notes],
        "daily_budget_usd": snap.daily_budget_usd,
        "budget": budget_json(snap.budget),
    }


def budget_json(b: BudgetState | None) -> dict[str, Any] | None:
    """The fleet's budgets: state, spend against each limit, burn rate and when the daily budget runs out."""
    if b is None:
        return None
    return {
        "status": b.status.value,
        "reason": b.reason,
        "daily_usd": b.daily_usd,
        "monthly_usd": b.monthly_usd,
        "today_usd": _round(b.today_usd, 6),
        "month_usd": _round(b.month_usd, 6),
        "burn_usd_per_h": _round(b.burn_usd_per_h, 6),
        "exhausted_in_s": _round(b.exhausted_in_s, 0),
        "estimated_usd": _round(b.estimated_usd, 6),
    }


def worst_of(snap: FleetSnapshot) -> Status:
    """The exit status: the worst service (a firing alert already marks its row), or the fleet budget or a
    fleet-wide firing alert when that is worse (a blown budget is CRIT)."""
    worst = snap.worst() if snap.services else Status.UNKNOWN
    if snap.budget is not None and snap.budget.status.rank > worst.rank:
        worst = snap.budget.status
    return max([worst, *(a.status for a in snap.firing() if not a.service)], key=lambda st: st.rank)


def snapshot_table(snap: FleetSnapshot, fleet: bool = True) -> str:
    """A plain-text table (no colours, no control sequences) for terminals, mail and logs; `fleet` False (some
    services only) leaves out the fleet's spend and budget."""
    head = ("SERVICE", "STATUS", "P95", "ERR%", "BREAKERS", "TASKS", "SPEND", "REASON")
    rows = [head]
    for v in snap.services:
        opened = [f"{d}:{s}" for d, s in v.breakers if s != "closed"]
        rows.append(
            (
                clean(v.name, 40),
                v.status.value,
                _plain(fmt_seconds(v.latency_p95_s)),
                _plain(fmt_percent(v.error_rate)),
                ",".join(opened) or ("closed" if v.breakers else "-"),
                _plain(fmt_count(v.active_tasks)),
                _spend_cell(v),
                fit(clean(v.reason), REASON_WIDTH),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head) - 1)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1] for r in rows]
    total = snap.spend_today_usd
    budget = f" of {fmt_money(snap.daily_budget_usd)}" if snap.daily_budget_usd else ""
    lines.append("")
    for a in snap.alerts:
        summary = fit(clean(a.summary), REASON_WIDTH)
        lines.append(f"alert {a.state}: {clean(a.service, 40) or 'fleet'} {clean(a.name, 40)}: {summary}")
    spent = _plain(fmt_money(total)) + (" (incomplete)" if snap.spend_partial and total is not None else "")
    if snap.spend_estimate_usd is not None:
        spent += f" + ~{fmt_money(snap.spend_estimate_usd)} estimated from tokens"
    lines.append(f"fleet: {worst_of(snap).value}; spend today: {spent}{budget}" if fleet else NO_FLEET_NOTE)
    lines.extend(f"spend: {clean(n, 300)}" for n in snap.spend_notes)
    if snap.budget is not None and snap.budget.reason:
        lines.append(f"budget: {snap.budget.status.value}: {clean(snap.budget.reason, 200)}")
    return "\n".join(lines)


def _spend_cell(v: ServiceView) -> str:
    """The ledger's spend (`?` when incomplete), else the estimate from tokens (`~$1.23 est`)."""
    e = v.spend_estimate
    if v.spend_today_usd is None and e is not None:
        return f"~{fmt_money(e.usd)} est" + ("?" if e.unpriced or not e.whole_day else "")
    return _plain(fmt_money(v.spend_today_usd)) + ("?" if v.spend_partial and v.spend_today_usd is not None else "")


def _plain(text: str) -> str:
    """ASCII for what is not known: the table goes to mail and logs."""
    return "-" if text == DASH else text


def run_check(
    cfg: FleetConfig,
    as_json: bool,
    settle_s: float = 2.0,
    ledger_s: float | None = None,
    services: tuple[str, ...] = (),
) -> tuple[str, int]:
    """Poll once (two scrapes `settle_s` apart so rates exist) and return the output and the exit code; each
    ledger is read for at most `ledger_s` in all, and a spend not read to its end is flagged as incomplete.
    `services` (names known to be in the config) limits the poll, the status and the output to those; the fleet's
    spend, budget and fleet-wide alerts are then left out, as a part of the fleet cannot judge them."""
    fleet = not services
    if not fleet:
        cfg = replace(cfg, services=[s for s in cfg.services if s.name in services])
    snap = asyncio.run(Scheduler(cfg).poll_once(settle_s, CHECK_READ_S if ledger_s is None else ledger_s))
    if not fleet:
        snap = replace(snap, budget=None, alerts=tuple(a for a in snap.alerts if a.service))
    worst = worst_of(snap)
    if as_json:
        head = {"schema": SCHEMA, "timestamp": _iso(snap.at)}
        body = {**head, **snapshot_json(snap), "thresholds": thresholds_json(snap, cfg, fleet)}
        return json.dumps(body, indent=2), worst.exit_code
    return plugin_output(snap, cfg, worst, fleet, snapshot_table(snap, fleet)), worst.exit_code
