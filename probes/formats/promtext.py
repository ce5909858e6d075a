"""Read agent metrics from Prometheus exposition text and derive rates from two scrapes.

Only the lines of the metrics we read are parsed, with one regular expression per line that checks the whole
sample syntax of the text format (prometheus_client's parser walks text character by character: about ten times
slower, and a dashboard scraping a hundred services lives on that difference). A line of ours over MAX_LINE
characters, or a series with a label value over MAX_LABEL, is skipped and counted (`skipped_note`): no dashboard
needs them, and one line of a million characters cost the old expression 0.37 s and 195 MB on the poller's loop.
This module sums the series we need into a small cumulative sample, then derives p95 (histogram_quantile on bucket
deltas), error rate, request rate and tokens per minute the way PromQL's rate() would, including counter resets (a
restarted service starts its counters at zero).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from probes.config import MetricsConfig
from probes.model import MetricsDerived
from probes.text.sanitize import clean

BREAKER_NAMES = {0: "closed", 1: "half_open", 2: "open"}
MAX_LINE = 65536  # characters of one sample line of ours; longer ones are skipped
MAX_LABEL = 4096  # characters of one label value (as written, escapes included); its series is skipped
_HTTP_5XX = re.compile(r"^5\d\d$")
T = TypeVar("T")


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
    long_lines: int = 0
    """Lines of ours over MAX_LINE characters, skipped."""
    long_labels: int = 0
    """Series of ours with a label value over MAX_LABEL characters, skipped."""
    tokens_by: dict[tuple[str, str], float] = field(default_factory=dict)
    """The token counter per (model, direction): what a spend estimate prices."""
    tokens_born: dict[tuple[str, str], float] = field(default_factory=dict)
    """When each token series was created (its `_created` sample, prometheus_client's), epoch seconds."""
    started: float | None = None
    """process_start_time_seconds: when the process exporting these counters started."""


_LABEL_VALUE = r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'  # unrolled: no backtracking state kept per character
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
    ValueError is raised (the probe turns that into UNKNOWN "unparsable metrics"). Lines and label values over the
    caps are left out.
    """
    return [(name, body, value) for (name, body), value in _read(text, names, _SERIES_CACHE, _series)[0]]


def _series(name: str, body: str | None) -> tuple[str, str | None]:
    return name, body


def _read(
    text: str, names: tuple[str, ...], seen: dict[str, T], make: Callable[[str, str | None], T]
) -> tuple[list[tuple[T, float]], int, int]:
    """(make(name, label body), value) of each sample line whose name starts with one of `names`, and how many
    lines over MAX_LINE and series with a label value over MAX_LABEL were skipped. A line whose series was checked
    before (`seen`, by the text up to its value) only has its value read; any other line is checked whole by
    _SAMPLE, and ValueError names the first that is not a valid sample line."""
    out = []
    long_lines = long_labels = 0
    for line in text.splitlines():
        if not line.startswith(names):
            continue
        if len(line) > MAX_LINE:
            long_lines += 1
            continue
        head, _, value = line.rpartition(" ")
        item = seen.get(head)
        if item is not None:  # the same series as a line already checked: only its value is new
            try:
                out.append((item, float(value)))
                continue
            except ValueError:
                pass  # the full check below names the line
        m = _SAMPLE.fullmatch(line)
        if m is None:
            raise ValueError(f"not a sample line: {line[:80]!r}")
        if m[2] is not None and len(m[2]) > MAX_LABEL and _long_label(m[2]):
            long_labels += 1
            continue
        item = make(m[1], m[2])
        out.append((item, float(m[3])))
        if m[3] == value and len(head) <= 512:  # no timestamp after the value: the head names the series
            if len(seen) >= 50_000:
                seen.clear()
            seen[head] = item
    return out, long_lines, long_labels


def _long_label(body: str) -> bool:
    """Whether a label body already checked by _SAMPLE has a value over MAX_LABEL characters."""
    return any(len(raw) - 2 > MAX_LABEL for _, raw in _PAIR.findall(body))


def not_text_format(body: bytes, content_type: str) -> str | None:
    """Why a 2xx answer is not the Prometheus text format (JSON or HTML from a wrong URL), or None when it may be.

    The media type decides when it names JSON, HTML or XML; a missing or generic one (octet-stream) lets the body's
    first character decide. A text/plain or OpenMetrics body is left to the parser."""
    media = content_type.partition(";")[0].strip().lower()
    if any(kind in media for kind in ("json", "html", "xml")):
        return f"not Prometheus text ({clean(media, 60)})"
    if media in ("", "application/octet-stream"):
        first = body[:1024].lstrip()[:1]
        kind = "JSON" if first in (b"{", b"[") else "HTML" if first == b"<" else None
        if kind is not None:
            return f"not Prometheus text (looks like {kind})"
    return None


def skipped_note(sample: CumulativeSample) -> str | None:
    """What the caps left out of a scrape, for the row (the rest of the scrape is used), or None."""
    parts = []
    if sample.long_lines:
        parts.append(f"{sample.long_lines} line{'s' if sample.long_lines > 1 else ''} over {MAX_LINE} chars")
    if sample.long_labels:
        parts.append(f"{sample.long_labels} series with a label value over {MAX_LABEL} chars")
    return f"{' and '.join(parts)} skipped" if parts else None


_OTHER, _REQ, _TOK, _BUCKET, _COUNT, _ACTIVE, _COST, _BREAKER, _BORN, _START = range(10)
PROCESS_START = "process_start_time_seconds"  # exported by prometheus_client's default registry
Role = tuple[int, object]


class _Reader:
    """What one metrics config reads: the names of our lines, and each series' role (which sum it joins) cached by
    the series text, which repeats from scrape to scrape, so a known line costs a lookup and a float()."""

    def __init__(self, cfg: MetricsConfig) -> None:
        n = cfg.names
        self.cfg = cfg
        self.names = tuple({x.removesuffix("_total") for x in (n.requests, n.tokens, n.duration, n.active_tasks,
                                                                n.cost_hourly, n.breaker, PROCESS_START)})  # fmt: skip
        self.kinds = {n.requests: _REQ, n.requests + "_total": _REQ, n.tokens: _TOK, n.tokens + "_total": _TOK,
                      n.duration + "_bucket": _BUCKET, n.duration + "_count": _COUNT, n.active_tasks: _ACTIVE,
                      n.cost_hourly: _COST, n.tokens.removesuffix("_total") + "_created": _BORN,
                      PROCESS_START: _START}  # fmt: skip
        self.errors = {x.lower() for x in cfg.error_statuses}
        self.roles: dict[str, Role] = {}

    def role(self, name: str, labels: str | None) -> Role:
        """Which sum a series joins, and the label value that decides how (error or not, bucket bound, dep)."""
        kind = self.kinds.get(name, _BREAKER if name == self.cfg.names.breaker else _OTHER)
        if kind == _REQ:
            status = (_label(labels, self.cfg.status_label) or "").lower()
            return kind, status in self.errors or bool(_HTTP_5XX.match(status))
        if kind == _BUCKET:
            le = _label(labels, "le")
            try:
                bound = float(le) if le is not None else math.nan
            except ValueError:
                bound = math.nan
            return (_OTHER, None) if math.isnan(bound) else (kind, bound)
        if kind == _BREAKER:
            return kind, _label(labels, self.cfg.breaker_label) or "?"
        if kind in (_TOK, _BORN):
            return kind, (_label(labels, "model") or "", _label(labels, "direction") or "")
        return kind, None


_READERS: dict[int, _Reader] = {}


def parse_exposition(text: str, cfg: MetricsConfig, at: float) -> CumulativeSample:
    """Sum the configured metrics out of exposition text. Raises ValueError on a line of ours that is not valid."""
    reader = _READERS.get(id(cfg))
    if reader is None or reader.cfg is not cfg:
        if len(_READERS) >= 4096:
            _READERS.clear()
        reader = _READERS[id(cfg)] = _Reader(cfg)
    items, long_lines, long_labels = _read(text, reader.names, reader.roles, reader.role)
    requests = errors = tokens = 0.0
    buckets: dict[float, float] = {}
    count: float | None = None
    active: float | None = None
    cost: float | None = None
    breakers: dict[str, int] = {}
    by: dict[tuple[str, str], float] = {}
    born: dict[tuple[str, str], float] = {}
    started: float | None = None
    ours = len(items)  # the series of the agent's metrics (the process's start time is not one)
    for (kind, arg), value in items:
        if value - value != 0.0:  # NaN or infinite: not a number to add
            continue
        if kind == _REQ:
            requests += value
            if arg:
                errors += value
        elif kind == _BUCKET:
            assert isinstance(arg, float)
            buckets[arg] = buckets.get(arg, 0.0) + value
        elif kind == _TOK:
            tokens += value
            key = cast("tuple[str, str]", arg)  # (model, direction): set by _Reader.role
            by[key] = by.get(key, 0.0) + value
        elif kind == _COUNT:
            count = (count or 0.0) + value
        elif kind == _ACTIVE:
            active = (active or 0.0) + value
        elif kind == _COST:
            cost = (cost or 0.0) + value
        elif kind == _BREAKER:
            assert isinstance(arg, str)
            breakers[arg] = max(breakers.get(arg, 0), int(value))
        elif kind == _BORN:
            born[cast("tuple[str, str]", arg)] = value
        elif kind == _START:
            started, ours = value, ours - 1
    return CumulativeSample(
        at, requests, errors, tokens, buckets, count, active, cost, breakers, ours, long_lines, long_labels,
        by, born, started,
    )  # fmt: skip


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
