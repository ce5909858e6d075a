"""Exposition text that is broken, odd or huge: no crash, no negative rates, no wrong p95."""

from __future__ import annotations

import math
import random
import time
import tracemalloc

import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from probes.config import MetricsConfig
from probes.formats.promtext import (
    _BUCKET,
    _COUNT,
    _REQ,
    MAX_LABEL,
    MAX_LINE,
    CumulativeSample,
    _Reader,
    derive,
    not_text_format,
    parse_exposition,
    samples,
    skipped_note,
)
from probes.model import ProbeError
from probes.sources.metrics.probe import MetricsProbe

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


def _line_by_line(text: str) -> CumulativeSample | str:
    """The reference: every line through samples() and its role, summed plainly."""
    reader = _Reader(CFG)
    try:
        items = [(reader.role(name, labels), value) for name, labels, value in samples(text, reader.names)]
    except ValueError as exc:
        return str(exc)
    finite = [(role, v) for role, v in items if not (math.isnan(v) or math.isinf(v))]
    req = [v for (kind, _), v in finite if kind == _REQ]
    err = [v for (kind, arg), v in finite if kind == _REQ and arg]
    buckets: dict[float, float] = {}
    for (kind, arg), v in finite:
        if kind == _BUCKET:
            assert isinstance(arg, float)
            buckets[arg] = buckets.get(arg, 0.0) + v
    counts = [v for (kind, _), v in finite if kind == _COUNT]
    return CumulativeSample(0.0, sum(req), sum(err), 0.0, buckets, sum(counts) if counts else None, series=len(items))


@pytest.mark.parametrize("seed", range(6))
def test_cached_roles_read_what_samples_reads(seed: int) -> None:
    """Mangled copies of a real scrape (cut, doubled spaces, tabs, timestamps, odd line ends, NaN, lines of ours
    without a value), parsed twice so the second pass reads cached roles: the same sums and series count, or the
    same line named as bad."""
    rng = random.Random(seed)
    base = real_text().splitlines()
    edits = [
        lambda s: s.replace(" ", "  ", 1),
        lambda s: s.replace(" ", "\t", 1),
        lambda s: s + " 1700000000000",
        lambda s: s + " ",
        lambda s: s.rsplit(" ", 1)[0],
        lambda s: s.rsplit(" ", 1)[0] + " NaN",
        lambda s: s.rsplit(" ", 1)[0] + " +Inf",
        lambda s: s.rsplit(" ", 1)[0] + " 1_0",
        lambda s: s + "\r",
        lambda s: s[: len(s) // 2],
    ]
    for _ in range(60):
        lines = list(base)
        for _ in range(rng.randint(0, 3)):
            i = rng.randrange(len(lines))
            lines[i] = rng.choice(edits)(lines[i])
        text = "\n".join(lines) + "\n"
        want = _line_by_line(text)
        for _ in range(2):
            try:
                got: CumulativeSample | str = parse_exposition(text, CFG, at=0.0)
            except ValueError as exc:
                got = str(exc)
        if isinstance(want, str) or isinstance(got, str):
            assert got == want, text
            continue
        assert (got.requests, got.errors, got.buckets, got.series, got.duration_count) == (
            want.requests, want.errors, want.buckets, want.series, want.duration_count
        ), text  # fmt: skip


def _peak_mb(text: str) -> float:
    """Peak memory (MB) that parsing `text` allocates, the text itself not counted."""
    tracemalloc.start()
    try:
        parse_exposition(text, CFG, at=0.0)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_a_line_over_the_cap_is_skipped_and_counted_without_memory() -> None:
    huge = 'agent_requests_total{status="' + "a" * 1_040_000 + '"} 1\n'
    sample = parse_exposition(huge + 'agent_requests_total{status="error"} 2\n', CFG, at=0.0)
    assert (sample.requests, sample.errors, sample.series, sample.long_lines) == (2.0, 2.0, 1, 1)
    assert skipped_note(sample) == "1 line over 65536 chars skipped"
    assert _peak_mb(huge * 1) < 4  # the line parser took ~195 MB (and ~0.37 s) for this one line
    just_under = 'agent_requests_total{status="' + "a" * (MAX_LINE - 40) + '"} 1'
    assert len(just_under) <= MAX_LINE and parse_exposition(just_under, CFG, at=0.0).long_lines == 0


def test_a_label_value_over_the_cap_skips_its_series() -> None:
    text = (
        f'agent_requests_total{{status="error",prompt="{"p" * (MAX_LABEL + 1)}"}} 7\n'
        f'agent_requests_total{{status="ok",prompt="{"p" * MAX_LABEL}"}} 3\n'
        'agent_requests_total{status="ok",a="x",b="y"} 4\n'
    )
    sample = parse_exposition(text, CFG, at=0.0)
    assert (sample.requests, sample.errors, sample.long_labels) == (7.0, 0.0, 1)
    assert skipped_note(sample) == "1 series with a label value over 4096 chars skipped"
    long_line = 'agent_tokens_total{d="' + "t" * 70_000 + '"} 1\n'
    both = parse_exposition(text + long_line * 2, CFG, at=0.0)
    assert skipped_note(both) == "2 lines over 65536 chars and 1 series with a label value over 4096 chars skipped"
    assert skipped_note(parse_exposition(real_text(), CFG, at=0.0)) is None


def test_an_escaped_quote_inside_a_label_value_still_parses() -> None:
    text = 'agent_requests_total{status="error",msg="say \\"hi\\"\\\\ \\n"} 2\nagent_requests_total{status="x"} 1\n'
    assert parse_exposition(text, CFG, at=0.0).errors == 2.0


@pytest.mark.parametrize(
    ("body", "ctype", "why"),
    [
        (b'{"a": 1}', "application/json", "not Prometheus text (application/json)"),
        (b"<html></html>", "text/html; charset=utf-8", "not Prometheus text (text/html)"),
        (b"x 1\n", "application/problem+json", "not Prometheus text (application/problem+json)"),
        (b"  \n[1, 2]", "", "not Prometheus text (looks like JSON)"),
        (b"<!doctype html>", "application/octet-stream", "not Prometheus text (looks like HTML)"),
        (b"# HELP x y\nx 1\n", "", None),
        (b"", "", None),  # an exporter with nothing to say yet
        (b"# TYPE x counter\nx_total 1\n# EOF\n", "application/openmetrics-text; version=1.0.0", None),
        (b'{"quoted.name"} 1\n', "text/plain; version=0.0.4", None),  # Prometheus 3's UTF-8 names: for the parser
    ],
)
def test_what_is_not_the_text_format(body: bytes, ctype: str, why: str | None) -> None:
    assert not_text_format(body, ctype) == why
