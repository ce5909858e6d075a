"""The queue and LiteLLM probes against endpoints that hang, refuse or answer garbage: a reason, never a raise."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from probes.config import LiteLLMConfig, QueueConfig
from probes.http.client import make_client
from probes.model import Status
from probes.sources.litellm.probe import LiteLLMProbe
from probes.sources.queue.probe import QueueProbe
from probes.sources.queue.status import queue_verdicts
from tests.functional.helpers import free_port, serve, silent_server
from tests.testbed.redis import RedisServer, redis_module

redis = redis_module()
T = TypeVar("T")


async def bounded(coro: Awaitable[T], timeout: float) -> T:
    """What the scheduler does: the poll is bounded by the probe's timeout."""
    return await asyncio.wait_for(coro, timeout)


async def test_queue_on_a_server_that_never_answers_times_out_as_unknown() -> None:
    with silent_server() as port:
        cfg = QueueConfig(redis_url=f"redis://127.0.0.1:{port}/0", keys=["q"])
        probe = QueueProbe("q", cfg, 2.0, 0.5)
        start = time.monotonic()
        result = await bounded(probe.collect(), 1.0)
        assert time.monotonic() - start < 1.0
        await probe.aclose()
    assert not result.ok
    (verdict,) = queue_verdicts(result, cfg)
    assert verdict.status is Status.UNKNOWN and "redis unreachable" in verdict.reason


async def test_queue_on_a_refused_port_and_on_http_garbage() -> None:
    cfg = QueueConfig(redis_url=f"redis://127.0.0.1:{free_port()}/0", keys=["q"])
    probe = QueueProbe("q", cfg, 2.0, 0.5)
    refused = await probe.collect()
    assert refused.error is not None and refused.error.message.startswith("redis unreachable")
    with serve(b"<html>not redis</html>", 500, "text/html") as port:
        cfg = QueueConfig(redis_url=f"redis://127.0.0.1:{port}/0", keys=["q"])
        probe = QueueProbe("q", cfg, 2.0, 0.5)
        garbage = await bounded(probe.collect(), 1.0)
        await probe.aclose()
    assert not garbage.ok
    assert queue_verdicts(garbage, cfg)[0].status is Status.UNKNOWN


async def test_queue_key_of_the_wrong_type_is_a_note_not_a_crash(tmp_path: Path) -> None:
    srv = RedisServer(tmp_path / "redis")
    srv.start()
    try:
        r = redis.Redis.from_url(srv.url)
        r.set("not-a-list", "x")
        r.lpush("q", "task")
        r.close()
        cfg = QueueConfig(redis_url=srv.url, keys=["q"], dead_letter_keys=["not-a-list"])
        probe = QueueProbe("q", cfg, 2.0, 1.0)
        result = await probe.collect()
        await probe.aclose()
    finally:
        srv.stop()
    assert result.ok and result.depth == 1 and result.dead == 0
    assert result.notes and "WRONGTYPE" in result.notes[0]
    verdicts = queue_verdicts(result, cfg)
    assert verdicts[0].status is Status.WARN and "LLEN not-a-list" in verdicts[0].reason


async def test_litellm_probe_on_html_errors_and_garbage_metrics() -> None:
    async with make_client(4) as client:
        with serve(b"<html>502 Bad Gateway</html>", 502, "text/html") as port:
            probe = LiteLLMProbe("p", LiteLLMConfig(url=f"http://127.0.0.1:{port}"), client, 2.0, 1.0, 1 << 20)
            r = await bounded(probe.collect(), 1.0)
        assert r.health.error is not None and r.health.error.kind == "http"
        assert r.metrics.error is not None
        with serve(b'litellm_deployment_state{litellm_model_name="x" 1\n{{{', 200, "text/plain") as port:
            probe = LiteLLMProbe("p", LiteLLMConfig(url=f"http://127.0.0.1:{port}"), client, 2.0, 1.0, 1 << 20)
            r = await bounded(probe.collect(), 1.0)
        assert r.health.ok  # liveliness answered 200
        assert r.metrics.error is not None and r.metrics.error.kind == "garbage"
        with silent_server() as port:
            probe = LiteLLMProbe("p", LiteLLMConfig(url=f"http://127.0.0.1:{port}"), client, 2.0, 0.5, 1 << 20)
            start = time.monotonic()
            r = await bounded(probe.collect(), 1.0)
            assert time.monotonic() - start < 1.0
        assert r.health.error is not None and r.health.error.kind == "timeout"
