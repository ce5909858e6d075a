"""The Prometheus backend: one PromQL query per metric family for every service a server serves, its alerts, and
sparkline history (probe.py). Its numbers stand in for a direct scrape where a service has none that answers."""

from __future__ import annotations

import dataclasses
from typing import Any

from probes.backend import Backend, Fleet, Row, Shared
from probes.config import FleetConfig, PrometheusConfig, ServiceConfig, timeout_for
from probes.model import MetricsResult, Probe, PromResult


def probes(cfg: FleetConfig, shared: Shared) -> list[Probe[Any]]:
    """One PromQL probe per Prometheus server (and selector/label), serving every service that reads it."""
    from probes.sources.prometheus.probe import PromQLProbe  # with the HTTP client: on the poller thread

    groups: dict[str, tuple[PrometheusConfig, dict[str, str]]] = {}
    for svc in cfg.services:
        prom = cfg.prometheus_of(svc)
        if prom is None or prom.url is None:
            continue
        common = dataclasses.replace(prom, value=None)
        groups.setdefault(repr(common), (common, {}))[1][prom.value or svc.name] = svc.name
    out: list[Probe[Any]] = []
    for i, (prom, services) in enumerate(groups.values()):
        iv = cfg.interval_of(prom.interval)
        timeout = timeout_for(prom.timeout, iv)
        out.append(PromQLProbe(str(i), prom, services, shared.client, iv, timeout, cfg.max_read_bytes))
    return out


def merge(fleet: Fleet, target: str, r: Any) -> list[str]:
    """The server's alerts (redacted) for the fleet, and each service's numbers and history."""
    if not isinstance(r, PromResult):
        return []
    fleet.prom_alerts[target] = tuple(dataclasses.replace(a, summary=fleet.redact(a.summary)) for a in r.alerts)
    for name, numbers in r.services.items():
        take(fleet.services[name], numbers, r.history.get(name), r.history_step_s)
    return list(r.services)


def take(row: Row, r: MetricsResult, history: dict[str, tuple[float, ...]] | None, step_s: float = 0.0) -> None:
    """PromQL results: the numbers of a direct scrape, used where the service has no good direct scrape;
    `history` holds range-query series of points `step_s` apart, ending now."""
    row.prom = r
    row.note_error("prometheus", r.error.message if r.error else None, r.at)
    if not r.ok:
        return
    row.last_good_prom = r
    if row.cfg.metrics is not None:
        return  # the direct scrape feeds the sparklines
    if history:
        for key, values in history.items():
            if key in row.history:
                row.history[key].clear()
                row.history[key].extend(values)
                row.history_at[key].clear()
                row.history_at[key].extend(r.at - (len(values) - 1 - i) * step_s for i in range(len(values)))
    else:
        row.plot("latency", r.derived.latency_p95_s or 0.0, r.at)
        row.plot("errors", r.derived.error_rate or 0.0, r.at)


def server(cfg: FleetConfig, svc: ServiceConfig, name: str) -> PrometheusConfig | None:
    """The server a service's numbers come from: its own block, else the fleet's."""
    return cfg.prometheus_of(svc)


BACKEND = Backend("prometheus", probes, merge, rank=4, paced=True, block=server)
