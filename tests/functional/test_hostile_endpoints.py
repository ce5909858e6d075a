"""Endpoints that misbehave in every way we know: the right status and reason, within the timeout, bounded memory."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import psutil
import pytest

from probes.config.load import parse_config
from probes.model import Status
from probes.runtime.scheduler import Scheduler
from tests.functional.helpers import free_port, serve_handler, silent_server

EVIL = "\x1b]52;c;cHduZWQ=\x07\x1b]0;pwned\x07[@click=app.quit]x[/] \x1b[2J\x9b31m\r" + "L" * 5000


class Hostile(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return None

    def _send(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        if path == "/drip":  # headers at once, then one byte a second
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            for _ in range(100):
                try:
                    self.wfile.write(b"{")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(1)
        elif path == "/huge":  # 100 MB, chunked, no length announced
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"x" * 65536
            try:
                for _ in range(1600):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                return
        elif path == "/huge-declared":
            self.send_response(200)
            self.send_header("Content-Length", str(100 * 1024 * 1024))
            self.end_headers()
        elif path == "/badjson":
            self._send(200, b"{not json")
        elif path == "/shape":
            self._send(200, b'["healthy"]')
        elif path == "/html500":
            self._send(500, b"<html><body><h1>Internal Server Error</h1></body></html>", "text/html")
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/evil":
            body = {"status": "degraded", "checks": {EVIL: False, "msg": EVIL}, "breakers": {EVIL: "open"},
                    "active_tasks": 1, EVIL: EVIL}  # fmt: skip
            self._send(200, json.dumps(body).encode())
        else:
            self._send(200, b'{"status": "healthy"}')


@pytest.fixture(scope="module")
def hostile_port() -> Iterator[int]:
    with serve_handler(Hostile) as port:
        yield port


def fleet(urls: dict[str, str], timeout: float = 1.0) -> Scheduler:
    lines = ["refresh_interval: 3", "services:"]
    for name, url in urls.items():
        lines.append(f"  - name: {name}\n    health: {{url: '{url}', timeout: {timeout}}}")
    cfg, _ = parse_config("\n".join(lines) + "\n", "hostile.yaml", {})
    return Scheduler(cfg)


def test_every_misbehaving_endpoint_gets_the_right_status_within_its_timeout(hostile_port: int) -> None:
    base = f"http://127.0.0.1:{hostile_port}"
    with silent_server() as hung:
        sched = fleet({
            "refused": f"http://127.0.0.1:{free_port()}/health",
            "dns": "http://no-such-host.invalid/health",
            "tls": f"https://127.0.0.1:{hostile_port}/health",
            "hung": f"http://127.0.0.1:{hung}/health",
            "drip": f"{base}/drip",
            "huge": f"{base}/huge",
            "declared": f"{base}/huge-declared",
            "badjson": f"{base}/badjson",
            "shape": f"{base}/shape",
            "html500": f"{base}/html500",
            "loop": f"{base}/loop",
            "fine": f"{base}/health",
        })  # fmt: skip
        rss0 = psutil.Process().memory_info().rss
        t0 = time.monotonic()
        snap = asyncio.run(sched.poll_once())
        elapsed = time.monotonic() - t0
        grown_mb = (psutil.Process().memory_info().rss - rss0) / 2**20
    got = {v.name: (v.status, v.reason) for v in snap.services}
    expect = {
        "refused": (Status.CRIT, "connection refused"),
        "dns": (Status.UNKNOWN, ""),
        "tls": (Status.UNKNOWN, "TLS"),
        "hung": (Status.UNKNOWN, "no answer within 1s"),
        "drip": (Status.UNKNOWN, "no answer within 1s"),
        "huge": (Status.UNKNOWN, "exceeds the cap"),
        "declared": (Status.UNKNOWN, "exceeds the cap"),
        "badjson": (Status.UNKNOWN, "invalid JSON"),
        "shape": (Status.UNKNOWN, "not an object"),
        "html500": (Status.CRIT, "HTTP 500"),
        "loop": (Status.UNKNOWN, "redirect loop"),
        "fine": (Status.OK, "healthy"),
    }
    for name, (status, words) in expect.items():
        assert got[name][0] is status, (name, got[name])
        assert words in got[name][1], (name, got[name])
    assert elapsed < 3.0  # all in parallel, each cut at its 1 s timeout
    assert grown_mb < 20  # the 100 MB bodies were never held


def test_hostile_text_is_cleaned_where_it_enters(hostile_port: int) -> None:
    snap = asyncio.run(fleet({"evil": f"http://127.0.0.1:{hostile_port}/evil"}).poll_once())
    v = snap.services[0]
    assert v.status is Status.WARN
    blob = json.dumps([v.reason, v.checks, v.breakers, v.extra], ensure_ascii=False)
    for bad in ("\x1b", "\x9b", "\x07", "\r", "pwned", "52;c;"):
        assert bad not in blob
    assert "[@click=app.quit]x[/]" in blob  # kept as text; the screen builds Text, never markup
    assert all(len(str(value)) <= 512 for _, value in v.checks)
