"""One keep-alive HTTP/1.1 connection as an asyncio Protocol: sends a prepared GET, parses the answer as it arrives.

The parsing is llhttp's (through httptools, the parser under uvicorn and aiohttp): 25-60% less CPU per answer than
the hand-written parser it replaced (benchmarks/http_parse.py), and strict where a poll should be (status line,
header tokens, Content-Length, chunk framing). This module keeps what a poll needs around it: the byte cap (declared
and streamed), at most 64 KiB of head, a close-delimited body ended by the close, a reply nobody asked for closing
the connection. What is not HTTP/1.x becomes a garbage FetchError; what this client leaves to httpx (content
codings, other transfer codings) becomes Fallback, and a redirect, read to its end so the connection serves again,
becomes Redirect for the caller to judge (probes.http.redirects).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

import httptools

from probes.model import ProbeError

MAX_HEAD = 65536  # the status line and headers of one response
REDIRECTS = frozenset((301, 302, 303, 307, 308))
_WAIT, _HEAD, _BODY, _DONE = range(4)
_NO_BODY = frozenset((204, 304))
_CTYPE, _CLEN, _TE, _CE, _LOCATION = range(1, 6)
_FIELDS = {b"Content-Type": _CTYPE, b"Content-Length": _CLEN, b"Transfer-Encoding": _TE, b"Content-Encoding": _CE,
           b"Location": _LOCATION, b"content-type": _CTYPE, b"content-length": _CLEN, b"transfer-encoding": _TE,
           b"content-encoding": _CE, b"location": _LOCATION}  # fmt: skip
_LENGTHS = frozenset(len(name) for name in _FIELDS)


class FetchError(Exception):
    """A poll that produced no usable response; carries the classified ProbeError."""

    def __init__(self, error: ProbeError) -> None:
        super().__init__(error.message)
        self.error = error


class Fallback(Exception):
    """The response needs what this client does not do (a content coding, a framing): ask httpx."""


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


def _named(exc: httptools.HttpParserError) -> FetchError:
    """llhttp's reason in the words the hand-written parser used (tests and operators know them)."""
    reason = str(exc)
    low = reason.lower()
    if isinstance(exc, httptools.HttpParserInvalidStatusError) or "response line" in low or "version" in low:
        return garbage("bad status line")
    if low.startswith("expected http/"):
        return garbage("not HTTP")
    if "content-length" in low:
        return garbage("bad Content-Length")
    if "chunk size" in low:
        return garbage("bad chunk size")
    if "chunk" in low:
        return garbage("bad chunk")
    if "header" in low:
        return garbage("bad header line")
    return garbage(reason)


@dataclass
class HostPool:
    """Idle connections to one (host, port, tls) and the requests in flight to it."""

    host: str
    port: int
    idle: list[Conn] = field(default_factory=list)
    conns: set[Conn] = field(default_factory=set)
    busy: int = 0
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    tls: bool = False


