"""Cost ledger tail: today's spend per service from a JSON-lines file, read incrementally.

Only complete lines are consumed; a truncated or replaced file (rotation) starts over from its beginning. A line
that does not decode is counted, never fatal. Memory is a few counters per service, not the records.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import time
from collections.abc import Callable

from probes.model import LedgerResult, ProbeError

CHUNK = 8 * 1024 * 1024  # most bytes consumed per poll, so a huge backlog is read over several polls


class LedgerProbe:
    """Tails one ledger file shared by any number of services."""

    def __init__(
        self, path: str, interval: float, timeout: float, today: Callable[[], dt.date] = dt.date.today
    ) -> None:
        self.key = f"ledger:{path}"
        self.path = path
        self.interval = interval
        self.timeout = timeout
        self.today = today
        self._ident: tuple[int, int] | None = None
        self._offset = 0
        self._day = today()
        self._spend: dict[str, float] = {}
        self._calls: dict[str, int] = {}
        self._records = 0
        self._bad = 0

    async def collect(self) -> LedgerResult:
        return await asyncio.to_thread(self.read)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> LedgerResult:
        return LedgerResult(at=at, error=error)

    def _reset(self) -> None:
        self._offset = 0
        self._spend.clear()
        self._calls.clear()
        self._records = 0

    def read(self) -> LedgerResult:
        """Consume the complete lines appended since the last call (blocking; run it in a thread)."""
        at = time.time()
        day = self.today()
        if day != self._day:  # a new day: today's totals start from zero, older records are skipped on re-read
            self._day = day
            self._reset()
            self._ident = None
        try:
            with open(self.path, "rb") as fh:
                st = os.fstat(fh.fileno())
                ident = (st.st_dev, st.st_ino)
                if ident != self._ident or st.st_size < self._offset:
                    self._ident = ident
                    self._reset()
                fh.seek(self._offset)
                data = fh.read(CHUNK)
        except FileNotFoundError:
            # Forget the identity: a file created later may reuse the inode, and must be read from its start.
            self._ident = None
            return self._result(at, ProbeError("refused", "ledger file not found"))
        except OSError as exc:
            return self._result(at, ProbeError("error", f"cannot read ledger: {exc.strerror}"))
        end = data.rfind(b"\n")
        if end < 0:
            return self._result(at)
        self._offset += end + 1
        for line in data[: end + 1].splitlines():
            if line.strip():
                self._consume(line, day)
        return self._result(at)

    def _consume(self, line: bytes, day: dt.date) -> None:
        try:
            rec = json.loads(line)
            when = dt.datetime.fromisoformat(str(rec["timestamp"]).replace("Z", "+00:00"))
            service = str(rec.get("service", ""))
            cost = rec.get("cost_usd")
            cost = float(cost) if cost is not None else 0.0
        except (ValueError, KeyError, TypeError, AttributeError):
            self._bad += 1
            return
        if when.tzinfo is not None:
            when = when.astimezone()  # local time decides what "today" means
        self._records += 1
        if when.date() != day or cost != cost or cost < 0:
            return
        self._spend[service] = self._spend.get(service, 0.0) + cost
        self._calls[service] = self._calls.get(service, 0) + 1

    def _result(self, at: float, error: ProbeError | None = None) -> LedgerResult:
        return LedgerResult(
            at=at,
            spend_today=dict(self._spend),
            calls_today=dict(self._calls),
            records=self._records,
            bad_lines=self._bad,
            error=error,
        )
