"""Metrics endpoints that answer 200 with something hard or wrong: a valid line of a million characters, a label
value of 8 KiB, JSON or HTML instead of the text format. A real server on loopback and the real poller: rows stay
fresh and the reason names what was skipped or wrong (the memory of the parse: tests/unit/test_promtext_hostile.py)."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from probes.config import LiteLLMConfig
from probes.config.load import parse_config
from probes.http.client import make_client
from probes.model import ProbeError, Status
from probes.runtime.scheduler import Scheduler
from probes.sources.litellm.probe import LiteLLMProbe
from probes.view import FleetSnapshot, status_now
from tests.functional.helpers import serve_handler

GOOD = b'agent_requests_total{status="success"} 5\nagent_active_tasks 3\n'
HUGE = b'agent_requests_total{status="' + b"a" * 1_040_000 + b'"} 1\n' + GOOD  # one valid line of 1,040,036 chars
LONG_LABEL = b'agent_requests_total{status="ok",prompt="' + b"p" * 8192 + b'"} 7\n' + GOOD
BODIES = {
    "/huge": (HUGE, "text/plain; version=0.0.4"),
    "/long-label": (LONG_LABEL, "text/plain; version=0.0.4"),
    "/json": (b'{"requests": 5, "errors": 1}', "application/json"),
    "/html": (b"<!doctype html><html><body>Grafana</body></html>", "text/html; charset=utf-8"),
    "/health": (b'{"status": "healthy"}', "application/json"),
}


class Metrics(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        body, ctype = BODIES["/health" if path.startswith("/json-proxy/") else path]
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve_handler(Metrics) as p:
        yield p


def _run(text: str, seconds: float) -> tuple[FleetSnapshot, float]:
    """The real poller for `seconds`: its last snapshot and the time it was taken (monotonic)."""
    cfg, _ = parse_config(text, "metrics.yaml")
    snaps: list[tuple[float, FleetSnapshot]] = []
    sched = Scheduler(cfg, publish=lambda snap: snaps.append((time.monotonic(), snap)))

    async def run() -> None:
        task = asyncio.create_task(sched.run())
        await asyncio.sleep(seconds)
        sched.stop()
        await task

    asyncio.run(run())
    at, snap = snaps[-1]
    return snap, at


def test_fifteen_services_with_a_million_character_line_stay_fresh_and_say_what_was_skipped(port: int) -> None:
    services = "".join(
        f"  - name: s{i}\n    metrics: {{url: 'http://127.0.0.1:{port}/huge', timeout: 0.9}}\n" for i in range(15)
    )
    snap, at = _run(f"refresh_interval: 1\nservices:\n{services}", 4.5)
    assert len(snap.services) == 15
    for view in snap.services:
        status, reason = status_now(view, at)
        assert status is Status.WARN, (view.name, status, reason)  # not STALE, no timeout: the poller kept up
        assert reason == "metrics: 1 line over 65536 chars skipped", reason
        assert view.active_tasks == 3  # the rest of the scrape was read


def test_a_scrape_of_the_million_character_line_does_not_balloon_memory(port: int) -> None:
    text = f"services:\n  - name: s\n    metrics: {{url: 'http://127.0.0.1:{port}/huge'}}\n"
    sched = Scheduler(parse_config(text, "metrics.yaml")[0])
    tracemalloc.start()
    try:
        snap = asyncio.run(sched.poll_once())
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert peak_mb < 25, peak_mb  # the body and its text are a few MB; the old line parser took ~195 MB more
    assert snap.services[0].reason == "metrics: 1 line over 65536 chars skipped"


def test_a_label_value_over_the_cap_skips_its_series(port: int) -> None:
    text = f"refresh_interval: 1\nservices:\n  - name: s\n    metrics: {{url: 'http://127.0.0.1:{port}/long-label'}}\n"
    snap, _ = _run(text, 1.5)
    view = snap.services[0]
    assert (view.status, view.reason) == (Status.WARN, "metrics: 1 series with a label value over 4096 chars skipped")


def test_json_or_html_at_a_metrics_url_is_not_ok(port: int) -> None:
    base = f"http://127.0.0.1:{port}"
    text = (
        "refresh_interval: 1\nservices:\n"
        f"  - name: json\n    metrics: {{url: '{base}/json'}}\n"
        f"  - name: html\n    metrics: {{url: '{base}/html'}}\n"
        f"  - name: beside\n    health: {{url: '{base}/health'}}\n    metrics: {{url: '{base}/json'}}\n"
    )
    snap, _ = _run(text, 1.5)
    got = {v.name: (v.status, v.reason) for v in snap.services}
    assert got["json"] == (Status.UNKNOWN, "metrics: not Prometheus text (application/json)")
    assert got["html"] == (Status.UNKNOWN, "metrics: not Prometheus text (text/html)")
    assert got["beside"] == (Status.WARN, "metrics: not Prometheus text (application/json)")


async def test_a_proxy_whose_metrics_answer_json_is_not_ok(port: int) -> None:
    async with make_client(4) as client:
        cfg = LiteLLMConfig(url=f"http://127.0.0.1:{port}/json-proxy")
        result = await LiteLLMProbe("p", cfg, client, 2.0, 1.0, 1 << 20).collect()
    assert result.health.ok and result.health.status == "healthy"
    assert result.metrics.error == ProbeError("garbage", "not Prometheus text (application/json)")
