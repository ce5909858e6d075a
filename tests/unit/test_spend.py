"""Aggregates in bounded memory: today, burn, projection, 7-day average, month, runaways, caps; budgets."""

from __future__ import annotations

import datetime as dt
import tracemalloc

import pytest

from probes.config import BudgetConfig, FleetConfig, ServiceConfig
from probes.model import Status
from probes.spend import book as spend
from probes.spend.book import SpendBook
from probes.spend.budget import evaluate_budget, fleet_budget, fleet_budgets
from probes.spend.prices import PriceBook
from probes.spend.summary import merge, retier

NOON = dt.datetime.combine(dt.date.today(), dt.time(12, 30)).timestamp()


def minute(ts: float) -> int:
    return int(ts) // 60 * 60


def book_at(now: float) -> SpendBook:
    return SpendBook(PriceBook({}, lookup=lambda m, i, o: None), clock=lambda: now)


def test_today_month_burn_projection_and_average() -> None:
    b = book_at(NOON)
    b.add(minute(NOON - 600), "a", "m", "x", "t1", 3.0, 10, 10)  # this hour
    b.add(minute(NOON - 3600), "a", "m", "x", "t2", 2.0, 10, 10)  # last hour: half of it counts toward burn
    b.add(minute(NOON - 2 * 86400), "a", "m", "x", "t3", 7.0, 10, 10)  # two days ago
    b.add(minute(NOON - 6 * 86400), "b", "m", "x", "t4", 7.0, 10, 10)
    b.add(minute(NOON - 100 * 86400), "a", "m", "x", "t5", 99.0, 10, 10)  # past retention
    s = b.summary()
    assert s.today.usd == 5.0 and s.today.calls == 2
    assert s.burn_usd_per_h == pytest.approx(3.0 + 2.0 * 0.5)
    assert s.projected_usd == pytest.approx(5.0 + 4.0 * 11.5)
    assert s.avg7_usd == pytest.approx(14.0 / 6)  # six days since the first record, before today
    assert s.above_average
    assert sum(s.hourly) == 5.0 and len(s.hourly) == 13
    first = dt.date.today().replace(day=1)
    in_month = [d for d in (2, 6) if (dt.date.today() - dt.timedelta(days=d)) >= first]
    assert s.month_usd == pytest.approx(5.0 + 7.0 * len(in_month))
    assert b.dropped_old == 1
    assert s.service("a") is not None and s.service("b") is not None


def test_computed_and_reported_cost_are_kept_apart() -> None:
    b = SpendBook(PriceBook(lookup=lambda m, i, o: (i + o) / 1e6 if m == "known" else None), clock=lambda: NOON)
    b.add(minute(NOON), "a", "known", "x", "", None, 1000, 0)
    b.add(minute(NOON), "a", "known", "x", "", 0.5, 1000, 0)
    b.add(minute(NOON), "a", "mystery", "x", "", None, 1000, 0)
    s = b.summary()
    assert s.today.reported_usd == 0.5 and s.today.computed_usd == pytest.approx(0.001)
    assert s.today.unpriced_calls == 1
    assert {r.name: r.tier for r in s.models}["mystery"] == "unpriced"


def test_runaway_task_far_above_its_type_median() -> None:
    b = book_at(NOON)
    for i in range(10):
        b.add(minute(NOON), "writer", "m", "write", f"w{i}", 0.01, 10, 10)
    for _ in range(60):
        b.add(minute(NOON), "summarizer", "m", "summarize", "loop-1", 0.02, 10, 10)
    for i in range(6):
        b.add(minute(NOON), "summarizer", "m", "summarize", f"s{i}", 0.02, 10, 10)
    runaways = b.summary().runaways
    assert [r.task_id for r in runaways] == ["loop-1"]
    r = runaways[0]
    assert r.service == "summarizer" and r.calls == 60 and r.cost_factor == pytest.approx(60)


def test_memory_is_bounded_by_caps_not_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spend, "MAX_TASKS", 100)
    b = book_at(NOON)
    for i in range(5000):
        b.add(minute(NOON - (i % 3000)), f"svc{i}", f"model{i}", "x", f"task{i}", 0.001 * (i % 50), 1, 1)
    assert len(b._labels["service"]) == spend.MAX_LABELS["service"]
    assert len(b._labels["model"]) == spend.MAX_LABELS["model"]
    assert len(b.tasks) <= 100
    assert len(b.hours) <= 2 * 50 * (spend.MAX_LABELS["service"] + 1)
    s = b.summary()
    assert s.today.calls == 5000 and any(r.name == spend.OTHER for r in s.models)


