"""A Prometheus server as a source: one PromQL query per metric family for every service it serves.

Each query aggregates `by (<label>)`, so a fleet of 50 services costs seven instant queries per poll, never one
per service; every request carries `timeout=` below the poll interval and is read under the byte cap. The results
fill the same fields as a direct /metrics scrape (`MetricsResult`), so status rules and alerts treat them alike.
Also read: the server's pending and firing alerts (/api/v1/alerts), and, every `RANGE_EVERY` polls, p95 and error
rate over `sparkline_s` with query_range (60 points) for the sparklines.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import math
import os
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from probes.config import PrometheusConfig
from probes.http.client import Client, FetchError, auth_headers, fetch
from probes.http.parse_thread import parse
from probes.model import Alert, MetricsDerived, MetricsResult, ProbeError, PromResult, sort_alerts
from probes.text.sanitize import clean

RANGE_POINTS = 60  # the sparklines' length; query_range is capped at 120 points by the design
RANGE_EVERY = 15  # polls between two query_range refreshes
MAX_ALERTS = 500
BREAKER_STATES = {0: "closed", 1: "half_open", 2: "open"}
T = TypeVar("T")


def _matchers(selector: str, *extra: str) -> str:
    parts = [p for p in (selector.strip().strip("{}").strip(), *extra) if p]
    return "{" + ", ".join(parts) + "}"


def build_queries(cfg: PrometheusConfig) -> dict[str, str]:
    """The PromQL of each metric family, all aggregated by the service label."""
    n, lab, w = cfg.names, cfg.label, cfg.window
    sel = _matchers(cfg.selector)
    errors = "|".join([*(s.replace('"', "") for s in cfg.error_statuses), "5.."])
    err_sel = _matchers(cfg.selector, f'{cfg.status_label}=~"{errors}"')
    total = f"sum by ({lab}) (rate({n.requests}{sel}[{w}]))"
    return {
        "p95": f"histogram_quantile(0.95, sum by (le, {lab}) (rate({n.duration}_bucket{sel}[{w}])))",
        "error_rate": f"(sum by ({lab}) (rate({n.requests}{err_sel}[{w}])) or {total} * 0) / {total}",
        "requests": total,
        "tokens": f"sum by ({lab}) (rate({n.tokens}{sel}[{w}])) * 60",
        "cost": f"sum by ({lab}) ({n.cost_hourly}{sel})",
        "active": f"sum by ({lab}) ({n.active_tasks}{sel})",
        "breakers": f"max by ({lab}, {cfg.breaker_label}) ({n.breaker}{sel})",
        "up": f"min by ({lab}) (up{sel})",  # the guide's AgentDown reads it
    }


def _number(raw: Any) -> float | None:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def parse_vector(payload: Any) -> list[tuple[dict[str, str], float | None]]:
    """An instant-query answer's samples (labels, value); ValueError when the answer is not one."""
    if not isinstance(payload, dict) or payload.get("status") != "success":
        err = payload.get("error") if isinstance(payload, dict) else None
        raise ValueError(f"query failed: {clean(err or 'not a Prometheus answer', 160)}")
    data = payload.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "vector" or not isinstance(data.get("result"), list):
        raise ValueError("not an instant vector")
    out: list[tuple[dict[str, str], float | None]] = []
    for item in data["result"]:
        if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
            continue
        value = item.get("value")
        num = _number(value[1]) if isinstance(value, list) and len(value) == 2 else None
        out.append(({str(k): clean(v, 128) for k, v in item["metric"].items()}, num))
    return out


