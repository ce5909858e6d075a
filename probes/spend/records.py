"""Ledger records from JSON lines, CSV lines and LiteLLM SpendLogs rows, into a SpendBook.

One decoder per format turns complete lines into `SpendBook.add` calls; a line that does not give a record
(bad JSON, no timestamp, a negative or non-numeric cost) is counted, never fatal. Timestamps are parsed once per
minute and zone (a cache), which with orjson keeps a million-line initial load within a few seconds.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from typing import Any

from probes.files.tail import Batch
from probes.spend.book import SpendBook
from probes.spend.fold import Folded, fold, loads
from probes.spend.hours import BadRecord, HourKeys, TimeParser

FIELDS = ("timestamp", "service", "model", "input_tokens", "output_tokens", "cost_usd", "task_id", "task_type")
LITELLM_COLUMNS = {
    "timestamp": "startTime",
    "service": "metadata.user_api_key_alias",
    "model": "model",
    "input_tokens": "prompt_tokens",
    "output_tokens": "completion_tokens",
    "cost_usd": "spend",
    "task_id": "session_id",
    "task_type": "call_type",
}


def _number(value: object, name: str) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        raise BadRecord(name)
    try:
        n = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise BadRecord(name) from None
    if not math.isfinite(n) or n < 0:
        raise BadRecord(name)
    return n


def _text(value: object) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _dig(rec: Mapping[str, Any], path: str) -> object:
    """A field by dotted path; a nested value that is a JSON string (LiteLLM's metadata column) is decoded."""
    if path in rec:
        return rec[path]
    cur: object = rec
    for part in path.split("."):
        if isinstance(cur, str) and cur[:1] == "{":
            try:
                cur = json.loads(cur)
            except ValueError:
                return None
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(part)
    return cur


class RecordSink:
    """Maps source fields to record fields and adds records to the book; counts good and bad ones."""

    def __init__(self, book: SpendBook, columns: Mapping[str, str], naive_utc: bool) -> None:
        self.book = book
        self.columns = {f: columns.get(f, f) for f in FIELDS}
        self.identity = all(k == v for k, v in self.columns.items())
        self.time = TimeParser(naive_utc)
        self.records = 0
        self.bad = 0

    def add_mapping(self, rec: object) -> None:
        """One record from a mapping (a decoded JSON object or a CSV/SQLite row by column name)."""
        if not isinstance(rec, Mapping):
            self.bad += 1
            return
        try:
            get = rec.get if self.identity else None
            self.add_values([get(f) if get else _dig(rec, self.columns[f]) for f in FIELDS])
        except BadRecord:
            self.bad += 1

    def add_values(self, v: list[Any]) -> None:
        """One record from values in FIELDS order; raises BadRecord."""
        minute = self.time.minute(v[0])
        cost = v[5]
        if cost is None or cost == "":
            cost_usd = None
        elif type(cost) is float and cost >= 0 and cost != math.inf:
            cost_usd = cost
        else:
            cost_usd = _number(cost, "cost")
        tin, tout = v[3], v[4]
        n_in = tin if type(tin) is int and tin >= 0 else int(_number(tin, "input_tokens"))
        n_out = tout if type(tout) is int and tout >= 0 else int(_number(tout, "output_tokens"))
        self.book.add(minute, _text(v[1]), _text(v[2]), _text(v[7]), _text(v[6]), cost_usd, n_in, n_out)
        self.records += 1


class JsonLines:
    """One JSON object per line (the ledger convention, and LiteLLM SpendLogs exported as JSON lines).

    The common case (field names as in the convention, a reported cost, ISO timestamps) is summed per batch by
    (minute, service, model, task type) and per task before it reaches the book: a batch of a million lines makes
    a few thousand book updates. Anything else goes record by record through `RecordSink`.
    """

    def __init__(self, sink: RecordSink) -> None:
        self.sink = sink
        self.hours = HourKeys(sink.time.naive_utc)

    def feed(self, batch: Batch) -> None:
        sink = self.sink
        if not sink.identity:
            for line in batch.data.split(b"\n"):
                if line and not line.isspace():
                    try:
                        sink.add_mapping(loads(line))
                    except ValueError:
                        sink.bad += 1
            return
        self.apply(fold(batch.data, self.hours))

    def apply(self, folded: Folded) -> None:
        """Add the sums of `fold` to the book, and the lines it left over record by record."""
        groups, tasks, other = folded
        sink = self.sink
        add = sink.book.add_hour_group
        for ((hour, day), service, model, task_type), (cost, n, tin, tout) in groups.items():
            add(hour, day, service, model, task_type, cost, n, tin, tout)
            sink.records += n
        for day, sums in tasks.items():
            sink.book.add_tasks(day, sums)  # only today's count toward runaway tasks
        for line in other:
            try:
                sink.add_mapping(loads(line))
            except ValueError:
                sink.bad += 1


class CsvLines:
    """CSV with a header row per file (read again after rotation or truncation); fields by `columns`.

    Quoted fields may not contain line breaks: the tail hands over whole lines.
    """

    def __init__(self, sink: RecordSink) -> None:
        self.sink = sink
        self.headers: dict[tuple[int, int], list[str]] = {}

    def feed(self, batch: Batch) -> None:
        lines = batch.data.decode("utf-8", "replace").splitlines()
        if batch.start and lines:
            self.headers[batch.ident] = [h.strip() for h in next(csv.reader([lines[0]]))]
            if len(self.headers) > 8:
                del self.headers[next(iter(self.headers))]
            lines = lines[1:]
        header = self.headers.get(batch.ident)
        for row in csv.reader(line for line in lines if line.strip()):
            if header is None or len(row) != len(header):
                self.sink.bad += 1
                continue
            self.sink.add_mapping(dict(zip(header, row, strict=True)))
