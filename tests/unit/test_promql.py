"""PromQL source: the queries it sends, the answers it accepts, and config errors for its block."""

from __future__ import annotations

import base64
import json
import math
from http.server import BaseHTTPRequestHandler

import pytest

from probes.config import PrometheusConfig
from probes.config.load import ConfigError, parse_config
from probes.http.client import make_client
from probes.http.parse_thread import INLINE_MAX
from probes.model import ProbeError
from probes.sources.prometheus.probe import (
    PromQLProbe,
    build_queries,
    parse_alerts,
    parse_matrix,
    parse_vector,
    prometheus_headers,
)
from tests.functional.helpers import serve_handler


def ok(result: object, kind: str = "vector") -> dict[str, object]:
    return {"status": "success", "data": {"resultType": kind, "result": result}}


def test_one_query_per_family_aggregated_by_the_service_label() -> None:
    q = build_queries(PrometheusConfig(url="http://p", selector='env="prod"', label="service", window="30s"))
    assert set(q) == {"p95", "error_rate", "requests", "tokens", "cost", "active", "breakers", "up"}
    assert q["up"] == 'min by (service) (up{env="prod"})'
    assert q["p95"] == (
        'histogram_quantile(0.95, sum by (le, service) (rate(agent_request_duration_seconds_bucket{env="prod"}[30s])))'
    )
    assert 'status=~"error|failure|failed|5.."' in q["error_rate"] and "* 0" in q["error_rate"]
    assert q["breakers"] == 'max by (service, dependency) (agent_circuit_breaker_state{env="prod"})'
    assert all("by (" in text for text in q.values())  # never one query per service


def test_vectors_matrices_and_garbage() -> None:
    rows = parse_vector(
        ok([{"metric": {"job": "a"}, "value": [1, "0.5"]}, {"metric": {"job": "b"}, "value": [1, "NaN"]}])
    )
    assert rows == [({"job": "a"}, 0.5), ({"job": "b"}, None)]
    for bad in ({"status": "error", "error": "parse error"}, [], "x", ok({}), ok([], "matrix"), {"status": "success"}):
        with pytest.raises(ValueError):
            parse_vector(bad)
    matrix = ok([{"metric": {"job": "a"}, "values": [[t, str(t / 10)] for t in range(200)]}], "matrix")
    series = parse_matrix(matrix, "job", 60)["a"]
    assert len(series) == 60 and math.isclose(series[-1], 19.9)


def test_alerts_are_mapped_to_services_by_label_and_cleaned() -> None:
    payload = {
        "status": "success",
        "data": {
            "alerts": [
                {"labels": {"alertname": "High\x1b]52;c;x\x07Err", "job": "plan-job", "severity": "critical"},
                 "annotations": {"summary": "[@click=app.quit]boom"}, "state": "firing",
                 "activeAt": "2026-11-26T09:00:00Z", "value": "1e+00"},
                {"labels": {"alertname": "Other", "job": "not-ours"}, "state": "firing"},
                {"labels": {"alertname": "Slow", "job": "plan-job"}, "state": "pending", "activeAt": "garbage"},
                {"labels": {"alertname": "Gone", "job": "plan-job"}, "state": "inactive"},
                "nonsense",
            ]
        },
    }  # fmt: skip
    alerts = parse_alerts(payload, "job", {"plan-job": "planner"})
    assert [(a.service, a.name, a.state, a.severity) for a in alerts] == [
        ("planner", "HighErr", "firing", "critical"),  # the OSC 52 clipboard write is stripped where it enters
        ("planner", "Slow", "pending", "warning"),
    ]
    assert alerts[0].summary == "[@click=app.quit]boom"  # kept as text; the screen never parses it as markup
    assert alerts[0].since == 1795683600.0 and alerts[0].value == 1.0
    with pytest.raises(ValueError):
        parse_alerts({"status": "success", "data": {}}, "job", {})


def test_auth_comes_from_the_environment() -> None:
    bearer = prometheus_headers(PrometheusConfig(url="http://p", token_env="TOK"), {"TOK": "s3"})
    assert bearer == {"Authorization": "Bearer s3"}
    basic = prometheus_headers(PrometheusConfig(url="http://p", basic_user="u", basic_password_env="PW"), {"PW": "p"})
    assert basic == {"Authorization": "Basic " + base64.b64encode(b"u:p").decode()}
    assert prometheus_headers(PrometheusConfig(url="http://p", basic_user="u", basic_password_env="PW"), {}) == {}


def test_a_failed_poll_fails_every_service_it_serves() -> None:
    probe = PromQLProbe("0", PrometheusConfig(url="http://p"), {"a": "A", "b": "B"}, None, 2.0, 1.0, 1024)  # type: ignore[arg-type]
    r = probe.failed(ProbeError("refused", "connection refused"), 1.0, 0.01)
    assert not r.ok and set(r.services) == {"A", "B"} and all(m.error == r.error for m in r.services.values())


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "f.yaml", {})
    return [f"{p.line}:{p.path}:{p.message}" for p in info.value.problems]


def test_prometheus_config_errors_name_the_key() -> None:
    out = problems("services:\n  - name: a\n    prometheus: {value: x}\n")
    assert out == ["3:services[0].prometheus.url:required here (there is no fleet-wide prometheus.url to use)"]
    out = problems("prometheus: {url: 'http://p', window: 5 minutes, timeout: 3}\nservices:\n  - name: a\n")
    assert "1:prometheus.window:must be a PromQL duration such as 30s or 5m, got '5 minutes'" in out
    assert "1:prometheus.timeout:must be > 0 and shorter than the interval (2s), got 3s" in out
    cfg, _ = parse_config(
        "prometheus: {url: 'http://p', label: service}\nservices:\n  - name: a\n    prometheus: {value: a-prod}\n"
        "  - name: b\n",
        "f.yaml",
        {},
    )
    a, b = (cfg.prometheus_of(s) for s in cfg.services)
    assert a is not None and (a.url, a.label, a.value) == ("http://p", "service", "a-prod")
    assert b is not None and b.value is None


class FakePrometheus(BaseHTTPRequestHandler):
    """Canned API answers: every instant query a vector (padded past the inline parse size), ranges a matrix."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        path = self.path.partition("?")[0]
        if path == "/api/v1/query_range":
            payload = ok([{"metric": {"job": "a"}, "values": [[1, "0.5"], [2, "0.25"]]}], "matrix")
        elif path == "/api/v1/alerts":
            payload = {"status": "success", "data": {"alerts": []}}
        else:
            pad = [{"metric": {"job": f"other{i}"}, "value": [1, "1"]} for i in range(INLINE_MAX // 30)]
            payload = ok([{"metric": {"job": "a", "dependency": "db"}, "value": [1, "0.25"]}, *pad])
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


async def test_polls_with_and_without_the_range_queries_read_large_answers() -> None:
    with serve_handler(FakePrometheus) as port:
        async with make_client(4) as client:
            probe = PromQLProbe("0", PrometheusConfig(url=f"http://127.0.0.1:{port}"), {"a": "A"}, client, 2.0, 2.0,
                                1 << 20)  # fmt: skip
            first = await probe.collect()  # with query_range
            second = await probe.collect()  # without
    for r in (first, second):
        assert r.ok, r.error
        assert r.services["A"].derived.latency_p95_s == 0.25 and r.services["A"].breakers == {"db": "closed"}
    assert first.history == {"A": {"latency": (0.5, 0.25), "errors": (0.5, 0.25)}} and second.history == {}
