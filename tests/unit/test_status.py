"""Status rules: which results make a service OK, WARN, CRIT, UNKNOWN or STALE, and with what reason."""

from __future__ import annotations

from probes.config import Thresholds
from probes.fleet.status import evaluate
from probes.model import (
    Alert,
    HealthResult,
    MetricsDerived,
    MetricsResult,
    ProbeError,
    ProcessResult,
    Status,
    Verdict,
    combine,
    decide,
    effective,
)
from probes.sources.health.probe import parse_health

T = Thresholds()


def health(status: str = "healthy", **kw: object) -> HealthResult:
    return HealthResult(at=0, elapsed_s=0.01, http_status=200, status=status, **kw)  # type: ignore[arg-type]


def failed_health(kind: str, msg: str) -> HealthResult:
    return HealthResult(at=0, elapsed_s=1.0, error=ProbeError(kind, msg))  # type: ignore[arg-type]


def metrics(p95: float | None = 0.8, err: float | None = 0.01) -> MetricsResult:
    return MetricsResult(at=0, elapsed_s=0.01, derived=MetricsDerived(latency_p95_s=p95, error_rate=err))


def test_healthy_with_good_numbers_is_ok() -> None:
    v = evaluate(health(), metrics(), None, {}, T)
    assert (v.status, v.reason) == (Status.OK, "healthy")


def test_refused_is_crit_and_timeout_is_unknown() -> None:
    assert evaluate(failed_health("refused", "connection refused"), None, None, {}, T).status is Status.CRIT
    v = evaluate(failed_health("timeout", "no answer within 1s"), None, None, {}, T)
    assert (v.status, v.reason) == (Status.UNKNOWN, "health: no answer within 1s")
    assert evaluate(failed_health("garbage", "HTTP 200 with invalid JSON"), None, None, {}, T).status is Status.UNKNOWN


def test_crit_beats_unknown_and_reasons_join() -> None:
    v = evaluate(failed_health("refused", "connection refused"), metrics(err=0.5), None, {}, T)
    assert v.status is Status.CRIT
    assert v.reason == "health: connection refused; error rate 50% >= 25%"


def test_error_rate_and_latency_thresholds() -> None:
    assert evaluate(health(), metrics(err=0.06), None, {}, T).status is Status.WARN
    assert evaluate(health(), metrics(err=0.30), None, {}, T).status is Status.CRIT
    v = evaluate(health(), metrics(p95=12.0), None, {}, T)
    assert (v.status, v.reason) == (Status.WARN, "p95 12s >= 10s")
    assert evaluate(health(), metrics(p95=45.0), None, {}, T).status is Status.CRIT


def test_unhealthy_and_degraded_name_the_failing_checks() -> None:
    v = evaluate(health("unhealthy", checks={"db": {"ok": False}, "queue": "ok"}), None, None, {}, T)
    assert (v.status, v.reason) == (Status.CRIT, "unhealthy (db failing)")
    v = evaluate(health("degraded", checks={"model_proxy": False}), None, None, {}, T)
    assert (v.status, v.reason) == (Status.WARN, "degraded (model_proxy failing)")


def test_draining_and_open_breaker_warn() -> None:
    assert evaluate(health(draining=True), None, None, {}, T).reason == "draining"
    v = evaluate(health(), metrics(), None, {"anthropic": "open", "openai": "closed"}, T)
    assert (v.status, v.reason) == (Status.WARN, "breaker open: anthropic")
    assert evaluate(health(), None, None, {"a": "half_open"}, T).status is Status.OK
    crit = Thresholds(breaker_open="crit")
    assert evaluate(health(), None, None, {"a": "open"}, crit).status is Status.CRIT


def test_metrics_failure_beside_a_health_check_only_warns() -> None:
    m = MetricsResult(at=0, elapsed_s=1, error=ProbeError("timeout", "no answer within 1s"))
    assert evaluate(health(), m, None, {}, T).status is Status.WARN
    assert evaluate(None, m, None, {}, T).status is Status.UNKNOWN


def test_process_only_service() -> None:
    gone = ProcessResult(at=0, pid=4, error=ProbeError("refused", "process 4 is not running"))
    assert evaluate(None, None, gone, {}, T).status is Status.CRIT
    assert evaluate(None, None, ProcessResult(at=0, pid=4, cpu_percent=1.0), {}, T).status is Status.OK


def test_nothing_configured_is_unknown() -> None:
    assert evaluate(None, None, None, {}, T).status is Status.UNKNOWN


def test_stale_after_three_intervals() -> None:
    assert effective(Status.OK, "healthy", 5.9, 2.0) == (Status.OK, "healthy")
    st, reason = effective(Status.OK, "healthy", 6.5, 2.0)
    assert st is Status.STALE and reason.startswith("no data for 6s")


def test_one_rule_decides_sources_then_alerts_then_age() -> None:
    """decide() is the only place a row's status is decided: the snapshot puts the alerts on, the screen the age."""
    firing = Alert("a", "breaker_open", "firing", 0.0, 1.0, "breaker open: db", "critical")
    pending = Alert("a", "latency_p95", "pending", 0.0, 12.0, "p95 12s")
    sources = (Status.WARN, "degraded; breaker open: db")
    assert decide(*sources, (pending,)) == sources
    led = decide(*sources, (firing, pending))
    assert led == (Status.CRIT, "alert breaker_open (breaker open: db); degraded")
    assert decide(*led, (), 5.9, 2.0) == led
    assert decide(*sources, (firing,), 6.5, 2.0) == (Status.STALE, f"no data for 6s (last: CRIT {led[1]})")


