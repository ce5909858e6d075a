"""Read agent metrics from Prometheus exposition text and derive rates from two scrapes.

Only the lines of the metrics we read are parsed, with one regular expression per line that checks the whole
sample syntax of the text format (prometheus_client's parser walks text character by character: about ten times
slower, and a dashboard scraping a hundred services lives on that difference). This module sums the series we need
into a small cumulative sample, then derives p95 (histogram_quantile on bucket deltas), error rate, request rate
and tokens per minute the way PromQL's rate() would, including counter resets (a restarted service starts its
counters at zero).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from probes.config import MetricsConfig
from probes.model import MetricsDerived

BREAKER_NAMES = {0: "closed", 1: "half_open", 2: "open"}
_HTTP_5XX = re.compile(r"^5\d\d$")


@dataclass(frozen=True)
class CumulativeSample:
    """The cumulative counters of one scrape, summed over the labels we do not split by."""

    at: float
    requests: float = 0.0
    errors: float = 0.0
    tokens: float = 0.0
    buckets: dict[float, float] = field(default_factory=dict)
    duration_count: float | None = None
    active_tasks: float | None = None
    cost_hourly: float | None = None
    breakers: dict[str, int] = field(default_factory=dict)
    series: int = 0


def _finite(value: float) -> bool:
    return not (math.isnan(value) or math.isinf(value))


_LABEL_VALUE = r'"(?:[^"\\\n]|\\.)*"'
_LABELS = rf"[ \t]*[a-zA-Z_][a-zA-Z0-9_]*[ \t]*=[ \t]*{_LABEL_VALUE}[ \t]*"
_SAMPLE = re.compile(
    rf"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:[ \t]*\{{((?:{_LABELS}(?:,{_LABELS})*(?:,[ \t]*)?)?)\}})?"
    r"[ \t]+([^ \t]+)(?:[ \t]+-?[0-9]+)?[ \t]*"
)
_PAIR = re.compile(rf"[ \t]*([a-zA-Z_][a-zA-Z0-9_]*)[ \t]*=[ \t]*({_LABEL_VALUE})")
_ESCAPE = re.compile(r"\\(.)")


_SERIES_CACHE: dict[str, tuple[str, str | None]] = {}  # a checked line up to its value -> (name, label body)
_LABEL_CACHE: dict[str, dict[str, str]] = {}  # label body -> labels: bodies repeat from scrape to scrape


def _label(body: str | None, name: str) -> str | None:
    """One label's value from a label body already checked by _SAMPLE (escapes undone), or None."""
    if not body:
        return None
    labels = _LABEL_CACHE.get(body)
    if labels is None:
        labels = {}
        for key, raw in _PAIR.findall(body):
            value = raw[1:-1]
            labels[key] = _ESCAPE.sub(lambda m: "\n" if m[1] == "n" else m[1], value) if "\\" in value else value
        if len(_LABEL_CACHE) >= 8192:
            _LABEL_CACHE.clear()
        if len(body) <= 512:
            _LABEL_CACHE[body] = labels
    return labels.get(name)


def samples(text: str, names: tuple[str, ...]) -> list[tuple[str, str | None, float]]:
    """(name, label body, value) of every sample line whose name starts with one of `names`.

    Selecting lines by name prefix is not parsing: every selected line must be a whole, valid sample line, or
    ValueError is raised (the probe turns that into UNKNOWN "unparsable metrics").
    """
    out = []
    match = _SAMPLE.fullmatch
    seen = _SERIES_CACHE
    for line in text.splitlines():
        if not line.startswith(names):
            continue
        head, _, value = line.rpartition(" ")
        series = seen.get(head)
        if series is not None:  # the same series as a line already checked: only its value is new
            try:
                out.append((series[0], series[1], float(value)))
                continue
            except ValueError:
                pass  # the full check below names the line
        m = match(line)
        if m is None:
            raise ValueError(f"not a sample line: {line[:80]!r}")
        out.append((m[1], m[2], float(m[3])))
        if m[3] == value and len(head) <= 512:  # no timestamp after the value: the head names the series
            if len(seen) >= 50_000:
                seen.clear()
            seen[head] = (m[1], m[2])
    return out


