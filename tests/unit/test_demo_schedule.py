"""The demo fault schedule: one fault at a time, helpers that agree, windows that recur every cycle."""

from __future__ import annotations

import itertools
import random

import pytest

from agentops_tui.demo import schedule as s

EPOCH = 1_795_000_000.25
CYCLES = (30.0, 120.0, 7.5)


def sample_times(cycle_s: float, n: int = 400) -> list[float]:
    rng = random.Random(42)
    times = [EPOCH + rng.uniform(-3 * cycle_s, 5 * cycle_s) for _ in range(n)]
    for w in s.FAULT_WINDOWS.values():  # boundaries are where off-by-one mistakes live
        for edge in (w.start, w.end):
            times += [EPOCH + edge * cycle_s + d for d in (-1e-3, 0.0, 1e-3)]
    return times


def test_windows_are_inside_the_cycle_and_do_not_overlap() -> None:
    windows = sorted(s.FAULT_WINDOWS.values(), key=lambda w: w.start)
    for w in windows:
        assert 0.0 <= w.start < w.end <= 1.0
        assert w.agent in s.NAMED_AGENTS
        assert s.FAULT_WINDOWS[w.kind] is w
    for earlier, later in itertools.pairwise(windows):
        assert earlier.end <= later.start


@pytest.mark.parametrize("cycle_s", CYCLES)
def test_at_most_one_fault_is_on_at_any_time(cycle_s: float) -> None:
    for now in sample_times(cycle_s):
        on = [kind for name in s.NAMED_AGENTS for kind in s.active_faults(name, now, EPOCH, cycle_s)]
        assert len(on) <= 1, (now, on)


@pytest.mark.parametrize("cycle_s", CYCLES)
def test_active_faults_and_next_window_agree(cycle_s: float) -> None:
    for now in sample_times(cycle_s):
        for kind, w in s.FAULT_WINDOWS.items():
            start, end = s.next_window(kind, now, EPOCH, cycle_s)
            assert end - start == pytest.approx((w.end - w.start) * cycle_s)
            if kind in s.active_faults(w.agent, now, EPOCH, cycle_s):
                assert start <= now < end
            else:
                assert now < start <= now + cycle_s
            mid = (start + end) / 2
            assert kind in s.active_faults(w.agent, mid, EPOCH, cycle_s)
            assert s.window_progress(kind, mid, EPOCH, cycle_s) == pytest.approx(0.5)
            assert kind not in s.active_faults(w.agent, end + 1e-3, EPOCH, cycle_s)


@pytest.mark.parametrize("kind", [s.CRASH_LOOP, s.ERROR_BURST, s.LATENCY_SPIKE, s.BREAKER_OPEN])
def test_windows_come_around_every_cycle(kind: str) -> None:
    cycle_s = 30.0
    start, end = s.next_window(kind, EPOCH, EPOCH, cycle_s)
    for _ in range(5):
        nxt_start, nxt_end = s.next_window(kind, end + 1e-3, EPOCH, cycle_s)
        assert nxt_start == pytest.approx(start + cycle_s)
        assert nxt_end == pytest.approx(end + cycle_s)
        start, end = nxt_start, nxt_end


def test_only_the_named_agent_gets_its_fault() -> None:
    cycle_s = 120.0
    for now in sample_times(cycle_s):
        assert s.active_faults("agent-006", now, EPOCH, cycle_s) == frozenset()
        assert s.active_faults(s.SUMMARIZER, now, EPOCH, cycle_s) == frozenset()


def test_breaker_opens_then_half_opens_then_closes() -> None:
    cycle_s = 120.0
    states = [s.breaker_state(s.PLANNER, EPOCH + i * 0.5, EPOCH, cycle_s) for i in range(240)]
    changes = [state for i, state in enumerate(states) if i == 0 or states[i - 1] != state]
    assert changes == ["closed", "open", "half_open", "closed"]
    assert all(s.breaker_state(s.WRITER, EPOCH + i, EPOCH, cycle_s) == "closed" for i in range(120))


def test_error_burst_probability() -> None:
    cycle_s = 120.0
    start, end = s.next_window(s.ERROR_BURST, EPOCH, EPOCH, cycle_s)
    inside = [s.error_probability(s.WRITER, start + f * (end - start), EPOCH, cycle_s) for f in (0, 0.5, 0.99)]
    assert all(0.30 <= p <= 0.40 for p in inside)
    assert inside[1] == pytest.approx(0.40)
    assert s.error_probability(s.WRITER, end + 1, EPOCH, cycle_s) == 0.01
    assert s.error_probability(s.PLANNER, start + 1, EPOCH, cycle_s) == 0.01


def test_runaway_spend_ramps_over_each_cycle() -> None:
    cycle_s = 60.0
    ramp = [s.spend_multiplier(s.RUNAWAY_AGENT, EPOCH + t, EPOCH, cycle_s) for t in range(60)]
    assert ramp[0] == pytest.approx(1.0)
    assert ramp == sorted(ramp)
    assert ramp[-1] > 0.9 * s.SPEND_RAMP_MAX
    assert s.spend_multiplier(s.RUNAWAY_AGENT, EPOCH + cycle_s, EPOCH, cycle_s) == pytest.approx(1.0)
    assert s.spend_multiplier(s.WRITER, EPOCH + 59, EPOCH, cycle_s) == 1.0


def test_crash_only_in_window_and_after_a_few_seconds_up() -> None:
    cycle_s = 120.0
    start, end = s.next_window(s.CRASH_LOOP, EPOCH, EPOCH, cycle_s)
    assert s.should_crash(s.SCRAPER, start + 1, EPOCH, cycle_s, uptime_s=s.CRASH_AFTER_S)
    assert not s.should_crash(s.SCRAPER, start + 1, EPOCH, cycle_s, uptime_s=s.CRASH_AFTER_S - 0.5)
    assert not s.should_crash(s.SCRAPER, end + 1, EPOCH, cycle_s, uptime_s=100)
    assert not s.should_crash(s.PLANNER, start + 1, EPOCH, cycle_s, uptime_s=100)


def test_phase_is_in_range_even_before_the_epoch() -> None:
    for now in (EPOCH - 1000.5, EPOCH, EPOCH + 0.1, EPOCH + 29.999):
        assert 0.0 <= s.phase(now, EPOCH, 30.0) < 1.0
    with pytest.raises(ValueError):
        s.phase(EPOCH, EPOCH, 0)
