"""The joined view: one row per logical service, built from the latest result of each of its sources.

`FleetState` is owned by the poller (one thread): a probe's result goes to its backend's merge (probes.registry),
which writes it onto the rows it is about (probes.fleet.row); a snapshot evaluates the alert rules and hands out
frozen `ServiceView`s and a `FleetSnapshot` that the screen can keep and compare without locks.
"""

from __future__ import annotations

import dataclasses
import os
import time

from probes.backend import Backend
from probes.config import FleetConfig
from probes.fleet.alerts import AlertEngine
from probes.fleet.row import ServiceState
from probes.model import Alert, SpendSummary, decide, sort_alerts
from probes.registry import BACKENDS
from probes.spend.budget import fleet_budget, fleet_budgets, unsure
from probes.spend.summary import merge, retier
from probes.text.redact import Redactor, redactor_for
from probes.view import FleetSnapshot, ServiceView


class FleetState:
    """All services' states plus the routing of probe results to them."""

    def __init__(
        self, cfg: FleetConfig, redact: Redactor | None = None, backends: tuple[Backend, ...] = BACKENDS
    ) -> None:
        self.cfg = cfg
        self.backends = {b.name: b for b in backends}
        self.redact = redactor_for(cfg, os.environ) if redact is None else redact
        self.services: dict[str, ServiceState] = {}
        for svc in cfg.services:
            paces = [cfg.interval_of(block.interval) for b in backends if b.paced and (block := b.serves(cfg, svc))]
            interval = min(paces or [cfg.refresh_interval])
            thresholds = cfg.thresholds_of(svc)
            self.services[svc.name] = ServiceState(svc, thresholds, interval, self.redact, cfg, backends)
        self.ledger_summaries: dict[str, SpendSummary] = {}
        # filled by the ledger backend as ledgers report
        self.ledger_routes: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        self.ledger_notes: dict[str, tuple[str | None, tuple[str, ...]]] = {}  # path -> (what is missing, read too)
        self.engine = AlertEngine(cfg)
        self.prom_alerts: dict[str, tuple[Alert, ...]] = {}
        self._shown: dict[str, tuple[ServiceView, tuple[object, ...], ServiceView]] = {}  # view, its alerts' key, shown

    def apply(self, key: str, result: object) -> list[str]:
        """Route one probe result to its backend's merge; returns the names of the services it changed."""
        kind, _, target = key.partition(":")
        backend = self.backends.get(kind)
        if backend is None:
            return []
        changed = backend.merge(self, target, result)
        now = time.monotonic()
        for name in changed:  # rows are built when next read (the snapshot), once a round and not per result;
            state = self.services[name]  # a report of the primary source takes a history sample at that build
            state.updated, state.stale = now, True
            state.sample_due = state.sample_due or kind == state.primary
            if kind not in state.reported:
                state.reported_by(kind)
        return changed

    def snapshot(self, now: float | None = None) -> FleetSnapshot:
        """The fleet as of now: the alert rules are evaluated here, and firing alerts are put on their rows."""
        base = [s.view for s in self.services.values()]
        spend = merge(self.ledger_summaries.values())
        if spend is not None and self.cfg.model_tiers:
            spend = retier(spend, self.cfg.model_tiers)
        estimates = tuple(s.spend_estimate for s in self.services.values() if s.spend_estimate is not None)
        burn = spend.burn_usd_per_h if spend is not None else None  # the Spend screen's burn is the alerts' too
        if estimates:  # services no ledger reads: their estimated burn, which the alert's summary names
            burn = (burn or 0.0) + sum(e.burn_usd_per_h for e in estimates)
        alerts = sort_alerts(
            [
                *self.engine.evaluate(base, time.time() if now is None else now, burn),
                *(a for t in self.prom_alerts.values() for a in t),
            ]
        )
        mine: dict[str, list[Alert]] = {}
        for a in alerts:
            mine.setdefault(a.service, []).append(a)
        views = tuple(self._with_alerts(v, tuple(mine.get(v.name, ()))) for v in base)
        spends = [v.spend_today_usd for v in views if v.spend_today_usd is not None]
        budget = fleet_budget(self.cfg, spend, estimates)
        gaps = [f"{path}: {gap}" for path, (gap, _) in self.ledger_notes.items() if gap]
        if gaps:
            budget = unsure(budget, "; ".join(gaps))
        notes = [f"{path}: {n}" for path, (_, read) in self.ledger_notes.items() for n in read]
        return FleetSnapshot(
            services=views,
            daily_budget_usd=fleet_budgets(self.cfg).daily_usd,
            spend_today_usd=sum(spends) if spends else None,
            spend=spend,
            budget=budget,
            alerts=alerts,
            spend_partial=bool(gaps),
            spend_notes=tuple(notes + [f"{g}; spend incomplete" for g in gaps]),
            spend_estimate_usd=sum(e.usd for e in estimates) if estimates else None,
        )

    def _with_alerts(self, view: ServiceView, mine: tuple[Alert, ...]) -> ServiceView:
        """The view with its alerts and the status they decide (probes.model.decide).

        The same object is returned while neither the view nor its alerts change, so the table skips the row."""
        key: tuple[object, ...] = tuple((a.key, a.state, a.summary) for a in mine)
        cached = self._shown.get(view.name)
        if cached is not None and cached[0] is view and cached[1] == key:
            return cached[2]
        out = view
        if mine:
            status, reason = decide(view.status, view.reason, mine)
            out = dataclasses.replace(view, alerts=mine, status=status, reason=reason)
        self._shown[view.name] = (view, key, out)
        return out
