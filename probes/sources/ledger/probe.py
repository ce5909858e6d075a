"""Cost ledger probe: tails one ledger (JSON lines, CSV, SQLite or a LiteLLM SpendLogs export) into aggregates.

Line formats go through `LineTail` (offset + file identity, rotation, copytruncate, complete lines only); SQLite
through `SqliteSource` (read-only, by increasing rowid). Records become bucket counters in a `SpendBook`, never a
list, so memory does not grow with the ledger. Each poll reads for at most a share of its timeout; a large backlog
(a first load of a big file) is read over several polls and reported as `backlog`, with how far it has got. For
`check` (one poll or two) the reading time is one budget over all polls instead, `total_s`. When first opened, the
files the ledger was rotated into earlier today are read too (probes.sources.ledger.rotated).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable

from probes.config import LedgerConfig
from probes.files.safe import NotRegularFile, open_regular
from probes.files.tail import CHUNK, Batch, LineTail
from probes.model import LedgerResult, ProbeError
from probes.sources.ledger.rotated import rotated_today
from probes.sources.ledger.sqlite import SqliteSource
from probes.spend.book import SpendBook
from probes.spend.hours import local_midnight
from probes.spend.pool import PARALLEL_MIN_BYTES, FoldPool, FoldWorker, WorkerError
from probes.spend.prices import PriceBook
from probes.spend.records import LITELLM_COLUMNS, CsvLines, JsonLines, RecordSink
from probes.text.sanitize import clean

MAX_ARRAY_BYTES = 64 * 1024 * 1024  # a LiteLLM export given as one JSON array is read whole; cap it
CHECK_READ_S = 8.0  # `check` reads each ledger for at most this long, then says its spend is incomplete


class LedgerProbe:
    """Reads one ledger shared by any number of services."""

    def __init__(
        self,
        path: str,
        interval: float,
        timeout: float,
        cfg: LedgerConfig | None = None,
        clock: Callable[[], float] = time.time,
        prices: PriceBook | None = None,
        total_s: float | None = None,
    ) -> None:
        self.key = f"ledger:{path}"
        self.path = path
        self.interval = interval
        self.total_s = total_s  # one budget of reading time over all polls (check), instead of one per poll
        self.timeout = timeout if total_s is None else max(timeout, total_s + 2.0)
        self.cfg = cfg or LedgerConfig(path=path)
        self.clock = clock
        self.prices = prices or PriceBook(self.cfg.prices)
        self.read_budget_s = max(0.05, min(1.0, timeout * 0.6))
        fmt = self.cfg.format
        self.naive_utc = (self.cfg.timezone or ("utc" if fmt == "litellm" else "local")) == "utc"
        self.columns = {**(LITELLM_COLUMNS if fmt == "litellm" else {}), **self.cfg.columns}
        self.book = SpendBook(self.prices, clock)
        self.sink = RecordSink(self.book, self.columns, self.naive_utc)
        self.tail = LineTail(path)
        self.decoder = CsvLines(self.sink) if fmt == "csv" else JsonLines(self.sink)
        self.sqlite = SqliteSource(path, self.cfg.table, self.cfg.query, self.columns) if fmt == "sqlite" else None
        self._array_stamp: tuple[int, int, int, int] | None = None
        self._pool: FoldPool | None = None
        self._pool_checked = False
        self._lock = threading.Lock()
        self._last: LedgerResult | None = None
        self.read_s = 0.0  # time spent reading, all polls together
        self._rotated_checked = False
        self._rotated_day = 0.0
        self.notes: tuple[str, ...] = ()  # the rotated files read besides the ledger
        self.unread: tuple[str, ...] = ()  # and those that could not be

    async def collect(self) -> LedgerResult:
        return await asyncio.to_thread(self.read)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> LedgerResult:
        last = self._last
        if last is None:
            return LedgerResult(at=at, error=error)
        return LedgerResult(at, last.spend_today, last.calls_today, last.records, last.bad_lines, error, last.summary)

    def read(self) -> LedgerResult:
        """Take in what was appended since the last call (blocking; run it in a thread)."""
        at = time.time()
        if not self._lock.acquire(blocking=False):  # a timed-out read is still running in its thread
            return self._last or LedgerResult(at=at, backlog=True)
        try:
            error: ProbeError | None = None
            backlog = False
            start = time.monotonic()
            budget = self.read_budget_s if self.total_s is None else max(0.0, self.total_s - self.read_s)
            try:
                backlog = self._read(start + budget)
            except FileNotFoundError:
                error = ProbeError("refused", "ledger file not found")
            except NotRegularFile as exc:
                error = ProbeError("error", str(exc))
            except (OSError, sqlite3.Error, ValueError) as exc:
                error = ProbeError("error", f"cannot read ledger: {clean(str(exc), 200)}")
            self.read_s += time.monotonic() - start
            self._forget_rotated()
            if error is None and self.tail.problem:
                error = ProbeError("error", self.tail.problem)
            elif error is None and self.tail.missing:
                error = ProbeError("refused", "ledger file not found")
            self._last = self._result(at, error, backlog)
            return self._last
        finally:
            self._lock.release()

    def _read_rotated(self) -> None:
        """Once, at the first open: today's earlier rotated files go to the tail, to be read before the ledger."""
        current = self.tail.open_current()
        if current is None:
            return
        self._rotated_checked = True
        now = self.clock()
        found = rotated_today(self.path, now, current)
        for fd in found.fds:
            self.tail.adopt(fd)
        self.notes = (f"also read {', '.join(sorted(found.read))} (written today)",) if found.read else ()
        self.unread = tuple(found.unread)
        self._rotated_day = local_midnight(now)

    def _forget_rotated(self) -> None:
        """After midnight what was read from, or missing of, yesterday's rotated files no longer matters."""
        if (self.notes or self.unread) and local_midnight(self.clock()) != self._rotated_day:
            self.notes = self.unread = ()

    def close(self) -> None:
        """Let go of the files, the database and any worker processes (after a read still running, if any)."""
        if not self._lock.acquire(timeout=2.0):
            return  # a read holds them; the process exit lets them go
        try:
            self.tail.close()
            if self.sqlite is not None:
                self.sqlite.close()
            if self._pool is not None:
                self._pool.close()
                self._pool = None
        finally:
            self._lock.release()

    def _read(self, deadline: float) -> bool:
        if self.sqlite is not None:
            more = True
            while more and time.monotonic() < deadline:
                more = self.sqlite.poll(self.sink, 100_000)
            return more
        if self.cfg.format == "litellm" and self._is_array():
            return False
        if not self._rotated_checked:
            self._read_rotated()
        pool = self._fold_pool()
        sent: deque[tuple[FoldWorker, Batch]] = deque()  # chunks out with workers, oldest first
        tick = True
        paused_gc = pool is not None and gc.isenabled()
        if paused_gc:  # applying sums makes no cycles; with big tables, collections were a third of this thread
            gc.disable()
        try:
            while True:
                batches, more = self.tail.poll(CHUNK, tick)
                tick = False
                for batch in batches:
                    if pool is None or len(batch.data) <= CHUNK // 2:
                        self.decoder.feed(batch)
                        continue
                    while (worker := pool.idle()) is None and sent:
                        self._collect_one(sent, pool)  # every worker has a queue: apply the oldest sums
                    if worker is None:  # every worker failed
                        self.decoder.feed(batch)
                        continue
                    worker.send(batch.data)
                    sent.append((worker, batch))
                if not more or time.monotonic() >= deadline:
                    break
        finally:
            while sent:  # every chunk handed out is applied before this read returns
                self._collect_one(sent, pool)
            if paused_gc:
                gc.enable()
        if not more and self._pool is not None:
            self._pool.close()
            self._pool = None
        return more

    def _collect_one(self, sent: deque[tuple[FoldWorker, Batch]], pool: FoldPool | None) -> None:
        """The oldest chunk's sums; a chunk whose worker died is summed here instead (nothing is lost)."""
        worker, batch = sent.popleft()
        try:
            folded = worker.receive()
        except WorkerError:
            if pool is not None:
                pool.drop(worker)
            self.decoder.feed(batch)
            return
        assert isinstance(self.decoder, JsonLines)
        self.decoder.apply(folded)

    def _fold_pool(self) -> FoldPool | None:
        """Worker processes for a big backlog (a first load of a large JSON-lines ledger), else None."""
        if self._pool is not None or self._pool_checked:
            return self._pool
        self._pool_checked = True
        if not (isinstance(self.decoder, JsonLines) and self.sink.identity):
            return None
        with contextlib.suppress(OSError):
            if os.stat(self.path).st_size >= PARALLEL_MIN_BYTES:
                self._pool = FoldPool.start(self.naive_utc)
        return self._pool

    def _is_array(self) -> bool:
        """A LiteLLM export that is one JSON array is re-read whole whenever the file changes."""
        with open(open_regular(self.path), "rb") as fh:
            head = fh.read(64).lstrip()
            if not head.startswith(b"["):
                return False
            st = os.fstat(fh.fileno())
            stamp = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            if stamp == self._array_stamp:
                return True
            if st.st_size > MAX_ARRAY_BYTES:
                raise ValueError(f"JSON array export over {MAX_ARRAY_BYTES >> 20} MiB; export JSON lines instead")
            fh.seek(0)
            rows = json.loads(fh.read())
        self._array_stamp = stamp
        self.book = SpendBook(self.prices, self.clock)
        self.sink = RecordSink(self.book, self.columns, self.naive_utc)
        for row in rows if isinstance(rows, list) else [rows]:
            self.sink.add_mapping(row)
        return True

    def _result(self, at: float, error: ProbeError | None, backlog: bool) -> LedgerResult:
        summary = self.book.summary()
        today = [r for r in summary.services if r.calls]
        return LedgerResult(
            at=at,
            spend_today={r.name: r.usd for r in today},
            calls_today={r.name: r.calls for r in today},
            records=self.sink.records,
            bad_lines=self.sink.bad + self.tail.dropped_partial,
            error=error,
            summary=summary,
            backlog=backlog,
            progress=self.tail.progress() if backlog and self.sqlite is None else None,
            read_s=self.read_s,
            notes=self.notes,
            unread=self.unread,
        )
