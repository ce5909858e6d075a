"""One keep-alive HTTP/1.1 connection as an asyncio Protocol: sends a prepared GET, parses the answer as it arrives.

Parsing happens in data_received on one bytearray: the status line and headers (at most 64 KiB), then a
Content-Length, chunked or close-delimited body, never more than the cap. What is not HTTP/1.x becomes a garbage
FetchError; what this parser leaves to aiohttp (content codings) becomes Fallback, and a redirect, read to its end
so the connection serves again, becomes Redirect for the caller to judge (probes.http.redirects).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from probes.model import ProbeError

MAX_HEAD = 65536  # the status line and headers of one response
_HEX = frozenset(b"0123456789abcdefABCDEF")
REDIRECTS = frozenset((301, 302, 303, 307, 308))
_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILERS, _CLOSE, _DONE = range(7)


class FetchError(Exception):
    """A poll that produced no usable response; carries the classified ProbeError."""

    def __init__(self, error: ProbeError) -> None:
        super().__init__(error.message)
        self.error = error


class Fallback(Exception):
    """The response needs what this client does not do (a content coding, a framing): ask aiohttp."""


class Redirect(Exception):
    """A redirect answer (read whole, its connection reusable): the caller decides whether to follow it."""

    def __init__(self, status: int, location: str) -> None:
        super().__init__(f"HTTP {status} to {location}")
        self.status = status
        self.location = location


class Stale(Exception):
    """A reused connection closed before any byte of the answer: the server's keep-alive timeout, not a failure."""


def garbage(reason: str) -> FetchError:
    return FetchError(ProbeError("garbage", f"bad HTTP response: {reason}"))


@dataclass
class HostPool:
    """Idle connections to one (host, port) and the requests in flight to it."""

    host: str
    port: int
    idle: list[Conn] = field(default_factory=list)
    conns: set[Conn] = field(default_factory=set)
    busy: int = 0
    waiters: list[asyncio.Future[None]] = field(default_factory=list)


