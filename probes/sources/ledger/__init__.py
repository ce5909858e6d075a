"""The cost ledger backend: one ledger file (JSON lines, CSV, SQLite, a LiteLLM SpendLogs export) read into spend
aggregates (probe.py), shared by every service whose records it holds."""

from __future__ import annotations

from typing import Any

from probes.backend import Backend, Fleet, Row, Shared
from probes.config import FleetConfig, ledger_keys, timeout_for
from probes.model import LedgerResult, Probe
from probes.spend.budget import service_budget, unsure


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe per ledger file, however many services read it."""
    from probes.sources.ledger.probe import LedgerProbe

    out: list[Probe[Any]] = []
    seen: set[str] = set()
    iv = cfg.refresh_interval
    for svc in cfg.services:
        if svc.ledger is not None and svc.ledger.path not in seen:
            seen.add(svc.ledger.path)
            out.append(LedgerProbe(svc.ledger.path, iv, timeout_for(None, iv), svc.ledger, total_s=shared.ledger_s))
    return out


def merge(fleet: Fleet, path: str, r: Any) -> list[str]:
    """The ledger's aggregates for the Spend screen, and each reading service's spend, calls and budget."""
    if not isinstance(r, LedgerResult):
        return []
    if r.summary is not None:
        fleet.ledger_summaries[path] = r.summary
    fleet.ledger_notes[path] = (r.error.message if r.error else r.gap(), r.notes)
    routes = fleet.ledger_routes.get(path)
    if routes is None:
        routes = fleet.ledger_routes[path] = [
            (svc.name, ledger_keys(fleet.cfg, svc))
            for svc in fleet.cfg.services
            if svc.ledger is not None and svc.ledger.path == path
        ]
    for name, keys in routes:
        take(fleet.services[name], r, keys)
    return [name for name, _ in routes]


def take(row: Row, r: LedgerResult, keys: tuple[str, ...]) -> None:
    """One service's share of a ledger (its records: `keys`, probes.config.ledger_keys): spend known to be
    incomplete says why, and its budget is not trusted."""
    gap = r.error.message if r.error is not None else r.gap()
    row.ledger_issue = f"ledger: {gap}" + ("" if r.error is not None else "; spend incomplete") if gap else None
    row.ledger_failed = r.error is not None
    if not r.ok and r.error is not None:
        row.note_error("ledger", r.error.message, r.at)
        if r.summary is not None:
            row.budget = unsure(service_budget(row.cfg.budgets, r.summary, keys), r.error.message)
        return
    spend = sum(r.spend_today.get(k, 0.0) for k in keys)
    mark: float | None = row.parts.get("ledger")  # the spend of the last read: the sparkline plots what it grew
    if mark is not None:
        row.plot("spend", max(0.0, spend - mark), r.at)
    row.parts["ledger"] = spend
    row.spend_today = spend
    row.calls_today = sum(r.calls_today.get(k, 0) for k in keys)
    row.budget = service_budget(row.cfg.budgets, r.summary, keys)
    if gap:
        row.budget = unsure(row.budget, gap)


BACKEND = Backend("ledger", probes, merge)
