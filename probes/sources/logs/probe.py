"""Each poll, the events of the lines a service's JSON log gained (the first poll: its last 256 KiB again)."""

from __future__ import annotations

import asyncio
import threading
import time

from probes.files.logs import EndTail
from probes.model import LogEvent, LogEventsResult, ProbeError
from probes.sources.logs.events import EVENTS, event_of
from probes.text.sanitize import clean

RECENT = 256 * 1024
"""Read again at start, so a fresh dashboard or a one-shot `check` knows what happened lately."""
PER_POLL = 1024 * 1024
"""At most this much read a poll: a log that grows faster is caught up over the next polls."""
MAX_EVENTS = 1000


class LogEventsProbe:
    """Follows one log file across rotation (probes.files.tail), keeping only the lines that name an event."""

    def __init__(self, service: str, path: str, interval: float, timeout: float, recent: int = RECENT) -> None:
        self.key = f"logs:{service}"
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.recent = recent
        self.tail: EndTail | None = None
        self._lock = threading.Lock()

    async def collect(self) -> LogEventsResult:
        return await asyncio.to_thread(self.read)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> LogEventsResult:
        return LogEventsResult(at=time.time(), error=error)

    def read(self) -> LogEventsResult:
        """The events since the last read (blocking; run it in a thread)."""
        at = time.time()
        if not self._lock.acquire(blocking=False):  # a timed-out read is still running in its thread
            return LogEventsResult(at=at)
        try:
            if self.tail is None:
                self.tail = EndTail(self.path)
                self.tail.start_at_end(self.recent)
            try:
                batches, _ = self.tail.poll(PER_POLL)
            except OSError as exc:
                return LogEventsResult(at=at, error=ProbeError("error", clean(f"{self.path}: {exc}", 300)))
            if self.tail.problem:
                return LogEventsResult(at=at, error=ProbeError("error", clean(self.tail.problem, 300)))
            events: list[LogEvent] = []
            last_info: LogEvent | None = None  # the newest info line: work goes on (it closes half-open breakers)
            lines = 0
            for b in batches:
                for line in b.data.split(b"\n"):
                    lines += 1
                    e = event_of(line, at) if b'"event"' in line else None
                    if e is None:
                        continue
                    if e.event in EVENTS and len(events) < MAX_EVENTS:
                        events.append(e)
                    elif e.level == "info":
                        last_info = e
            if last_info is not None:
                events.append(last_info)
            return LogEventsResult(at=at, events=tuple(events), lines=lines)
        finally:
            self._lock.release()
