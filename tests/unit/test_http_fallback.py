"""What the fast client leaves to httpx (probes.http.client): the same caps, timeout, redirect policy and error words,
against raw local servers. A URL with characters to quote, or an answer with a content coding, is what takes this
path."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest

from probes.http.client import fetch, make_client
from probes.http.fast import FetchError
from tests.functional.helpers import raw, silent_server
from tests.unit.test_http_fast import answer

JSON = b'{"status": "healthy"}'
ODD = "/health?q=\u00e9"  # not ASCII: httpx quotes it, the fast client leaves it to httpx


def coded(body: bytes, coding: bytes, chunked: bool = False) -> bytes:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: " + coding + b"\r\n"
    if chunked:
        return head + b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    return head + b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


async def failure(url: str, timeout: float = 2.0, max_bytes: int = 1000) -> tuple[str, str]:
    async with make_client(4) as client:
        with pytest.raises(FetchError) as info:
            await fetch(client, url, {}, timeout, max_bytes)
    return info.value.error.kind, info.value.error.message


@pytest.mark.parametrize("coding", [b"gzip", b"deflate"])
async def test_a_compressed_answer_sent_anyway_is_inflated(coding: bytes) -> None:
    body = gzip.compress(JSON) if coding == b"gzip" else zlib.compress(JSON)
    seen: list[bytes] = []

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            seen.append(await reader.readuntil(b"\r\n\r\n"))
            writer.write(coded(body, coding))
            await writer.drain()

    async with raw(script) as base, make_client(4) as client:
        for _ in range(2):
            assert await fetch(client, base + "/health", {}, 2.0, 1000) == (200, JSON, "application/json")
        assert client._general is not None
    assert len(seen) == 3  # the fast client's one answer, then httpx for the URL from then on
    assert all(b"accept-encoding: identity" in request.lower() for request in seen[1:])


@pytest.mark.parametrize("chunked", [False, True], ids=["length", "chunked"])
async def test_a_gzip_bomb_stops_at_the_cap(chunked: bool) -> None:
    bomb = gzip.compress(b"\0" * (50 << 20))  # 50 MiB of zeros in about 50 KB
    async with raw(answer(coded(bomb, b"gzip", chunked), coded(bomb, b"gzip", chunked))) as base:
        assert await failure(base + "/", max_bytes=100_000) == (
            "too_large", "response exceeds the cap of 100000 bytes")  # fmt: skip


async def test_a_coding_we_cannot_inflate_is_named() -> None:
    async with raw(answer(coded(b"xx", b"br"), coded(b"xx", b"br"))) as base:
        assert await failure(base + "/") == ("garbage", "bad HTTP response: unsupported Content-Encoding br")


async def test_caps_redirects_and_errors_through_httpx() -> None:
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000
    stream = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + b"x" * 5000
    hop = b"HTTP/1.1 302 Found\r\nLocation: /next?a b\r\nContent-Length: 0\r\n\r\n"  # httpx's, too
    ok = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 21\r\n\r\n" + JSON
    elsewhere = b"HTTP/1.1 302 Found\r\nLocation: http://other.invalid/x\r\nContent-Length: 0\r\n\r\n"
    async with raw(answer(big)) as base:
        assert await failure(base + ODD) == (
            "too_large", "response of 5000 bytes exceeds the cap")  # fmt: skip
    async with raw(answer(stream)) as base:
        assert await failure(base + ODD) == (
            "too_large", "response exceeds the cap of 1000 bytes")  # fmt: skip
    async with raw(answer(hop, ok)) as base, make_client(4) as client:
        url = base + ODD
        assert await fetch(client, url, {}, 2.0, 1000) == (200, JSON, "application/json")
    async with raw(answer(elsewhere)) as base:
        kind, message = await failure(base + ODD)
        assert (kind, message) == ("error", "redirect to another origin: http://other.invalid/x not followed")


async def test_timeout_refused_and_dns_through_httpx() -> None:
    with silent_server() as port:
        assert await failure(f"http://127.0.0.1:{port}{ODD}", timeout=0.5) == ("timeout", "no answer within 0.5s")
    async with raw(answer()) as base:
        pass  # nothing listens there now
    assert await failure(base + ODD) == ("refused", "connection refused")
    kind, message = await failure("http://no-such-host.invalid" + ODD)
    assert kind == "dns" and message.startswith("DNS lookup failed: ")
