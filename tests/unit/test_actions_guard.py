"""The restart storm guard: a limit per service within a sliding window, with a wait an operator can read."""

from __future__ import annotations

from typing import Any

from agentops_tui.actions.guard import StormGuard, format_duration


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_limit_then_refusal_with_the_wait() -> None:
    clock = FakeClock()
    guard = StormGuard(limit=3, window_s=300, clock=clock)
    for _ in range(3):
        assert guard.check("planner") is None
        guard.record("planner")
        clock.advance(10)
    clock.advance(140)  # 170 s after the first restart
    assert guard.check("planner") == (
        "storm guard: planner restarted 3 times in the last 5m (limit 3); next restart allowed in 2m10s"
    )
    assert guard.check("writer") is None  # per service


def test_window_expiry_frees_one_restart_at_a_time() -> None:
    clock = FakeClock()
    guard = StormGuard(limit=2, window_s=60, clock=clock)
    guard.record("planner")
    clock.advance(30)
    guard.record("planner")
    clock.advance(29.5)
    assert (guard.check("planner") or "").endswith("(limit 2); next restart allowed in 1s")
    clock.advance(0.5)  # the first restart leaves the window
    assert guard.check("planner") is None
    guard.record("planner")
    assert "next restart allowed in 30s" in (guard.check("planner") or "")
    clock.advance(30)
    assert guard.check("planner") is None


def test_seed_counts_only_restarts_started_inside_the_window() -> None:
    clock = FakeClock()
    now = clock.now
    records: list[dict[str, Any]] = [
        {"service": "planner", "action": "restart", "phase": "started", "ts": now - 100},
        {"service": "planner", "action": "restart", "phase": "started", "ts": now - 50},
        {"service": "planner", "action": "restart", "phase": "requested", "ts": now - 40},
        {"service": "planner", "action": "restart", "phase": "succeeded", "ts": now - 40},
        {"service": "planner", "action": "drain", "phase": "started", "ts": now - 30},
        {"service": "planner", "action": "restart", "phase": "started", "ts": now - 400},  # outside
        {"service": "planner", "action": "restart", "phase": "started", "ts": "yesterday"},
        {"service": "planner", "action": "restart", "phase": "started"},
        {"service": None, "action": "restart", "phase": "started", "ts": now - 10},
        {"service": "writer", "action": "restart", "phase": "started", "ts": now - 10},
    ]
    guard = StormGuard(limit=3, window_s=300, clock=clock)
    guard.seed(records)
    assert guard.check("planner") is None  # two counted
    guard.record("planner")
    assert guard.check("planner") == (
        "storm guard: planner restarted 3 times in the last 5m (limit 3); next restart allowed in 3m20s"
    )
    one = StormGuard(limit=1, window_s=300, clock=clock)
    one.seed(records)
    assert one.check("writer") == (
        "storm guard: writer restarted 1 time in the last 5m (limit 1); next restart allowed in 4m50s"
    )


def test_duration_wording() -> None:
    assert format_duration(300) == "5m"
    assert format_duration(130) == "2m10s"
    assert format_duration(45) == "45s"
    assert format_duration(0.2) == "1s"  # a wait is never shown as 0s
    assert format_duration(3600) == "1h"
    assert format_duration(3725) == "1h2m5s"
