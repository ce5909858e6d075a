"""The fast keep-alive client against real local servers: a ThreadingHTTPServer for well-behaved HTTP/1.1 and raw
asyncio servers for the malformed cases."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from probes.http.client import fetch, make_client
from probes.http.fast import FastHTTP, FetchError, Redirect
from tests.functional.helpers import Script, raw, serve_handler

JSON = b'{"status": "healthy"}'


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: set[tuple[str, int]] = set()
    seen_headers: list[dict[str, str]] = []

    def log_message(self, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        Handler.peers.add(self.client_address)
        Handler.seen_headers.append(dict(self.headers))
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"hello ", b"chunked ", b"world"):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Trailer: ignored\r\n\r\n")
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/health")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(0.3)
            self._ok(JSON)
        else:
            self._ok(JSON)

    def _ok(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def http_port() -> Iterator[int]:
    with serve_handler(Handler) as port:
        yield port


def answer(*responses: bytes) -> Script:
    """A script sending one canned response per request read, then closing."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for response in responses:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(response)
            await writer.drain()

    return script


async def error_of(fast: FastHTTP, url: str, timeout: float = 2.0, max_bytes: int = 1000) -> tuple[str, str]:
    with pytest.raises(FetchError) as info:
        await fast.get(url, {}, timeout, max_bytes)
    return info.value.error.kind, info.value.error.message


async def test_keep_alive_reuses_one_connection(http_port: int) -> None:
    Handler.peers.clear()
    fast = FastHTTP()
    try:
        for _ in range(20):
            assert await fast.get(f"http://127.0.0.1:{http_port}/health", {}, 2.0, 1000) == (
                200, JSON, "application/json")  # fmt: skip
    finally:
        fast.close()
    assert fast.connections_opened == 1
    assert len(Handler.peers) == 1


async def test_request_carries_our_headers_and_the_callers(http_port: int) -> None:
    Handler.seen_headers.clear()
    fast = FastHTTP()
    try:
        await fast.get(f"http://127.0.0.1:{http_port}/health?x=1", {"Authorization": "Bearer t"}, 2.0, 1000)
    finally:
        fast.close()
    seen = Handler.seen_headers[-1]
    assert seen["Authorization"] == "Bearer t"
    assert seen["User-Agent"] == "agentops-tui"
    assert seen["Host"] == f"127.0.0.1:{http_port}"
    assert "Accept-Encoding" not in seen


async def test_credentials_in_the_url_go_as_basic_auth_on_the_fast_path(http_port: int) -> None:
    Handler.seen_headers.clear()
    fast = FastHTTP()
    try:
        url = f"http://us%40er:p%3Aw@127.0.0.1:{http_port}/health"
        assert await fast.get(url, {"X-Api-Key": "k"}, 2.0, 1000) == (200, JSON, "application/json")
        assert await fast.get(url, {"Authorization": "Bearer t"}, 2.0, 1000) is None  # two: httpx says which
    finally:
        fast.close()
    seen = Handler.seen_headers[-1]
    assert seen["Authorization"] == "Basic " + base64.b64encode(b"us@er:p:w").decode()
    assert seen["Host"] == f"127.0.0.1:{http_port}"  # no user or password in it
    assert seen["X-Api-Key"] == "k"


async def test_chunked_body_is_decoded_and_trailers_ignored(http_port: int) -> None:
    fast = FastHTTP()
    try:
        for _ in range(3):  # and the connection stays usable after the trailers
            assert await fast.get(f"http://127.0.0.1:{http_port}/chunked", {}, 2.0, 1000) == (
                200, b"hello chunked world", "text/plain")  # fmt: skip
    finally:
        fast.close()
    assert fast.connections_opened == 1


async def test_close_delimited_body_and_http10_are_not_reused() -> None:
    body = b"x" * 5000
    script = answer(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body)
    fast = FastHTTP()
    async with raw(script) as base:
        try:
            for _ in range(2):
                assert await fast.get(base + "/", {}, 2.0, 10000) == (200, body, "text/plain")
        finally:
            fast.close()
    assert fast.connections_opened == 2


async def test_interim_1xx_and_204_and_case_insensitive_headers() -> None:
    script = answer(
        b"HTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\ncontent-LENGTH: 2\r\nCONTENT-type: a/b\r\n\r\nok",
        b"HTTP/1.1 204 No Content\r\n\r\n",
    )
    fast = FastHTTP()
    async with raw(script) as base:
        try:
            assert await fast.get(base + "/", {}, 2.0, 100) == (200, b"ok", "a/b")
            assert await fast.get(base + "/", {}, 2.0, 100) == (204, b"", "")
        finally:
            fast.close()
    assert fast.connections_opened == 1


async def test_declared_length_over_the_cap_fails_at_once() -> None:
    script = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 104857600\r\n\r\n" + b"x" * 10)
    fast = FastHTTP()
    async with raw(script) as base:
        assert await error_of(fast, base + "/") == ("too_large", "response of 104857600 bytes exceeds the cap")
        await asyncio.sleep(0)
    assert not fast._hosts[("127.0.0.1", int(base.rsplit(":", 1)[1]), False)].conns  # closed, not pooled


