"""Spend estimated from agent_tokens_total (probes.spend.estimate): resets, the first observation, midnight,
unknown models and the burn, on counters as a scrape gives them."""

from __future__ import annotations

import datetime as dt

import pytest

from probes.config import MetricsConfig, ModelPrice
from probes.config.load import parse_config
from probes.fleet.state import FleetState
from probes.formats.promtext import parse_exposition
from probes.model import LedgerResult, MetricsResult, SpendRow, SpendSummary, Status
from probes.spend.budget import fleet_budget
from probes.spend.estimate import TokenSpend
from probes.spend.hours import local_midnight
from probes.spend.prices import PriceBook

MIDNIGHT = local_midnight(1_790_000_000.0)
NOON = MIDNIGHT + 12 * 3600
IN, OUT = ("sonnet", "input"), ("sonnet", "output")


def spend() -> TokenSpend:
    """$3 per million input tokens, $15 per million output ones; no other model has a price."""
    prices = PriceBook({"sonnet": ModelPrice(3.0, 15.0)}, lookup=lambda model, tin, tout: None)
    return TokenSpend(prices)


def usd(tin: float, tout: float) -> float:
    return (tin * 3 + tout * 15) / 1e6


def test_a_process_started_today_counts_its_whole_counter() -> None:
    est = spend().observe(NOON, {IN: 1000, OUT: 200}, {}, started=MIDNIGHT + 3600)
    assert est.usd == pytest.approx(usd(1000, 200)) and est.whole_day and est.since == MIDNIGHT


def test_a_process_running_since_yesterday_counts_from_first_sight_and_says_so() -> None:
    s = spend()
    first = s.observe(NOON, {IN: 1000, OUT: 200}, {}, started=MIDNIGHT - 3600)
    assert first.usd == 0.0 and not first.whole_day and first.since == NOON
    later = s.observe(NOON + 60, {IN: 1500, OUT: 300}, {}, started=MIDNIGHT - 3600)
    assert later.usd == pytest.approx(usd(500, 100)) and later.since == NOON


def test_without_a_start_time_only_what_is_added_after_first_sight_counts() -> None:
    s = spend()
    assert s.observe(NOON, {IN: 1000}, {}, None).usd == 0.0
    assert s.observe(NOON + 60, {IN: 4000}, {}, None).usd == pytest.approx(usd(3000, 0))


def test_a_series_created_today_counts_whole_though_the_process_is_older() -> None:
    est = spend().observe(NOON, {IN: 1000, OUT: 200}, {IN: NOON - 60, OUT: NOON - 60}, started=MIDNIGHT - 86400)
    assert est.usd == pytest.approx(usd(1000, 200)) and est.whole_day


def test_a_counter_reset_counts_the_new_value_as_increase_like_prometheus() -> None:
    s = spend()
    s.observe(NOON, {IN: 1000}, {}, None)
    s.observe(NOON + 60, {IN: 3000}, {}, None)  # +2000
    est = s.observe(NOON + 120, {IN: 500}, {}, None)  # restarted: 500 since
    assert est.models[0].input_tokens == 2500 and est.usd == pytest.approx(usd(2500, 0))


def test_a_restart_seen_in_the_start_time_counts_the_whole_new_value_even_when_it_is_higher() -> None:
    s = spend()
    s.observe(NOON, {IN: 1000}, {}, started=MIDNIGHT - 3600)
    s.observe(NOON + 60, {IN: 1200}, {}, started=MIDNIGHT - 3600)  # +200
    est = s.observe(NOON + 120, {IN: 5000}, {}, started=NOON + 90)  # a new process, already past the old value
    assert est.models[0].input_tokens == 5200


def test_a_series_appearing_while_watched_started_from_zero() -> None:
    s = spend()
    s.observe(NOON, {IN: 1000}, {}, started=MIDNIGHT - 3600)
    est = s.observe(NOON + 60, {IN: 1000, OUT: 400}, {}, started=MIDNIGHT - 3600)
    assert est.models[0].output_tokens == 400


def test_a_series_gone_and_back_counts_again_from_zero() -> None:
    s = spend()
    s.observe(NOON, {IN: 1000}, {}, None)
    s.observe(NOON + 60, {}, {}, None)  # the process restarted and has not used the model yet
    assert s.observe(NOON + 120, {IN: 1500}, {}, None).models[0].input_tokens == 1500


