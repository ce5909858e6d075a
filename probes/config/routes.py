"""Which records of a shared source are a service's: decided from the config alone, in one place, so the row, its
budget, the Spend screen and the throttle key agree."""

from __future__ import annotations

from collections import Counter

from probes.config.models import FleetConfig, ServiceConfig

NO_SERVICE = ""
"""The `service` value of a record that has no service field (an agent's own cost tracker writes none)."""


def ledger_keys(cfg: FleetConfig, svc: ServiceConfig) -> tuple[str, ...]:
    """The `service` values of its ledger's records that are this service's.

    Its `ledger.service` when set ("" takes the records with no service field); else its name, and the records
    with no service field as well when no other service reads that ledger: they can only be its own.
    """
    return _keys(svc, _readers_per_path(cfg))


def ledger_readers(cfg: FleetConfig) -> dict[str, str]:
    """Each `service` value of the fleet's ledger records -> the dashboard service it belongs to (the first that
    claims it). One pass over the fleet: a screen that names many rows asks this once, not once a row."""
    per_path = _readers_per_path(cfg)
    out: dict[str, str] = {}
    for svc in cfg.services:
        for value in _keys(svc, per_path):
            out.setdefault(value, svc.name)
    return out


def _readers_per_path(cfg: FleetConfig) -> Counter[str]:
    return Counter(s.ledger.path for s in cfg.services if s.ledger is not None)


def _keys(svc: ServiceConfig, per_path: Counter[str]) -> tuple[str, ...]:
    led = svc.ledger
    if led is None:
        return ()
    if led.service is not None:
        return (led.service,)
    return (svc.name, NO_SERVICE) if per_path[led.path] == 1 else (svc.name,)
