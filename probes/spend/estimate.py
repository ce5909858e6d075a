"""Spend estimated from a service's token counter, for a service no ledger reads.

`agent_tokens_total{model,direction}` is the guide's counter of tokens; its increase since local midnight, per
model and direction, times the model's input or output price (probes.spend.prices) is what that service's ledger
would have said, had it one. Computed once a scrape from the already-parsed sample, never per frame.
"""

from __future__ import annotations

import collections
from collections.abc import Mapping

from probes.model import ModelTokens, SpendEstimate
from probes.spend.hours import local_midnight
from probes.spend.prices import PriceBook
from probes.text.sanitize import clean

Series = tuple[str, str]  # (model, direction)
INPUT = frozenset({"input", "prompt", "in"})
OUTPUT = frozenset({"output", "completion", "out"})
MAX_SERIES = 512  # label values come from outside: more distinct series than this are not counted
BURN_S = 3600.0  # the ledgers' burn window


class TokenSpend:
    """Today's increase of each token series as this dashboard observed it, priced (poller thread only).

    Counter resets are handled as Prometheus's increase() handles them: a value below the last one means the
    process restarted and counted from zero, so the new value is the whole increase. A series' `_created` sample
    (or the process's start time) moving forward says the same even when the new value is not below the old.

    The first sight of a series decides what of its value was today's. When the series was created today (its
    `_created` sample, else `process_start_time_seconds`: both exported by prometheus_client), all of it was
    spent today and counts. A series that appears while the process is already being watched started from zero
    since the last scrape, so all of it counts too. Otherwise (a process running since before midnight, or one
    that says nothing of its start) the value holds earlier days' tokens that cannot be told apart, so only what
    is added from first sight counts, and the estimate says from when (`since`) rather than pass a guess as the
    day's spend. An increase across midnight is split in proportion to the time on each side of it.
    """

    def __init__(self, prices: PriceBook) -> None:
        self.prices = prices
        self._last: dict[Series, tuple[float, float | None]] = {}  # value, born (created or process start)
        self._today: dict[Series, float] = {}
        self._at: float | None = None
        self._midnight = 0.0
        self._since = 0.0
        self._total = 0.0  # priced increase ever observed: the burn is its growth over the last hour
        self._points: collections.deque[tuple[float, float]] = collections.deque()
        self.dropped = 0

    def observe(
        self, at: float, tokens: Mapping[Series, float], born: Mapping[Series, float], started: float | None
    ) -> SpendEstimate:
        """Take one scrape's counters (epoch `at`) and return the estimate as of it."""
        midnight = local_midnight(at)
        share = 1.0
        if midnight != self._midnight:  # a new day (or the first scrape): today's counts start again
            if self._at is not None and self._at < midnight < at:
                share = (at - midnight) / (at - self._at)
            self._today, self._midnight = {}, midnight
            self._since = midnight
        last, today, seen_before = self._last, self._today, self._at is not None
        priced = 0.0
        current: dict[Series, tuple[float, float | None]] = {}
        for series, value in tokens.items():
            if len(current) >= MAX_SERIES:
                self.dropped += 1
                continue
            created = born.get(series)
            current[series] = (value, created if created is not None else started)
            inc = self._increase(value, (created, started), last.get(series), seen_before, (midnight, at, share))
            if inc > 0:
                today[series] = today.get(series, 0.0) + inc
                priced += inc * self._rate(series)
        self._last, self._at = current, at
        self._total += priced
        return self._estimate(at)

    def _increase(
        self,
        value: float,
        born: tuple[float | None, float | None],
        prev: tuple[float, float | None] | None,
        seen_before: bool,
        day: tuple[float, float, float],
    ) -> float:
        """What a series added since the last scrape that counts today (see the class's docstring). `born` is
        (its `_created`, the process's start), `day` (local midnight, now, today's share of the time since the
        last scrape)."""
        created, started = born
        midnight, at, share = day
        when = created if created is not None else started
        if prev is not None:
            if value < prev[0] or (when is not None and prev[1] is not None and when > prev[1]):
                return value if when is not None and when >= midnight else value * share  # restarted
            return (value - prev[0]) * share
        if created is not None and created >= midnight:
            return value
        if created is None and seen_before:
            return value * share  # appeared since the last scrape: it started from zero since then
        if created is None and started is not None and started >= midnight:
            return value
        if value > 0:
            self._since = max(self._since, at)  # counted from first sight: earlier today's part is unknown
        return 0.0

    def _rate(self, series: Series) -> float:
        """USD per token of a series (0 where there is no price: those are named in `unpriced`)."""
        rates = self.prices.rates(series[0])
        if rates is None:
            return 0.0
        return rates[0] if series[1].lower() in INPUT else rates[1] if series[1].lower() in OUTPUT else 0.0

    def _burn(self, at: float) -> float:
        """The priced increase over the last hour as observed (the oldest point still inside it as the base)."""
        points = self._points
        points.append((at, self._total))
        while len(points) > 1 and points[1][0] <= at - BURN_S:
            points.popleft()
        return self._total - points[0][1]

    def _estimate(self, at: float) -> SpendEstimate:
        per: dict[str, list[float]] = {}
        unpriced: list[str] = []
        for (model, direction), n in self._today.items():
            acc = per.setdefault(model, [0.0, 0.0])
            kind = direction.lower()
            if kind in INPUT:
                acc[0] += n
            elif kind in OUTPUT:
                acc[1] += n
            elif n > 0:
                unpriced.append(f"{clean(model, 80)} ({clean(direction, 40)})")
        models = []
        for model, (tin, tout) in sorted(per.items()):
            rates = self.prices.rates(model)
            usd = None if rates is None else tin * rates[0] + tout * rates[1]
            if usd is None and tin + tout > 0:
                unpriced.append(clean(model, 80) or "(no model label)")
            models.append(ModelTokens(clean(model, 80), int(tin), int(tout), usd))
        return SpendEstimate(
            at=at,
            usd=sum(m.usd for m in models if m.usd is not None),
            burn_usd_per_h=self._burn(at),
            models=tuple(models),
            unpriced=tuple(sorted(unpriced)),
            since=self._since,
            whole_day=self._since <= self._midnight,
        )