@pytest.mark.parametrize(
    "head",
    [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n"],
    ids=["chunked", "close-delimited"],
)
async def test_body_growing_past_the_cap_without_a_length(head: bytes) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(head)
        for _ in range(200):
            writer.write(b"400\r\n" + b"x" * 1024 + b"\r\n" if b"chunked" in head else b"x" * 1024)
            await writer.drain()

    fast = FastHTTP()
    async with raw(script) as base:
        assert await error_of(fast, base + "/", max_bytes=50_000) == (
            "too_large", "response exceeds the cap of 50000 bytes")  # fmt: skip


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (b"SSH-2.0-OpenSSH_9.6\r\n", "not HTTP"),
        (b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", "bad status line"),
        (b"HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n", "bad status line"),
        (b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "bad header line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", "connection closed mid-body"),
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70000, "header block too big"),
        (b"", "server disconnected"),
    ],
    ids=["ssh", "status", "http2", "header", "length", "chunk", "mid-body", "head-too-big", "nothing"],
)
async def test_garbage_is_named(response: bytes, reason: str) -> None:
    fast = FastHTTP()
    async with raw(answer(response)) as base:
        assert await error_of(fast, base + "/", max_bytes=100_000) == ("garbage", f"bad HTTP response: {reason}")


async def test_idle_connection_closed_by_the_server_is_retried_once() -> None:
    """The race a keep-alive timeout makes: the server closes just as the next request goes out."""
    connections = 0

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the second request on this connection: hang up without answering

    fast = FastHTTP()
    async with raw(script) as base:
        try:
            for _ in range(3):
                assert await fast.get(base + "/", {}, 2.0, 100) == (200, b"ok", "")
        finally:
            fast.close()
    assert connections == 3


async def test_idle_connection_the_server_closed_is_not_used() -> None:
    fast = FastHTTP()
    async with raw(answer(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) as base:
        try:
            assert await fast.get(base + "/", {}, 2.0, 100) == (200, b"ok", "")
            await asyncio.sleep(0.05)  # the server hangs up after one answer
            assert await fast.get(base + "/", {}, 2.0, 100) == (200, b"ok", "")
        finally:
            fast.close()


async def test_connection_refused_and_dns() -> None:
    async with raw(answer()) as base:
        pass  # now nothing listens on that port
    fast = FastHTTP()
    assert await error_of(fast, base + "/") == ("refused", "connection refused")
    kind, message = await error_of(fast, "http://no-such-host.invalid/health")
    assert kind == "dns" and message.startswith("DNS lookup failed: Cannot connect to host no-such-host.invalid:80")


async def test_a_drip_hits_the_timeout_and_the_connection_is_closed() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            writer.write(b"{")
            await writer.drain()
            await asyncio.sleep(0.1)

    fast = FastHTTP()
    async with raw(script) as base:
        t0 = time.monotonic()
        assert await error_of(fast, base + "/", timeout=0.5) == ("timeout", "no answer within 0.5s")
        assert time.monotonic() - t0 < 1.0
        await asyncio.sleep(0)
        assert not any(pool.conns or pool.idle for pool in fast._hosts.values())


async def test_cancellation_leaves_no_half_read_connection(http_port: int) -> None:
    fast = FastHTTP()
    url = f"http://127.0.0.1:{http_port}/slow"
    try:
        task = asyncio.create_task(fast.get(url, {}, 2.0, 1000))
        await asyncio.sleep(0.1)  # the request is out, the answer not yet in
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        pool = fast._hosts[("127.0.0.1", http_port, False)]
        assert not pool.idle and pool.busy == 0
        await asyncio.sleep(0.4)  # the late answer arrives on a closed connection, not into the pool
        assert not pool.idle
        assert await fast.get(url, {}, 2.0, 1000) == (200, JSON, "application/json")
        assert fast.connections_opened == 2
    finally:
        fast.close()


async def test_per_host_cap_queues_requests(http_port: int) -> None:
    fast = FastHTTP(per_host=2)
    url = f"http://127.0.0.1:{http_port}/slow"
    try:
        t0 = time.monotonic()
        results = await asyncio.gather(*(fast.get(url, {}, 5.0, 1000) for _ in range(4)))
        assert all(r == (200, JSON, "application/json") for r in results)
        assert time.monotonic() - t0 >= 0.55  # two rounds of 0.3 s
        assert fast.connections_opened == 2
    finally:
        fast.close()


async def test_a_redirect_is_raised_on_a_kept_connection_and_fetch_follows_it(http_port: int) -> None:
    url = f"http://127.0.0.1:{http_port}/redirect"
    async with make_client(4) as client:
        with pytest.raises(Redirect) as info:
            await client.fast.get(url, {}, 2.0, 1000)
        assert (info.value.status, info.value.location) == (302, "/health")
        assert client.fast.checkout(url, {}) is None  # a round leaves it to fetch, which follows it
        assert await fetch(client, url, {}, 2.0, 1000) == (200, JSON, "application/json")
        assert await fetch(client, url, {}, 2.0, 1000) == (200, JSON, "application/json")
        assert client.fast.connections_opened == 1  # every hop on the one keep-alive connection


async def test_fetch_uses_the_fast_client_for_what_it_can_carry(http_port: int) -> None:
    async with make_client(4) as client:
        assert await fetch(client, f"http://127.0.0.1:{http_port}/health", {}, 2.0, 1000) == (
            200, JSON, "application/json")  # fmt: skip
        assert client.fast.connections_opened == 1
        assert client.fast.checkout(f"https://127.0.0.1:{http_port}/x", {}) is None  # https: its own pool, none idle
        assert await client.fast.get("http://127.0.0.1/a b", {}, 1.0, 10) is None
