"""The LiteLLM model proxy: liveness, readiness, deployments as breakers, and spend from its Prometheus metrics.

One poll makes three GETs at once: /health/liveliness, /health/readiness and /metrics/ (the proxy redirects
/metrics there). Its /health is never polled: it calls every configured model and costs money (the action layer
offers it as a confirmed "check models now"). The answers become the same results a health and a metrics probe
give (so status rules, p95, error rate and the breaker column work unchanged), plus what only the proxy knows:
each deployment's state (0 healthy, 1 partial outage, 2 outage, as closed / half_open / open breakers), its
failure and cooldown counters, key budgets, and spend by model and key, fed into a SpendBook as one more source.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from probes.config import LiteLLMConfig, MetricNames, MetricsConfig
from probes.formats.promtext import BREAKER_NAMES, not_text_format, parse_exposition, samples
from probes.formats.promtext import _label as label_value  # one label of a checked label body (cached, escapes undone)
from probes.formats.scrapes import ScrapeWindow
from probes.http.client import Client, FetchError, auth_headers, fetch
from probes.http.parse_thread import parse
from probes.model import Deployment, HealthResult, KeySpend, LiteLLMResult, MetricsResult, ProbeError, SpendSummary
from probes.spend.book import SpendBook
from probes.text.sanitize import clean

# The proxy's own series, read with the generic metrics code: requests by HTTP status (error rate), tokens,
# end-to-end latency histogram (p95) and requests in flight.
LITELLM_METRICS = MetricsConfig(
    url="",
    names=MetricNames(
        requests="litellm_proxy_total_requests_metric_total",
        tokens="litellm_total_tokens_metric_total",
        duration="litellm_request_total_latency_metric",
        active_tasks="litellm_in_flight_requests",
        cost_hourly="litellm_no_such_metric",
        breaker="litellm_no_such_metric",
    ),
    status_label="status_code",
    error_statuses=[],
)
_OWN = (
    "litellm_deployment_state",
    "litellm_deployment_failure_responses",
    "litellm_deployment_cooled_down",
    "litellm_spend_metric",
    "litellm_input_tokens_metric",
    "litellm_output_tokens_metric",
    "litellm_requests_metric",
    "litellm_remaining_api_key_budget_metric",
    "litellm_api_key_max_budget_metric",
)
MAX_SERIES = 2000  # deployments, models x keys, budgets: more are dropped (a proxy with 10k keys is summed)
NONE_LABELS = {"", "None", "none", "null"}


def _label(value: object) -> str:
    text = str(value) if value is not None else ""
    return "" if text in NONE_LABELS else clean(text, 80)


def key_name(get: Callable[[str], str | None]) -> str:
    """A key by its alias, else "master key" or the start of its hash (never the key itself)."""
    alias = _label(get("api_key_alias"))
    if alias:
        return alias
    hashed = _label(get("hashed_api_key"))
    if hashed == "litellm_proxy_master_key":
        return "master key"
    return f"key {hashed[:8]}" if hashed else "no key"


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc or url
    except ValueError:
        return url


@dataclass
class _Own:
    """What the generic metrics code does not read, summed out of one scrape."""

    states: dict[tuple[str, str], int] = field(default_factory=dict)
    failures: dict[tuple[str, str], float] = field(default_factory=dict)
    cooldowns: dict[tuple[str, str], float] = field(default_factory=dict)
    spend: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    budgets: dict[str, float] = field(default_factory=dict)


def parse_own(text: str) -> _Own:
    """Deployments, spend by model and key, and key budgets from exposition text (ValueError on bad lines)."""
    own = _Own()
    for series, (name, body, value) in enumerate(samples(text, _OWN)):
        if math.isnan(value) or series >= MAX_SERIES:
            continue
        deployment, key = _keys(name, body)
        if name == "litellm_deployment_state":
            own.states[deployment] = max(own.states.get(deployment, 0), int(value) if math.isfinite(value) else 2)
        elif name == "litellm_deployment_failure_responses_total" and math.isfinite(value):
            own.failures[deployment] = own.failures.get(deployment, 0.0) + value
        elif name == "litellm_deployment_cooled_down_total" and math.isfinite(value):
            own.cooldowns[deployment] = own.cooldowns.get(deployment, 0.0) + value
        elif name == "litellm_remaining_api_key_budget_metric":
            if math.isfinite(value):  # +Inf: the key has no budget
                own.budgets[key[1]] = value
        elif name in _SPEND_INDEX and math.isfinite(value):
            acc = own.spend.setdefault(key, [0.0, 0.0, 0.0, 0.0])
            acc[_SPEND_INDEX[name]] += value
    return own


@functools.lru_cache(maxsize=4 * MAX_SERIES)
def _keys(name: str, body: str | None) -> tuple[tuple[str, str], tuple[str, str]]:
    """(deployment, (model, key)) named by a series' labels, cleaned: a series repeats every scrape, so once."""

    def get(label: str) -> str | None:
        return label_value(body, label)

    deployment = (_label(get("litellm_model_name")) or "?", _label(get("api_base")))
    return deployment, (_label(get("model")) or "?", key_name(get))