class Conn(asyncio.Protocol):
    """One connection; parses one response at a time into `waiter` as (status, body, content type).

    The per-answer path (start, data_received, the callbacks, _deliver) runs hundreds of times a second at 200
    services: attributes are slots and each callback does only what its answer needs."""

    __slots__ = ("answered", "body", "chunked", "closed", "coded", "ctype", "dirty", "head_size", "keep_alive",
                 "length", "location", "max_bytes", "parser", "pending", "phase", "pool", "received", "served",
                 "size", "status", "transport", "until_close", "waiter")  # fmt: skip

    def __init__(self, pool: HostPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.parser.set_dangerous_leniencies(lenient_chunked_length=True)  # both framings: answered, never reused
        self.waiter: asyncio.Future[tuple[int, bytes, str]] | None = None
        self.closed = False
        self.dirty = False
        """Bytes arrived that no request asked for: the connection can no longer be trusted."""
        self.served = 0
        self.phase = _DONE
        self.max_bytes = self.received = self.pending = self.head_size = self.status = self.size = 0
        self.keep_alive = self.until_close = self.answered = self.coded = self.chunked = False
        self.ctype = ""
        self.location: str | None = None
        self.length: int | None = None
        self.body: list[bytes] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.pool.conns.add(self)

    def usable(self) -> bool:
        return not self.closed and not self.dirty and self.transport is not None and not self.transport.is_closing()

    def start(self, data: bytes, max_bytes: int) -> asyncio.Future[tuple[int, bytes, str]]:
        """Send one request; the returned future gets the response or a FetchError/Stale/Fallback."""
        assert self.transport is not None
        self.waiter = waiter = asyncio.get_running_loop().create_future()
        self.phase = _WAIT
        self.max_bytes = max_bytes
        self.received = self.pending = self.head_size = 0
        self._new_head()
        if self.closed or self.transport.is_closing():  # lost between connect and now
            waiter.set_exception(Stale() if self.served else garbage("server disconnected"))
        else:
            self.transport.write(data)
        return waiter

    def _new_head(self) -> None:
        """Forget what a head said (a new response, or the real one after an interim 1xx)."""
        self.status = self.size = 0
        self.ctype = ""
        self.location = self.length = None
        self.coded = self.chunked = self.answered = False
        self.body = []

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()  # never a half-read connection back in use, and no lingering close

    def data_received(self, data: bytes) -> None:
        if self.phase == _DONE:  # bytes nobody asked for
            self.dirty = True
            self.close()
            return
        if self.received < 7 and not self._looks_like_http(data):
            return
        self.received += len(data)
        mark = self.head_size + self.size
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            self._fail(exc.__context__ if isinstance(exc.__context__, Exception) else _named(exc))
            return
        except httptools.HttpParserError as exc:
            self.dirty = self.dirty or self.answered  # the answer is in; what followed it is not reused
            self._fail(_named(exc))
            return
        except httptools.HttpParserUpgrade:  # pragma: no cover - a 101 fails in on_headers_complete first
            self._fail(garbage("unexpected upgrade"))
            return
        if self.answered:  # in this feed
            self._deliver()
            return
        self.pending = self.pending + len(data) if mark == self.head_size + self.size else 0
        if self.pending + self.head_size > MAX_HEAD:  # llhttp holds a header, a trailer or a chunk line: how much
            self._fail(garbage("header block too big" if self.phase != _BODY else "chunk framing or trailers too big"))

    def _looks_like_http(self, data: bytes) -> bool:
        """The first bytes of an answer spell HTTP/1. (llhttp also takes RTSP/, ICE/ and HTTP/2.0); else it fails."""
        seen = self.received
        if b"HTTP/1."[seen : seen + len(data)] == data[: 7 - seen]:
            return True
        lead = data[: max(0, 5 - seen)]
        self._fail(garbage("not HTTP" if b"HTTP/"[seen : seen + len(lead)] != lead else "bad status line"))
        return False

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
        if self.phase == _BODY and self.until_close and exc is None:
            self.keep_alive = False
            self._deliver()
        elif self.phase == _WAIT and not self.received:
            waiter.set_exception(Stale() if self.served else garbage("server disconnected"))
        else:
            waiter.set_exception(garbage("connection closed mid-body" if self.phase == _BODY else "truncated head"))

    def _fail(self, exc: Exception) -> None:
        if self.answered and self.waiter is not None and not self.waiter.done():
            self._deliver()  # a whole answer, then trouble after it: the answer stands, the connection goes
        elif self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)
        self.phase = _DONE
        self.close()

    def _deliver(self) -> None:
        """The whole answer to the waiter; the connection kept only if nothing else came after it."""
        self.served += 1
        self.phase = _DONE
        self.answered = False
        self.keep_alive = self.keep_alive and not self.dirty
        body = self.body
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            if self.location is not None:
                waiter.set_exception(Redirect(self.status, self.location))
            else:
                waiter.set_result((self.status, body[0] if len(body) == 1 else b"".join(body), self.ctype))
        if not self.keep_alive:
            self.close()

    # httptools callbacks, called from feed_data; an exception raised here comes back as its __context__.

    def on_message_begin(self) -> None:
        if self.answered:  # a second answer in the bytes of the first: the first stands, the connection goes
            self.dirty = True
            raise garbage("an answer nobody asked for")
        self.phase = _HEAD

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_size += len(name) + len(value) + 4  # checked after the head and after each feed
        if len(name) not in _LENGTHS or self.phase != _HEAD:  # not one we read, or a trailer
            return
        field = _FIELDS.get(name) or _FIELDS.get(name.lower())
        if field == _CTYPE:
            self.ctype = value.decode("latin-1")
        elif field == _CLEN:
            self.length = int(value)  # llhttp has checked it is digits, and the only one
        elif field == _TE:
            if value.strip().lower() == b"chunked":
                self.chunked = True
            else:
                self.coded = True
        elif field == _CE:
            self.coded = self.coded or value.strip().lower() not in (b"", b"identity")
        elif field == _LOCATION:
            self.location = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        if self.head_size > MAX_HEAD:
            raise garbage("header block too big")
        parser = self.parser
        status = parser.get_status_code()
        if 100 <= status < 200:
            if status == 101:
                raise garbage("unexpected 101 Switching Protocols")
            return  # an interim answer: the real one follows
        if self.coded:
            raise Fallback()
        self.status = status
        if status not in REDIRECTS or not self.location:
            self.location = None
        length, chunked = self.length, self.chunked
        self.keep_alive = parser.should_keep_alive() and not (chunked and length is not None)
        self.until_close = length is None and not chunked and status not in _NO_BODY
        if length is not None and length > self.max_bytes and not chunked and status not in _NO_BODY:
            raise FetchError(ProbeError("too_large", f"response of {length} bytes exceeds the cap"))
        self.phase = _BODY

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.max_bytes:
            raise FetchError(ProbeError("too_large", f"response exceeds the cap of {self.max_bytes} bytes"))
        self.body.append(body)

    def on_message_complete(self) -> None:
        if self.phase == _HEAD:  # after an interim 1xx
            self._new_head()
            return
        self.answered = True
