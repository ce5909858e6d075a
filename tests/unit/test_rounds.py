"""Rounds of health polls against real local servers that answer the first request well and then misbehave on the
reused connection, where a round does the request itself."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest

from probes.config import HealthConfig
from probes.http.client import Client, make_client
from probes.http.parse_thread import INLINE_MAX
from probes.http.rounds import HttpRound, RoundProbe
from probes.model import HealthResult
from probes.sources.health.probe import HealthProbe
from tests.functional.helpers import raw

OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n{"status": "healthy"}'


def plan(*later: bytes | None, first: bytes = OK) -> Any:
    """A server script: the first request answered well, then `later` in turn (None: read it and say nothing);
    the last entry repeats."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        steps = [first, *later]
        for i in range(100):
            await reader.readuntil(b"\r\n\r\n")
            step = steps[min(i, len(steps) - 1)]
            if step is None:
                await asyncio.sleep(30)
            elif step == b"close":
                return
            else:
                writer.write(step)
                await writer.drain()

    return script


class Poller:
    """What the scheduler gives a round: a record of every result, and the ordinary poll."""

    def __init__(self, client: Client, concurrency: int = 10) -> None:
        self.sem = asyncio.Semaphore(concurrency)
        self.results: dict[str, list[tuple[float, HealthResult]]] = {}
        self.ordinary = 0
        self.round = HttpRound(client.fast, self.sem, self.record, self.poll_one)

    def record(self, probe: RoundProbe, result: Any) -> None:
        self.results.setdefault(probe.key, []).append((time.monotonic(), result))

    async def poll_one(self, probe: RoundProbe) -> None:
        assert isinstance(probe, HealthProbe)
        self.ordinary += 1
        async with self.sem:
            self.record(probe, await probe.collect())

    def last(self, probe: HealthProbe) -> HealthResult:
        return self.results[probe.key][-1][1]


@asynccontextmanager
async def servers(*scripts: Any) -> AsyncIterator[tuple[Client, list[HealthProbe]]]:
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(make_client(10))
        probes = []
        for i, script in enumerate(scripts):
            base = await stack.enter_async_context(raw(script))
            probes.append(HealthProbe(f"svc{i}", HealthConfig(url=base + "/health"), client, 2.0, 0.5, 10_000))
        yield client, probes


async def test_the_second_round_reuses_each_connection_without_the_ordinary_poll() -> None:
    async with servers(plan(OK), plan(OK)) as (client, probes):
        poller = Poller(client)
        await poller.round.run(probes)  # no idle connection yet: the ordinary poll connects
        assert poller.ordinary == 2
        for _ in range(3):
            await poller.round.run(probes)
        assert poller.ordinary == 2 and client.fast.connections_opened == 2
        assert all(len(poller.results[p.key]) == 4 and poller.last(p).status == "healthy" for p in probes)


async def test_a_hang_times_out_alone_and_its_connection_is_closed() -> None:
    async with servers(plan(None), plan(OK)) as (client, probes):
        poller = Poller(client)
        await poller.round.run(probes)
        t0 = time.monotonic()
        await poller.round.run(probes)
        took = time.monotonic() - t0
        hung, fine = probes
        assert poller.last(hung).error is not None
        assert poller.last(hung).error.message == "no answer within 0.5s"  # type: ignore[union-attr]
        assert 0.45 < took < 1.0
        assert poller.results[fine.key][-1][0] - t0 < 0.2  # the other answer did not wait for the hang
        await poller.round.run(probes)  # a new connection for the hung one, the old one was closed
        assert client.fast.connections_opened == 3
        assert poller.sem._value == 10


async def test_a_connection_closed_while_idle_is_polled_again_the_ordinary_way() -> None:
    async with servers(plan(b"close", OK)) as (client, probes):
        poller = Poller(client)
        await poller.round.run(probes)
        await asyncio.sleep(0.05)
        await poller.round.run(probes)
        assert poller.last(probes[0]).status == "healthy"
        assert poller.ordinary == 2 and client.fast.connections_opened == 2