_SPEND_INDEX = {
    "litellm_spend_metric_total": 0,
    "litellm_requests_metric_total": 1,
    "litellm_input_tokens_metric_total": 2,
    "litellm_output_tokens_metric_total": 3,
}


def deployments_of(own: _Own) -> tuple[Deployment, ...]:
    names = [name for name, _ in own.states]
    out = []
    for (name, base), state in sorted(own.states.items()):
        shown = f"{name}@{_host(base)}" if names.count(name) > 1 and base else name
        out.append(
            Deployment(
                shown,
                BREAKER_NAMES.get(state, "open"),
                own.failures.get((name, base), 0.0),
                own.cooldowns.get((name, base), 0.0),
            )
        )
    return tuple(out)


def _readiness(code: int, body: bytes) -> tuple[str | None, dict[str, Any]]:
    """The readiness status ("healthy" when ready) and its other fields (db, cache...), cleaned."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, {}
    if not isinstance(data, dict):
        return None, {}
    fields = {clean(k, 40): clean(v, 120) for k, v in list(data.items())[:20] if k != "status"}
    status = data.get("status")
    return (clean(status, 40) if status is not None else ("healthy" if code < 400 else None)), fields


class LiteLLMProbe:
    """Polls one LiteLLM proxy; rates come from a rolling window of scrapes, spend from counter increases."""

    def __init__(
        self,
        service: str,
        cfg: LiteLLMConfig,
        client: Client,
        interval: float,
        timeout: float,
        max_bytes: int,
        clock: Callable[[], float] = time.time,
        lifetime_fallback: bool = False,
    ) -> None:
        self.key = f"litellm:{service}"
        self.service = service
        self.cfg = cfg
        self.client = client
        self.interval = interval
        self.timeout = timeout
        self.max_bytes = max_bytes
        base = cfg.url.rstrip("/")
        self.urls = (f"{base}/health/liveliness", f"{base}/health/readiness", f"{base}/metrics/")
        environ = dict(os.environ)
        self.headers = auth_headers({}, cfg.key_env, environ)
        self.window = ScrapeWindow(30.0, lifetime_fallback)
        self.book = SpendBook(clock=clock) if cfg.spend else None
        self.clock = clock
        self._seen: dict[tuple[str, str], list[float]] = {}

    async def _get(self, url: str) -> tuple[int, bytes, str] | ProbeError:
        try:
            return await fetch(self.client, url, self.headers, self.timeout, self.max_bytes)
        except FetchError as exc:
            return exc.error

    async def collect(self) -> LiteLLMResult:
        start = time.monotonic()
        at = time.time()
        live, ready, scraped = await asyncio.gather(*(self._get(u) for u in self.urls))
        elapsed = time.monotonic() - start
        health = self._health(live, ready, at, elapsed)
        size = len(scraped[1]) if isinstance(scraped, tuple) else 0
        metrics, own = await parse(size, self._metrics, scraped, at, elapsed)
        deployments = deployments_of(own) if own is not None else ()
        if deployments:
            metrics = replace(metrics, breakers={d.name: d.state for d in deployments})
        summary = self._feed(own) if own is not None else (self.book.summary() if self.book is not None else None)
        return LiteLLMResult(
            at=at,
            elapsed_s=elapsed,
            health=health,
            metrics=metrics,
            deployments=deployments,
            spend=tuple(KeySpend(m, k, *v) for (m, k), v in sorted(own.spend.items())) if own is not None else (),
            key_budgets=tuple(sorted(own.budgets.items())) if own is not None else (),
            summary=summary,
            error=health.error,
        )

    def _health(
        self,
        live: tuple[int, bytes, str] | ProbeError,
        ready: tuple[int, bytes, str] | ProbeError,
        at: float,
        elapsed: float,
    ) -> HealthResult:
        """Alive and ready is healthy; a proxy that is alive but not ready is unhealthy (CRIT), with the reason."""
        if isinstance(live, ProbeError):
            return HealthResult(at, elapsed, error=ProbeError(live.kind, f"liveliness: {live.message}"))
        code, body, _ = live
        if code >= 400:
            snippet = clean(body[:80].decode("utf-8", "replace"), 80)
            return HealthResult(at, elapsed, code, error=ProbeError("http", f"liveliness: HTTP {code} {snippet}"))
        checks: dict[str, Any] = {"alive": True}
        if isinstance(ready, ProbeError):
            checks["ready"] = False
            return HealthResult(at, elapsed, code, "unhealthy", checks, extra={"readiness": ready.message})
        rcode, rbody, _ = ready
        status, fields = _readiness(rcode, rbody)
        ok = rcode < 400 and status == "healthy"
        checks["ready"] = ok
        extra: dict[str, Any] = dict(fields)
        if not ok:
            extra["readiness"] = f"HTTP {rcode}: {status or clean(rbody[:80].decode('utf-8', 'replace'), 80)}"
        return HealthResult(at, elapsed, code, "healthy" if ok else "unhealthy", checks, extra=extra)

    def _metrics(
        self, scraped: tuple[int, bytes, str] | ProbeError, at: float, elapsed: float
    ) -> tuple[MetricsResult, _Own | None]:
        """The scrape read (on the parse thread when large: probes.http.parse_thread)."""
        if isinstance(scraped, ProbeError):
            return MetricsResult(at, elapsed, error=scraped), None
        code, body, ctype = scraped
        if code >= 400:
            return MetricsResult(at, elapsed, error=ProbeError("http", f"metrics: HTTP {code}")), None
        wrong = not_text_format(body, ctype)
        if wrong is not None:
            return MetricsResult(at, elapsed, error=ProbeError("garbage", wrong)), None
        text = body.decode("utf-8", "replace")
        try:
            sample = parse_exposition(text, LITELLM_METRICS, time.monotonic())
            own = parse_own(text)
        except (ValueError, TypeError, IndexError) as exc:
            error = ProbeError("garbage", f"unparsable metrics: {clean(exc, 120)}")
            return MetricsResult(at, elapsed, error=error), None
        return self.window.record(sample, at, elapsed), own

    def _feed(self, own: _Own) -> SpendSummary | None:
        """Add what each model x key counter grew by since the last scrape (all of it on the first one)."""
        if self.book is None:
            return None
        minute = int(self.clock()) // 60 * 60
        for key, now in own.spend.items():
            before = self._seen.get(key)
            if before is not None and now[0] >= before[0] and now[1] >= before[1]:
                delta = [n - b for n, b in zip(now, before, strict=True)]
            else:  # first sight, or the proxy restarted (its counters started again from zero)
                delta = list(now)
            self._seen[key] = list(now)
            if delta[1] > 0 or delta[0] > 0:
                model, who = key
                calls = max(0, round(delta[1]))
                self.book.add_group(
                    minute, who, model, "proxy", max(0.0, delta[0]), calls, round(delta[2]), round(delta[3])
                )
        return self.book.summary()

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> LiteLLMResult:
        return LiteLLMResult(
            at=at,
            elapsed_s=elapsed_s,
            health=HealthResult(at, elapsed_s, error=error),
            metrics=MetricsResult(at, elapsed_s, error=error),
            summary=self.book.summary() if self.book is not None else None,
            error=error,
        )
