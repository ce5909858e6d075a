"""Spend aggregates in bounded memory: hour and day buckets x service x model x task type, never the records.

Hour buckets cover the last two days (burn rate, today's hours); older hours are folded into day buckets kept for
62 days (month to date, the 7-day average). Label values from outside are capped per dimension, so a ledger with a
new model name on every line cannot grow the buckets without bound. Today's per-task counters (for runaway tasks)
are capped too: past the cap the cheaper half is dropped, since only expensive tasks can be runaways.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from probes.model import Runaway, SpendSummary
from probes.spend.prices import PriceBook
from probes.spend.summary import CALLS, COMP, REP, TIN, TOUT, UNPRICED, HourPart, Key, summarize
from probes.text.sanitize import clean

HOUR_KEEP_S = 48 * 3600
DAY_KEEP = 62
MAX_LABELS = {"service": 256, "model": 64, "task_type": 64}
MAX_TASKS = 4_096
"""Today's per-task counters (runaway detection). A busy fleet fills any cap within the day (the 50-agent demo
starts ~700 tasks a minute), so the cap is sized by memory: ~320 bytes a task (its id, counters, dict and set
slots), 1.3 MB full, under 2% of the dashboard's RSS; 20,000 held 6.4 MB, the RSS still rising at minute 25. The
costliest half survives a prune, and a runaway is costly."""
OTHER = "(other)"
RUNAWAY_FACTOR = 5.0  # a task this many times its type's median cost (or calls) is a runaway
RUNAWAY_MIN_TASKS = 5  # a median needs this many tasks of the type
RUNAWAY_MIN_USD = 0.01
RUNAWAY_MIN_CALLS = 10
RUNAWAY_REFRESH_S = 30.0  # how stale the per-type medians may get while only touched tasks are checked


class _Task:
    """Today's counters of one task_id."""

    __slots__ = ("calls", "service", "task_type", "usd")

    def __init__(self, service: str, task_type: str) -> None:
        self.usd = 0.0
        self.calls = 0
        self.service = service
        self.task_type = task_type


