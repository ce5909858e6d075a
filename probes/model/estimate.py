"""Spend estimated from a service's token counter (probes.spend.estimate): its own kind, apart from ledger spend."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelTokens:
    """One model's tokens today as a service's token counter counted them, and their price (None: no price)."""

    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    usd: float | None = None


@dataclass(frozen=True)
class SpendEstimate:
    """Today's spend of a service no ledger reads, estimated from its `agent_tokens_total{model,direction}` and
    the price table (probes.spend.estimate): a third kind beside reported and computed ledger spend, never added
    into them."""

    at: float
    usd: float = 0.0
    burn_usd_per_h: float = 0.0
    """The estimate's increase over the last 60 minutes it observed (the ledgers' burn window)."""
    models: tuple[ModelTokens, ...] = ()
    unpriced: tuple[str, ...] = ()
    """Models (or `model (direction)`) with tokens today and no price: named, left out of `usd`, not priced at 0."""
    since: float = 0.0
    """Epoch seconds from which today's tokens are counted: local midnight when the whole day is, else when the
    dashboard first saw counters that were already running before today."""
    whole_day: bool = True
