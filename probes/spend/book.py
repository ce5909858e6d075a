"""Spend aggregates in bounded memory: hour and day buckets x service x model x task type, never the records.

Hour buckets cover the last two days (burn rate, today's hours); older hours are folded into day buckets kept for
62 days (month to date, the 7-day average). Label values from outside are capped per dimension, so a ledger with a
new model name on every line cannot grow the buckets without bound. Today's per-task counters (for runaway tasks)
are capped too: past the cap the cheaper half is dropped, since only expensive tasks can be runaways.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from probes.model import Runaway, SpendRow, SpendSummary
from probes.spend.prices import PriceBook
from probes.text.sanitize import clean

HOUR_KEEP_S = 48 * 3600
DAY_KEEP = 62
MAX_LABELS = {"service": 256, "model": 64, "task_type": 64}
MAX_TASKS = 20_000
OTHER = "(other)"
RUNAWAY_FACTOR = 5.0  # a task this many times its type's median cost (or calls) is a runaway
RUNAWAY_MIN_TASKS = 5  # a median needs this many tasks of the type
RUNAWAY_MIN_USD = 0.01
RUNAWAY_MIN_CALLS = 10
RUNAWAY_REFRESH_S = 30.0  # how stale the per-type medians may get while only touched tasks are checked

# bucket value indexes: reported USD, computed USD, calls, input tokens, output tokens, calls without any price
REP, COMP, CALLS, TIN, TOUT, UNPRICED = range(6)
Key = tuple[int, str, str, str]  # (hour start or day ordinal, service, model, task type)


class _Task:
    """Today's counters of one task_id."""

    __slots__ = ("calls", "service", "task_type", "usd")

    def __init__(self, service: str, task_type: str) -> None:
        self.usd = 0.0
        self.calls = 0
        self.service = service
        self.task_type = task_type


def tier_of(usd: float, tokens: int) -> str:
    """A model's tier from what it actually cost per million tokens (no name lists to maintain)."""
    if tokens <= 0 or usd <= 0:
        return "unpriced"
    per_m = usd / tokens * 1e6
    return "premium" if per_m >= 5 else "standard" if per_m >= 1 else "economy"


class _HourPart:
    """One hour's buckets summed by service, model and task type: what summary() needs of a closed hour."""

    __slots__ = ("rows", "svc_usd", "total", "usd")

    def __init__(self, buckets: dict[Key, list[float]]) -> None:
        self.rows: dict[str, dict[str, list[float]]] = {"service": {}, "model": {}, "task_type": {}}
        self.svc_usd: dict[str, float] = {}
        self.total = [0.0] * 6
        for (_hour, svc, model, ttype), b in buckets.items():
            usd = b[REP] + b[COMP]
            self.svc_usd[svc] = self.svc_usd.get(svc, 0.0) + usd
            for dim, name in (("service", svc), ("model", model), ("task_type", ttype)):
                acc = self.rows[dim].setdefault(name, [0.0] * 6)
                for i in range(6):
                    acc[i] += b[i]
            for i in range(6):
                self.total[i] += b[i]
        self.usd = self.total[REP] + self.total[COMP]