def test_midnight_starts_the_count_again_and_splits_the_interval_across_it() -> None:
    s = spend()
    tomorrow = MIDNIGHT + 86400
    s.observe(tomorrow - 30, {IN: 1000}, {}, started=MIDNIGHT + 60)
    est = s.observe(tomorrow + 30, {IN: 2000}, {}, started=MIDNIGHT + 60)
    assert est.models[0].input_tokens == 500 and est.whole_day and est.since == tomorrow


def test_an_unknown_model_is_named_not_priced_at_zero() -> None:
    tokens = {IN: 1000, ("mystery-1", "input"): 5000, ("sonnet", "cache_read"): 70}
    est = spend().observe(NOON, tokens, {}, started=NOON - 60)
    assert est.usd == pytest.approx(usd(1000, 0))
    assert est.unpriced == ("mystery-1", "sonnet (cache_read)")
    assert [(m.model, m.usd) for m in est.models] == [("mystery-1", None), ("sonnet", pytest.approx(usd(1000, 0)))]


def test_the_burn_is_the_increase_over_the_last_hour_observed() -> None:
    s = spend()
    s.observe(NOON, {IN: 0}, {}, started=NOON - 1)
    s.observe(NOON + 1800, {IN: 1_000_000}, {}, started=NOON - 1)
    est = s.observe(NOON + 5400, {IN: 3_000_000}, {}, started=NOON - 1)
    assert est.burn_usd_per_h == pytest.approx(6.0)  # the last hour: 2M tokens at $3/M
    assert est.usd == pytest.approx(9.0)


def test_a_scrape_gives_the_counter_per_model_and_direction_its_creation_and_the_process_start() -> None:
    text = (
        "process_start_time_seconds 1.7e9\n"
        'agent_tokens_total{model="sonnet",direction="input"} 1200.0\n'
        'agent_tokens_total{model="sonnet",direction="output"} 300.0\n'
        'agent_tokens_created{model="sonnet",direction="input"} 1.75e9\n'
        'agent_requests_total{model="sonnet",status="success"} 1.0\n'
    )
    sample = parse_exposition(text, MetricsConfig(url="http://x/metrics"), 0.0)
    assert sample.tokens_by == {IN: 1200.0, OUT: 300.0} and sample.tokens == 1500.0
    assert sample.tokens_born == {IN: 1.75e9} and sample.started == 1.7e9
    assert sample.series == 4  # the process's start time is not one of the agent's series


def test_an_estimate_is_its_own_kind_on_the_row_the_fleet_and_the_budgets() -> None:
    """Never added into ledger spend: the row's spend_today_usd stays the ledger's (None here), the fleet's
    estimate stands beside it, and the budgets judge it saying it is an estimate."""
    cfg, _ = parse_config(
        "budgets: {daily_usd: 10}\nservices:\n  - name: est\n    metrics: {url: 'http://x/m'}\n"
        "    budgets: {daily_usd: 0.001}\n  - name: led\n    ledger: {path: /l}\n",
        "t.yaml",
        {},
    )
    state = FleetState(cfg)
    day = SpendSummary(day=dt.date.fromtimestamp(NOON).isoformat(), now=NOON, today=SpendRow("today", usd=2.0))
    state.apply("ledger:/l", LedgerResult(at=NOON, spend_today={"led": 2.0}, calls_today={"led": 3}, summary=day))
    est = spend().observe(NOON, {IN: 1000, OUT: 200}, {}, started=MIDNIGHT + 60)
    state.apply("metrics:est", MetricsResult(at=NOON, elapsed_s=0.01, spend_estimate=est))
    snap = state.snapshot(NOON)
    row = snap.services[0]
    assert row.spend_today_usd is None and row.spend_estimate == est
    assert snap.spend_today_usd == 2.0 and snap.spend_estimate_usd == pytest.approx(usd(1000, 200))
    assert row.budget is not None and row.budget.status is Status.CRIT and row.budget.estimated_usd == est.usd
    assert row.reason == f"daily budget {row.budget.today_usd / 0.001:.0%} (≈$0.0060 est. of $0.0010)"
    fleet = snap.budget  # the ledger's and the estimate together, the estimated part said
    assert fleet is not None and fleet.today_usd == pytest.approx(2.0 + est.usd) and fleet.estimated_usd == est.usd
    alone = fleet_budget(cfg, None, (est,))
    assert alone is not None and alone.today_usd == est.usd and alone.estimated_usd == est.usd
