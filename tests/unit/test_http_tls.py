"""https polls against a real local TLS server with a certificate made for the test (openssl): the fast client
carries them on one kept connection, verifies the certificate as any client would (the system's CA store, so
SSL_CERT_FILE trusts the test's certificate), and a certificate nobody trusts is a TLS reason on the row."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import pytest

from agentops_tui.actions.executors import HttpExecutor
from agentops_tui.actions.model import ActionRequest
from probes.config import ControlConfig, ControlEndpoint, HealthConfig
from probes.config.load import parse_config
from probes.http import tls as http_tls
from probes.http.client import fetch, make_client
from probes.model import Status
from probes.runtime.scheduler import Scheduler
from probes.sources.health.probe import HealthProbe
from tests.unit.test_rounds import Poller

JSON = b'{"status": "healthy"}'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: set[tuple[str, int]] = set()

    def log_message(self, *args: object) -> None:
        return None

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.do_GET()

    def do_GET(self) -> None:
        Handler.peers.add(self.client_address)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(JSON)))
        self.end_headers()
        self.wfile.write(JSON)


class TLSServer(ThreadingHTTPServer):
    """Each connection's handshake in its own handler thread; a client that refuses the certificate is no error."""

    daemon_threads = True
    context: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self.context.wrap_socket(request, server_side=True) as tls:
            super().finish_request(tls, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for IP 127.0.0.1 (and no host name) and its key."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    where = tmp_path_factory.mktemp("tls")
    crt, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(crt), "-days", "2", "-subj", "/CN=agentops-tui test",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return crt, key


@pytest.fixture(scope="module")
def https_port(cert: tuple[Path, Path]) -> Iterator[int]:
    srv = TLSServer(("127.0.0.1", 0), Handler)
    srv.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    srv.context.load_cert_chain(*cert)
    Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def trusted(cert: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's certificate in the CA store the default context reads (made afresh for the test)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    monkeypatch.setattr(http_tls, "_context", None)


@pytest.fixture
def untrusted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.setattr(http_tls, "_context", None)


def poll(url: str) -> tuple[Status, str]:
    cfg, _ = parse_config(
        f"refresh_interval: 3\nservices:\n  - name: svc\n    health: {{url: '{url}', timeout: 2}}\n", "tls.yaml", {}
    )
    view = asyncio.run(Scheduler(cfg).poll_once()).services[0]
    return view.status, view.reason


@pytest.mark.usefixtures("trusted")
async def test_https_polls_take_the_fast_path_on_one_kept_connection(https_port: int) -> None:
    Handler.peers.clear()
    async with make_client(4) as client:
        poller = Poller(client)
        url = f"https://127.0.0.1:{https_port}/health"
        probe = HealthProbe("svc", HealthConfig(url=url), client, 2.0, 0.5, 10_000)
        for _ in range(3):
            await poller.round.run([probe])
            assert poller.last(probe).status == "healthy"
        assert poller.ordinary == 1  # the first connect; then each round sends on the kept connection
        assert client.fast.connections_opened == 1
        assert client._general is None  # httpx was never needed
    assert len(Handler.peers) == 1


@pytest.mark.usefixtures("untrusted")
def test_a_certificate_nobody_trusts_is_a_tls_reason_on_the_row(https_port: int) -> None:
    status, reason = poll(f"https://127.0.0.1:{https_port}/health")
    assert status is Status.UNKNOWN
    assert f"TLS error: Cannot connect to host 127.0.0.1:{https_port} ssl:default" in reason
    assert "certificate verify failed: self-signed certificate" in reason


@pytest.mark.usefixtures("trusted")
def test_a_trusted_certificate_for_another_name_is_refused(https_port: int) -> None:
    assert poll(f"https://127.0.0.1:{https_port}/health") == (Status.OK, "healthy")
    try:
        socket.getaddrinfo("localhost", https_port)
    except OSError:
        pytest.skip("localhost does not resolve here")
    status, reason = poll(f"https://localhost:{https_port}/health")
    assert status is Status.UNKNOWN
    assert "certificate verify failed: Hostname mismatch" in reason


async def test_httpx_verifies_with_the_same_context(https_port: int, cert: tuple[Path, Path]) -> None:
    """A URL the fast client leaves to httpx (one to quote) is verified as the fast client verifies."""
    url = f"https://127.0.0.1:{https_port}/health?q=\u00e9"
    async with make_client(4, tls=ssl.create_default_context(cafile=str(cert[0]))) as client:
        assert await fetch(client, url, {}, 2.0, 1000) == (200, JSON, "application/json")
        assert client._general is not None and client.fast.connections_opened == 0
    async with make_client(4, tls=ssl.create_default_context()) as client:
        with pytest.raises(Exception) as info:
            await fetch(client, url, {}, 2.0, 1000)
    error = info.value.error  # type: ignore[attr-defined]
    assert (error.kind, error.message) == ("tls", "TLS error: certificate verify failed: self-signed certificate")


@pytest.mark.usefixtures("trusted")
async def test_a_control_call_verifies_as_the_poller_does(https_port: int) -> None:
    """One CA store for polls and actions: a certificate the poller trusts, a drain call trusts too."""
    control = ControlConfig(base_url=f"https://127.0.0.1:{https_port}", drain=ControlEndpoint("/admin/drain"))
    outcome = await HttpExecutor(control, 2.0).run(ActionRequest("svc", "drain"))
    assert (outcome.ok, outcome.detail) == (True, JSON.decode())
