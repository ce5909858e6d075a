"""Prices: genai-prices for records with tokens and no cost, config overrides first, unknown models unpriced."""

from __future__ import annotations

import pytest

from probes.config import ModelPrice
from probes.spend.prices import PriceBook


def test_genai_prices_table_matches_list_prices() -> None:
    book = PriceBook()
    assert book.cost("gpt-4o-mini", 100, 20) == pytest.approx(0.000027)  # the figure LiteLLM reported for it
    assert book.cost("claude-sonnet-4-20250514", 1_000_000, 0) == pytest.approx(3.0)


def test_override_wins_and_unknown_model_is_unpriced() -> None:
    book = PriceBook(
        {"gpt-4o-mini": ModelPrice(input_per_mtok=1.0, output_per_mtok=4.0), "house-model": ModelPrice(2.0)}
    )
    assert book.cost("gpt-4o-mini", 1_000_000, 1_000_000) == pytest.approx(5.0)
    assert book.cost("house-model", 500_000, 10) == pytest.approx(1.0)
    assert book.cost("no-such-model-anywhere", 10, 10) is None


def test_rates_are_looked_up_once_per_model() -> None:
    calls: list[tuple[str, int, int]] = []

    def lookup(model: str, n_in: int, n_out: int) -> float | None:
        calls.append((model, n_in, n_out))
        return (n_in * 2 + n_out * 8) / 1e6

    book = PriceBook(lookup=lookup)
    for _ in range(100):
        book.cost("m", 10, 10)
    assert len(calls) == 2  # one input and one output rate, then cached
    book.cost("m", 200_000, 10)  # large enough for a long-context tier: priced by the table call itself
    assert calls[-1] == ("m", 200_000, 10)


def test_the_tables_rates_are_learned_once_for_every_book() -> None:
    """Each service's token estimate has its own book; the table's rates for a model are the same for all."""
    from probes.spend import prices

    first = PriceBook()
    first.cost("gpt-4o-mini", 100, 20)
    assert "gpt-4o-mini" in prices._LIBRARY_RATES
    second = PriceBook({"gpt-4o-mini": ModelPrice(input_per_mtok=1.0, output_per_mtok=1.0)})
    assert second.cost("gpt-4o-mini", 1_000_000, 0) == pytest.approx(1.0)  # its override still wins
    assert PriceBook().rates("gpt-4o-mini") == first.rates("gpt-4o-mini")