class Conn(asyncio.Protocol):
    """One connection; parses one response at a time into `waiter` as (status, body, content type)."""

    def __init__(self, pool: HostPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes, str]] | None = None
        self.closed = False
        self.served = 0
        self.state = _DONE
        self.pos = 0
        self.max_bytes = 0
        self.status = 0
        self.ctype = ""
        self.location: str | None = None
        self.keep_alive = False
        self.length = 0
        self.body = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.pool.conns.add(self)

    def usable(self) -> bool:
        return not self.closed and not self.buf and self.transport is not None and not self.transport.is_closing()

    def start(self, data: bytes, max_bytes: int) -> asyncio.Future[tuple[int, bytes, str]]:
        """Send one request; the returned future gets the response or a FetchError/Stale/Fallback."""
        assert self.transport is not None
        self.waiter = waiter = asyncio.get_running_loop().create_future()
        self.state = _HEAD
        self.pos = 0
        self.max_bytes = max_bytes
        if self.closed or self.transport.is_closing():  # lost between connect and now
            waiter.set_exception(Stale() if self.served else garbage("server disconnected"))
        else:
            self.transport.write(data)
        return waiter

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()  # never a half-read connection back in use, and no lingering close

    def data_received(self, data: bytes) -> None:
        if self.state == _DONE:  # bytes nobody asked for: this connection can no longer be trusted
            self.buf += data
            self.close()
            return
        self.buf += data
        try:
            self._parse()
        except (FetchError, Fallback) as exc:
            self._fail(exc)

    def eof_received(self) -> bool:
        return False  # close; connection_lost ends a close-delimited body or reports the loss

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.pool.conns.discard(self)
        with contextlib.suppress(ValueError):
            self.pool.idle.remove(self)
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.state == _CLOSE and exc is None:
            self._finish(bytes(self.buf[self.pos :]), reuse=False)
        elif self.state == _HEAD and not self.buf:
            waiter.set_exception(Stale() if self.served else garbage("server disconnected"))
        else:
            waiter.set_exception(garbage("connection closed mid-body" if self.state != _HEAD else "truncated head"))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.state = _DONE
        self.close()

    def _finish(self, body: bytes, reuse: bool) -> None:
        self.state = _DONE
        self.served += 1
        reuse = reuse and self.keep_alive and self.pos == len(self.buf)  # leftover bytes: a confused server
        self.buf.clear()
        self.keep_alive = reuse
        if self.waiter is not None and not self.waiter.done():
            if self.location is not None:
                self.waiter.set_exception(Redirect(self.status, self.location))
            else:
                self.waiter.set_result((self.status, body, self.ctype))
        if not reuse:
            self.close()

    def _parse(self) -> None:
        buf = self.buf
        while self.state == _HEAD:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD:
                    raise garbage("header block too big")
                start = bytes(buf[:5])
                if start != b"HTTP/"[: len(start)]:
                    raise garbage("not HTTP")
                return
            if end > MAX_HEAD:
                raise garbage("header block too big")
            self._head(bytes(buf[:end]))
            self.pos = end + 4
            if self.state == _HEAD:  # an interim 1xx answer: the real one follows
                del buf[: self.pos]
                self.pos = 0
        if self.state == _LENGTH:
            if len(buf) - self.pos >= self.length:
                end = self.pos + self.length
                body = bytes(buf[self.pos : end])
                self.pos = end
                self._finish(body, reuse=True)
        elif self.state == _CLOSE:
            if len(buf) - self.pos > self.max_bytes:
                raise FetchError(ProbeError("too_large", f"response exceeds the cap of {self.max_bytes} bytes"))
        elif self.state != _DONE:
            self._chunks()

    def _head(self, head: bytes) -> None:
        """Status line and headers; sets the body mode. Raises on what is not HTTP/1.x."""
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        version = parts[0]
        if len(parts) < 2 or version not in (b"HTTP/1.1", b"HTTP/1.0") or len(parts[1]) != 3 or not parts[1].isdigit():
            raise garbage("bad status line")
        status = int(parts[1])
        length: int | None = None
        chunked = False
        tokens = b""
        ctype = ""
        location: bytes | None = None
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name[-1:] in (b" ", b"\t"):
                raise garbage("bad header line")
            name = name.lower()
            if name == b"content-length":
                value = value.strip()
                if not value.isdigit() or (length is not None and int(value) != length):
                    raise garbage("bad Content-Length")
                length = int(value)
            elif name == b"content-type":
                ctype = value.strip().decode("latin-1")
            elif name == b"transfer-encoding":
                codings = [c.strip() for c in value.lower().split(b",") if c.strip()]
                if codings != [b"chunked"]:
                    raise Fallback()
                chunked = True
            elif name == b"connection":
                tokens += b"," + value.lower()
            elif name == b"content-encoding":
                if value.strip().lower() not in (b"", b"identity"):
                    raise Fallback()
            elif name == b"location":
                location = value.strip()
        if 100 <= status < 200:
            if status == 101:
                raise garbage("unexpected 101 Switching Protocols")
            return  # stay in _HEAD
        conn_tokens = {t.strip() for t in tokens.split(b",")}
        self.keep_alive = b"close" not in conn_tokens and (version == b"HTTP/1.1" or b"keep-alive" in conn_tokens)
        self.status = status
        self.ctype = ctype
        self.location = location.decode("latin-1") if location and status in REDIRECTS else None
        if status in (204, 304):
            self.state, self.length = _LENGTH, 0
        elif chunked:
            self.state = _CHUNK_SIZE
            self.body = bytearray()
            self.keep_alive = self.keep_alive and length is None  # both framings: answer it, never reuse
        elif length is not None:
            if length > self.max_bytes:
                raise FetchError(ProbeError("too_large", f"response of {length} bytes exceeds the cap"))
            self.state, self.length = _LENGTH, length
        else:
            self.state = _CLOSE
            self.keep_alive = False

    def _chunks(self) -> None:
        """Decode what has arrived of a chunked body; the buffer keeps only what is not decoded yet."""
        buf = self.buf
        while True:
            if self.state == _CHUNK_SIZE:
                nl = buf.find(b"\r\n", self.pos)
                if nl < 0:
                    if len(buf) - self.pos > 4096:
                        raise garbage("bad chunk size")
                    break
                size_hex = bytes(buf[self.pos : nl]).split(b";", 1)[0].strip()
                if not size_hex or len(size_hex) > 16 or not _HEX.issuperset(size_hex):
                    raise garbage("bad chunk size")
                size = int(size_hex, 16)
                self.pos = nl + 2
                if size == 0:
                    self.state = _TRAILERS
                    continue
                if len(self.body) + size > self.max_bytes:
                    raise FetchError(ProbeError("too_large", f"response exceeds the cap of {self.max_bytes} bytes"))
                self.length = size
                self.state = _CHUNK_DATA
            elif self.state == _CHUNK_DATA:
                end = self.pos + self.length
                if len(buf) < end + 2:
                    break
                if buf[end : end + 2] != b"\r\n":
                    raise garbage("bad chunk")
                self.body += buf[self.pos : end]
                self.pos = end + 2
                self.state = _CHUNK_SIZE
            else:  # trailers, ignored up to the empty line
                if buf[self.pos : self.pos + 2] == b"\r\n":
                    self.pos += 2
                else:
                    end = buf.find(b"\r\n\r\n", self.pos)
                    if end < 0:
                        if len(buf) - self.pos > MAX_HEAD:
                            raise garbage("trailers too big")
                        break
                    self.pos = end + 4
                self._finish(bytes(self.body), reuse=True)
                self.body = bytearray()
                return
        if self.pos:
            del buf[: self.pos]
            self.pos = 0
