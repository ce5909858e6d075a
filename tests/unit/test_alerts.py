"""Built-in alert rules over synthetic series with an injected clock: pending -> firing -> resolved, per rule."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from probes.config.load import parse_config
from probes.fleet.alerts import DEFAULTS, FLEET, AlertEngine, _Window, resolve_rules
from probes.fleet.state import FleetState
from probes.model import HealthResult, ProbeError, Status
from probes.view import ServiceView

STEP = 10.0  # seconds between evaluations (a poll round)


@dataclasses.dataclass(frozen=True)
class LimitedView(ServiceView):
    """What the Docker/systemd backends add: a memory limit next to the memory in use."""

    memory_limit_bytes: int | None = None


def view(**fields: Any) -> ServiceView:
    cls = LimitedView if "memory_limit_bytes" in fields else ServiceView
    return cls(name="svc", kind="agent", description="", status=Status.OK, reason="", updated=0.0, interval=2.0,
               **fields)  # fmt: skip


def engine(extra: str = "") -> AlertEngine:
    text = f"services:\n  - name: svc\n    health: {{url: 'http://x/h'}}\n    budgets: {{daily_usd: 24}}\n{extra}"
    cfg, _ = parse_config(text, "t.yaml", {})
    return AlertEngine(cfg)


NORMAL_TOKENS = {"tokens_per_min": 600.0, "requests_per_s": 1.0}  # 10 tokens per request
# rule -> (fields that break it, fields that are fine)
CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "latency_p95": ({"latency_p95_s": 14.0}, {"latency_p95_s": 1.2}),
    "error_rate": ({"error_rate": 0.30}, {"error_rate": 0.0}),
    "errors_per_s": ({"error_rate": 0.10, "requests_per_s": 2.0}, {"error_rate": 0.01, "requests_per_s": 2.0}),
    "tokens_per_request": ({"tokens_per_min": 1800.0, "requests_per_s": 1.0}, NORMAL_TOKENS),
    "memory": ({"rss_bytes": 900, "memory_limit_bytes": 1000}, {"rss_bytes": 100, "memory_limit_bytes": 1000}),
    "model_latency": (
        {"checks": (("model_proxy", {"ok": True, "latency_ms": 7200.0}),)},
        {"checks": (("model_proxy", {"ok": True, "latency_ms": 80.0}),)},
    ),
    "cost_hourly": ({"cost_hourly_usd": 3.0}, {"cost_hourly_usd": 0.5}),  # budget 24/day = 1/h
    "cost_spike": ({"cost_hourly_usd": 12.5}, {"cost_hourly_usd": 9.0}),  # the guide's $10/h, budget or not
    "breaker_open": ({"breakers": (("anthropic", "open"),)}, {"breakers": (("anthropic", "closed"),)}),
    "down": ({"prometheus_up": 0.0}, {"prometheus_up": 1.0}),
    "rate_limited": ({"rate_limits_5m": 3, "sources": ("logs",)}, {"rate_limits_5m": 0, "sources": ("logs",)}),
    "health_unreachable": ({"health_error_kind": "refused"}, {"health_http_status": 200}),
}


# $12.5/h is also over the budget's pace; errors_per_s is off unless asked for (error_rate would fire beside it)
ONLY = {
    "cost_spike": "    alerts: {cost_hourly: {enabled: false}}\n",
    "errors_per_s": "    alerts: {errors_per_s: {enabled: true}, error_rate: {enabled: false}}\n",
}


def run(e: AlertEngine, fields: dict[str, Any], start: float, seconds: float, rule: str) -> list[tuple[float, str]]:
    """Evaluate every STEP seconds; the states of `rule` on svc over time (absent = 'none')."""
    out = []
    t = start
    while t < start + seconds:
        alerts = [a for a in e.evaluate([view(**fields)], t) if a.service == "svc" and a.name == rule]
        out.append((t, alerts[0].state if alerts else "none"))
        t += STEP
    return out


@pytest.mark.parametrize("rule", list(CASES))
def test_each_default_rule_goes_pending_then_firing_then_resolved(rule: str) -> None:
    bad, good = CASES[rule]
    spec = DEFAULTS[rule]
    e = engine(ONLY.get(rule, ""))
    t0 = 1_000_000.0
    if rule == "tokens_per_request":  # its baseline is the service's own average: 20 minutes of normal use first
        assert {s for _, s in run(e, good, t0 - 1200, 1200, rule)} == {"none"}
    states = run(e, bad, t0, spec.for_s + 3 * STEP, rule)
    first_firing = next(t for t, s in states if s == "firing")
    assert first_firing - t0 == pytest.approx(spec.for_s, abs=STEP)  # fires after `for`, not before
    if spec.for_s > 0:
        assert states[0][1] == "pending" and all(s == "pending" for t, s in states if t < first_firing)
    alert = next(a for a in e.evaluate([view(**bad)], states[-1][0] + STEP) if a.name == rule)
    assert alert.since == t0 and alert.state == "firing" and alert.summary
    assert alert.status is (Status.CRIT if spec.severity == "critical" else Status.WARN)
    after = run(e, good, states[-1][0] + 2 * STEP, 900, rule)
    resolved_at = next(t for t, s in after if s == "none")
    assert all(s == "none" for t, s in after if t >= resolved_at)  # resolved stays resolved
    if spec.window_s == 0:
        assert resolved_at == after[0][0]  # at the first good value
    assert [a.name for a, _ in e.resolved] == [rule]


def test_error_rate_averages_over_its_window_so_one_bad_poll_is_not_an_alert() -> None:
    e = engine()
    t0 = 0.0
    run(e, {"error_rate": 0.0}, t0, 290, "error_rate")
    states = run(e, {"error_rate": 0.5}, 290, 10, "error_rate")  # 1 of 30 samples: average 1.7%
    assert states == [(290, "none")]
    states = run(e, {"error_rate": 0.5}, 300, 30, "error_rate")  # a few more: average above 5%
    assert states[-1][1] == "pending"


def test_rules_without_their_data_stay_inactive() -> None:
    e = engine()
    assert e.evaluate([view(rss_bytes=10**12)], 0.0) == ()  # memory without a limit: no alert
    assert e.evaluate([view(tokens_per_min=9e9, requests_per_s=1.0)], 0.0) == ()  # no 24 h baseline yet
    assert e.evaluate([view(health_error_kind="http")], 0.0) == ()  # it answered (with an error): reachable
    assert e.evaluate([view()], 1e6) == ()


def test_service_settings_win_key_by_key_over_the_fleets() -> None:
    extra = (
        "    alerts: {latency_p95: {threshold: 20}, breaker_open: {enabled: false}}\n"
        "alerts: {latency_p95: {for_s: 5, severity: critical}, error_rate: {window_s: 0}}\n"
    )
    e = engine(extra)
    rules = e.rules["svc"]
    assert (rules["latency_p95"].threshold, rules["latency_p95"].for_s, rules["latency_p95"].severity) == (
        20.0, 5.0, "critical",
    )  # fmt: skip
    assert not rules["breaker_open"].enabled and rules["error_rate"].window_s == 0
    assert resolve_rules() == DEFAULTS
    assert e.evaluate([view(breakers=(("x", "open"),), latency_p95_s=15.0)], 0.0) == ()


def test_fleet_cost_against_the_fleet_budget() -> None:
    cfg, _ = parse_config(
        "budgets: {daily_usd: 48}\nalerts: {cost_hourly: {for_s: 0}}\nservices:\n  - name: a\n  - name: b\n", "t", {}
    )
    e = AlertEngine(cfg)
    views = [dataclasses.replace(view(cost_hourly_usd=2.5), name=n) for n in ("a", "b")]
    (alert,) = e.evaluate(views, 0.0)
    assert alert.service == FLEET and alert.state == "firing" and alert.value == pytest.approx(2.5)


def test_firing_alerts_reach_the_row_and_the_snapshot() -> None:
    cfg, _ = parse_config(
        "alerts: {health_unreachable: {for_s: 30}}\nservices:\n  - name: a\n    health: {url: 'http://x/h'}\n", "t", {}
    )
    state = FleetState(cfg)
    state.apply("health:a", HealthResult(at=0, elapsed_s=0.1, error=ProbeError("timeout", "no answer within 1s")))
    snap = state.snapshot(now=100.0)
    assert [a.state for a in snap.alerts] == ["pending"]
    assert snap.services[0].status is Status.UNKNOWN and snap.services[0].alerts == snap.alerts
    same = state.snapshot(now=110.0)
    assert same.services[0] is snap.services[0]  # unchanged rows keep their object (the table skips them)
    snap = state.snapshot(now=131.0)
    assert [a.state for a in snap.firing()] == ["firing"]
    row = snap.services[0]
    assert row.status is Status.CRIT and row.reason.startswith("alert health_unreachable")
    state.apply("health:a", HealthResult(at=1, elapsed_s=0.1, http_status=200, status="healthy"))
    snap = state.snapshot(now=140.0)
    assert snap.alerts == () and snap.services[0].status is Status.OK


def test_a_window_mean_is_the_plain_mean_of_its_points_after_many_steps() -> None:
    rng = random.Random(7)
    window = _Window()
    kept: list[tuple[float, float]] = []
    for step in range(5000):
        now = step * 2.0
        value = rng.choice([0.0, 1e-9, 0.1, 0.3, 1e6 * rng.random()])
        kept = [(t, v) for t, v in [*kept, (now, value)] if t >= now - 300.0]
        mean = window.mean_after(now, value, now - 300.0)
        assert len(window.points) == len(kept) == min(step + 1, 151)
        assert mean == pytest.approx(sum(v for _, v in kept) / len(kept), rel=1e-9, abs=1e-9)


def test_one_burn_rate_for_the_spend_screen_and_the_cost_alerts() -> None:
    """The ledgers' spend over the last hour is the burn: the `$` headline and the fleet's and a service's cost
    alerts read that one number, named the same way, even while the services' own estimates say otherwise."""
    import datetime as dt

    from agentops_tui.presentation import Palette
    from agentops_tui.presentation.spend import headline
    from probes.model import BURN_WINDOW, LedgerResult, MetricsResult
    from probes.spend.book import SpendBook
    from probes.spend.prices import PriceBook

    now = dt.datetime.combine(dt.date.today(), dt.time(12, 30)).timestamp()
    cfg, _ = parse_config(
        "budgets: {daily_usd: 24}\nalerts: {cost_hourly: {for_s: 0}}\nservices:\n"
        "  - name: a\n    health: {url: 'http://x/h'}\n    ledger: {path: /l}\n    budgets: {daily_usd: 12}\n"
        "  - name: b\n    health: {url: 'http://y/h'}\n    ledger: {path: /l}\n",
        "t",
        {},
    )
    book = SpendBook(PriceBook({}, lookup=lambda m, i, o: None), clock=lambda: now)
    book.add(int(now - 600) // 60 * 60, "a", "m", "x", "t1", 3.0, 10, 10)  # $3 and $2 in the last hour
    book.add(int(now - 300) // 60 * 60, "b", "m", "x", "t2", 2.0, 10, 10)
    summary = book.summary()
    assert summary.burn_usd_per_h == pytest.approx(5.0)
    state = FleetState(cfg)
    for name in ("a", "b"):
        state.apply(f"health:{name}", HealthResult(at=0, elapsed_s=0.1, http_status=200, status="healthy"))
        # What the services' own agent_cost_estimate_hourly says (their last minute's pace).
        state.apply(f"metrics:{name}", MetricsResult(at=0, elapsed_s=0.01, cost_hourly_usd=13.0))
    state.ledger_routes = {"/l": [("a", "a"), ("b", "b")]}
    state.apply("ledger:/l", LedgerResult(at=now, spend_today={"a": 3.0, "b": 2.0}, summary=summary))
    snap = state.snapshot(now=now)
    fleet = next(a for a in snap.alerts if a.service == FLEET)
    assert fleet.value == pytest.approx(5.0)  # $5/h against $1/h, not 26/h
    assert fleet.summary == f"fleet burn ({BURN_WINDOW}) $5.00/h = 5x the hourly budget ($1.00)"
    mine = next(a for a in snap.alerts if a.service == "a" and a.name == "cost_hourly")
    assert mine.summary == f"burn ({BURN_WINDOW}) $3.00/h = 6x the hourly budget ($0.50)"
    assert f"burn ({BURN_WINDOW}) $5.00/h" in headline(summary, snap.budget, Palette()).plain


def test_a_cause_is_named_once_in_the_reason() -> None:
    """A firing alert that says what the row already says: `alert breaker_open (breaker open: anthropic);
    degraded`, not `...; degraded; breaker open: anthropic` as well."""
    cfg, _ = parse_config("services:\n  - name: a\n    health: {url: 'http://x/h'}\n", "t", {})
    state = FleetState(cfg)
    health = HealthResult(at=0, elapsed_s=0.1, http_status=200, status="degraded", breakers={"anthropic": "open"})
    state.apply("health:a", health)
    row = state.snapshot(now=100.0).services[0]
    assert row.reason == "alert breaker_open (breaker open: anthropic); degraded"
    assert row.reason.count("breaker open: anthropic") == 1


def test_the_guides_expr_as_written_is_off_unless_asked_for() -> None:
    """errors_per_s counts failed requests per second, as the guide's expr does; off by default, since its summary
    (and error_rate) mean a share: at 20 requests/s, 1% of them failing is 0.2/s, over the expr's 0.05."""
    busy = {"error_rate": 0.01, "requests_per_s": 20.0}
    assert {a.name for a in engine().evaluate([view(**busy)], 0.0)} == set()
    states = run(engine(ONLY["errors_per_s"]), busy, 0.0, 10, "errors_per_s")
    assert states[0][1] == "pending"
