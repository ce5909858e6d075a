"""Events from a log that is a stream, not a file: a container's logs or a unit's journal (the service manager's
log source), for a service without a `logs:` block.

The first poll reads back a recent window (`tail`), so a fresh dashboard or a one-shot `check` knows recent
events; after it one background task follows the stream and keeps only the lines that name an event (and the
newest info line), which each poll takes. A stream that ends (the container stopped, journalctl died) is followed
again from its end after an interval: lines written while nobody followed are not read back, since reading the
window again would count its events twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

from probes.model import LogEvent, LogEventsResult, LogSource, ProbeError
from probes.sources.logs.probe import MAX_EVENTS, event_names, newest_info, picked
from probes.text.sanitize import clean

RECENT_LINES = 2000
"""Lines read back on start: the stream's counterpart of the file probe's 256 KiB."""
PREFIX_MAX = 8
"""A label before a JSON line that is still read as one (FileLogSource's "stderr: ")."""
RETRY_S = 30.0
"""A service whose manager has not said where its log is (a launchd job before it logs) is asked again after this."""
MAX_KEPT = MAX_EVENTS
"""Event lines kept between two polls; more are counted as dropped (a log naming events that fast is broken)."""


class StreamEventsProbe:
    """One service's native log followed for its events; `opener` makes a fresh LogSource (or None: none now)."""

    def __init__(
        self,
        service: str,
        opener: Callable[[], Awaitable[LogSource | None]],
        interval: float,
        timeout: float,
    ) -> None:
        self.key = f"logs:{service}"
        self.interval = interval
        self.timeout = timeout
        self.opener = opener
        self.names, self.pattern = event_names()  # no `logs:` block, so the guide's own names
        self.kept: list[bytes] = []
        self.info: bytes | None = None  # the newest line saying "info" since the last poll
        self.lines = 0
        self.dropped = 0
        self.problem: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._source: LogSource | None = None
        self._asked = 0.0  # when the opener last found no log (monotonic)

    async def collect(self) -> LogEventsResult:
        at = time.time()
        if self._task is None:
            if self._asked and time.monotonic() - self._asked < RETRY_S:
                return LogEventsResult(at=at)
            self._source = await self.opener()
            if self._source is None:  # nowhere to read yet: not an error of the service
                self._asked = time.monotonic()
                return LogEventsResult(at=at)
            try:
                self._take_all(await self._source.tail(RECENT_LINES))
            finally:  # a timed-out read back still leaves the stream followed from now on
                self._task = asyncio.create_task(self._follow(), name=f"log events {self.key}")
        return self._result(at)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> LogEventsResult:
        return LogEventsResult(at=time.time(), error=error)

    async def aclose(self) -> None:
        """Stop following (the journalctl process or the Docker stream goes with it)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._source is not None:
            with contextlib.suppress(Exception):
                await self._source.close()

    def _take_all(self, lines: list[str]) -> None:
        for line in lines:
            self._take(line)

    def _take(self, line: str) -> None:
        self.lines += 1
        raw = line.encode("utf-8", "replace")
        start = raw.find(b"{", 0, PREFIX_MAX + 1)
        if start > 0:  # "stderr: {...}": a job's two output files in one log say which file a line came from
            raw = raw[start:]
        if self.pattern.search(raw):
            if len(self.kept) < MAX_KEPT:
                self.kept.append(raw)
            else:
                self.dropped += 1
        elif b'"info"' in raw:
            self.info = raw

    async def _follow(self) -> None:
        while True:
            source = self._source
            try:
                if source is not None:
                    async for line in source.follow():
                        self._take(line)
                self.problem = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the stream failed: say so on the row, follow again after an interval
                self.problem = clean(f"{type(exc).__name__}: {exc}", 300)
            await asyncio.sleep(self.interval)
            if source is not None:
                with contextlib.suppress(Exception):
                    await source.close()
            with contextlib.suppress(Exception):
                self._source = await self.opener()

    def _result(self, at: float) -> LogEventsResult:
        data = b"\n".join(self.kept)
        events: list[LogEvent] = picked(data, at, self.pattern, self.names)[:MAX_EVENTS] if data else []
        last_info = newest_info(self.info, at) if self.info is not None else None
        if last_info is not None:
            events.append(last_info)
        lines, self.kept, self.info, self.lines = self.lines, [], None, 0
        error = ProbeError("error", self.problem) if self.problem else None
        return LogEventsResult(at=at, events=tuple(events), lines=lines, error=error)