def parse_matrix(payload: Any, label: str, points: int) -> dict[str, tuple[float, ...]]:
    """A range-query answer as label value -> the last `points` values (missing or NaN as 0)."""
    if not isinstance(payload, dict) or payload.get("status") != "success":
        raise ValueError("range query failed")
    data = payload.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("result"), list):
        raise ValueError("not a range vector")
    out: dict[str, tuple[float, ...]] = {}
    for item in data["result"]:
        if not isinstance(item, dict) or not isinstance(item.get("metric"), dict):
            continue
        values = item.get("values")
        if not isinstance(values, list):
            continue
        nums = [(_number(v[1]) or 0.0) for v in values[-points:] if isinstance(v, list) and len(v) == 2]
        out[clean(item["metric"].get(label, ""), 128)] = tuple(nums)
    return out


def parse_alerts(payload: Any, label: str, services: dict[str, str]) -> tuple[Alert, ...]:
    """/api/v1/alerts (pending and firing) mapped to services by `label`; alerts of other services are dropped."""
    if not isinstance(payload, dict) or payload.get("status") != "success":
        raise ValueError("alerts query failed")
    data = payload.get("data")
    raw = data.get("alerts") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        raise ValueError("no alerts list")
    out: dict[tuple[str, str], Alert] = {}
    for item in raw[:MAX_ALERTS]:
        if not isinstance(item, dict) or not isinstance(item.get("labels"), dict):
            continue
        labels = item["labels"]
        service = services.get(str(labels.get(label, "")))
        state = item.get("state")
        if service is None or state not in ("pending", "firing"):
            continue
        name = clean(labels.get("alertname", "alert"), 64)
        notes = item["annotations"] if isinstance(item.get("annotations"), dict) else {}
        summary = clean(notes.get("summary") or notes.get("description") or name, 200)
        severity = "critical" if str(labels.get("severity", "")).lower() in ("critical", "page") else "warning"
        alert = Alert(service, name, state, _timestamp(item.get("activeAt")), _number(item.get("value")), summary,
                      severity, "prometheus")  # fmt: skip
        old = out.get((service, name))
        if old is None or (old.state != "firing" and state == "firing"):  # one row per service and alert name
            out[(service, name)] = alert
    return sort_alerts(out.values())


def _timestamp(raw: Any) -> float:
    try:
        return dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return time.time()


