"""Redis task queues against a real redis-server: real worker threads consume a list while the probe watches."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_tui.app import make_app
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import QueueConfig
from probes.config.load import parse_config
from probes.model import QueueResult, Status
from probes.sources.queue.probe import QueueProbe
from tests import waiting
from tests.functional.helpers import row_status, row_text, wait_until
from tests.testbed.redis import RedisServer, redis_module

redis = redis_module()

Q = "aotest10:tasks"
PROCESSING = "aotest10:processing"
DEAD = "aotest10:dead"
ENQ = "aotest10:enqueued"
DEQ = "aotest10:dequeued"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    srv = RedisServer(tmp_path / "redis")
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def enqueue(r: redis.Redis, n: int, start: int = 0) -> None:
    """What a producer does: LPUSH a JSON task with its enqueue time, INCR the enqueued counter."""
    pipe = r.pipeline(transaction=False)
    for i in range(start, start + n):
        pipe.lpush(Q, json.dumps({"id": i, "enqueued_at": time.time()}))
        pipe.incr(ENQ)
    pipe.execute()


class Workers:
    """N real worker threads: BLMOVE a task to the processing list, work, LREM it, INCR dequeued, heartbeat."""

    def __init__(self, url: str, n: int, work_s: float = 0.002) -> None:
        self.url, self.n, self.work_s = url, n, work_s
        self.stop_flag = threading.Event()
        self.threads: list[threading.Thread] = []
        self.done = 0
        self.lock = threading.Lock()

    def start(self) -> None:
        for i in range(self.n):
            t = threading.Thread(target=self._run, args=(i,), daemon=True)
            t.start()
            self.threads.append(t)

    def _run(self, i: int) -> None:
        r = redis.Redis.from_url(self.url, socket_timeout=5)
        r.client_setname(f"aotest10-worker-{i}")
        try:
            while not self.stop_flag.is_set():
                r.set(f"aotest10:worker:{i}:alive", "1", ex=1)
                task = r.blmove(Q, PROCESSING, 0.2, "RIGHT", "LEFT")
                if task is None:
                    continue
                time.sleep(self.work_s)
                pipe = r.pipeline(transaction=False)
                pipe.lrem(PROCESSING, 1, task)
                pipe.incr(DEQ)
                pipe.execute()
                with self.lock:
                    self.done += 1
        finally:
            r.delete(f"aotest10:worker:{i}:alive")
            r.close()

    def wait_done(self, n: int, timeout: float) -> bool:
        """Block until the workers have finished `n` tasks (True) or `timeout` passed (False)."""
        return bool(waiting.poll(lambda: self.done >= n, timeout, step=0.05))

    def stop(self) -> None:
        self.stop_flag.set()
        for t in self.threads:
            t.join(5)


def queue_cfg(url: str, **kw: object) -> QueueConfig:
    base: dict[str, object] = dict(
        redis_url=url, keys=[Q], inflight_keys=[PROCESSING], dead_letter_keys=[DEAD], enqueued_counter=ENQ,
        dequeued_counter=DEQ, timestamp_field="enqueued_at", heartbeat_keys=[f"aotest10:worker:{i}:alive" for i in
        range(3)], worker_client_prefix=None, window_s=600.0,
    )  # fmt: skip
    base.update(kw)
    return QueueConfig(**base)  # type: ignore[arg-type]


async def poll(probe: QueueProbe) -> QueueResult:
    r = await probe.collect()
    assert r.ok, r.error
    return r


async def test_depth_and_rates_match_what_was_enqueued_and_dequeued(server: RedisServer) -> None:
    r = redis.Redis.from_url(server.url)
    counted = QueueProbe("q", queue_cfg(server.url), 2.0, 1.0)
    derived = QueueProbe("q", queue_cfg(server.url, enqueued_counter=None), 2.0, 1.0)  # enqueues from depth deltas
    bare = QueueProbe("q", queue_cfg(server.url, enqueued_counter=None, dequeued_counter=None), 2.0, 1.0)
    probes = (counted, derived, bare)
    try:
        first = [await poll(p) for p in probes]
        assert all(x.depth == 0 and x.enqueue_per_s is None for x in first)  # one poll: no rates yet
        enqueue(r, 300)
        full = [await poll(p) for p in probes]
        for x in full:
            assert x.depth == 300 and x.depths == ((Q, 300),) and x.inflight == 0 and x.dead == 0
            assert x.oldest_age_s is not None and 0 <= x.oldest_age_s < 10
            assert x.net_per_s is not None and x.net_per_s * x.window_s == pytest.approx(300)
        assert full[0].enqueue_per_s is not None and full[0].enqueue_per_s * full[0].window_s == pytest.approx(300)
        assert full[0].dequeue_per_s == 0
        assert full[1].enqueue_per_s is not None and full[1].enqueue_per_s * full[1].window_s == pytest.approx(300)
        assert full[2].enqueue_per_s is None and full[2].dequeue_per_s is None  # no counters: net growth only
        assert full[0].workers == 0

        workers = Workers(server.url, 3)
        workers.start()
        try:
            assert await asyncio.to_thread(workers.wait_done, 300, 20.0)
            alive = [await poll(p) for p in probes]
        finally:
            workers.stop()
        for x in alive:
            assert x.depth == 0 and x.inflight == 0 and x.workers == 3
            assert x.oldest_age_s is None  # nothing pending
        c, d = alive[0], alive[1]
        assert c.enqueue_per_s is not None and c.dequeue_per_s is not None
        assert c.enqueue_per_s * c.window_s == pytest.approx(300)  # since the first poll: 300 in, 300 out
        assert c.dequeue_per_s * c.window_s == pytest.approx(300)
        assert d.dequeue_per_s is not None and d.enqueue_per_s is not None
        assert d.dequeue_per_s * d.window_s == pytest.approx(300)
        assert d.enqueue_per_s * d.window_s == pytest.approx(300)  # growth 0 + 300 taken
        assert c.stalled_s is None
    finally:
        for p in probes:
            await p.aclose()
        r.close()


async def test_workers_stopping_fires_the_backlog_alerts_on_the_row(server: RedisServer) -> None:
    text = f"""
