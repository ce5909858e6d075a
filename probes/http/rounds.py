"""One round of plain http:// GETs for every health and metrics probe of one interval, driven by callbacks.

Polled one by one, each request cost a task step, a sleep, two timeout scopes, a semaphore turn and a chain of
awaits: more Python than the request and its parse together, at 400 requests every 2 s. A round sends each request
on an idle keep-alive connection, handles each answer in the callback that completes it, and keeps one timer for
every deadline; an answer too large to parse within a few ms is parsed on the parse thread (probes.http.parse_thread)
and recorded when done. What needs more than an idle connection (the first connect, https, a redirect, a
connection the server closed while idle) is polled the ordinary way (probes.http.client.fetch, which judges redirects),
inside the same round.

The fleet's concurrency semaphore counts every request in flight, however it is sent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from probes.http.client import classify
from probes.http.fast import FastHTTP, Prepared
from probes.http.parse_thread import INLINE_MAX, parse
from probes.http.wire import Conn, Fallback, FetchError, Redirect, Stale
from probes.model import ProbeError


class RoundProbe(Protocol):
    """What a round needs of a probe: its GET, and the result of an answer or of a failure."""

    key: str
    url: str
    headers: dict[str, str]
    timeout: float
    max_bytes: int

    def answer(self, code: int, body: bytes, at: float, elapsed: float, ctype: str, /) -> Any: ...

    def failed(self, error: ProbeError, at: float, elapsed_s: float, /) -> Any: ...


Record = Callable[[RoundProbe, Any], None]
PollOne = Callable[[RoundProbe], Coroutine[Any, Any, None]]


class _Flight:
    """One request of the round on a checked-out connection."""

    __slots__ = ("at", "conn", "deadline", "fut", "probe", "req", "start")

    def __init__(self, probe: RoundProbe, req: Prepared, conn: Conn, start: float) -> None:
        self.probe = probe
        self.req = req
        self.conn = conn
        self.at = time.time()
        self.start = start
        self.deadline = start + probe.timeout
        self.fut = conn.start(req.data, probe.max_bytes)  # cancelled only when the deadline passes (or abandoned)


class HttpRound:
    """Runs rounds for one group of probes; `record` gets every result, `poll_one` does the ordinary poll."""

    def __init__(self, fast: FastHTTP, sem: asyncio.Semaphore, record: Record, poll_one: PollOne) -> None:
        self.fast = fast
        self.sem = sem
        self.record = record
        self.poll_one = poll_one
        self._flights: set[_Flight] = set()
        self._others: list[asyncio.Task[None]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._idle: asyncio.Future[None] | None = None

    async def run(self, probes: list[RoundProbe]) -> None:
        """Poll every probe once; returns when each has a result (within its timeout)."""
        loop = asyncio.get_running_loop()
        try:
            for probe in probes:
                await self.sem.acquire()
                got = self.fast.checkout(probe.url, probe.headers)
                if got is None:
                    self.sem.release()
                    self._others.append(loop.create_task(self.poll_one(probe)))
                    continue
                self._send(loop, probe, *got)
            if self._flights:
                self._idle = loop.create_future()
                await self._idle
            while self._others:  # polls started from callbacks (a stale connection) join the list meanwhile
                others, self._others = self._others, []
                await asyncio.gather(*others)
        finally:
            self._abandon()

    def _send(self, loop: asyncio.AbstractEventLoop, probe: RoundProbe, req: Prepared, conn: Conn) -> None:
        flight = _Flight(probe, req, conn, loop.time())
        self._flights.add(flight)
        if self._timer is None or flight.deadline < self._timer_at:
            self._arm(loop, flight.deadline)
        flight.fut.add_done_callback(lambda fut: self._answered(flight, fut))

    def _arm(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = when
        self._timer = loop.call_at(when, self._expire)

    def _expire(self) -> None:
        """Fail the requests past their deadline (each closes its connection), then wait for the next one."""
        self._timer = None
        now = asyncio.get_running_loop().time()
        for flight in self._flights:
            if flight.deadline <= now:
                flight.fut.cancel()
        later = [f.deadline for f in self._flights if not f.fut.done()]
        if later:
            self._arm(asyncio.get_running_loop(), min(later))

    def _answered(self, flight: _Flight, fut: asyncio.Future[tuple[int, bytes, str]]) -> None:
        if flight not in self._flights:
            return  # abandoned: the round was cancelled
        self._flights.discard(flight)
        self.sem.release()
        loop = asyncio.get_running_loop()
        probe, elapsed = flight.probe, loop.time() - flight.start
        exc = None if fut.cancelled() else fut.exception()
        ok = not fut.cancelled() and exc is None
        self.fast.checkin(flight.req.host, flight.conn, reuse=ok or isinstance(exc, Redirect))
        try:
            if ok:
                code, body, ctype = fut.result()
                if len(body) > INLINE_MAX:  # parsed on the parse thread, recorded when done
                    self._others.append(loop.create_task(self._parse(probe, code, body, flight.at, elapsed, ctype)))
                    result = None
                else:
                    result = probe.answer(code, body, flight.at, elapsed, ctype)
            elif fut.cancelled():  # past its deadline (_expire)
                result = probe.failed(ProbeError("timeout", f"no answer within {probe.timeout:g}s"), flight.at, elapsed)
            elif isinstance(exc, (Stale, Fallback, Redirect)):
                if isinstance(exc, Fallback):
                    flight.req.slow = True  # from now on the ordinary poll (httpx) does this URL
                elif isinstance(exc, Redirect):
                    flight.req.redirects = True  # from now on the ordinary poll, which follows it or says why not
                self._others.append(loop.create_task(self.poll_one(probe)))
                result = None
            elif isinstance(exc, FetchError):
                result = probe.failed(exc.error, flight.at, elapsed)
            else:
                assert exc is not None
                result = probe.failed(classify(exc), flight.at, elapsed)
        except Exception as err:  # a probe bug or odd data must not stop the round
            result = probe.failed(classify(err), flight.at, elapsed)
        if result is not None:
            self.record(probe, result)
        if not self._flights and self._idle is not None and not self._idle.done():
            self._idle.set_result(None)

    async def _parse(self, probe: RoundProbe, code: int, body: bytes, at: float, elapsed: float, ctype: str) -> None:
        """A large answer parsed off the loop (probes.http.parse_thread), then recorded like any other."""
        try:
            result = await parse(len(body), probe.answer, code, body, at, elapsed, ctype)
        except Exception as err:  # a probe bug or odd data must not stop the round
            result = probe.failed(classify(err), at, elapsed)
        self.record(probe, result)

    def _abandon(self) -> None:
        """After the round, or when it is cancelled: no timer, no request or poll left running."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for flight in self._flights:
            self.sem.release()
            self.fast.checkin(flight.req.host, flight.conn, reuse=False)
            flight.fut.cancel()
        self._flights.clear()
        for task in self._others:
            task.cancel()
        self._others.clear()
        self._idle = None