def test_a_busy_days_task_table_costs_at_most_its_share_of_the_dashboards_memory() -> None:
    """Memory flat over a working day: the demo's 50 agents start ~700 tasks a minute, so the table fills within
    the day whatever its cap; full, it must cost under 2% of the dashboard's ~95 MB, or filling it late in the day
    is growth an operator sees."""
    b = book_at(NOON)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(30_000):  # ids shaped like the demo's (agent name, 10 hex digits)
            b.add(minute(NOON), f"agent-{i % 50:03d}", "m", "write", f"agent-{i % 50:03d}-{i:010x}", 0.001, 1, 1)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(b.tasks) <= spend.MAX_TASKS
    assert grown < 1.9e6, f"{grown / 1e6:.1f} MB for {len(b.tasks)} tasks"


def test_label_text_from_outside_is_cleaned() -> None:
    b = book_at(NOON)
    b.add(minute(NOON), "evil\x1b[31m", "m", "x", "t\x1b]0;x\x07", 1.0, 1, 1)
    s = b.summary()
    assert "\x1b" not in s.services[0].name


def test_merge_sums_ledgers() -> None:
    a, c = book_at(NOON), book_at(NOON)
    a.add(minute(NOON), "a", "m", "x", "", 1.0, 1, 1)
    c.add(minute(NOON), "a", "m", "x", "", 2.0, 1, 1)
    c.add(minute(NOON), "b", "m", "x", "", 4.0, 1, 1)
    m = merge([a.summary(), c.summary()])
    assert m is not None and m.today.usd == 7.0
    assert {r.name: r.usd for r in m.services} == {"a": 3.0, "b": 4.0}
    assert merge([]) is None


def test_budget_levels_and_time_until_reached() -> None:
    b = BudgetConfig(daily_usd=10.0, monthly_usd=100.0)
    assert evaluate_budget(b, 7.9, 10, 0, 3600).status is Status.OK
    warn = evaluate_budget(b, 8.0, 10, 1.0, 3 * 3600)
    assert warn.status is Status.WARN and warn.reason.startswith("daily budget 80%")
    assert warn.exhausted_in_s == pytest.approx(2 * 3600)
    crit = evaluate_budget(b, 5.0, 100.0, 0, 3600)
    assert crit.status is Status.CRIT and "monthly budget 100%" in crit.reason
    assert evaluate_budget(b, 10.0, 10, 0, 3600).exhausted_in_s == 0
    assert evaluate_budget(b, 1.0, 10, 0.1, 3600).exhausted_in_s is None  # not today at this rate


def test_fleet_budget_falls_back_to_daily_budget_usd() -> None:
    cfg = FleetConfig(services=[ServiceConfig(name="a")], daily_budget_usd=20.0)
    assert fleet_budgets(cfg).daily_usd == 20.0
    b = book_at(NOON)
    b.add(minute(NOON), "a", "m", "x", "", 19.0, 1, 1)
    state = fleet_budget(cfg, b.summary())
    assert state is not None and state.status is Status.WARN


def test_service_over_its_budget_shows_it_on_its_row() -> None:
    from probes.fleet.state import FleetState
    from probes.model import HealthResult, LedgerResult

    cfg = FleetConfig(
        services=[ServiceConfig(name="a", budgets=BudgetConfig(daily_usd=1.0)), ServiceConfig(name="b")],
    )
    state = FleetState(cfg)
    state.apply("health:a", HealthResult(at=0, elapsed_s=0.01, http_status=200, status="healthy"))
    b = book_at(NOON)
    b.add(minute(NOON), "a", "m", "x", "", 1.2, 1, 1)
    b.add(minute(NOON), "b", "m", "x", "", 5.0, 1, 1)
    s = b.summary()
    state.ledger_routes = {"/l": [("a", "a"), ("b", "b")]}
    state.apply("ledger:/l", LedgerResult(at=1, spend_today={"a": 1.2, "b": 5.0}, summary=s))
    snap = state.snapshot()
    a = snap.services[0]
    assert a.status is Status.CRIT and a.reason == "daily budget 120% ($1.20 of $1.00)"
    assert snap.spend is s and snap.budget is not None


