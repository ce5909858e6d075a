"""Redirects: polls follow them only within their origin (scheme, host, port), so configured headers and tokens
never reach another host; a redirect to another origin is shown on the row. Two real servers on loopback: the
service's origin on 127.0.0.1, and "other" on localhost (another origin), which records every request it gets."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from agentops_tui.actions.executors import HttpExecutor
from agentops_tui.actions.litellm_exec import LiteLLMHealthExecutor
from agentops_tui.actions.model import ActionRequest
from probes.config import ControlConfig, ControlEndpoint, LiteLLMConfig
from probes.config.load import parse_config
from probes.http.client import fetch, make_client
from probes.http.fast import FetchError
from probes.model import Status
from probes.runtime.scheduler import Scheduler
from probes.view import FleetSnapshot
from tests.functional.helpers import serve_handler

SECRET = "s3cret-api-key-0123456789"
TOKEN = "tok-0123456789abcdef"
HEALTHY = b'{"status": "healthy"}'
METRICS = b'# TYPE agent_requests_total counter\nagent_requests_total{status="success"} 5\n'


class Other(BaseHTTPRequestHandler):
    """Another origin: answers everything as healthy, and records what it was sent."""

    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, dict[str, str]]] = []
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:
        return None

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self) -> None:
        with Other.lock:
            Other.seen.append((self.path, dict(self.headers)))
        body = METRICS if "metrics" in self.path else HEALTHY
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Origin(BaseHTTPRequestHandler):
    """The service: /away/<rest> redirects to the other origin, /metrics to /metrics/, /loop to itself."""

    protocol_version = "HTTP/1.1"
    other = 0
    seen: list[tuple[str, dict[str, str]]] = []

    def log_message(self, *args: object) -> None:
        return None

    def _send(self, code: int, body: bytes, ctype: str, location: str | None = None) -> None:
        self.send_response(code)
        if location is not None:
            self.send_header("Location", location)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET()

    def do_GET(self) -> None:
        Origin.seen.append((self.path, dict(self.headers)))
        path = self.path
        if path.startswith("/away/"):
            self._send(302, b"", "text/plain", f"http://localhost:{Origin.other}/{path[6:]}")
        elif path == "/userinfo":
            self._send(302, b"", "text/plain", f"http://admin:hunter2@localhost:{Origin.other}/x?token=abc&k=2")
        elif path == "/https":  # the same host and port, another scheme: another origin
            self._send(301, b"", "text/plain", f"https://127.0.0.1:{self.server.server_address[1]}/health")
        elif path == "/metrics":  # LiteLLM's and Starlette's trailing slash
            self._send(307, b"", "text/plain", "/metrics/")
        elif path == "/metrics/":
            self._send(200, METRICS, "text/plain; version=0.0.4")
        elif path == "/hop":
            self._send(302, b"moved", "text/plain", "/health")
        elif path == "/json/health":  # a redirect whose body looks like a healthy answer
            self._send(302, b'{"healthy_endpoints": [{"model": "m"}], "unhealthy_endpoints": []}',
                       "application/json", f"http://localhost:{Origin.other}/health")  # fmt: skip
        elif path == "/loop":
            self._send(302, b"", "text/plain", "/loop")
        else:
            self._send(200, HEALTHY, "application/json")


@pytest.fixture(scope="module")
def ports() -> Iterator[tuple[int, int]]:
    with serve_handler(Other) as other, serve_handler(Origin) as origin:
        Origin.other = other
        yield origin, other


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    Other.seen.clear()
    Origin.seen.clear()
    monkeypatch.setenv("REDIR_TOKEN", TOKEN)


def _config(origin: int, services: dict[str, str]) -> str:
    lines = ["refresh_interval: 0.5", "services:"]
    for name, block in services.items():
        lines.append(f"  - name: {name}\n    {block}")
    return "\n".join(lines).replace("BASE", f"http://127.0.0.1:{origin}") + "\n"


def _run(text: str, seconds: float) -> FleetSnapshot:
    """The real poller (rounds and all) for `seconds`; the last snapshot."""
    cfg, _ = parse_config(text, "redirects.yaml")
    snaps: list[FleetSnapshot] = []
    sched = Scheduler(cfg, publish=snaps.append)

    async def run() -> None:
        task = asyncio.create_task(sched.run())
        await asyncio.sleep(seconds)
        sched.stop()
        await task

    asyncio.run(run())
    assert snaps
    return snaps[-1]


def _secrets_seen(seen: list[tuple[str, dict[str, str]]]) -> list[str]:
    return [f"{path}: {k}" for path, headers in seen for k, v in headers.items() if SECRET in v or TOKEN in v]


def test_a_redirect_to_another_origin_is_not_followed_and_no_secret_leaves(ports: tuple[int, int]) -> None:
    origin, other = ports
    auth = f"headers: {{X-Api-Key: {SECRET}}}, token_env: REDIR_TOKEN"
    text = _config(origin, {
        "health": f"health: {{url: 'BASE/away/health', {auth}}}",
        "metrics": f"metrics: {{url: 'BASE/away/metrics', {auth}}}",
        "both": f"health: {{url: 'BASE/health', {auth}}}\n    metrics: {{url: 'BASE/away/metrics', {auth}}}",
        "proxy": "litellm: {url: 'BASE/away', key_env: REDIR_TOKEN}",
        "prom": "prometheus: {url: 'BASE/away', token_env: REDIR_TOKEN}",
    })  # fmt: skip
    snap = _run(text, 2.2)  # four rounds: the first polls connect, the later ones go through probes.http.rounds
    assert Other.seen == [], _secrets_seen(Other.seen) or Other.seen
    assert any(SECRET in h.get("X-Api-Key", "") for _, h in Origin.seen)  # the origin itself gets its headers
    got = {v.name: (v.status, v.reason) for v in snap.services}
    target = f"redirect to another origin: http://localhost:{other}/"
    assert got["health"][0] is Status.UNKNOWN and f"health: {target}health not followed" in got["health"][1]
    assert got["metrics"][0] is Status.UNKNOWN and f"{target}metrics not followed" in got["metrics"][1]
    assert got["both"][0] is Status.WARN and f"metrics: {target}metrics not followed" in got["both"][1]
    assert got["proxy"][0] is Status.UNKNOWN and target in got["proxy"][1], got["proxy"]
    assert got["prom"][0] is Status.UNKNOWN and target in got["prom"][1], got["prom"]


def test_the_shown_target_carries_no_userinfo_or_query(ports: tuple[int, int]) -> None:
    origin, other = ports
    text = _config(origin, {"svc": f"health: {{url: 'BASE/userinfo', headers: {{X-Api-Key: {SECRET}}}}}"})
    snap = _run(text, 1.2)
    reason = snap.services[0].reason
    assert f"redirect to another origin: http://localhost:{other}/x?… not followed" in reason, reason
    assert "hunter2" not in reason and "admin" not in reason and "token" not in reason
    assert Other.seen == []


def test_another_scheme_on_the_same_host_is_another_origin(ports: tuple[int, int]) -> None:
    origin, _ = ports
    snap = _run(_config(origin, {"svc": f"health: {{url: 'BASE/https', headers: {{X-Api-Key: {SECRET}}}}}"}), 1.2)
    assert snap.services[0].status is Status.UNKNOWN
    assert f"redirect to another origin: https://127.0.0.1:{origin}/health not followed" in snap.services[0].reason


def test_same_origin_redirects_are_followed_with_the_headers(ports: tuple[int, int]) -> None:
    origin, _ = ports
    auth = f"headers: {{X-Api-Key: {SECRET}}}"
    text = _config(origin, {
        "svc": f"health: {{url: 'BASE/hop', {auth}}}\n    metrics: {{url: 'BASE/metrics', {auth}}}",
        "loop": "health: {url: 'BASE/loop'}",
    })  # fmt: skip
    snap = _run(text, 2.2)
    got = {v.name: v for v in snap.services}
    assert got["svc"].status is Status.OK, got["svc"].reason
    assert got["svc"].requests_per_s == 0.0  # two scrapes of /metrics/ were read
    followed = [h for path, h in Origin.seen if path == "/metrics/"]
    assert len(followed) >= 3 and all(h.get("X-Api-Key") == SECRET for h in followed)
    assert len([p for p, _ in Origin.seen if p == "/health"]) >= 3
    assert got["loop"].status is Status.UNKNOWN and "redirect loop (more than 5 redirects)" in got["loop"].reason


async def test_fetch_follows_within_the_origin_on_the_fast_client(ports: tuple[int, int]) -> None:
    origin, other = ports
    async with make_client(4) as client:
        for _ in range(3):
            got = await fetch(client, f"http://127.0.0.1:{origin}/metrics", {"X-Api-Key": SECRET}, 2.0, 10_000)
            assert got == (200, METRICS, "text/plain; version=0.0.4")
        assert client.fast.connections_opened == 1  # both hops on one keep-alive connection, every time
        with pytest.raises(FetchError) as info:
            await fetch(client, f"http://127.0.0.1:{origin}/away/x", {"X-Api-Key": SECRET}, 2.0, 10_000)
    assert info.value.error.message == f"redirect to another origin: http://localhost:{other}/x not followed"
    assert Other.seen == []


async def test_control_calls_follow_no_redirect_not_even_within_the_origin(ports: tuple[int, int]) -> None:
    origin, other = ports
    cfg = ControlConfig(base_url=f"http://127.0.0.1:{origin}", token_env="REDIR_TOKEN",
                        drain=ControlEndpoint("/away/drain"), restart=ControlEndpoint("/hop"))  # fmt: skip
    ex = HttpExecutor(cfg, 2.0, environ={"REDIR_TOKEN": TOKEN})
    drained = await ex.run(ActionRequest("svc", "drain"))
    assert (drained.ok, drained.error_kind) == (False, "http")
    assert drained.detail == (
        f"HTTP 302: redirect to http://localhost:{other}/drain not followed (control calls follow no redirect)"
    )
    restarted = await ex.run(ActionRequest("svc", "restart"))
    assert not restarted.ok and restarted.detail.startswith(f"HTTP 302: redirect to http://127.0.0.1:{origin}/health")
    assert [p for p, _ in Origin.seen] == ["/away/drain", "/hop"]  # /health, the same origin, was not asked either
    assert Other.seen == []


async def test_the_proxy_check_follows_no_redirect_whatever_its_body_says(ports: tuple[int, int]) -> None:
    origin, other = ports
    cfg = LiteLLMConfig(url=f"http://127.0.0.1:{origin}/json", key_env="REDIR_TOKEN")
    outcome = await LiteLLMHealthExecutor(cfg, 2.0, environ={"REDIR_TOKEN": TOKEN}).run(
        ActionRequest("p", "check_models")
    )
    assert (outcome.ok, outcome.error_kind) == (False, "http")
    assert outcome.detail == (
        f"HTTP 302: redirect to http://localhost:{other}/health not followed (control calls follow no redirect)"
    )
    assert Other.seen == []
