"""The hot loop of the JSON-lines ledger decoder, alone in a module so a worker process imports almost nothing.

`fold` sums lines in the conventional shape (field names as in the README, a reported float cost, int tokens,
ISO timestamps) by (local hour, service, model, task type) and by task, and hands back every other line as it is
for the record-by-record path. A million lines become a few thousand sums; the caller applies them to its book.
Sums are by hour, not minute: the book keeps hours, and applying a chunk's sums is the reader's serial work while
workers sum the next chunks (a chunk of a day-long ledger has about 50 times fewer hour groups than minute groups).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from operator import itemgetter
from typing import Any

from probes.spend.hours import HourKeys, minute_key

try:  # about 5x faster than json on ledger lines; plain json where it is not installed
    import orjson

    loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    loads = json.loads

Hour = tuple[int, int]  # (epoch second the local hour starts at, local day ordinal)
GroupKey = tuple[Hour, str, str, str]  # (hour, service, model, task type)
TaskKey = tuple[str, str, str]  # (task id, service, task type)
TaskSums = dict[TaskKey, list[Any]]  # -> [cost, records]
Folded = tuple[dict[GroupKey, list[Any]], dict[int, TaskSums], list[bytes]]

_FIELDS = itemgetter(
    "timestamp", "service", "model", "task_type", "cost_usd", "input_tokens", "output_tokens", "task_id"
)  # one C call instead of eight subscripts per line


def fold(data: bytes, hours: HourKeys) -> Folded:  # long: the per-line hot loop, see below
    """Sum the conventional lines of `data` (complete lines); returns (groups, tasks, other lines).

    groups: key -> [cost, records, input tokens, output tokens];
    tasks: by local day, so the reader keeps today's (only today's records count toward runaway tasks) without
    looking at each task.

    A hot loop (about 2.5 us a line, a million lines in a big first load): every name it uses is bound to a local
    and the work of a line is inline, since a function call per line would cost more than the work; so it stays
    one function, longer than 50 lines.
    """
    groups: dict[GroupKey, list[Any]] = {}
    tasks: dict[tuple[str, str, str, int], list[Any]] = {}
    other: list[bytes] = []
    load, inf, flt, integer, fields = loads, math.inf, float, int, _FIELDS
    hour_of, new_hour = hours.cache.get, hours.add
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            ts, service, model, task_type, cost, tin, tout, task = fields(load(line))
            if (
                type(cost) is not flt
                or type(tin) is not integer
                or type(tout) is not integer
                or not 0 <= cost < inf
                or (tin | tout) < 0
            ):
                raise ValueError
            mkey = ts[:16] + ts[-6:]  # = minute_key(ts): every timestamp with this key is in the same minute
            hour = hour_of(mkey)
            if hour is None:
                if type(ts) is not str or minute_key(ts) != mkey:
                    raise ValueError
                hour = new_hour(ts, mkey)  # BadRecord (a ValueError) for a bad timestamp
            key = (hour, service, model, task_type)
            g = groups.get(key)
            if g is None:
                if type(service) is not str or type(model) is not str or type(task_type) is not str:
                    raise ValueError  # checked once per group: every record of a group shares these
                g = groups[key] = [0.0, 0, 0, 0]
            g[0] += cost
            g[1] += 1
            g[2] += tin
            g[3] += tout
            if task:
                tkey = (task, service, task_type, hour[1])
                t = tasks.get(tkey)
                if t is None:
                    if type(task) is not str:
                        raise ValueError
                    t = tasks[tkey] = [0.0, 0]
                t[0] += cost
                t[1] += 1
        except (ValueError, KeyError, TypeError, IndexError):
            if not line.isspace():
                other.append(line)
    by_day: dict[int, TaskSums] = {}
    for (task, service, task_type, day), t in tasks.items():
        sums = by_day.get(day)
        if sums is None:
            sums = by_day[day] = {}
        sums[task, service, task_type] = t
    return groups, by_day, other
