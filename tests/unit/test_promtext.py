"""Metric derivations from real exposition text (written by prometheus_client, as agents do)."""

from __future__ import annotations

import math

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from probes.config import MetricsConfig
from probes.formats.promtext import _label, derive, histogram_quantile, parse_exposition, samples

CFG = MetricsConfig(url="http://x/metrics")
BUCKETS = [0.5, 1, 2, 5, 10, 30, 60]


class Agent:
    """A registry with the deployment guide's metrics, driven by the tests."""

    def __init__(self) -> None:
        self.reg = CollectorRegistry()
        self.requests = Counter("agent_requests_total", "r", ["model", "status"], registry=self.reg)
        self.tokens = Counter("agent_tokens_total", "t", ["model", "direction"], registry=self.reg)
        self.duration = Histogram("agent_request_duration_seconds", "d", ["model"], buckets=BUCKETS, registry=self.reg)
        self.active = Gauge("agent_active_tasks", "a", registry=self.reg)
        self.cost = Gauge("agent_cost_estimate_hourly", "c", registry=self.reg)
        self.breaker = Gauge("agent_circuit_breaker_state", "b", ["dependency"], registry=self.reg)

    def call(self, model: str, seconds: float, ok: bool = True, tokens: int = 100) -> None:
        self.requests.labels(model, "success" if ok else "error").inc()
        self.tokens.labels(model, "input").inc(tokens)
        self.duration.labels(model).observe(seconds)

    def text(self) -> str:
        return generate_latest(self.reg).decode()


def test_parse_sums_across_labels() -> None:
    a = Agent()
    for _ in range(9):
        a.call("sonnet", 0.7)
    a.call("haiku", 3.0, ok=False)
    a.active.set(4)
    a.cost.set(1.25)
    a.breaker.labels("anthropic").set(2)
    a.breaker.labels("openai").set(0)
    s = parse_exposition(a.text(), CFG, at=0.0)
    assert s.requests == 10
    assert s.errors == 1
    assert s.tokens == 1000
    assert s.buckets[math.inf] == 10
    assert s.buckets[1.0] == 9
    assert s.active_tasks == 4
    assert s.cost_hourly == 1.25
    assert s.breakers == {"anthropic": 2, "openai": 0}


def test_p95_and_error_rate_come_from_deltas_not_lifetime() -> None:
    a = Agent()
    for _ in range(3000):  # a long healthy past
        a.call("sonnet", 0.3)
    old = parse_exposition(a.text(), CFG, at=100.0)
    for i in range(100):  # the last window: slow and failing
        a.call("sonnet", 12.0, ok=i % 4 != 0)
    new = parse_exposition(a.text(), CFG, at=110.0)
    d = derive(old, new)
    assert d.error_rate == pytest.approx(0.25)
    assert d.latency_p95_s is not None and 10 < d.latency_p95_s <= 30
    assert d.requests_per_s == pytest.approx(10.0)
    assert d.tokens_per_min == pytest.approx(100 * 100 / 10 * 60)
    lifetime = derive(None, new)
    assert lifetime.latency_p95_s is not None and lifetime.latency_p95_s < 1


def test_counter_reset_counts_the_new_value_and_never_goes_negative() -> None:
    before = Agent()
    for _ in range(500):
        before.call("m", 0.4)
    old = parse_exposition(before.text(), CFG, at=0.0)
    after = Agent()  # the service restarted: counters start again from zero
    for i in range(20):
        after.call("m", 1.5, ok=i % 2 == 0)
    d = derive(old, parse_exposition(after.text(), CFG, at=10.0))
    assert d.error_rate == pytest.approx(0.5)
    assert d.requests_per_s == pytest.approx(2.0)
    assert d.latency_p95_s is not None and 1 < d.latency_p95_s <= 2
    assert d.tokens_per_min is not None and d.tokens_per_min >= 0


def test_histogram_quantile_matches_prometheus_interpolation() -> None:
    # 100 observations: 50 in (0, 0.5], 40 in (0.5, 1], 10 in (1, 2]
    buckets = {0.5: 50.0, 1.0: 90.0, 2.0: 100.0, math.inf: 100.0}
    assert histogram_quantile(0.5, buckets) == pytest.approx(0.5)
    assert histogram_quantile(0.95, buckets) == pytest.approx(1.5)
    # all in +Inf: Prometheus answers the highest finite bound
    assert histogram_quantile(0.95, {1.0: 0.0, math.inf: 10.0}) == 1.0
    assert histogram_quantile(0.95, {}) is None
    assert histogram_quantile(0.95, {1.0: 0.0, math.inf: 0.0}) is None


def test_no_traffic_in_window_gives_no_rate_instead_of_zero_division() -> None:
    a = Agent()
    a.call("m", 0.2)
    s1 = parse_exposition(a.text(), CFG, at=0.0)
    s2 = parse_exposition(a.text(), CFG, at=2.0)
    d = derive(s1, s2)
    assert d.error_rate is None
    assert d.latency_p95_s is None
    assert d.requests_per_s == 0


