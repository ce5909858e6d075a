"""Prices for ledger records that carry tokens but no cost: config overrides first, then genai-prices.

genai-prices is a maintained, offline price table (so we never type prices in). Calling it per record is ~70 us,
too slow for a million-record ledger, so each model's per-token rates are looked up once and cached, once for
the whole process (each service's token estimate has a book of its own: 200 of them learning the same models
cost 500 library calls in a 20 s window); calls large enough to reach a long-context price tier are priced by the
library call by call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from probes.config import ModelPrice

TIER_TOKENS = 100_000  # above this many input tokens a model may switch to a long-context tier: ask per call
MAX_MODELS = 1024  # rates cached per model name; more distinct names are priced uncached

Rates = tuple[float, float]  # USD per input token, per output token
Lookup = Callable[[str, int, int], float | None]


def _genai_lookup() -> Lookup | None:
    """genai-prices' price of one call, or None where the library is not installed (Python 3.10)."""
    try:
        from genai_prices import Usage, calc_price
    except ImportError:  # pragma: no cover - depends on the interpreter
        return None

    def lookup(model: str, input_tokens: int, output_tokens: int) -> float | None:
        try:
            usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
            return float(calc_price(usage, model_ref=model).total_price)
        except (LookupError, ValueError, TypeError, ArithmeticError):
            return None

    return lookup


_LIBRARY_RATES: dict[str, Rates | None] = {}  # the table's rates by model: the same for every book that uses it


class PriceBook:
    """The cost of a call from its tokens; None when the model has no known price."""

    def __init__(self, overrides: Mapping[str, ModelPrice] | None = None, lookup: Lookup | None = None) -> None:
        self.overrides = {k: (v.input_per_mtok / 1e6, v.output_per_mtok / 1e6) for k, v in (overrides or {}).items()}
        self._lookup = lookup if lookup is not None else _genai_lookup()
        self._rates: dict[str, Rates | None] = _LIBRARY_RATES if lookup is None else {}

    def rates(self, model: str) -> Rates | None:
        """Per-token (input, output) USD for a model, from overrides or the table (cached)."""
        if model in self.overrides:
            return self.overrides[model]
        if model in self._rates:
            return self._rates[model]
        found: Rates | None = None
        if self._lookup is not None and model:
            per_in = self._lookup(model, 1000, 0)
            per_out = self._lookup(model, 0, 1000)
            if per_in is not None and per_out is not None:
                found = (per_in / 1000, per_out / 1000)
        if len(self._rates) < MAX_MODELS:
            self._rates[model] = found
        return found

    def cost(self, model: str, input_tokens: int, output_tokens: int) -> float | None:
        """USD of one call, or None when the model is unknown to both the overrides and the table."""
        if model not in self.overrides and input_tokens > TIER_TOKENS and self._lookup is not None:
            exact = self._lookup(model, input_tokens, output_tokens)
            if exact is not None:
                return exact
        r = self.rates(model)
        if r is None:
            return None
        return input_tokens * r[0] + output_tokens * r[1]
