"""Key press to repaint, in process: 200 services, `j` pressed through the Pilot's driver, timed until the frame
that shows the next service in the trend panel has been rendered to terminal bytes.

benchmarks/compare.py measures the same from outside (tmux); this one runs without a terminal or a fleet, so a
change to the UI can be measured before and after in a minute. A thread publishes a fresh snapshot of every
service each 2 s, as the poller does, so presses meet the table's updates.

    python benchmarks/key_repaint_pilot.py [--services 200] [--presses 150] [--runs 3] [--every 2.0]

`--every 0` publishes one snapshot only: the key's own path, without the table's updates in between.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual import events

from agentops_tui.app import make_app
from agentops_tui.widgets.spark_panel import SparkPanel
from probes.config.load import parse_config
from probes.model import Status
from probes.view import FleetSnapshot, ServiceView


def fleet(names: list[str], rng: random.Random) -> FleetSnapshot:
    """Every service with new numbers (new view objects, as each poll makes)."""
    now = time.monotonic()
    services = tuple(
        ServiceView(
            name=n,
            kind="agent",
            description="",
            status=Status.OK if i % 17 else Status.WARN,
            reason="healthy",
            updated=now,
            interval=2.0,
            latency_p95_s=rng.uniform(0.5, 3.0),
            error_rate=rng.uniform(0, 0.04),
            active_tasks=float(rng.randint(0, 9)),
            spend_today_usd=rng.uniform(0, 5),
            cpu_percent=1.0,
            rss_bytes=26_000_000,
            breakers=(("anthropic", "closed"),),
            history=(("latency", tuple(rng.uniform(0.5, 3) for _ in range(60))), ("errors", ()), ("spend", ())),
        )
        for i, n in enumerate(names)
    )
    return FleetSnapshot(services=services, daily_budget_usd=50.0, spend_today_usd=12.0)


class Ticker:
    """Publishes a fresh snapshot every `every` seconds from its own thread (the poller's rhythm)."""

    ui_idle = None  # presses do not hold the publisher back (the live poller waits for the UI)

    def __init__(self, names: list[str], every: float = 2.0) -> None:
        self.names = names
        self.every = every
        self.rng = random.Random(7)
        self._stop = threading.Event()

    def start(self, publish: Callable[[FleetSnapshot], None]) -> None:
        publish(fleet(self.names, self.rng))
        if self.every <= 0:
            return

        def run() -> None:
            while not self._stop.wait(self.every):
                publish(fleet(self.names, self.rng))

        threading.Thread(target=run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()


async def measure(services: int, presses: int, every: float) -> list[float]:
    names = [f"svc-{i:03d}" for i in range(services)]
    cfg, _ = parse_config("services:\n" + "".join(f"  - name: {n}\n" for n in names), "bench.yaml", {})
    app = make_app(cfg, source=Ticker(names, every))
    shown = asyncio.Event()
    want = [""]
    display = app._display

    def timed_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if renderable is None:
            return
        renderable.render_segments(app.console)  # what a real terminal would be sent
        panel = app.screen.query(SparkPanel)
        view = panel.first()._view if panel else None
        if view is not None and view.name == want[0]:
            shown.set()

    app._display = timed_display  # type: ignore[method-assign]
    out: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.0)
        await pilot.press("s")  # config order: `j` then always moves to the next name
        await pilot.pause(2.0)
        driver = app._driver
        assert driver is not None
        for i in range(1, min(presses, services - 1) + 1):
            want[0] = names[i]
            shown.clear()
            key = events.Key("j", "j")
            key.set_sender(app)
            t0 = time.perf_counter()
            driver.send_message(key)
            await asyncio.wait_for(shown.wait(), 5.0)
            out.append(time.perf_counter() - t0)
            await asyncio.sleep(0.05 + random.random() * 0.1)  # presses land anywhere in the 2 s poll rhythm
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=200)
    ap.add_argument("--presses", type=int, default=150)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--every", type=float, default=2.0, help="seconds between snapshots (0: only the first)")
    args = ap.parse_args()
    for run in range(args.runs):
        lat = asyncio.run(measure(args.services, args.presses, args.every))
        q = statistics.quantiles(lat, n=20)
        print(f"run {run + 1}: {len(lat)} presses  p50 {statistics.median(lat) * 1000:.1f} ms  "
              f"p95 {q[18] * 1000:.1f} ms  max {max(lat) * 1000:.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