def test_nan_and_inf_values_are_ignored() -> None:
    text = (
        "# TYPE agent_active_tasks gauge\nagent_active_tasks NaN\n"
        "# TYPE agent_requests_total counter\n"
        'agent_requests_total{status="success"} +Inf\nagent_requests_total{status="error"} 3\n'
    )
    s = parse_exposition(text, CFG, at=0.0)
    assert s.active_tasks is None
    assert s.requests == 3 and s.errors == 3


def test_garbage_raises_value_error() -> None:
    with pytest.raises(ValueError):
        parse_exposition('agent_requests_total{status="x" 1\n', CFG, at=0.0)


def test_custom_names_and_http_status_codes() -> None:
    cfg = MetricsConfig(url="http://x", status_label="code", error_statuses=[])
    cfg = MetricsConfig(url="http://x", status_label="code", error_statuses=[], names=cfg.names)
    text = (
        "# TYPE agent_requests_total counter\n"
        'agent_requests_total{code="200"} 90\nagent_requests_total{code="503"} 10\n'
    )
    s = parse_exposition(text, cfg, at=0.0)
    assert s.requests == 100 and s.errors == 10


def test_line_parser_agrees_with_prometheus_client_on_odd_label_values() -> None:
    """The fast line parser reads what prometheus_client's own parser reads, escapes and all."""
    reg = CollectorRegistry()
    req = Counter("agent_requests_total", "r", ["model", "status"], registry=reg)
    hist = Histogram("agent_request_duration_seconds", "d", ["model"], buckets=[0.5, 1, 2.5], registry=reg)
    brk = Gauge("agent_circuit_breaker_state", "b", ["dependency"], registry=reg)
    odd = ['a"b', "back\\slash", "new\nline", "br{ace}s", "com,ma", "sp ace", "ünï", ""]
    for i, name in enumerate(odd):
        req.labels(name, "error" if i % 2 else "success").inc(i + 0.5)
        hist.labels(name).observe(i / 3)
        brk.labels(name).set(i % 3)
    text = generate_latest(reg).decode()
    names = ("agent_requests", "agent_request_duration_seconds", "agent_circuit_breaker_state")
    ours = [(n, {k: _label(body, k) for k in ("model", "status", "le", "dependency")}, v) for n, body, v in
            samples(text, names)]  # fmt: skip
    theirs = [
        (s.name, {k: s.labels.get(k) for k in ("model", "status", "le", "dependency")}, s.value)
        for fam in text_string_to_metric_families(text)
        for s in fam.samples
        if s.name.startswith(names) and not s.name.endswith("_created")
    ]
    ours = [o for o in ours if not o[0].endswith("_created")]
    assert ours == theirs and len(ours) > 40


@pytest.mark.parametrize(
    "line",
    [
        'agent_requests_total{status="x" 1',  # unclosed brace
        "agent_requests_total{status=x} 1",  # unquoted value
        "agent_requests_total",  # no value
        "agent_requests_total one",  # not a number
        'agent_requests_total{status="a\nb"} 1',  # raw newline inside a value (the line is cut)
    ],
)
def test_line_parser_rejects_broken_lines(line: str) -> None:
    with pytest.raises(ValueError):
        samples(line + "\n", ("agent_requests",))


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t,  # the same series, new values: the whole-text path
        lambda t: t.replace("\n", "\r\n"),  # other line breaks: the line loop
        lambda t: t.replace("agent_active_tasks 3.0", "agent_active_tasks 3.0 1700000000000"),  # a timestamp
        lambda t: t.replace("agent_active_tasks 3.0", "agent_active_tasks NaN"),
        lambda t: t + 'agent_requests_total{model="new",status="success"} 4.0\n',  # a new series
    ],
)
def test_a_repeated_scrape_reads_what_a_first_one_reads(change: object) -> None:
    """The second scrape of a series set reads its lines through the series cache; it must sum exactly what a
    cold parse sums."""
    import probes.formats.promtext as pt

    a = Agent()
    a.call("gpt", 1.5)
    a.call("gpt", 0.7, ok=False)
    a.active.set(3)
    a.breaker.labels("search").set(2)
    assert callable(change)
    first = change(a.text())
    cold = parse_exposition(first, CFG, 1.0)
    warm = parse_exposition(first, CFG, 1.0)  # every series now cached
    pt._SERIES_CACHE.clear()
    pt._READERS.clear()
    assert warm == cold == parse_exposition(first, CFG, 1.0)


def test_a_known_series_line_that_breaks_is_still_refused() -> None:
    a = Agent()
    a.call("gpt", 1.5)
    text = a.text()
    parse_exposition(text, CFG, 1.0)
    with pytest.raises(ValueError):
        parse_exposition(text.replace("agent_active_tasks 0.0", "agent_active_tasks"), CFG, 2.0)
    with pytest.raises(ValueError):
        parse_exposition(text.replace("agent_active_tasks 0.0", "agent_active_tasks zero"), CFG, 2.0)