def test_runaways_between_median_refreshes_check_the_touched_tasks() -> None:
    """Medians are cached for RUNAWAY_REFRESH_S; a task that runs away in between is still caught at once."""
    now = [NOON]
    b = SpendBook(PriceBook({}, lookup=lambda m, i, o: None), clock=lambda: now[0])
    for i in range(40):
        b.add(minute(NOON), "writer", "m", "write", f"w{i}", 0.01, 10, 10)
    assert b.summary().runaways == ()
    now[0] += 1
    for _ in range(30):
        b.add(minute(NOON), "writer", "m", "write", "w7", 0.01, 10, 10)
    assert [r.task_id for r in b.summary().runaways] == ["w7"]
    now[0] += 1
    assert [r.task_id for r in b.summary().runaways] == ["w7"]  # still listed with nothing touched
    now[0] += spend.RUNAWAY_REFRESH_S
    assert [r.task_id for r in b.summary().runaways] == ["w7"]  # and after the medians are taken again


def test_configured_model_tiers_win_over_the_cost_heuristic() -> None:
    """The guide names three tiers; Sonnet and Opus cost alike per token and the heuristic put them in one."""
    b = book_at(NOON)
    for i, (model, usd) in enumerate([("claude-haiku-4", 0.1), ("claude-sonnet-4", 6.0), ("claude-opus-4", 9.0),
                                       ("llama-local", 0.0)]):  # fmt: skip
        b.add(minute(NOON - 60), "a", model, "x", f"t{i}", usd, 1_000_000, 0)
    s = b.summary()
    assert {m.name: m.tier for m in s.models}["claude-opus-4"] == {m.name: m.tier for m in s.models}["claude-sonnet-4"]
    tiers = {"fast": ["claude-haiku*"], "standard": ["claude-sonnet*"], "complex": ["claude-opus*", "claude-opus-4"]}
    r = retier(s, tiers)
    assert {m.name: m.tier for m in r.models} == {
        "claude-haiku-4": "fast", "claude-sonnet-4": "standard", "claude-opus-4": "complex", "llama-local": "unpriced"
    }  # fmt: skip
    assert {t.name: t.usd for t in r.tiers} == {"fast": 0.1, "standard": 6.0, "complex": 9.0, "unpriced": 0.0}
    assert r.today == s.today and sum(t.calls for t in r.tiers) == 4


def test_a_summary_between_polls_equals_one_of_everything_read_at_once() -> None:
    """Each poll's summary takes only the buckets its records touched; it must equal a book that read it all."""
    now = [NOON]
    polled = SpendBook(PriceBook({}, lookup=lambda m, i, o: None), clock=lambda: now[0])
    records = [
        (minute(NOON - 3600 * (i % 30) - 60 * (i % 7)), f"svc{i % 5}", f"m{i % 3}", f"t{i % 4}", f"task{i % 40}",
         0.01 * (i % 13) if i % 9 else None, 100 + i, 10 + i)
        for i in range(600)
    ]  # fmt: skip
    for n, rec in enumerate(records):
        polled.add(*rec)
        if n % 50 == 49:
            polled.summary()
    whole = SpendBook(PriceBook({}, lookup=lambda m, i, o: None), clock=lambda: now[0])
    for rec in records:
        whole.add(*rec)
    a, b = polled.summary(), whole.summary()
    assert a.today.usd == pytest.approx(b.today.usd) and a.today.calls == b.today.calls
    assert a.burn_usd_per_h == pytest.approx(b.burn_usd_per_h) and a.month_usd == pytest.approx(b.month_usd)
    assert a.hourly == pytest.approx(b.hourly)
    for mine, theirs in ((a.services, b.services), (a.models, b.models), (a.task_types, b.task_types)):
        assert [(r.name, r.calls, r.input_tokens) for r in mine] == [(r.name, r.calls, r.input_tokens) for r in theirs]
        assert [r.usd for r in mine] == pytest.approx([r.usd for r in theirs])
    now[0] = NOON + 86400  # the next day: today's sums start again
    polled.add(minute(now[0]), "svc0", "m0", "t0", "task-x", 1.0, 1, 1)
    assert polled.summary().today.usd == 1.0 and polled.summary().today.calls == 1
