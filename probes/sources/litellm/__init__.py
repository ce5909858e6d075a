"""The LiteLLM proxy backend: liveness, readiness, deployments and spend by model and key (probe.py), and the
proxy's spend logs API read into ledger records (spendlogs.py). Its answers fill a row's health and metrics the
way a health and a metrics probe would, and its spend joins the fleet's."""

from __future__ import annotations

from typing import Any

from probes.backend import Backend, Fleet, Shared
from probes.config import FleetConfig, timeout_for
from probes.model import LiteLLMResult, Probe
from probes.spend.budget import evaluate_budget, seconds_left


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe (three GETs a poll) per proxy."""
    from probes.sources.litellm.probe import LiteLLMProbe  # with the HTTP client: on the poller thread

    out: list[Probe[Any]] = []
    for svc in cfg.services:
        if svc.litellm is not None:
            iv = cfg.interval_of(svc.litellm.interval)
            out.append(
                LiteLLMProbe(
                    svc.name, svc.litellm, shared.client, iv, timeout_for(svc.litellm.timeout, iv), cfg.max_read_bytes,
                    lifetime_fallback=shared.one_shot,
                )
            )  # fmt: skip
    return out


def merge(fleet: Fleet, target: str, r: Any) -> list[str]:
    """The proxy's liveness/readiness and metrics are a health and a metrics result; spend is its own ledger."""
    if not isinstance(r, LiteLLMResult):
        return []
    if r.summary is not None:
        fleet.ledger_summaries[f"litellm:{target}"] = r.summary
    row = fleet.services[target]
    row.litellm = r
    row.take_health(r.health)
    row.take_metrics(r.metrics)
    if r.summary is not None:
        row.spend_today = r.summary.today.usd
        row.calls_today = r.summary.today.calls
        b, t = row.cfg.budgets, r.summary
        row.budget = evaluate_budget(b, t.today.usd, t.month_usd, t.burn_usd_per_h, seconds_left(t)) if b else None
    return [target]


BACKEND = Backend("litellm", probes, merge, rank=1, paced=True, executors=("litellm",))