def parse_exposition(text: str, cfg: MetricsConfig, at: float) -> CumulativeSample:
    """Sum the configured metrics out of exposition text. Raises ValueError on a line of ours that is not valid."""
    n = cfg.names
    names = tuple({x.removesuffix("_total") for x in (n.requests, n.tokens, n.duration, n.active_tasks,
                                                       n.cost_hourly, n.breaker)})  # fmt: skip
    req_names = {n.requests, n.requests + "_total"}
    tok_names = {n.tokens, n.tokens + "_total"}
    errors_set = {s.lower() for s in cfg.error_statuses}
    requests = errors = tokens = 0.0
    buckets: dict[float, float] = {}
    count: float | None = None
    active: float | None = None
    cost: float | None = None
    breakers: dict[str, int] = {}
    series = 0
    for name, labels, value in samples(text, names):
        series += 1
        if name in req_names:
            if not _finite(value):
                continue
            requests += value
            status = (_label(labels, cfg.status_label) or "").lower()
            if status in errors_set or _HTTP_5XX.match(status):
                errors += value
        elif name in tok_names:
            if _finite(value):
                tokens += value
        elif name == n.duration + "_bucket":
            le = _label(labels, "le")
            if le is None or not _finite(value):
                continue
            try:
                bound = float(le)
            except ValueError:
                continue
            if math.isnan(bound):
                continue
            buckets[bound] = buckets.get(bound, 0.0) + value
        elif name == n.duration + "_count":
            if _finite(value):
                count = (count or 0.0) + value
        elif name == n.active_tasks:
            if _finite(value):
                active = (active or 0.0) + value
        elif name == n.cost_hourly:
            if _finite(value):
                cost = (cost or 0.0) + value
        elif name == n.breaker and _finite(value):
            dep = _label(labels, cfg.breaker_label) or "?"
            breakers[dep] = max(breakers.get(dep, 0), int(value))
    return CumulativeSample(at, requests, errors, tokens, buckets, count, active, cost, breakers, series)


def _delta(new: float, old: float) -> float:
    """Counter increase; a drop means the counter was reset, so the new value is the whole increase."""
    return new - old if new >= old else new


def histogram_quantile(q: float, buckets: dict[float, float]) -> float | None:
    """Prometheus' histogram_quantile over cumulative bucket counts (le -> count); None when empty."""
    if not buckets:
        return None
    bounds = sorted(buckets)
    counts: list[float] = []
    running = 0.0
    for b in bounds:  # enforce monotonic counts, as Prometheus does for scrapes taken mid-update
        running = max(running, buckets[b])
        counts.append(running)
    total = counts[-1]
    if total <= 0:
        return None
    rank = q * total
    for i, (bound, cum) in enumerate(zip(bounds, counts, strict=True)):
        if cum >= rank:
            if math.isinf(bound):
                return bounds[i - 1] if i > 0 else None
            lower = bounds[i - 1] if i > 0 else min(0.0, bound)
            prev = counts[i - 1] if i > 0 else 0.0
            if cum == prev:
                return bound
            return lower + (bound - lower) * (rank - prev) / (cum - prev)
    return bounds[-1] if not math.isinf(bounds[-1]) else (bounds[-2] if len(bounds) > 1 else None)


def derive(old: CumulativeSample | None, new: CumulativeSample) -> MetricsDerived:
    """Rates between two scrapes; with no earlier scrape, lifetime ratios (p95, error rate) and no per-time rates."""
    if old is None or new.at <= old.at:
        p95 = histogram_quantile(0.95, new.buckets)
        err = new.errors / new.requests if new.requests > 0 else None
        return MetricsDerived(latency_p95_s=p95, error_rate=err, window_s=0.0)
    dt = new.at - old.at
    reset = new.requests < old.requests
    d_req = _delta(new.requests, old.requests)
    d_err = new.errors if reset else max(0.0, new.errors - old.errors)
    d_tok = _delta(new.tokens, old.tokens)
    bucket_reset = any(new.buckets.get(b, 0.0) < old.buckets.get(b, 0.0) for b in new.buckets)
    if bucket_reset:
        d_buckets = dict(new.buckets)
    else:
        d_buckets = {b: new.buckets[b] - old.buckets.get(b, 0.0) for b in new.buckets}
    p95 = histogram_quantile(0.95, d_buckets)
    return MetricsDerived(
        latency_p95_s=p95,
        error_rate=min(1.0, d_err / d_req) if d_req > 0 else None,
        requests_per_s=d_req / dt,
        tokens_per_min=d_tok / dt * 60.0,
        window_s=dt,
    )


def breaker_names(states: dict[str, int]) -> dict[str, str]:
    return {dep: BREAKER_NAMES.get(v, "open" if v > 2 else "closed") for dep, v in states.items()}
