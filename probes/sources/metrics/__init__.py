"""The metrics backend: a Prometheus /metrics endpoint scraped directly (probe.py; the format: probes.formats)."""

from __future__ import annotations

from typing import Any

from probes.backend import Backend, Row, Shared, per_service
from probes.config import FleetConfig, timeout_for
from probes.model import MetricsResult, Probe


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One probe per service with a /metrics endpoint; rates over at least 30 s and five scrapes. A service no
    ledger reads has its spend estimated from its token counter, once a scrape."""
    from probes.sources.metrics.probe import MetricsProbe  # with the HTTP client: on the poller thread
    from probes.spend.estimate import TokenSpend
    from probes.spend.prices import PriceBook

    out: list[Probe[Any]] = []
    for svc in cfg.services:
        if svc.metrics is not None:
            iv = cfg.interval_of(svc.metrics.interval)
            out.append(
                MetricsProbe(
                    svc.name, svc.metrics, shared.client, iv, timeout_for(svc.metrics.timeout, iv), cfg.max_read_bytes,
                    window_s=max(30.0, 5 * iv), lifetime_fallback=shared.one_shot,
                    estimate=TokenSpend(PriceBook(svc.metrics.prices)) if svc.ledger is None else None,
                )
            )  # fmt: skip
    return out


def take(row: Row, r: MetricsResult) -> None:
    row.take_metrics(r)


BACKEND = Backend("metrics", probes, per_service(MetricsResult, take), rank=0, paced=True)
