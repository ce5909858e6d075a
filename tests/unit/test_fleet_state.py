"""FleetState routes results to services and keeps bounded history for sparklines and the detail screen."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

from probes.config.load import parse_config
from probes.fleet.state import FleetState
from probes.model import HealthResult, LedgerResult, MetricsDerived, MetricsResult, ProbeError, Status
from probes.sources.ledger.probe import LedgerProbe
from probes.view import HISTORY, SAMPLES

CFG, _ = parse_config(
    "daily_budget_usd: 10\nservices:\n"
    "  - name: a\n    health: {url: 'http://x/h'}\n    metrics: {url: 'http://x/m'}\n    ledger: {path: /l}\n"
    "  - name: b\n    health: {url: 'http://y/h'}\n    ledger: {path: /l, service: bee}\n",
    "t.yaml",
    {},
)


def metrics(p95: float, err: float) -> MetricsResult:
    return MetricsResult(at=0, elapsed_s=0.01, derived=MetricsDerived(latency_p95_s=p95, error_rate=err))


def test_initial_views_wait_for_the_first_poll() -> None:
    snap = FleetState(CFG).snapshot()
    assert [(v.name, v.status, v.reason) for v in snap.services] == [
        ("a", Status.UNKNOWN, "waiting for first poll"),
        ("b", Status.UNKNOWN, "waiting for first poll"),
    ]


def test_history_and_samples_reach_the_view_and_stay_bounded() -> None:
    state = FleetState(CFG)
    state.apply("health:a", HealthResult(at=0, elapsed_s=0.01, http_status=200, status="healthy"))
    for i in range(HISTORY + 15):
        assert state.apply("metrics:a", metrics(1.0 + i, 0.01)) == ["a"]
        state.snapshot()  # a round: the row is built, with a history sample, when a snapshot reads it
    view = state.snapshot().services[0]
    latency = view.series("latency")
    assert len(latency) == HISTORY and latency[-1] == 1.0 + HISTORY + 14
    assert len(view.series("errors")) == HISTORY
    assert len(view.samples) == SAMPLES
    assert view.latency_p95_s == 1.0 + HISTORY + 14


def test_unchanged_services_keep_the_same_view_object() -> None:
    state = FleetState(CFG)
    before = state.snapshot()
    state.apply("health:a", HealthResult(at=0, elapsed_s=0.01, http_status=200, status="healthy"))
    after = state.snapshot()
    assert after.services[1] is before.services[1]
    assert after.services[0] is not before.services[0]


def test_ledger_routes_by_record_service_and_sums_the_fleet() -> None:
    state = FleetState(CFG)
    r = LedgerResult(at=0, spend_today={"a": 1.5, "bee": 2.0, "other": 9.0}, calls_today={"a": 3, "bee": 4})
    assert sorted(state.apply("ledger:/l", r)) == ["a", "b"]
    snap = state.snapshot()
    assert [v.spend_today_usd for v in snap.services] == [1.5, 2.0]
    assert snap.spend_today_usd == 3.5 and snap.daily_budget_usd == 10
    state.apply("ledger:/l", LedgerResult(at=1, spend_today={"a": 2.0, "bee": 2.0}))
    assert state.snapshot().services[0].series("spend") == (0.5,)


def test_last_error_is_kept_after_recovery() -> None:
    state = FleetState(CFG)
    state.apply("health:b", HealthResult(at=5, elapsed_s=1, error=ProbeError("refused", "connection refused")))
    assert state.snapshot().services[1].status is Status.CRIT
    state.apply("health:b", HealthResult(at=6, elapsed_s=0.01, http_status=200, status="healthy"))
    view = state.snapshot().services[1]
    assert view.status is Status.OK
    assert (view.last_error, view.last_error_at) == ("health: connection refused", 5)


def test_ledger_only_service_is_judged_by_its_ledger() -> None:
    cfg, _ = parse_config("services:\n  - name: c\n    ledger: {path: /l}\n", "t.yaml", {})
    state = FleetState(cfg)
    assert state.snapshot().services[0].reason == "waiting for first poll"
    state.apply("ledger:/l", LedgerResult(at=0, spend_today={"c": 1.0}, calls_today={"c": 2}))
    view = state.snapshot().services[0]
    assert (view.status, view.reason) == (Status.OK, "ledger only")


def test_a_ledger_that_cannot_be_read_warns_beside_a_health_check() -> None:
    state = FleetState(CFG)
    state.apply("health:b", HealthResult(at=5, elapsed_s=0.01, http_status=200, status="healthy"))
    state.apply("ledger:/l", LedgerResult(at=5, error=ProbeError("error", "/l is a FIFO, not a regular file")))
    view = state.snapshot().services[1]
    assert (view.status, view.reason) == (Status.WARN, "ledger: /l is a FIFO, not a regular file")
    assert view.spend_partial and view.spend_today_usd is None


def test_spend_read_in_part_is_flagged_and_an_unbroken_budget_is_unknown(tmp_path: Path) -> None:
    ledger = tmp_path / "l.jsonl"
    now = dt.datetime.now().astimezone().isoformat()
    ledger.write_text(json.dumps({"timestamp": now, "service": "c", "model": "m", "cost_usd": 1.0}) + "\n")
    whole = LedgerProbe(str(ledger), 2, 1).read()
    cfg, _ = parse_config(
        "budgets: {daily_usd: 10}\nservices:\n  - name: c\n    health: {url: 'http://x/h'}\n"
        "    budgets: {daily_usd: 5}\n    ledger: {path: /l}\n",
        "t.yaml",
        {},
    )
    state = FleetState(cfg)
    state.apply("health:c", HealthResult(at=5, elapsed_s=0.01, http_status=200, status="healthy"))
    state.apply("ledger:/l", dataclasses.replace(whole, backlog=True, progress=(512 << 20, 2 << 30), read_s=8.0))
    snap = state.snapshot()
    view = snap.services[0]
    assert view.spend_partial and view.spend_today_usd == 1.0
    assert view.status is Status.UNKNOWN
    assert view.reason.startswith("spend incomplete (read 512 MB of 2.0 GB in 8.0s)")
    assert snap.spend_partial and snap.spend_notes == ("/l: read 512 MB of 2.0 GB in 8.0s; spend incomplete",)
    state.apply("ledger:/l", whole)
    snap = state.snapshot()
    assert (snap.services[0].status, snap.services[0].spend_partial, snap.spend_partial) == (Status.OK, False, False)


def test_unhealthy_answer_is_the_last_error_with_its_cause() -> None:
    from probes.sources.health.probe import parse_health

    state = FleetState(CFG)
    body = b'{"status": "unhealthy", "checks": {"db": true}, "message": "error rate 31% over 60s"}'
    state.apply("health:b", parse_health(503, body, 7, 0.01))
    view = state.snapshot().services[1]
    assert (view.status, view.reason) == (Status.CRIT, "unhealthy (HTTP 503; error rate 31% over 60s)")
    assert (view.last_error, view.last_error_at) == ("health: unhealthy (HTTP 503; error rate 31% over 60s)", 7)
