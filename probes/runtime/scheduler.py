"""Runs every probe on its own interval without overlap, and publishes coalesced fleet snapshots.

Each probe has one loop task: poll (bounded by its timeout and the fleet's concurrency), record, then sleep until
the next tick of its interval on a grid shared by every loop (so loops of one interval never drift apart). The
health and metrics probes of one interval share one loop instead, which sends them as one round (probes.http.rounds).
A poll can never overlap the previous poll of the same probe, and a slow endpoint only delays itself. Results
change `FleetState`; the publisher waits for open rounds and for results to pause, then sends one snapshot: one
per interval, and at least `publish_every` / 2 apart (publish_every: half the refresh interval, at most 1 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

from probes.config import FleetConfig
from probes.fleet.state import FleetState
from probes.http.client import classify, make_client
from probes.http.fast import FastHTTP, bounded
from probes.http.rounds import HttpRound, RoundProbe
from probes.model import Probe, ProbeError
from probes.runtime.factory import aclose_probes, build_probes, close_probes
from probes.sources.health.probe import HealthProbe
from probes.sources.metrics.probe import MetricsProbe
from probes.view import FleetSnapshot

Publish = Callable[[FleetSnapshot], None]
WAKE_GAP_S = 0.25  # least time between two polls of a probe woken early by its events
GIVE_WAY_S = 0.05  # longest the poller waits at one step for the UI to draw a key's answer


class Scheduler:
    """Polls a fleet until stopped; `publish` is called from the scheduler's own event loop thread."""

    def __init__(
        self,
        cfg: FleetConfig,
        publish: Publish | None = None,
        publish_every: float | None = None,
        ui_idle: threading.Event | None = None,
    ) -> None:
        self.cfg = cfg
        self.ui_idle = ui_idle  # cleared by the UI while it answers a key: the poller then waits (give_way)
        self._gave_way = False
        self.state = FleetState(cfg)
        self.publish = publish
        self.publish_every = publish_every if publish_every is not None else min(1.0, cfg.refresh_interval / 2)
        self.gather_s = min(0.05, self.publish_every / 2)
        self._dirty = asyncio.Event()
        self._sem = asyncio.Semaphore(cfg.concurrency)
        self._stop = asyncio.Event()
        self._wakes: set[asyncio.Event] = set()
        self.polls = 0
        self._epoch = time.monotonic()  # every loop polls on the same grid of its interval from here: no drift apart
        self._last_result = 0.0
        self._rounds_open = 0
        self._rounds_idle = asyncio.Event()
        self._rounds_idle.set()

    def give_way(self) -> None:
        """While the UI draws the answer to a key, stop here (at most GIVE_WAY_S): this thread then holds no GIL,
        so a key pressed during a round of hundreds of polls is drawn as fast as one pressed between rounds."""
        gate = self.ui_idle
        if gate is None:
            return
        if gate.is_set():
            self._gave_way = False
        elif not self._gave_way:  # once per key: a UI that never says it is done costs one wait, not one a poll
            self._gave_way = True
            gate.wait(GIVE_WAY_S)

    async def poll(self, probe: Probe[Any]) -> None:
        """One bounded poll of one probe; failures become results, never exceptions."""
        self.give_way()
        async with self._sem:
            start = time.monotonic()
            at = time.time()
            try:
                result = await bounded(probe.collect(), probe.timeout)
            except asyncio.TimeoutError:
                result = probe.failed(ProbeError("timeout", f"no answer within {probe.timeout:g}s"), at,
                                      time.monotonic() - start)  # fmt: skip
            except Exception as exc:  # a probe bug or odd data must not stop the fleet
                result = probe.failed(classify(exc), at, time.monotonic() - start)
        self._record(probe, result)

    def _record(self, probe: Probe[Any] | RoundProbe, result: Any) -> None:
        self.polls += 1
        self._last_result = time.monotonic()
        self.give_way()
        if self.state.apply(probe.key, result):
            self._dirty.set()

    async def _loop(self, probe: Probe[Any]) -> None:
        wake: asyncio.Event | None = getattr(probe, "wake", None)  # set by a probe that hears of changes (events)
        while not self._stop.is_set():
            await self.poll(probe)
            delay = self._until_tick(probe.interval)
            if wake is None:
                await asyncio.sleep(delay)  # stop() ends run(), which cancels this task
                continue
            self._wakes.add(wake)  # stop() sets it too, so one wait covers both
            await asyncio.sleep(min(delay, WAKE_GAP_S))  # a burst of events makes one poll, not one per event
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(wake.wait(), max(0.0, delay - WAKE_GAP_S))

    async def _rounds(self, probes: list[RoundProbe], interval: float, fast: FastHTTP) -> None:
        """The health and metrics probes of one interval, polled together each interval (probes.http.rounds)."""
        batch = HttpRound(fast, self._sem, self._record, self.poll)  # type: ignore[arg-type]
        while not self._stop.is_set():
            self.give_way()
            self._rounds_open += 1
            self._rounds_idle.clear()
            try:
                await batch.run(probes)
            finally:
                self._rounds_open -= 1
                if not self._rounds_open:
                    self._rounds_idle.set()
            await asyncio.sleep(self._until_tick(interval))

    def _until_tick(self, interval: float) -> float:
        """Seconds to this interval's next tick on the scheduler's grid (a poll never outlasts its interval)."""
        return interval - (time.monotonic() - self._epoch) % interval

    async def _gather(self) -> None:
        """Wait for the rest of the results that belong with the first: until every round of polls has ended
        and no other result came for gather_s, for at most half the publish interval. Polls of one interval start
        together on the grid, so one interval makes one snapshot."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.publish_every / 2
        while (now := loop.time()) < deadline:
            if self._rounds_open:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._rounds_idle.wait(), deadline - now)
                continue
            quiet = self._last_result + self.gather_s
            if now >= quiet:
                break
            await asyncio.sleep(min(quiet, deadline) - now)

    async def _publisher(self) -> None:
        while not self._stop.is_set():
            await self._dirty.wait()
            await self._gather()
            self._dirty.clear()
            if self.publish is not None:
                self.give_way()
                self.publish(self.state.snapshot())
            await asyncio.sleep(self.publish_every / 2)

    async def run(self) -> None:
        """Poll forever (until stop() or cancellation)."""
        async with make_client(self.cfg.concurrency) as client:
            probes = build_probes(self.cfg, client)
            groups: dict[float, list[RoundProbe]] = {}
            tasks = []
            for p in probes:
                if isinstance(p, (HealthProbe, MetricsProbe)):
                    groups.setdefault(p.interval, []).append(p)
                else:
                    tasks.append(asyncio.create_task(self._loop(p)))
            tasks += [asyncio.create_task(self._rounds(group, iv, client.fast)) for iv, group in groups.items()]
            tasks.append(asyncio.create_task(self._publisher()))
            try:
                await self._stop.wait()
            finally:
                for t in tasks:
                    t.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                close_probes(probes)
                await aclose_probes(probes)

    def stop(self) -> None:
        self._stop.set()
        for wake in self._wakes:
            wake.set()

    async def poll_once(self, settle_s: float = 0.0, ledger_s: float | None = None) -> FleetSnapshot:
        """Poll everything once (twice, `settle_s` apart, so rates have two scrapes) and return the snapshot;
        `ledger_s` bounds the reading of each ledger over both polls."""
        async with make_client(self.cfg.concurrency) as client:
            probes = build_probes(self.cfg, client, one_shot=True, ledger_s=ledger_s)
            rounds = 2 if settle_s > 0 else 1
            try:
                for i in range(rounds):
                    await asyncio.gather(*(self.poll(p) for p in probes))
                    if i + 1 < rounds:
                        await asyncio.sleep(settle_s)
            finally:
                close_probes(probes)
                await aclose_probes(probes)
        return self.state.snapshot()
