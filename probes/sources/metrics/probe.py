"""Direct /metrics scrape: parse with prometheus_client, derive rates over a rolling window of scrapes."""

from __future__ import annotations

import os
import time
from dataclasses import replace

from probes.config import MetricsConfig
from probes.formats.promtext import not_text_format, parse_exposition
from probes.formats.scrapes import ScrapeWindow
from probes.http.client import Client, FetchError, auth_headers, fetch
from probes.http.parse_thread import parse
from probes.model import MetricsResult, ProbeError
from probes.spend.estimate import TokenSpend
from probes.text.sanitize import clean


class MetricsProbe:
    """Scrapes one service. Keeps the scrapes of the last `window_s` seconds so rates are not one-interval noise."""

    def __init__(
        self, service: str, cfg: MetricsConfig, client: Client, interval: float, timeout: float,
        max_bytes: int, window_s: float = 30.0, lifetime_fallback: bool = False, estimate: TokenSpend | None = None,
    ) -> None:  # fmt: skip
        self.key = f"metrics:{service}"
        self.service = service
        self.cfg = cfg
        self.client = client
        self.interval = interval
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.url = cfg.url
        self.headers = auth_headers(cfg.headers, cfg.token_env, dict(os.environ))
        self.window = ScrapeWindow(window_s, lifetime_fallback)
        self.estimate = estimate

    async def collect(self) -> MetricsResult:
        start = time.monotonic()
        at = time.time()
        try:
            code, body, ctype = await fetch(self.client, self.url, self.headers, self.timeout, self.max_bytes)
        except FetchError as exc:
            return self.failed(exc.error, at, time.monotonic() - start)
        return await parse(len(body), self.answer, code, body, at, time.monotonic() - start, ctype)

    def answer(self, code: int, body: bytes, at: float, elapsed: float, ctype: str = "") -> MetricsResult:
        """The result of one response (also called by probes.http.rounds, which does the GET itself)."""
        if code >= 400:
            return self.failed(ProbeError("http", f"HTTP {code}"), at, elapsed)
        wrong = not_text_format(body, ctype)
        if wrong is not None:  # a JSON or HTML page would parse as no series at all: OK without a word
            return self.failed(ProbeError("garbage", wrong), at, elapsed)
        try:
            sample = parse_exposition(body.decode("utf-8", "replace"), self.cfg, time.monotonic())
        except (ValueError, TypeError, IndexError) as exc:
            return self.failed(ProbeError("garbage", f"unparsable metrics: {clean(exc, 120)}"), at, elapsed)
        result = self.window.record(sample, at, elapsed)
        if self.estimate is None:
            return result
        spend = self.estimate.observe(at, sample.tokens_by, sample.tokens_born, sample.started)
        return replace(result, spend_estimate=spend)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> MetricsResult:
        return MetricsResult(at=at, elapsed_s=elapsed_s, error=error)