class SpendBook:
    """Mutable aggregates of one ledger (poller thread only); `summary()` hands out a frozen view."""

    def __init__(self, prices: PriceBook | None = None, clock: Callable[[], float] = time.time) -> None:
        self.prices = prices or PriceBook()
        self.clock = clock
        self.hours: dict[Key, list[float]] = {}
        self._by_hour: dict[int, dict[Key, list[float]]] = {}  # the same buckets, by hour
        self._parts: dict[int, _HourPart] = {}  # each hour's sums, kept until a record lands in that hour
        self._dirty: set[int] = set()
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
            self._dirty.add(hour)
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
            b = self.hours.get((hour, key_s, key_m, key_t))
            if b is None:
                b = self._new_hour_bucket((hour, key_s, key_m, key_t))
            self._dirty.add(hour)
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
        """Fold hours older than two days into days, drop days past retention, reset tasks on a new day."""
        today = dt.date.fromtimestamp(now).toordinal()
        self._day_floor = today - DAY_KEEP
        floor = int(now) - HOUR_KEEP_S
        self._hour_floor = floor - floor % 3600
        for hour in [h for h in self._by_hour if h < self._hour_floor]:
            del self._by_hour[hour]
            self._parts.pop(hour, None)
            self._dirty.discard(hour)
        for key in [k for k in self.hours if k[0] < self._hour_floor]:
            b = self.hours.pop(key)
            day = self._day_of_hour.get(key[0]) or dt.date.fromtimestamp(key[0]).toordinal()
            dkey = (day, key[1], key[2], key[3])
            d = self.days.setdefault(dkey, [0.0, 0.0, 0, 0, 0, 0])
            for i in range(6):
                d[i] += b[i]
        for key in [k for k in self.days if k[0] < self._day_floor]:
            del self.days[key]
        if today != self.task_day:
            self.task_day = today
            self.tasks = {}
            self._recheck_all = True
        if len(self._day_of_hour) > 20_000:
            self._day_of_hour.clear()

    def summary(self) -> SpendSummary:
        """Today's totals, month to date, burn rate, projection, 7-day average, hourly series and runaways."""
        now = self.clock()
        self._roll(now)
        today_d = dt.date.fromtimestamp(now)
        today = today_d.toordinal()
        month_start = today_d.replace(day=1).toordinal()
        midnight = dt.datetime.combine(today_d, dt.time()).timestamp()
        hour_now = int(now) - (int(now) - int(midnight)) % 3600
        into_hour = (now - hour_now) / 3600
        per_day: dict[str, dict[int, float]] = {}  # service -> day -> usd (history, for month and average)
        rows: dict[str, dict[str, list[float]]] = {"service": {}, "model": {}, "task_type": {}}
        burn: dict[str, float] = {}
        hourly = [0.0] * 24
        total = [0.0] * 6
        for hour, part in self._hour_parts().items():
            day = self._day_of_hour.get(hour) or dt.date.fromtimestamp(hour).toordinal()
            if day == today:
                hourly[min(23, int((hour - midnight) // 3600))] += part.usd
                for dim, names in part.rows.items():
                    into = rows[dim]
                    for name, vals in names.items():
                        acc = into.setdefault(name, [0.0] * 6)
                        for i in range(6):
                            acc[i] += vals[i]
                for i in range(6):
                    total[i] += part.total[i]
            else:
                for svc, usd in part.svc_usd.items():
                    days = per_day.setdefault(svc, {})
                    days[day] = days.get(day, 0.0) + usd
            share = 1.0 if hour == hour_now else (1 - into_hour) if hour == hour_now - 3600 else 0.0
            if share:
                for svc, usd in part.svc_usd.items():
                    burn[svc] = burn.get(svc, 0.0) + usd * share
        for (day, svc, _model, _ttype), b in self.days.items():
            days = per_day.setdefault(svc, {})
            days[day] = days.get(day, 0.0) + b[REP] + b[COMP]
        left_h = max(0.0, (midnight + 86400 - now) / 3600)
        services = []
        for name in sorted(set(rows["service"]) | set(per_day)):
            acc = rows["service"].get(name, [0.0] * 6)
            hist = per_day.get(name, {})
            today_usd = acc[REP] + acc[COMP]
            month = today_usd + sum(v for d, v in hist.items() if month_start <= d < today)
            services.append(_row(name, acc, month_usd=month, burn=burn.get(name, 0.0), avg7=_avg7(hist, today)))
        all_hist: dict[int, float] = {}
        for hist in per_day.values():
            for d, v in hist.items():
                all_hist[d] = all_hist.get(d, 0.0) + v
        today_row = _row("today", total)
        fleet_burn = sum(burn.values())
        models = [_row(n, acc, tier=tier_of(acc[REP] + acc[COMP], int(acc[TIN] + acc[TOUT])))
                  for n, acc in rows["model"].items()]  # fmt: skip
        tiers: dict[str, list[float]] = {}
        for m, acc in zip(models, rows["model"].values(), strict=True):
            t = tiers.setdefault(m.tier, [0.0] * 6)
            for i in range(6):
                t[i] += acc[i]
        return SpendSummary(
            day=today_d.isoformat(),
            now=now,
            today=today_row,
            month_usd=today_row.usd + sum(v for d, v in all_hist.items() if month_start <= d < today),
            burn_usd_per_h=fleet_burn,
            projected_usd=today_row.usd + fleet_burn * left_h,
            avg7_usd=_avg7(all_hist, today),
            hourly=tuple(hourly[: int((now - midnight) // 3600) + 1]),
            services=tuple(services),
            models=_by_usd(models),
            task_types=_by_usd([_row(n, acc) for n, acc in rows["task_type"].items()]),
            tiers=_by_usd([_row(n, acc) for n, acc in tiers.items()]),
            runaways=self._runaways(),
        )

    def _hour_parts(self) -> dict[int, _HourPart]:
        """Each kept hour's sums; only hours that took records since the last call are summed again."""
        for hour in self._dirty | (self._by_hour.keys() - self._parts.keys()):
            buckets = self._by_hour.get(hour)
            if buckets is not None:
                self._parts[hour] = _HourPart(buckets)
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
        for task_id, t in runaway.items():
            med_usd, med_calls = medians[t.task_type]
            f_usd = t.usd / med_usd if med_usd > 0 else 0.0
            f_calls = t.calls / med_calls if med_calls > 0 else 0.0
            out.append(Runaway(clean(task_id, 80), t.service, t.task_type, t.usd, t.calls, f_usd, f_calls))
        out.sort(key=lambda r: r.usd, reverse=True)
        return tuple(out[:limit])


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


def _row(
    name: str, acc: list[float], month_usd: float = 0.0, burn: float = 0.0, avg7: float | None = None, tier: str = ""
) -> SpendRow:
    return SpendRow(
        name=name,
        usd=acc[REP] + acc[COMP],
        reported_usd=acc[REP],
        computed_usd=acc[COMP],
        calls=int(acc[CALLS]),
        input_tokens=int(acc[TIN]),
        output_tokens=int(acc[TOUT]),
        unpriced_calls=int(acc[UNPRICED]),
        month_usd=month_usd,
        burn_usd_per_h=burn,
        avg7_usd=avg7,
        tier=tier,
    )


def _avg7(per_day: dict[int, float], today: int) -> float | None:
    """Mean daily spend over the 7 days before today, counting days since the first record only."""
    past = [d for d in per_day if today - 7 <= d < today]
    if not past:
        return None
    span = today - min(past)
    return sum(per_day[d] for d in past) / span


def _by_usd(rows: list[SpendRow]) -> tuple[SpendRow, ...]:
    return tuple(sorted(rows, key=lambda r: (-r.usd, -r.calls, r.name)))


def merge(summaries: Iterable[SpendSummary]) -> SpendSummary | None:
    """One fleet summary from several ledgers' summaries (sums by name; runaways of all, most expensive first)."""
    items = list(summaries)
    if not items:
        return None
    if len(items) == 1:
        return items[0]
    avgs = [s.avg7_usd for s in items if s.avg7_usd is not None]
    hourly_len = max(len(s.hourly) for s in items)
    return SpendSummary(
        day=max(s.day for s in items),
        now=max(s.now for s in items),
        today=_sum_rows("today", [s.today for s in items]),
        month_usd=sum(s.month_usd for s in items),
        burn_usd_per_h=sum(s.burn_usd_per_h for s in items),
        projected_usd=sum(s.projected_usd for s in items),
        avg7_usd=sum(avgs) if avgs else None,
        hourly=tuple(sum(s.hourly[i] for s in items if i < len(s.hourly)) for i in range(hourly_len)),
        services=tuple(sorted(_merge_rows(s.services for s in items), key=lambda r: r.name)),
        models=_by_usd(_merge_rows(s.models for s in items)),
        task_types=_by_usd(_merge_rows(s.task_types for s in items)),
        tiers=_by_usd(_merge_rows(s.tiers for s in items)),
        runaways=tuple(sorted((r for s in items for r in s.runaways), key=lambda r: -r.usd)[:10]),
    )


def _merge_rows(groups: Iterable[tuple[SpendRow, ...]]) -> list[SpendRow]:
    by: dict[str, list[SpendRow]] = {}
    for rows in groups:
        for r in rows:
            by.setdefault(r.name, []).append(r)
    return [_sum_rows(name, rows) for name, rows in by.items()]


def _sum_rows(name: str, rows: list[SpendRow]) -> SpendRow:
    avgs = [r.avg7_usd for r in rows if r.avg7_usd is not None]
    return SpendRow(
        name=name,
        usd=sum(r.usd for r in rows),
        reported_usd=sum(r.reported_usd for r in rows),
        computed_usd=sum(r.computed_usd for r in rows),
        calls=sum(r.calls for r in rows),
        input_tokens=sum(r.input_tokens for r in rows),
        output_tokens=sum(r.output_tokens for r in rows),
        unpriced_calls=sum(r.unpriced_calls for r in rows),
        month_usd=sum(r.month_usd for r in rows),
        burn_usd_per_h=sum(r.burn_usd_per_h for r in rows),
        avg7_usd=sum(avgs) if avgs else None,
        tier=rows[0].tier,
    )
