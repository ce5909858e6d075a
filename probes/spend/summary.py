"""Today's spend from a book's buckets (probes.spend.book): totals by service, model, task type and tier, month to
date, the last hour's burn, the day's projection and the 7-day average; and several ledgers' summaries merged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace as dc_replace

from probes.model import Runaway, SpendRow, SpendSummary

# bucket value indexes: reported USD, computed USD, calls, input tokens, output tokens, calls without any price
REP, COMP, CALLS, TIN, TOUT, UNPRICED = range(6)
Key = tuple[int, str, str, str]  # (hour start or day ordinal, service, model, task type)


def tier_of(usd: float, tokens: int) -> str:
    """A model's tier from what it actually cost per million tokens (no name lists to maintain)."""
    if tokens <= 0 or usd <= 0:
        return "unpriced"
    per_m = usd / tokens * 1e6
    return "premium" if per_m >= 5 else "standard" if per_m >= 1 else "economy"


class HourPart:
    """Buckets summed: an hour's by service (burn, history) and in all (the hourly series); with `by_name`, also by
    service, model and task type (today's hours together, for the day's rows). Kept up to date by what each bucket
    gained since it was last taken, so a poll sums only the buckets its records touched."""

    __slots__ = ("rows", "seen", "svc_usd", "total", "usd")

    def __init__(self, by_name: bool = False) -> None:
        self.rows: dict[str, dict[str, list[float]]] = {"service": {}, "model": {}, "task_type": {}} if by_name else {}
        self.svc_usd: dict[str, float] = {}
        self.total = [0.0] * 6
        self.usd = 0.0
        self.seen: dict[Key, list[float]] = {}  # each bucket as it was when last taken

    def take(self, buckets: Mapping[Key, list[float]], keys: Iterable[Key]) -> None:
        """Add what the buckets of `keys` gained since they were last taken."""
        rows, total, seen = self.rows, self.total, self.seen
        for key in keys:
            b = buckets[key]
            last = seen.get(key)
            gain = b if last is None else [b[i] - last[i] for i in range(6)]
            seen[key] = b.copy()
            _hour, svc, model, ttype = key
            self.svc_usd[svc] = self.svc_usd.get(svc, 0.0) + gain[REP] + gain[COMP]
            for dim, name in (("service", svc), ("model", model), ("task_type", ttype)) if rows else ():
                acc = rows[dim].get(name)
                if acc is None:
                    acc = rows[dim][name] = [0.0] * 6
                for i in range(6):
                    acc[i] += gain[i]
            for i in range(6):
                total[i] += gain[i]
        self.usd = total[REP] + total[COMP]


class _Day:
    """The local day `now` falls in, and where `now` is in it."""

    def __init__(self, now: float) -> None:
        self.now = now
        self.date = dt.date.fromtimestamp(now)
        self.today = self.date.toordinal()
        self.month_start = self.date.replace(day=1).toordinal()
        self.midnight = dt.datetime.combine(self.date, dt.time()).timestamp()
        self.hour_now = int(now) - (int(now) - int(self.midnight)) % 3600
        self.into_hour = (now - self.hour_now) / 3600


