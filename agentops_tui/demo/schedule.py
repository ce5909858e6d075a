"""Deterministic fault schedule of the demo fleet: pure functions of (now, epoch, cycle_s), no I/O.

Every process of the fleet gets the same epoch and cycle, so agents, the supervisor and tests agree on which
fault is on without talking to each other. phase = ((now - epoch) % cycle_s) / cycle_s, in [0, 1).

Windows (phase fractions, half-open [start, end), never overlapping, so one fault at a time is visible):

- 0.05-0.25 ``latency_spike`` on ``researcher``: every call takes 12-20 s, so its p95 goes above 10 s and its
  in-flight tasks pile up (queue "backlog", health degraded).
- 0.30-0.50 ``error_burst`` on ``writer``: 30-40 % of calls fail (40 % mid-window); once the last 10 s of calls
  are >= 25 % errors its health says "unhealthy" (HTTP 503).
- 0.55-0.65 ``breaker_open`` on ``planner``: its ``anthropic`` breaker is open; anthropic calls are skipped and
  routed to an OpenAI fallback model. Health degraded.
- 0.65-0.75 ``breaker_half_open`` on ``planner``: the breaker lets one anthropic call in four through. Health
  degraded. After 0.75 it is closed again.
- 0.80-0.95 ``crash_loop`` on ``scraper``: its process exits with code 1 three seconds after each start, so the
  supervisor's backoff makes the row flip between refused and up. Outside the window it stays up.

Not a window: ``summarizer`` is the runaway spender. Its token use ramps from 1x at phase 0 to 5x just before the
end of each cycle (:func:`spend_multiplier`), on top of the ledger the fleet seeds at start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PLANNER = "planner"
RESEARCHER = "researcher"
WRITER = "writer"
SUMMARIZER = "summarizer"
SCRAPER = "scraper"
NAMED_AGENTS: tuple[str, ...] = (PLANNER, RESEARCHER, WRITER, SUMMARIZER, SCRAPER)
RUNAWAY_AGENT = SUMMARIZER

LATENCY_SPIKE = "latency_spike"
ERROR_BURST = "error_burst"
BREAKER_OPEN = "breaker_open"
BREAKER_HALF_OPEN = "breaker_half_open"
CRASH_LOOP = "crash_loop"

CRASH_AFTER_S = 3.0  # how long the crash-loop process lives in its window
SPEND_RAMP_MAX = 5.0  # runaway token multiplier reached at the end of a cycle


@dataclass(frozen=True)
class FaultWindow:
    """One fault: which agent has it and where in the cycle (phase fractions)."""

    kind: str
    agent: str
    start: float
    end: float


FAULT_WINDOWS: dict[str, FaultWindow] = {
    w.kind: w
    for w in (
        FaultWindow(LATENCY_SPIKE, RESEARCHER, 0.05, 0.25),
        FaultWindow(ERROR_BURST, WRITER, 0.30, 0.50),
        FaultWindow(BREAKER_OPEN, PLANNER, 0.55, 0.65),
        FaultWindow(BREAKER_HALF_OPEN, PLANNER, 0.65, 0.75),
        FaultWindow(CRASH_LOOP, SCRAPER, 0.80, 0.95),
    )
}


def _offset(now: float, epoch: float, cycle_s: float) -> float:
    if cycle_s <= 0:
        raise ValueError("cycle_s must be > 0")
    return (now - epoch) % cycle_s


def phase(now: float, epoch: float, cycle_s: float) -> float:
    """Position in the current cycle, in [0, 1)."""
    return _offset(now, epoch, cycle_s) / cycle_s


def _contains(window: FaultWindow, offset: float, cycle_s: float) -> bool:
    # Offsets in seconds are compared the same way by active_faults and next_window, so they always agree.
    return window.start * cycle_s <= offset < window.end * cycle_s


def active_faults(name: str, now: float, epoch: float, cycle_s: float) -> frozenset[str]:
    """Kinds of the windowed faults agent ``name`` has at ``now`` (empty for most agents most of the time)."""
    offset = _offset(now, epoch, cycle_s)
    return frozenset(w.kind for w in FAULT_WINDOWS.values() if w.agent == name and _contains(w, offset, cycle_s))


def next_window(kind: str, now: float, epoch: float, cycle_s: float) -> tuple[float, float]:
    """Absolute (start, end) of the window of ``kind`` that contains ``now``, or else of the next one."""
    window = FAULT_WINDOWS[kind]
    offset = _offset(now, epoch, cycle_s)
    cycle_start = now - offset
    if offset >= window.end * cycle_s:
        cycle_start += cycle_s
    return cycle_start + window.start * cycle_s, cycle_start + window.end * cycle_s


def window_progress(kind: str, now: float, epoch: float, cycle_s: float) -> float | None:
    """How far through its window ``kind`` is (0..1), or None when the window is not on."""
    window = FAULT_WINDOWS[kind]
    offset = _offset(now, epoch, cycle_s)
    if not _contains(window, offset, cycle_s):
        return None
    return (offset - window.start * cycle_s) / ((window.end - window.start) * cycle_s)


def breaker_state(name: str, now: float, epoch: float, cycle_s: float) -> str:
    """Scheduled state of ``name``'s anthropic breaker: "closed", "half_open" or "open"."""
    faults = active_faults(name, now, epoch, cycle_s)
    if BREAKER_OPEN in faults:
        return "open"
    if BREAKER_HALF_OPEN in faults:
        return "half_open"
    return "closed"


def error_probability(name: str, now: float, epoch: float, cycle_s: float, base: float = 0.01) -> float:
    """Chance that a call fails: ``base`` normally, 30 % at the burst's edges rising to 40 % mid-burst."""
    progress = window_progress(ERROR_BURST, now, epoch, cycle_s)
    if progress is None or FAULT_WINDOWS[ERROR_BURST].agent != name:
        return base
    return 0.30 + 0.10 * math.sin(math.pi * progress)


def spend_multiplier(name: str, now: float, epoch: float, cycle_s: float) -> float:
    """Token multiplier of the runaway agent: 1x at the start of a cycle up to SPEND_RAMP_MAX at its end."""
    if name != RUNAWAY_AGENT:
        return 1.0
    return 1.0 + (SPEND_RAMP_MAX - 1.0) * phase(now, epoch, cycle_s)


def should_crash(name: str, now: float, epoch: float, cycle_s: float, uptime_s: float) -> bool:
    """True when the crash-loop process should exit now: in its window and alive for CRASH_AFTER_S."""
    return CRASH_LOOP in active_faults(name, now, epoch, cycle_s) and uptime_s >= CRASH_AFTER_S