class SpendBook:
    """Mutable aggregates of one ledger (poller thread only); `summary()` hands out a frozen view."""

    def __init__(self, prices: PriceBook | None = None, clock: Callable[[], float] = time.time) -> None:
        self.prices = prices or PriceBook()
        self.clock = clock
        self.hours: dict[Key, list[float]] = {}
        self._by_hour: dict[int, dict[Key, list[float]]] = {}  # the same buckets, by hour
        self._parts: dict[int, HourPart] = {}  # each hour's sums, brought up to date by summary()
        self._dirty: dict[int, set[Key]] = {}  # hour -> the buckets records touched since the last summary
        self._today = HourPart(by_name=True)  # today's hours summed together
        self._today_day = 0
        self.days: dict[Key, list[float]] = {}
        self.tasks: dict[str, _Task] = {}  # today only
        self._changed: set[str] = set()  # tasks touched since the runaways were last looked at
        self._medians: dict[str, tuple[float, float]] = {}  # task type -> (median cost, median calls)
        self._medians_at = -math.inf
        self._medians_n = 0
        self._recheck_all = True
        self._runaway: dict[str, _Task] = {}  # tasks over their type's thresholds at the last look
        self.task_day = 0
        self.dropped_old = 0
        self._labels: dict[str, dict[str, str]] = {k: {} for k in MAX_LABELS}
        self._hour_of: dict[int, tuple[int, int]] = {}  # minute -> (local hour start, local day ordinal)
        self._day_of_hour: dict[int, int] = {}
        self._hour_floor = 0
        self._day_floor = 0
        self._roll(self.clock())

    def _label(self, kind: str, value: str) -> str:
        """The cleaned label for a raw value (cleaned once per distinct value), or OTHER past the cap."""
        seen = self._labels[kind]
        hit = seen.get(value)
        if hit is not None:
            return hit
        if len(seen) >= MAX_LABELS[kind]:
            return OTHER
        hit = seen[value] = clean(value, 80)
        return hit

    def _local(self, minute: int) -> tuple[int, int]:
        hit = self._hour_of.get(minute)
        if hit is None:
            d = dt.datetime.fromtimestamp(minute)
            hit = (minute - d.minute * 60, d.toordinal())
            if len(self._hour_of) > 10_000:
                self._hour_of.clear()
            self._hour_of[minute] = hit
            self._day_of_hour[hit[0]] = hit[1]
        return hit

    def add(
        self,
        minute: int,
        service: str,
        model: str,
        task_type: str,
        task_id: str,
        cost: float | None,
        input_tokens: int,
        output_tokens: int,
    ) -> None:
        """Take in one record; `minute` is its epoch second rounded down to the minute."""
        hour, day = self._local(minute)
        if day < self._day_floor:
            self.dropped_old += 1
            return
        service = self._label("service", service)
        model = self._label("model", model)
        task_type = self._label("task_type", task_type)
        if hour >= self._hour_floor:
            key = (hour, service, model, task_type)
            b = self.hours.get(key)
            if b is None:
                b = self._new_hour_bucket(key)
            touched = self._dirty.get(hour)
            if touched is None:
                touched = self._dirty[hour] = set()
            touched.add(key)
        else:
            key = (day, service, model, task_type)
            b = self.days.get(key)
            if b is None:
                b = self.days[key] = [0.0, 0.0, 0, 0, 0, 0]
        if cost is None:
            cost = self.prices.cost(model, input_tokens, output_tokens) if input_tokens or output_tokens else None
            if cost is None:
                b[UNPRICED] += 1
            else:
                b[COMP] += cost
        else:
            b[REP] += cost
        b[CALLS] += 1
        b[TIN] += input_tokens
        b[TOUT] += output_tokens
        if task_id and day == self.task_day:
            self._task(task_id, service, task_type, cost or 0.0, 1)

    def _new_hour_bucket(self, key: Key) -> list[float]:
        b = self.hours[key] = [0.0, 0.0, 0, 0, 0, 0]
        self._by_hour.setdefault(key[0], {})[key] = b
        if key[0] > self._hour_floor + HOUR_KEEP_S + 3600:
            self._roll(self.clock())
        return b

    def add_group(
        self, minute: int, service: str, model: str, task_type: str, cost: float, calls: int, tin: int, tout: int
    ) -> None:
        """Take in `calls` records of one minute, service, model and task type with reported costs (no tasks)."""
        hour, day = self._local(minute)
        self.add_hour_group(hour, day, service, model, task_type, cost, calls, tin, tout)

    def add_hour_group(
        self,
        hour: int,
        day: int,
        service: str,
        model: str,
        task_type: str,
        cost: float,
        calls: int,
        tin: int,
        tout: int,
    ) -> None:
        """Take in `calls` records of one local hour (and its day) with reported costs (no tasks)."""
        if day < self._day_floor:
            self.dropped_old += calls
            return
        self._day_of_hour[hour] = day
        key_s, key_m, key_t = (
            self._label("service", service),
            self._label("model", model),
            self._label("task_type", task_type),
        )
        if hour >= self._hour_floor:
            key = (hour, key_s, key_m, key_t)
            b = self.hours.get(key)
            if b is None:
                b = self._new_hour_bucket(key)
            self._dirty.setdefault(hour, set()).add(key)
        else:
            b = self.days.setdefault((day, key_s, key_m, key_t), [0.0, 0.0, 0, 0, 0, 0])
        b[REP] += cost
        b[CALLS] += calls
        b[TIN] += tin
        b[TOUT] += tout

    def add_tasks(self, day: int, sums: Mapping[tuple[str, str, str], list[Any]]) -> None:
        """Count (task id, service, task type) -> [cost, calls] of one local day toward runaway detection (today's
        only): the bulk path of a ledger backlog, a dict lookup per task."""
        if day != self.task_day:
            return
        tasks, label, changed = self.tasks, self._label, self._changed
        services, types = self._labels["service"], self._labels["task_type"]
        for (task_id, service, task_type), (cost, calls) in sums.items():
            t = tasks.get(task_id) if len(task_id) <= 128 else tasks.get(task_id := task_id[:128])
            if t is None:
                if len(tasks) >= MAX_TASKS:
                    self._prune_tasks()
                    tasks = self.tasks
                t = tasks[task_id] = _Task(
                    services.get(service) or label("service", service),
                    types.get(task_type) or label("task_type", task_type),
                )
            t.usd += cost
            t.calls += calls
            if len(changed) < MAX_TASKS:
                changed.add(task_id)
            else:
                self._recheck_all = True

    def _prune_tasks(self) -> None:
        """Keep the costliest half when the task table is full (a sort of floats, not of items: it runs often
        while a day's backlog is read)."""
        half = MAX_TASKS // 2
        tasks = self.tasks
        floor = sorted([t.usd for t in tasks.values()], reverse=True)[half - 1]
        keep = {k: t for k, t in tasks.items() if t.usd > floor}
        for k, t in tasks.items():  # then ties at the floor, up to half
            if len(keep) >= half:
                break
            if t.usd == floor:
                keep[k] = t
        self.tasks = keep
        self._recheck_all = True

    def _task(self, task_id: str, service: str, task_type: str, cost: float, calls: int) -> None:
        task_id = task_id[:128]
        t = self.tasks.get(task_id)
        if t is None:
            if len(self.tasks) >= MAX_TASKS:
                self._prune_tasks()
            t = self.tasks[task_id] = _Task(service, task_type)
        t.usd += cost
        t.calls += calls
        if len(self._changed) < MAX_TASKS:
            self._changed.add(task_id)
        else:
            self._recheck_all = True

    def _roll(self, now: float) -> None:
        """Fold hours older than two days into days, drop days past retention, reset tasks on a new day. Only when
        a floor moved: no record lands below one (add() sends older records to the days)."""
        today = dt.date.fromtimestamp(now).toordinal()
        floor = int(now) - HOUR_KEEP_S
        floors = (floor - floor % 3600, today - DAY_KEEP)
        if floors != (self._hour_floor, self._day_floor):
            self._hour_floor, self._day_floor = floors
            self._fold_old_hours()
            for key in [k for k in self.days if k[0] < self._day_floor]:
                del self.days[key]
        if today != self.task_day:
            self.task_day = today
            self.tasks = {}
            self._recheck_all = True
        if len(self._day_of_hour) > 20_000:
            self._day_of_hour.clear()

    def _fold_old_hours(self) -> None:
        """Hours below the hour floor leave the hourly buckets for the day buckets."""
        for hour in [h for h in self._by_hour if h < self._hour_floor]:
            self._parts.pop(hour, None)
            self._dirty.pop(hour, None)
            day = self._day_of(hour)
            for key, b in self._by_hour.pop(hour).items():
                del self.hours[key]
                d = self.days.setdefault((day, key[1], key[2], key[3]), [0.0, 0.0, 0, 0, 0, 0])
                for i in range(6):
                    d[i] += b[i]

    def _day_of(self, hour: int) -> int:
        """The local day (ordinal) of an hour start: as its records said, else from the clock's time zone."""
        return self._day_of_hour.get(hour) or dt.date.fromtimestamp(hour).toordinal()

    def summary(self) -> SpendSummary:
        """Today's totals, month to date, burn rate, projection, 7-day average, hourly series and runaways."""
        now = self.clock()
        self._roll(now)
        parts = self._hour_parts(dt.date.fromtimestamp(now).toordinal())
        return summarize(now, parts, self._day_of_hour, self.days, self._runaways(), self._today)

    def _hour_parts(self, today: int) -> dict[int, HourPart]:
        """Each kept hour's sums, and today's hours summed together; only the buckets records touched since the
        last call are taken again (taking a bucket twice adds nothing: a part keeps what it took)."""
        new_day = today != self._today_day
        if new_day:
            self._today, self._today_day = HourPart(by_name=True), today
        for hour, buckets in self._by_hour.items():
            part = self._parts.get(hour)
            keys: Iterable[Key] | None = self._dirty.get(hour)
            if part is None:
                part = self._parts[hour] = HourPart()
                keys = buckets
            if self._day_of(hour) == today:
                if new_day:
                    keys = buckets
                if keys:
                    self._today.take(buckets, keys)
            if keys:
                part.take(buckets, keys)
        self._dirty.clear()
        return self._parts

    def _runaways(self, limit: int = 10) -> tuple[Runaway, ...]:
        """Tasks far above their type's median cost or calls. The medians are taken again every
        RUNAWAY_REFRESH_S or when the task count moved by a tenth; in between only the tasks touched since the
        last look are checked (a poll of a ledger with 20,000 tasks today: 8 ms -> well under 1 ms)."""
        tasks, n = self.tasks, len(self.tasks)
        now = self.clock()
        if self._recheck_all or now - self._medians_at >= RUNAWAY_REFRESH_S or abs(n - self._medians_n) * 10 > n:
            self._medians = _medians(tasks.values())
            self._medians_at, self._medians_n, self._recheck_all = now, n, False
            check: Iterable[str] = tasks
            self._runaway = {}
        else:
            check = self._changed
        medians, runaway = self._medians, self._runaway
        for task_id in check:
            t = tasks.get(task_id)
            m = medians.get(t.task_type) if t is not None else None
            if t is not None and m is not None and _is_runaway(t, *m):
                runaway[task_id] = t
            else:
                runaway.pop(task_id, None)
        self._changed = set()
        out: list[Runaway] = []
        for task_id, t in heapq.nlargest(limit, runaway.items(), key=lambda item: item[1].usd):
            med_usd, med_calls = medians[t.task_type]
            f_usd = t.usd / med_usd if med_usd > 0 else 0.0
            f_calls = t.calls / med_calls if med_calls > 0 else 0.0
            out.append(Runaway(clean(task_id, 80), t.service, t.task_type, t.usd, t.calls, f_usd, f_calls))
        return tuple(out)


def _medians(tasks: Iterable[_Task]) -> dict[str, tuple[float, float]]:
    """Median cost and calls per task type, for types with at least RUNAWAY_MIN_TASKS tasks."""
    by_type: dict[str, tuple[list[float], list[int]]] = {}
    for t in tasks:
        peers = by_type.get(t.task_type)
        if peers is None:
            peers = by_type[t.task_type] = ([], [])
        peers[0].append(t.usd)
        peers[1].append(t.calls)
    return {
        k: (statistics.median(usd), statistics.median(calls))
        for k, (usd, calls) in by_type.items()
        if len(usd) >= RUNAWAY_MIN_TASKS
    }


def _is_runaway(t: _Task, med_usd: float, med_calls: float) -> bool:
    f_usd = t.usd / med_usd if med_usd > 0 else 0.0
    f_calls = t.calls / med_calls if med_calls > 0 else 0.0
    return (f_usd >= RUNAWAY_FACTOR and t.usd >= RUNAWAY_MIN_USD) or (
        f_calls >= RUNAWAY_FACTOR and t.calls >= RUNAWAY_MIN_CALLS
    )
