"""Direct /metrics scrape: parse with prometheus_client, derive rates over a rolling window of scrapes."""

from __future__ import annotations

import collections
import os
import time
from dataclasses import replace

from probes.config import MetricsConfig
from probes.http import Client, FetchError, auth_headers, fetch
from probes.model import MetricsResult, ProbeError
from probes.parse_thread import parse
from probes.promtext import CumulativeSample, breaker_names, derive, not_text_format, parse_exposition, skipped_note
from probes.sanitize import clean


class MetricsProbe:
    """Scrapes one service. Keeps the scrapes of the last `window_s` seconds so rates are not one-interval noise."""

    def __init__(
        self, service: str, cfg: MetricsConfig, client: Client, interval: float, timeout: float,
        max_bytes: int, window_s: float = 30.0, lifetime_fallback: bool = False,
    ) -> None:  # fmt: skip
        self.key = f"metrics:{service}"
        self.service = service
        self.cfg = cfg
        self.client = client
        self.interval = interval
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.window_s = window_s
        self.lifetime_fallback = lifetime_fallback
        """For one-shot checks: with no request inside the window, report lifetime p95 and error rate."""
        self.url = cfg.url
        self.headers = auth_headers(cfg.headers, cfg.token_env, dict(os.environ))
        self.history: collections.deque[CumulativeSample] = collections.deque(maxlen=256)

    async def collect(self) -> MetricsResult:
        start = time.monotonic()
        at = time.time()
        try:
            code, body, ctype = await fetch(self.client, self.url, self.headers, self.timeout, self.max_bytes)
        except FetchError as exc:
            return self.failed(exc.error, at, time.monotonic() - start)
        return await parse(len(body), self.answer, code, body, at, time.monotonic() - start, ctype)

    def answer(self, code: int, body: bytes, at: float, elapsed: float, ctype: str = "") -> MetricsResult:
        """The result of one response (also called by probes.rounds, which does the GET itself)."""
        if code >= 400:
            return self.failed(ProbeError("http", f"HTTP {code}"), at, elapsed)
        wrong = not_text_format(body, ctype)
        if wrong is not None:  # a JSON or HTML page would parse as no series at all: OK without a word
            return self.failed(ProbeError("garbage", wrong), at, elapsed)
        try:
            sample = parse_exposition(body.decode("utf-8", "replace"), self.cfg, time.monotonic())
        except (ValueError, TypeError, IndexError) as exc:
            return self.failed(ProbeError("garbage", f"unparsable metrics: {clean(exc, 120)}"), at, elapsed)
        return self.record(sample, at, elapsed)

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

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> MetricsResult:
        return MetricsResult(at=at, elapsed_s=elapsed_s, error=error)