refresh_interval: 0.5
services:
  - name: planner-queue
    kind: queue
    queue:
      redis_url: {server.url}
      keys: [{Q}]
      inflight_keys: [{PROCESSING}]
      dequeued_counter: {DEQ}
      timestamp_field: enqueued_at
      worker_client_prefix: aotest10-worker-
      depth_limit: 40
      window_s: 5
    alerts:
      queue_stalled: {{for_s: 4}}
"""
    cfg, _ = parse_config(text, "queue.yaml", {})
    r = redis.Redis.from_url(server.url)
    producing = threading.Event()
    producing.set()
    stop_producer = threading.Event()

    def producer() -> None:
        n = 0
        while not stop_producer.is_set():
            if producing.is_set():
                enqueue(r, 2, n)
                n += 2
            time.sleep(0.05)  # ~40 tasks/s

    workers = Workers(server.url, 3)
    workers.start()
    prod = threading.Thread(target=producer, daemon=True)
    prod.start()
    app = make_app(cfg)
    try:
        async with app.run_test(size=(140, 30)) as pilot:
            table = app.screen.query_one(ServiceTable)
            assert await wait_until(pilot, lambda: row_status(table, "planner-queue") is Status.OK, 10)
            assert await wait_until(pilot, lambda: "3 workers" in row_text(table, "planner-queue")["reason"], 10)
            assert "depth" in row_text(table, "planner-queue")["reason"]
            workers.stop()  # the backlog grows (~40 tasks/s) with nobody taking tasks
            assert await wait_until(pilot, lambda: row_status(table, "planner-queue") is Status.WARN, 10)
            reason = row_text(table, "planner-queue")["reason"]  # the depth alert fires first...
            assert reason.startswith("alert queue_depth (queue depth") and "> limit 40)" in reason
            assert await wait_until(pilot, lambda: row_status(table, "planner-queue") is Status.CRIT, 15)
            reason = row_text(table, "planner-queue")["reason"]  # ...then the stall, pending for for_s
            assert "queue_stalled (no dequeues for" in reason and "0 workers alive" in reason
            assert {a.name: a.state for a in app.snapshot.alerts if a.service == "planner-queue"} == {
                "queue_depth": "firing", "queue_stalled": "firing"
            }  # fmt: skip
            view = app.view_of("planner-queue")
            assert view is not None and view.queue is not None and view.queue.depth is not None
            assert view.queue.depth > 40 and view.active_tasks == view.queue.depth
            assert row_text(table, "planner-queue")["tasks"] == str(int(view.active_tasks))
    finally:
        stop_producer.set()
        prod.join(5)
        workers.stop()
        r.close()


async def test_redis_stopped_mid_run_is_unknown_then_recovers(server: RedisServer, tmp_path: Path) -> None:
    cfg, _ = parse_config(
        f"refresh_interval: 0.5\nservices:\n  - name: q\n    queue: {{redis_url: '{server.url}', keys: [{Q}]}}\n",
        "q.yaml",
        {},
    )
    r = redis.Redis.from_url(server.url)
    enqueue(r, 5)
    r.close()
    app = make_app(cfg)
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: row_status(table, "q") is Status.OK, 10)
        assert row_text(table, "q")["reason"].startswith("depth 5")
        server.stop()
        assert await wait_until(pilot, lambda: row_status(table, "q") is Status.UNKNOWN, 10)
        assert "redis unreachable" in row_text(table, "q")["reason"]
        again = RedisServer(tmp_path / "redis2", port=server.port)  # same port, empty data (no persistence)
        again.start()
        try:
            assert await wait_until(pilot, lambda: row_status(table, "q") is Status.OK, 10)
            assert row_text(table, "q")["reason"].startswith("depth 0")
        finally:
            again.stop()
