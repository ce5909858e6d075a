"""Each poll, the events of the lines a service's JSON log gained (the first poll: its last 256 KiB again)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import threading
import time
from collections.abc import Mapping

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

    def __init__(
        self,
        service: str,
        path: str,
        interval: float,
        timeout: float,
        recent: int = RECENT,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self.key = f"logs:{service}"
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.recent = recent
        self.names, self.pattern = event_names(aliases)
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
                lines += b.data.count(b"\n")
                events += picked(b.data, at, self.pattern, self.names)[: MAX_EVENTS - len(events)]
                last_info = newest_info(b.data, at) or last_info
            if last_info is not None:
                events.append(last_info)
            return LogEventsResult(at=at, events=tuple(events), lines=lines)
        finally:
            self._lock.release()


def event_names(aliases: Mapping[str, str] | None = None) -> tuple[dict[str, str], re.Pattern[bytes]]:
    """The names an event is logged under (-> the event it is: the guide's own, and an agent's `aliases`), and
    one regex finding any of them, the longest first."""
    names = {**{e: e for e in EVENTS}, **(aliases or {})}
    return names, re.compile(b"|".join(re.escape(n.encode()) for n in sorted(names, key=len, reverse=True)))


def picked(data: bytes, at: float, pattern: re.Pattern[bytes], names: Mapping[str, str]) -> list[LogEvent]:
    """The events of complete lines that name one of `names` (as logged -> the event it is): found in the whole
    batch at once (C search), so a chatty log's other lines are never decoded."""
    out: list[LogEvent] = []
    end = 0
    for m in pattern.finditer(data):
        if m.start() < end:
            continue  # a second name on a line already taken
        start, end = _line_at(data, m.start())
        e = event_of(data[start:end], at)
        if e is not None and e.event in names:
            out.append(dataclasses.replace(e, event=names[e.event]))
    return out


def newest_info(data: bytes, at: float) -> LogEvent | None:
    """The last info-level event line of a batch (the lines before it need no look)."""
    pos = len(data)
    for _ in range(100):  # a bound: a batch whose last hundred `"info"` lines are not events has none to give
        pos = data.rfind(b'"info"', 0, pos)
        if pos < 0:
            return None
        start, end = _line_at(data, pos)
        e = event_of(data[start:end], at)
        if e is not None and e.level == "info":
            return e
        pos = start
    return None


def _line_at(data: bytes, pos: int) -> tuple[int, int]:
    """Where the line holding byte `pos` starts and ends (its newline excluded)."""
    end = data.find(b"\n", pos)
    return data.rfind(b"\n", 0, pos) + 1, len(data) if end < 0 else end
