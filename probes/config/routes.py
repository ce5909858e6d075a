"""Which records of a shared source are a service's: decided from the config alone, in one place, so the row, its
budget, the Spend screen and the throttle key agree."""

from __future__ import annotations

from probes.config.models import FleetConfig, ServiceConfig

NO_SERVICE = ""
"""The `service` value of a record that has no service field (an agent's own cost tracker writes none)."""


def ledger_keys(cfg: FleetConfig, svc: ServiceConfig) -> tuple[str, ...]:
    """The `service` values of its ledger's records that are this service's.

    Its `ledger.service` when set ("" takes the records with no service field); else its name, and the records
    with no service field as well when no other service reads that ledger: they can only be its own.
    """
    led = svc.ledger
    if led is None:
        return ()
    if led.service is not None:
        return (led.service,)
    readers = sum(1 for s in cfg.services if s.ledger is not None and s.ledger.path == led.path)
    return (svc.name, NO_SERVICE) if readers == 1 else (svc.name,)


def ledger_reader(cfg: FleetConfig, value: str) -> str | None:
    """The dashboard service whose ledger records carry this `service` value (None when none does)."""
    return next((s.name for s in cfg.services if value in ledger_keys(cfg, s)), None)
