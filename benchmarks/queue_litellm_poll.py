"""Cost of one poll of the queue and LiteLLM probes: CPU time and wall time per poll, printed as figures.

    python benchmarks/queue_litellm_poll.py [--polls 500] [--keys 10]

Queue: a real `redis-server` on a free loopback port (needs it installed), `--keys` pending lists with tasks, an
in-flight and a dead-letter list, two counters, three heartbeat keys and CLIENT LIST, all in the one pipeline a
poll sends. LiteLLM: the part of a poll that is ours, parsing the real proxy's /metrics/ exposition recorded in
tests/fixtures (76 KB, 396 lines) into the health, metrics, deployments and spend results, then feeding spend.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from probes.config import LiteLLMConfig, QueueConfig  # noqa: E402
from probes.formats.promtext import parse_exposition  # noqa: E402
from probes.sources.litellm.probe import LITELLM_METRICS, LiteLLMProbe, parse_own  # noqa: E402
from probes.sources.queue.probe import QueueProbe  # noqa: E402


def per_poll(label: str, cpu_s: float, wall_s: float, polls: int) -> None:
    print(f"{label:<44} {cpu_s / polls * 1e6:8.0f} us CPU/poll  {wall_s / polls * 1e3:7.2f} ms wall/poll")


async def bench_queue(polls: int, keys: int) -> None:
    import redis

    from tests.testbed.redis import RedisServer

    with tempfile.TemporaryDirectory() as tmp:
        srv = RedisServer(Path(tmp))
        srv.start()
        try:
            r = redis.Redis.from_url(srv.url)
            names = [f"bench:q{i}" for i in range(keys)]
            for name in names:
                r.lpush(name, *[json.dumps({"id": j, "enqueued_at": time.time()}) for j in range(100)])
            for i in range(3):
                r.set(f"bench:w{i}", "1", ex=600)
            r.set("bench:enq", 100 * keys)
            cfg = QueueConfig(
                redis_url=srv.url, keys=names, inflight_keys=["bench:inflight"], dead_letter_keys=["bench:dead"],
                enqueued_counter="bench:enq", dequeued_counter="bench:deq", timestamp_field="enqueued_at",
                heartbeat_keys=[f"bench:w{i}" for i in range(3)], worker_client_prefix="bench-",
            )  # fmt: skip
            probe = QueueProbe("bench", cfg, 2.0, 1.0)
            await probe.collect()  # connect
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(polls):
                result = await probe.collect()
                assert result.ok, result.error
            per_poll(f"queue: {keys} lists + counters + heartbeats", time.process_time() - cpu,
                     time.perf_counter() - wall, polls)  # fmt: skip
            await probe.aclose()
            r.close()
        finally:
            srv.stop()


def bench_litellm(polls: int) -> None:
    text = (ROOT / "tests" / "fixtures" / "litellm_metrics_failing.txt").read_text()
    probe = LiteLLMProbe("bench", LiteLLMConfig(url="http://x"), None, 2.0, 1.0, 1 << 20)  # type: ignore[arg-type]
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(polls):
        sample = parse_exposition(text, LITELLM_METRICS, time.monotonic())
        own = parse_own(text)
        probe.window.record(sample, time.time(), 0.0)
        probe._feed(own)
    per_poll("litellm: parse /metrics/ (76 KB) + spend feed", time.process_time() - cpu, time.perf_counter() - wall,
             polls)  # fmt: skip


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--polls", type=int, default=500)
    p.add_argument("--keys", type=int, default=10)
    args = p.parse_args()
    bench_litellm(args.polls)
    try:
        subprocess.run(["redis-server", "--version"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        print("queue: redis-server is not installed; skipped")
        return 0
    asyncio.run(bench_queue(args.polls, args.keys))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