async def test_a_redirect_goes_to_the_ordinary_poll_from_then_on() -> None:
    redirect = b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n"
    async with servers(plan(redirect, OK)) as (client, probes):
        poller = Poller(client)
        await poller.round.run(probes)
        await poller.round.run(probes)
        assert poller.last(probes[0]).status == "healthy"  # fetch followed the redirect (the same origin)
        await poller.round.run(probes)
        assert poller.ordinary == 3  # the URL is fetch's now, which judges each redirect
        assert client.fast.connections_opened == 1  # on the one keep-alive connection all along


@pytest.mark.parametrize(
    ("second", "kind", "words"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", "garbage", "not HTTP"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 999999\r\n\r\n", "too_large", "exceeds the cap"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n{not json", "garbage", "invalid JSON"),
    ],
)
async def test_a_bad_second_answer_is_named(second: bytes, kind: str, words: str) -> None:
    async with servers(plan(second)) as (client, probes):
        poller = Poller(client)
        await poller.round.run(probes)
        await poller.round.run(probes)
        error = poller.last(probes[0]).error
        assert error is not None and error.kind == kind and words in error.message


async def test_the_semaphore_bounds_requests_in_flight() -> None:
    slow = 0
    most = 0

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal slow, most
        for _ in range(10):
            await reader.readuntil(b"\r\n\r\n")
            slow += 1
            most = max(most, slow)
            await asyncio.sleep(0.05)
            slow -= 1
            writer.write(OK)
            await writer.drain()

    async with servers(script, script, script) as (client, probes):
        poller = Poller(client, concurrency=2)
        for _ in range(3):
            await poller.round.run(probes)
        assert most == 2
        assert all(poller.last(p).status == "healthy" for p in probes)


async def test_a_cancelled_round_leaves_nothing_in_flight() -> None:
    async with servers(plan(None), plan(None)) as (client, probes):
        poller = Poller(client)
        await poller.round.run(probes)
        second = asyncio.create_task(poller.round.run(probes))
        await asyncio.sleep(0.2)  # both requests out on reused connections, neither answered
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        assert poller.sem._value == 10
        assert all(not pool.busy and not pool.idle and not pool.conns for pool in client.fast._hosts.values())
        await asyncio.sleep(0.5)  # past the deadline: the cancelled round's timer is gone, nothing more recorded
        assert all(len(poller.results[p.key]) == 1 for p in probes)


class Threads(HealthProbe):
    """A health probe that notes the thread each answer is parsed on."""

    threads: list[str] = []

    def answer(self, code: int, body: bytes, at: float, elapsed_s: float, ctype: str = "") -> HealthResult:
        Threads.threads.append(threading.current_thread().name)
        return super().answer(code, body, at, elapsed_s, ctype)


async def test_a_large_answer_is_parsed_off_the_loop_and_a_small_one_on_it() -> None:
    big = b'{"status": "healthy", "pad": "%s"}' % (b"x" * INLINE_MAX)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
    async with AsyncExitStack() as stack:
        client = await stack.enter_async_context(make_client(10))
        probes = []
        for i, body in enumerate((big, OK.partition(b"\r\n\r\n")[2])):
            base = await stack.enter_async_context(raw(plan(head % len(body) + body, first=head % len(body) + body)))
            probes.append(Threads(f"svc{i}", HealthConfig(url=base + "/health"), client, 2.0, 0.5, 1 << 20))
        poller = Poller(client)
        Threads.threads.clear()
        await poller.round.run(probes)  # the ordinary poll (collect)
        await poller.round.run(probes)  # the round's own callbacks
    loop_thread = threading.current_thread().name
    assert sorted(Threads.threads) == sorted(["agentops-parse_0", loop_thread] * 2)
    assert all(poller.last(p).status == "healthy" for p in probes)
