"""LiteLLM metrics (recorded from the real 1.106.12 proxy), its spend logs shape and the queue rules, no servers."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest
from rich.console import Console

from agentops_tui.presentation import Palette
from agentops_tui.presentation.detail import detail_renderable
from probes.config import LiteLLMConfig, QueueConfig
from probes.config.load import ConfigError, parse_config
from probes.fleet.alerts import AlertEngine
from probes.model import HealthResult, MetricsResult, QueueResult, Status
from probes.sources.litellm.probe import LiteLLMProbe, deployments_of, parse_own
from probes.sources.litellm.spendlogs import read_spend_logs, spend_log_rows
from probes.sources.queue.probe import QueueProbe, _Point, _unreachable
from probes.sources.queue.status import queue_verdicts
from probes.spend.book import SpendBook
from probes.view import ServiceView

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "litellm_metrics_failing.txt"


def test_recorded_proxy_metrics_give_deployments_spend_and_budgets() -> None:
    own = parse_own(FIXTURE.read_text())
    (dep,) = deployments_of(own)
    assert (dep.name, dep.state) == ("gpt-4o-mini", "half_open")  # litellm_deployment_state 1: partial outage
    assert dep.failures == 11
    (key,) = own.spend
    assert key == ("gpt-4o-mini", "master key")
    usd, requests, tin, tout = own.spend[key]
    assert (requests, tin, tout) == (3, 300, 60) and abs(usd - 8.1e-05) < 1e-12
    assert own.budgets == {}  # +Inf: the master key has no budget


def test_spend_feed_counts_increases_and_survives_a_proxy_restart() -> None:
    now = [1_800_000_000.0]
    probe = LiteLLMProbe("p", LiteLLMConfig(url="http://x"), None, 2.0, 1.0, 1 << 20, clock=lambda: now[0])  # type: ignore[arg-type]
    own = parse_own(FIXTURE.read_text())
    first = probe._feed(own)
    assert first is not None and first.today.calls == 3
    again = probe._feed(own)  # nothing new
    assert again is not None and again.today.calls == 3
    own.spend[("gpt-4o-mini", "master key")] = [2.7e-05, 1.0, 100.0, 20.0]  # restarted: counters from zero
    after = probe._feed(own)
    assert after is not None and after.today.calls == 4 and after.today.input_tokens == 400


def test_spend_logs_documented_shapes_become_records() -> None:
    """Rows as SpendLogsPayload in litellm 1.106.12 (proxy/_types.py): metadata is a JSON string there."""
    start = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat()
    row = {
        "request_id": "chatcmpl-1", "call_type": "acompletion", "api_key": "88dc28d0f030c5", "spend": 0.0081,
        "total_tokens": 1500, "prompt_tokens": 1200, "completion_tokens": 300, "startTime": start,
        "endTime": start, "completionStartTime": None, "model": "claude-sonnet-4", "model_id": "m1",
        "model_group": "agent-default", "api_base": "https://api.anthropic.com", "user": "",
        "metadata": json.dumps({"user_api_key_alias": "planner", "user_api_key": "88dc28d0f030c5"}),
        "cache_hit": "False", "cache_key": "", "request_tags": "[]", "team_id": None, "end_user": None,
        "session_id": "t-42", "status": "success",
    }  # fmt: skip
    book = SpendBook()
    assert read_spend_logs([row, {"nonsense": 1}, "x"], book) == (1, 2)
    s = book.summary()
    assert [r.name for r in s.services] == ["planner"] and s.today.usd == 0.0081
    assert [r.name for r in s.task_types] == ["acompletion"]
    v2 = {"data": [row, row], "total": 2, "page": 1, "page_size": 50, "total_pages": 1}
    assert len(spend_log_rows(v2)) == 2 and spend_log_rows({"error": "no db"}) == []


def _cfg(**kw: object) -> QueueConfig:
    return QueueConfig(redis_url="redis://x", keys=["q"], **kw)  # type: ignore[arg-type]


def test_queue_stall_needs_growth_without_dequeues() -> None:
    probe = QueueProbe("q", _cfg(dequeued_counter="d"), 1.0, 0.5)
    assert probe._stalled(_Point(0.0, 5, None, 10.0)) is None
    assert probe._stalled(_Point(1.0, 8, None, 12.0)) is None  # dequeues happened
    assert probe._stalled(_Point(2.0, 8, None, 12.0)) is None  # flat: not growing
    assert probe._stalled(_Point(3.0, 9, None, 12.0)) == 2.0  # grew since the last dequeue at t=1
    assert probe._stalled(_Point(4.0, 0, None, 12.0)) is None  # empty: nothing is stuck


def test_queue_verdicts() -> None:
    cfg = _cfg(depth_limit=10, depth_crit=100)
    ok = QueueResult(0.0, 0.0, depth=3, workers=2, enqueue_per_s=1.0, dequeue_per_s=1.0)
    assert queue_verdicts(ok, cfg)[0].status is Status.OK
    assert queue_verdicts(ok, cfg)[0].reason == "depth 3, in 1.0/s out 1.0/s, 2 workers"
    assert queue_verdicts(QueueResult(0.0, 0.0, depth=11), cfg)[0].status is Status.OK  # the limit is an alert rule
    assert queue_verdicts(QueueResult(0.0, 0.0, depth=101), cfg)[0].status is Status.CRIT
    refused = _unreachable(ConnectionRefusedError("Connection refused"))
    down = queue_verdicts(QueueProbe("q", cfg, 1, 0.5).failed(refused, 0.0, 0.0), cfg)
    assert down[0].status is Status.UNKNOWN and "redis unreachable" in down[0].reason


def test_detail_page_shows_queue_and_deployments_as_text() -> None:
    from probes.sources.litellm.probe import Deployment, KeySpend, LiteLLMResult

    ll = LiteLLMResult(
        0.0, 0.0, HealthResult(0.0, 0.0), MetricsResult(0.0, 0.0),
        deployments=(Deployment("[bold]gpt", "open", 4, 1),), spend=(KeySpend("gpt", "planner", 0.5, 3, 10, 5),),
        key_budgets=(("planner", 0.0),),
    )  # fmt: skip
    q = QueueResult(0.0, 0.0, depth=7, depths=(("tasks", 7),), workers=0, stalled_s=12.0)
    view = ServiceView("svc", "proxy", "", Status.OK, "ok", 0.0, 2.0, queue=q, litellm=ll)
    console = Console(width=120, record=True, color_system=None)
    console.print(detail_renderable(view, Status.OK, "ok", Palette()))
    text = console.export_text()
    for needle in ("workers alive", "12s (depth growing)", "[bold]gpt", "outage", "planner", "Key budgets"):
        assert needle in text


def test_queue_and_litellm_config_errors_name_the_line(monkeypatch: pytest.MonkeyPatch) -> None:
    text = """services:
  - name: q
    queue:
      redis_url: http://127.0.0.1:6379
      keys: []
      interval: 1
      timeout: 2
  - name: p
    litellm: {url: 127.0.0.1:4000}
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, "f.yaml", {})
    got = [f"{p.line}:{p.path}:{p.message}" for p in info.value.problems]
    assert "4:services[0].queue.redis_url:must start with redis://, rediss:// or unix://" in got
    assert "5:services[0].queue.keys:at least one list key is needed" in got
    assert any(g.startswith("7:services[0].queue.timeout:must be > 0 and shorter than the interval") for g in got)
    assert "9:services[1].litellm.url:must start with http:// or https://" in got
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "redis" else real(name, *a))
    with pytest.raises(ConfigError) as info:
        parse_config("services:\n  - name: q\n    queue: {redis_url: 'redis://h', keys: [a]}\n", "f.yaml", {})
    assert [p.message for p in info.value.problems] == [
        "needs the Redis client (redis-py), a dependency missing here: reinstall agentops-tui"
    ]