class PromQLProbe:
    """Polls one Prometheus server for a group of services (those sharing its URL, selector and label)."""

    def __init__(
        self, key: str, cfg: PrometheusConfig, services: dict[str, str], client: Client, interval: float,
        timeout: float, max_bytes: int,
    ) -> None:  # fmt: skip
        self.key = f"prometheus:{key}"
        self.cfg = cfg
        self.services = services
        """label value -> service name."""
        self.client = client
        self.interval = interval
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.base = (cfg.url or "").rstrip("/")
        self.headers = prometheus_headers(cfg, dict(os.environ))
        self.queries = build_queries(cfg)
        self.polls = 0

    async def _get(self, path: str, params: dict[str, str], read: Callable[[Any], T]) -> T:
        """GET path, its JSON read by `read` (both on the parse thread for a large answer)."""
        url = f"{self.base}{path}?{urllib.parse.urlencode(params)}"
        code, body, _ = await fetch(self.client, url, self.headers, self.timeout, self.max_bytes)
        return await parse(len(body), _read_answer, code, body, read)

    async def collect(self) -> PromResult:
        start = time.monotonic()
        at = time.time()
        # Prometheus stops evaluating at `timeout=`; ours cuts the HTTP call a little later.
        server_timeout = f"{max(0.05, self.timeout * 0.8):.3f}"
        names = list(self.queries)
        calls: list[Awaitable[Any]] = [
            self._get("/api/v1/query", {"query": q, "timeout": server_timeout}, parse_vector)
            for q in self.queries.values()
        ]
        if self.cfg.alerts:
            read_alerts = partial(parse_alerts, label=self.cfg.label, services=self.services)
            calls.append(self._get("/api/v1/alerts", {}, read_alerts))
        with_range = self.polls % RANGE_EVERY == 0
        self.polls += 1
        step = max(1.0, self.cfg.sparkline_s / RANGE_POINTS)
        if with_range:
            end = time.time()
            read_matrix = partial(parse_matrix, label=self.cfg.label, points=RANGE_POINTS)
            for q in (self.queries["p95"], self.queries["error_rate"]):
                params = {"query": q, "start": f"{end - self.cfg.sparkline_s:.3f}", "end": f"{end:.3f}",
                          "step": f"{step:g}", "timeout": server_timeout}  # fmt: skip
                calls.append(self._get("/api/v1/query_range", params, read_matrix))
        try:
            answers = await asyncio.gather(*calls)
            vectors = {name: answers[i] for i, name in enumerate(names)}
            rest = answers[len(names) :]
            alerts = rest.pop(0) if self.cfg.alerts else ()
            history: dict[str, dict[str, tuple[float, ...]]] = {}
            for key, matrix in zip(("latency", "errors"), rest, strict=True) if with_range else ():
                for value, series in matrix.items():
                    if value in self.services:
                        history.setdefault(self.services[value], {})[key] = series
        except FetchError as exc:
            return self.failed(exc.error, at, time.monotonic() - start)
        except ValueError as exc:
            return self.failed(ProbeError("garbage", f"Prometheus: {clean(exc, 160)}"), at, time.monotonic() - start)
        elapsed = time.monotonic() - start
        return PromResult(at, elapsed, self._per_service(vectors, at, elapsed), alerts, history, history_step_s=step)

    def _per_service(
        self, vectors: dict[str, list[tuple[dict[str, str], float | None]]], at: float, elapsed: float
    ) -> dict[str, MetricsResult]:
        label = self.cfg.label
        by: dict[str, dict[str, float | None]] = {}
        breakers: dict[str, dict[str, str]] = {}
        series: dict[str, int] = {}
        for family, samples in vectors.items():
            for labels, value in samples:
                svc = self.services.get(labels.get(label, ""))
                if svc is None:
                    continue
                series[svc] = series.get(svc, 0) + 1
                if family == "breakers":
                    dep = labels.get(self.cfg.breaker_label, "?")
                    state = BREAKER_STATES.get(int(value), "unknown") if value is not None else "unknown"
                    breakers.setdefault(svc, {})[dep] = state
                else:
                    by.setdefault(svc, {})[family] = value
        out: dict[str, MetricsResult] = {}
        for svc in self.services.values():
            v = by.get(svc, {})
            out[svc] = MetricsResult(
                at=at,
                elapsed_s=elapsed,
                derived=MetricsDerived(
                    latency_p95_s=v.get("p95"),
                    error_rate=v.get("error_rate"),
                    requests_per_s=v.get("requests"),
                    tokens_per_min=v.get("tokens"),
                ),
                active_tasks=v.get("active"),
                cost_hourly_usd=v.get("cost"),
                breakers=breakers.get(svc, {}),
                series=series.get(svc, 0),
                up=v.get("up"),
            )
        return out

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> PromResult:
        err = MetricsResult(at=at, elapsed_s=elapsed_s, error=error)
        return PromResult(at, elapsed_s, dict.fromkeys(self.services.values(), err), error=error)


def _read_answer(code: int, body: bytes, read: Callable[[Any], T]) -> T:
    """An API answer decoded and read; FetchError for what is not JSON, or an HTTP error without an error field."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise FetchError(ProbeError("http" if code >= 400 else "garbage", f"HTTP {code} with invalid JSON")) from None
    if code >= 400 and not (isinstance(payload, dict) and payload.get("error")):
        raise FetchError(ProbeError("http", f"HTTP {code}"))
    return read(payload)


def prometheus_headers(cfg: PrometheusConfig, environ: dict[str, str]) -> dict[str, str]:
    """Bearer token from token_env, or basic auth from basic_user + basic_password_env (never from the file)."""
    headers = auth_headers({}, cfg.token_env, environ)
    if cfg.basic_user and cfg.basic_password_env and cfg.basic_password_env in environ:
        pair = f"{cfg.basic_user}:{environ[cfg.basic_password_env]}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
    return headers