def test_health_http_500_html_is_crit_and_bad_shapes_unknown() -> None:
    r = parse_health(500, b"<html><body>Internal Server Error</body></html>", 0, 0.1)
    assert evaluate(r, None, None, {}, T).status is Status.CRIT
    assert evaluate(parse_health(200, b"not json", 0, 0.1), None, None, {}, T).status is Status.UNKNOWN
    assert evaluate(parse_health(200, b"[1, 2]", 0, 0.1), None, None, {}, T).status is Status.UNKNOWN
    r = parse_health(200, b'{"status": "exploded"}', 0, 0.1)
    assert r.error is not None and "unknown health status" in r.error.message


def test_health_convention_is_decoded_and_unknown_fields_kept() -> None:
    body = (
        b'{"status": "degraded", "checks": {"model_proxy": {"ok": false}}, "uptime_s": 12.5, '
        b'"breakers": {"anthropic": "half-open", "openai": "closed"}, "active_tasks": 3, "draining": false, '
        b'"version": "1.2", "queue": {"depth": 4}}'
    )
    r = parse_health(200, body, 0, 0.1)
    assert r.status == "degraded" and r.active_tasks == 3 and r.draining is False and r.uptime_s == 12.5
    assert r.breakers == {"anthropic": "half_open", "openai": "closed"}
    assert r.extra == {"version": "1.2", "queue": {"depth": 4}}


def test_health_without_status_uses_the_http_code() -> None:
    assert parse_health(200, b"{}", 0, 0.1).status == "healthy"
    assert parse_health(503, b'{"detail": "x"}', 0, 0.1).status == "unhealthy"
    assert parse_health(503, b'{"status": "healthy"}', 0, 0.1).status == "unhealthy"


def reason_of(code: int, body: bytes) -> tuple[Status, str]:
    v = evaluate(parse_health(code, body, 0, 0.1), None, None, {}, T)
    return v.status, v.reason


def test_unhealthy_says_why_http_status_failing_check_and_message() -> None:
    # All checks ok, a 503 and nothing else: the reason still says what the service answered.
    st, reason = reason_of(503, b'{"status": "unhealthy", "checks": {"db": true}}')
    assert st is Status.CRIT and reason == "unhealthy (HTTP 503, no cause given)"
    body = b'{"status": "unhealthy", "checks": {"db": {"ok": false, "error": "timeout"}}, "message": "db down"}'
    assert reason_of(503, body)[1] == "unhealthy (HTTP 503; db (timeout) failing; db down)"
    for key in ("message", "error", "detail", "reason"):
        assert reason_of(503, b'{"status": "unhealthy", "%s": "upstream refused"}' % key.encode())[1] == (
            "unhealthy (HTTP 503; upstream refused)"
        )
    # A nested {"error": {"message": ...}} (a common API shape), only its first line, bounded and cleaned.
    body = b'{"status": "unhealthy", "error": {"message": "quota\\u001b[2J exceeded\\nstack trace..."}}'
    assert reason_of(503, body)[1] == "unhealthy (HTTP 503; quota exceeded)"
    long = reason_of(503, b'{"detail": "%s"}' % (b"word " * 200))[1]
    assert len(long) < 160 and long.endswith("…)")


def test_health_text_body_gives_its_first_line() -> None:
    st, reason = reason_of(503, b"\n  Service Unavailable: maintenance  \nat line 2\n")
    assert (st, reason) == (Status.CRIT, "health: HTTP 503: Service Unavailable: maintenance")
    html = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
    assert reason_of(502, html)[1] == "health: HTTP 502: 502 Bad Gateway"


def test_deployment_guide_health_shape_names_what_failed() -> None:
    """The guide's /health: boolean checks plus last_inference_age_s (healthy only under 300 s), status
    healthy or degraded, no breakers."""
    body = b'{"status": "degraded", "checks": {"model_proxy": false, "memory_store": true, ' \
           b'"last_inference_age_s": 12.5}, "uptime_s": 900.0}'  # fmt: skip
    assert reason_of(200, body) == (Status.WARN, "degraded (model_proxy failing)")
    body = b'{"status": "degraded", "checks": {"model_proxy": true, "memory_store": true, ' \
           b'"last_inference_age_s": 412.0}, "uptime_s": 900.0}'  # fmt: skip
    assert reason_of(200, body) == (Status.WARN, "degraded (last_inference_age_s 412 s >= 300 s failing)")


def test_degraded_names_its_half_open_breakers_and_draining() -> None:
    """The demo's planner read `degraded` and nothing more while a breaker was half-open: the answer says it."""
    body = b'{"status": "degraded", "breakers": {"anthropic": "half_open", "openai": "closed"}, "draining": true}'
    assert reason_of(200, body) == (Status.WARN, "degraded (draining; anthropic half-open)")
    # An open breaker is named by its own verdict: not twice.
    v = evaluate(parse_health(200, b'{"status": "degraded", "breakers": {"anthropic": "open"}}', 0, 0.1),
                 None, None, {"anthropic": "open"}, T)  # fmt: skip
    assert v.reason == "degraded; breaker open: anthropic"


def test_the_worst_leads_and_the_lesser_problems_follow() -> None:
    """A provider failing: the error rate is the worst, the health check naming the dependency is its cause."""
    cause = Verdict(Status.WARN, "degraded (model_proxy failing)")
    verdicts = [Verdict(Status.OK, "healthy"), cause, Verdict(Status.CRIT, "error rate 100%"), cause]
    assert combine(verdicts) == Verdict(Status.CRIT, "error rate 100%; degraded (model_proxy failing)")
    assert combine([Verdict(Status.OK, "healthy"), Verdict(Status.OK, "ledger only")]) == Verdict(Status.OK, "healthy")
