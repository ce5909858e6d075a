"""A rolling window of one endpoint's scrapes: rates derive against the oldest scrape still inside it, so they
are not one interval's noise (the metrics and the LiteLLM backends read the same exposition format)."""

from __future__ import annotations

import collections
from dataclasses import replace

from probes.formats.promtext import CumulativeSample, breaker_names, derive, skipped_note
from probes.model import MetricsResult


class ScrapeWindow:
    """The scrapes of the last `window_s` seconds of one endpoint."""

    def __init__(self, window_s: float = 30.0, lifetime_fallback: bool = False) -> None:
        self.window_s = window_s
        self.lifetime_fallback = lifetime_fallback
        """For one-shot checks: with no request inside the window, report lifetime p95 and error rate."""
        self.history: collections.deque[CumulativeSample] = collections.deque(maxlen=256)

    def record(self, sample: CumulativeSample, at: float, elapsed_s: float) -> MetricsResult:
        """Add a scrape to the window and derive rates against the oldest scrape still inside it."""
        while self.history and sample.at - self.history[0].at > self.window_s:
            self.history.popleft()
        base = self.history[0] if self.history else None
        self.history.append(sample)
        derived = derive(base, sample)
        if self.lifetime_fallback and derived.latency_p95_s is None and derived.error_rate is None:
            lifetime = derive(None, sample)
            derived = replace(derived, latency_p95_s=lifetime.latency_p95_s, error_rate=lifetime.error_rate)
        return MetricsResult(
            at=at,
            elapsed_s=elapsed_s,
            derived=derived,
            active_tasks=sample.active_tasks,
            cost_hourly_usd=sample.cost_hourly,
            breakers=breaker_names(sample.breakers),
            series=sample.series,
            note=skipped_note(sample),
        )
