"""Exposition text that is broken, odd or huge: no crash, no negative rates, no wrong p95."""

from __future__ import annotations

import math
import time

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from probes.config import MetricsConfig
from probes.metrics import MetricsProbe
from probes.model import ProbeError
from probes.promtext import derive, parse_exposition

CFG = MetricsConfig(url="http://x/metrics")


def real_text(n_fast: int = 90, n_slow: int = 10) -> str:
    reg = CollectorRegistry()
    req = Counter("agent_requests_total", "r", ["model", "status"], registry=reg)
    hist = Histogram("agent_request_duration_seconds", "d", ["model"], buckets=[0.5, 1, 2, 5, 10, 30, 60], registry=reg)
    for _ in range(n_fast):
        req.labels("m", "success").inc()
        hist.labels("m").observe(0.3)
    for _ in range(n_slow):
        req.labels("m", "error").inc()
        hist.labels("m").observe(7.0)
    return generate_latest(reg).decode()


def test_truncated_exposition_is_unparsable_or_partial_never_a_crash() -> None:
    text = real_text()
    for cut in range(0, len(text), 97):
        try:
            s = parse_exposition(text[:cut], CFG, at=0.0)
        except ValueError:
            continue  # the probe turns this into UNKNOWN "unparsable metrics"
        assert s.requests >= 0 and all(v >= 0 for v in s.buckets.values())


def test_probe_reports_garbage_as_unknown_kind() -> None:
    probe = MetricsProbe("a", CFG, None, 2.0, 1.0, 1 << 20)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        parse_exposition('agent_requests_total{status="x" 1\n', CFG, at=0.0)
    r = probe.failed(ProbeError("garbage", "unparsable metrics"), time.time(), 0.1)
    assert r.error is not None and r.error.kind == "garbage"


def test_duplicate_series_do_not_change_p95() -> None:
    text = real_text()
    doubled = text + "\n".join(line for line in text.splitlines() if line.startswith("agent_")) + "\n"
    p95 = derive(None, parse_exposition(text, CFG, at=0.0)).latency_p95_s
    assert derive(None, parse_exposition(doubled, CFG, at=0.0)).latency_p95_s == pytest.approx(p95)


def test_missing_buckets_and_no_inf_bucket() -> None:
    text = "\n".join(line for line in real_text().splitlines() if 'le="2.0"' not in line and 'le="+Inf"' not in line)
    s = parse_exposition(text + "\n", CFG, at=0.0)
    assert math.inf not in s.buckets
    p95 = derive(None, s).latency_p95_s
    assert p95 is not None and 5 <= p95 <= 10


def test_counter_going_backwards_never_gives_negative_rates() -> None:
    old = parse_exposition(real_text(900, 100), CFG, at=0.0)
    new = parse_exposition(real_text(5, 0), CFG, at=10.0)  # restarted: smaller counters
    d = derive(old, new)
    assert d.requests_per_s is not None and d.requests_per_s >= 0
    assert d.error_rate == 0.0
    assert d.latency_p95_s is not None and d.latency_p95_s <= 0.5


def test_hundred_thousand_series_parse_correctly() -> None:
    relevant = "".join(f'agent_requests_total{{status="success",worker="w{i}"}} 1\n' for i in range(100_000))
    s = parse_exposition("# TYPE agent_requests_total counter\n" + relevant, CFG, at=0.0)
    assert s.requests == 100_000 and s.series == 100_000
    noise = "".join(f'go_goroutines{{id="{i}"}} {i}\n' for i in range(100_000))
    s = parse_exposition(noise + 'agent_requests_total{status="error"} 3\n', CFG, at=0.0)
    assert s.errors == 3 and s.series == 1  # lines of metrics we do not read never reach the parser