class _Tally:
    """What a summary adds up over a book's kept hours and days."""

    def __init__(self, today: HourPart) -> None:
        self.per_day: dict[str, dict[int, float]] = {}  # service -> day -> usd (history, for month and average)
        self.rows = today.rows  # read, never written: the day's sums by name
        self.burn: dict[str, float] = {}
        self.hourly = [0.0] * 24
        self.total = today.total

    def hour(self, d: _Day, hour: int, day: int, part: HourPart) -> None:
        """One kept hour: today's go to the hourly series, earlier ones to the history; the last 60 minutes (this
        hour and the share of the previous one still inside them) to the burn."""
        if day == d.today:  # its rows are in the day's sums (summarize's `today`)
            self.hourly[min(23, int((hour - d.midnight) // 3600))] += part.usd
        else:
            for svc, usd in part.svc_usd.items():
                days = self.per_day.setdefault(svc, {})
                days[day] = days.get(day, 0.0) + usd
        share = 1.0 if hour == d.hour_now else (1 - d.into_hour) if hour == d.hour_now - 3600 else 0.0
        if share:
            for svc, usd in part.svc_usd.items():
                self.burn[svc] = self.burn.get(svc, 0.0) + usd * share

    def services(self, d: _Day) -> list[SpendRow]:
        """Each service today, with its month to date, burn and 7-day average."""
        out = []
        for name in sorted(set(self.rows["service"]) | set(self.per_day)):
            acc = self.rows["service"].get(name, [0.0] * 6)
            hist = self.per_day.get(name, {})
            today_usd = acc[REP] + acc[COMP]
            month = today_usd + sum(v for day, v in hist.items() if d.month_start <= day < d.today)
            out.append(_row(name, acc, month_usd=month, burn=self.burn.get(name, 0.0), avg7=_avg7(hist, d.today)))
        return out

    def models_and_tiers(self) -> tuple[list[SpendRow], list[SpendRow]]:
        """Each model today with its tier, and the tiers summed."""
        models = [_row(n, acc, tier=tier_of(acc[REP] + acc[COMP], int(acc[TIN] + acc[TOUT])))
                  for n, acc in self.rows["model"].items()]  # fmt: skip
        tiers: dict[str, list[float]] = {}
        for m, acc in zip(models, self.rows["model"].values(), strict=True):
            t = tiers.setdefault(m.tier, [0.0] * 6)
            for i in range(6):
                t[i] += acc[i]
        return models, [_row(n, acc) for n, acc in tiers.items()]


def summarize(
    now: float,
    parts: Mapping[int, HourPart],
    day_of_hour: Mapping[int, int],
    days: Mapping[Key, list[float]],
    runaways: tuple[Runaway, ...],
    today: HourPart,
) -> SpendSummary:
    """A book's summary at `now` from each kept hour's sums, today's hours summed together (`today`), the day
    buckets of older hours and its runaways."""
    d = _Day(now)
    tally = _Tally(today)
    for hour, part in parts.items():
        tally.hour(d, hour, day_of_hour.get(hour) or dt.date.fromtimestamp(hour).toordinal(), part)
    for (day, svc, _model, _ttype), b in days.items():
        history = tally.per_day.setdefault(svc, {})
        history[day] = history.get(day, 0.0) + b[REP] + b[COMP]
    all_hist: dict[int, float] = {}
    for hist in tally.per_day.values():
        for day, v in hist.items():
            all_hist[day] = all_hist.get(day, 0.0) + v
    today_row = _row("today", tally.total)
    fleet_burn = sum(tally.burn.values())
    models, tiers = tally.models_and_tiers()
    return SpendSummary(
        day=d.date.isoformat(),
        now=now,
        today=today_row,
        month_usd=today_row.usd + sum(v for day, v in all_hist.items() if d.month_start <= day < d.today),
        burn_usd_per_h=fleet_burn,
        projected_usd=today_row.usd + fleet_burn * max(0.0, (d.midnight + 86400 - now) / 3600),
        avg7_usd=_avg7(all_hist, d.today),
        hourly=tuple(tally.hourly[: int((now - d.midnight) // 3600) + 1]),
        services=tuple(tally.services(d)),
        models=_by_usd(models),
        task_types=_by_usd([_row(n, acc) for n, acc in tally.rows["task_type"].items()]),
        tiers=_by_usd(tiers),
        runaways=runaways,
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


def tier_named(model: str, tiers: Mapping[str, Sequence[str]]) -> str | None:
    """The configured tier of a model: an exact name, else the longest matching `prefix*`; None when none."""
    best: tuple[int, str] | None = None
    for tier, names in tiers.items():
        for n in names:
            if n == model:
                return tier
            if n.endswith("*") and model.startswith(n[:-1]) and (best is None or len(n) > best[0]):
                best = (len(n), tier)
    return best[1] if best else None


def retier(s: SpendSummary, tiers: Mapping[str, Sequence[str]]) -> SpendSummary:
    """The summary with each model in its configured tier (the cost heuristic's for the others), tiers re-summed."""
    models = tuple(dc_replace(m, tier=tier_named(m.name, tiers) or m.tier) for m in s.models)
    by: dict[str, list[SpendRow]] = {}
    for m in models:
        by.setdefault(m.tier, []).append(m)
    return dc_replace(
        s, models=models, tiers=_by_usd([dc_replace(_sum_rows(t, rows), tier="") for t, rows in by.items()])
    )