def test_queue_alert_rules_pending_firing_resolved() -> None:
    """queue_depth fires at once above the limit; queue_stalled is pending for for_s, then firing (critical)."""
    text = """services:
  - name: q
    queue: {redis_url: 'redis://h', keys: [a], depth_limit: 10}
    alerts: {queue_stalled: {for_s: 30}}
"""
    cfg, _ = parse_config(text, "q.yaml", {})
    engine = AlertEngine(cfg)

    def view(depth: int, stalled: float | None) -> ServiceView:
        q = QueueResult(0.0, 0.0, depth=depth, workers=0, stalled_s=stalled)
        return ServiceView("q", "queue", "", Status.OK, "", 0.0, 2.0, queue=q)

    assert engine.evaluate([view(5, None)], 1000.0) == ()
    (depth,) = engine.evaluate([view(11, None)], 1002.0)
    assert (depth.name, depth.state, depth.summary) == ("queue_depth", "firing", "queue depth 11 > limit 10")
    alerts = {a.name: a for a in engine.evaluate([view(12, 2.0)], 1004.0)}
    assert alerts["queue_stalled"].state == "pending" and alerts["queue_stalled"].severity == "critical"
    alerts = {a.name: a for a in engine.evaluate([view(30, 32.0)], 1034.0)}
    assert alerts["queue_stalled"].state == "firing"
    assert alerts["queue_stalled"].summary == "no dequeues for 32s, depth 30, 0 workers alive"
    assert engine.evaluate([view(0, None)], 1036.0) == ()  # drained: both resolved
