"""The poller waits while the UI answers a key, once per key, and never longer than GIVE_WAY_S."""

from __future__ import annotations

import threading
import time

import pytest

from probes.config.load import parse_config
from probes.runtime import scheduler
from probes.runtime.scheduler import Scheduler

CFG = parse_config("services:\n  - name: a\n    health: {url: 'http://127.0.0.1:9/health'}\n", "t.yaml")[0]


def test_the_poller_waits_for_the_ui_then_carries_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the cap at 1 s, "no wait" and "woken by the UI" are told apart by hundreds of ms, not by a few: a
    loaded CI machine that is late by tens of ms cannot fail it."""
    monkeypatch.setattr(scheduler, "GIVE_WAY_S", 1.0)
    gate = threading.Event()
    gate.set()
    s = Scheduler(CFG, ui_idle=gate)
    t0 = time.monotonic()
    s.give_way()
    assert time.monotonic() - t0 < 0.5  # the UI is idle: no wait
    gate.clear()
    threading.Timer(0.02, gate.set).start()
    t0 = time.monotonic()
    s.give_way()  # waits until the UI says the key's frame is drawn, not for the cap
    assert 0.015 <= time.monotonic() - t0 < 0.5
    assert gate.is_set()


def test_a_ui_that_never_finishes_costs_one_wait_not_one_per_poll() -> None:
    gate = threading.Event()
    s = Scheduler(CFG, ui_idle=gate)  # cleared and never set again
    t0 = time.monotonic()
    for _ in range(20):
        s.give_way()
    assert time.monotonic() - t0 < 10 * scheduler.GIVE_WAY_S  # one wait; twenty would be 20 x GIVE_WAY_S
    gate.set()
    s.give_way()
    gate.clear()
    t0 = time.monotonic()
    s.give_way()  # a new key after the UI was idle again: one more wait
    assert time.monotonic() - t0 >= scheduler.GIVE_WAY_S * 0.9
