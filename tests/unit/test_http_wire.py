"""The fast client's HTTP/1.1 parsing at its edges, against raw asyncio servers: what llhttp (httptools) rejects or
takes that a poll must judge itself (framing, answers nobody asked for, heads that never end, upgrades)."""

from __future__ import annotations

import asyncio

import pytest

from probes.http.fast import FastHTTP
from tests.functional.helpers import raw
from tests.unit.test_http_fast import answer, error_of


async def test_both_framings_are_answered_by_the_chunks_and_never_reused() -> None:
    script = answer(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n2\r\nok\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    )
    fast = FastHTTP()
    async with raw(script) as base:
        try:
            for _ in range(2):
                assert await fast.get(base + "/", {}, 2.0, 100) == (200, b"ok", "")
        finally:
            fast.close()
    assert fast.connections_opened == 2


async def test_a_second_answer_in_the_bytes_of_the_first_closes_the_connection() -> None:
    """A confused server (or one answering a request it imagined): the answer stands, the connection goes."""
    one = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
    fast = FastHTTP()
    async with raw(answer(one + one, one)) as base:
        try:
            for _ in range(2):
                assert await fast.get(base + "/", {}, 2.0, 100) == (200, b"ok", "")
        finally:
            fast.close()
    assert fast.connections_opened == 2


async def test_bytes_after_a_connection_close_answer_leave_the_answer_standing() -> None:
    fast = FastHTTP()
    async with raw(answer(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nokGARBAGE")) as base:
        try:
            assert await fast.get(base + "/", {}, 2.0, 100) == (200, b"ok", "")
        finally:
            fast.close()


@pytest.mark.parametrize(
    "head",
    [b"Content-Encoding: gzip\r\nContent-Length: 2", b"Transfer-Encoding: gzip, chunked", b"Transfer-Encoding: br"],
    ids=["content-coding", "coded-chunks", "coded-close"],
)
async def test_a_coding_this_client_does_not_do_is_left_to_the_fallback(head: bytes) -> None:
    fast = FastHTTP()
    async with raw(answer(b"HTTP/1.1 200 OK\r\n" + head + b"\r\n\r\nok")) as base:
        try:
            assert await fast.get(base + "/", {}, 2.0, 100) is None
            assert await fast.get(base + "/", {}, 2.0, 100) is None  # and that URL is not tried again
        finally:
            fast.close()
    assert fast.connections_opened == 1


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
         "unexpected 101 Switching Protocols"),
        (b"RTSP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", "not HTTP"),
        (b"HTTP/3.0 200 OK\r\nContent-Length: 0\r\n\r\n", "bad status line"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", "bad Content-Length"),
        (b"HTTP/1.1 200 OK\r\nX-Ctl: a\x01b\r\n\r\n", "bad header line"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", "bad chunk"),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 20 + b"\r\n", "bad chunk size"),
        (b"HTTP/1.1 200 OK\r\n" + b"X-Many: a\r\n" * 7000 + b"\r\n", "header block too big"),
    ],
    ids=["upgrade", "rtsp", "http3", "two-lengths", "length-overflow", "control-char", "chunk-crlf", "chunk-overflow",
         "many-headers"],
)  # fmt: skip
async def test_what_llhttp_rejects_or_a_poll_refuses_is_named(response: bytes, reason: str) -> None:
    fast = FastHTTP()
    async with raw(answer(response)) as base:
        assert await error_of(fast, base + "/", max_bytes=100_000) == ("garbage", f"bad HTTP response: {reason}")


async def test_a_head_dripped_byte_by_byte_is_read() -> None:
    response = b"HTTP/1.1 200 OK\r\nContent-Type: a/b\r\nContent-Length: 2\r\n\r\nok"

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        for i in range(len(response)):
            writer.write(response[i : i + 1])
            await writer.drain()
            await asyncio.sleep(0.001)

    fast = FastHTTP()
    async with raw(script) as base:
        try:
            assert await fast.get(base + "/", {}, 5.0, 100) == (200, b"ok", "a/b")
        finally:
            fast.close()


@pytest.mark.parametrize(
    "tail",
    [b"5;" + b"e" * 400_000, b"0\r\nX-Trailer: " + b"t" * 400_000],
    ids=["chunk-extension", "trailer"],
)
async def test_a_chunk_line_or_trailer_that_never_ends_is_cut(tail: bytes) -> None:
    """Cut at 64 KiB counted from the read after the last thing parsed (a read is at most 256 KiB)."""

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n")
        for i in range(0, len(tail), 4096):
            writer.write(tail[i : i + 4096])
            await writer.drain()
        await asyncio.sleep(5)

    fast = FastHTTP()
    async with raw(script) as base:
        kind, message = await error_of(fast, base + "/", timeout=3.0, max_bytes=100_000)
    assert kind == "garbage" and message.startswith("bad HTTP response: ")
