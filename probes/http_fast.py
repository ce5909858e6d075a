"""A small HTTP/1.1 keep-alive GET client on an asyncio Protocol, for the poller's plain http:// endpoints.

aiohttp costs 180-400 us of CPU per request on a slow machine, and at 200 services polled every 2 s that was most
of the dashboard's CPU. Polling needs little of HTTP: a GET, a keep-alive connection, a Content-Length, chunked or
close-delimited body, and a cap. Anything else (redirects, content codings, odd URLs, https) answers None so the
caller uses aiohttp for it, and that URL goes straight to aiohttp afterwards. No aiohttp import here.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import sys
import time
import urllib.parse
from dataclasses import dataclass, field

from probes.model import ProbeError

MAX_HEAD = 65536  # the status line and headers of one response
CACHE_MAX = 2048  # prepared requests, fallback URLs, DNS answers: cleared when full (PromQL range URLs change)
DNS_TTL_S = 60.0
_SAFE = frozenset(b"!$&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~%")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_REDIRECTS = frozenset((301, 302, 303, 307, 308))
_HEAD, _LENGTH, _CHUNK_SIZE, _CHUNK_DATA, _TRAILERS, _CLOSE, _DONE = range(7)


class FetchError(Exception):
    """A poll that produced no usable response; carries the classified ProbeError."""

    def __init__(self, error: ProbeError) -> None:
        super().__init__(error.message)
        self.error = error


class _Fallback(Exception):
    """The response needs what this client does not do (a redirect, a content coding): ask aiohttp."""


class _Stale(Exception):
    """A reused connection closed before any byte of the answer: the server's keep-alive timeout, not a failure."""


def _garbage(reason: str) -> FetchError:
    return FetchError(ProbeError("garbage", f"bad HTTP response: {reason}"))


@dataclass
class _Host:
    """Idle connections to one (host, port) and the requests in flight to it."""

    host: str
    port: int
    idle: list[_Conn] = field(default_factory=list)
    conns: set[_Conn] = field(default_factory=set)
    busy: int = 0
    waiters: list[asyncio.Future[None]] = field(default_factory=list)


@dataclass
class _Request:
    """One URL's request bytes, built once."""

    host: _Host
    data: bytes
    headers: dict[str, str]
    slow: bool = False
    """Answered with a redirect or something else this client leaves to aiohttp."""


class _Conn(asyncio.Protocol):
    """One connection; parses one response at a time into `waiter` as (status, body, content type)."""

    def __init__(self, pool: _Host) -> None:
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
        """Send one request; the returned future gets the response or a FetchError/_Stale/_Fallback."""
        assert self.transport is not None
        self.waiter = waiter = asyncio.get_running_loop().create_future()
        self.state = _HEAD
        self.pos = 0
        self.max_bytes = max_bytes
        if self.closed or self.transport.is_closing():  # lost between connect and now
            waiter.set_exception(_Stale() if self.served else _garbage("server disconnected"))
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
        except (FetchError, _Fallback) as exc:
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
            waiter.set_exception(_Stale() if self.served else _garbage("server disconnected"))
        else:
            waiter.set_exception(_garbage("connection closed mid-body" if self.state != _HEAD else "truncated head"))

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
            self.waiter.set_result((self.status, body, self.ctype))
        if not reuse:
            self.close()

    def _parse(self) -> None:
        buf = self.buf
        while self.state == _HEAD:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD:
                    raise _garbage("header block too big")
                start = bytes(buf[:5])
                if start != b"HTTP/"[: len(start)]:
                    raise _garbage("not HTTP")
                return
            if end > MAX_HEAD:
                raise _garbage("header block too big")
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
            raise _garbage("bad status line")
        status = int(parts[1])
        length: int | None = None
        chunked = False
        tokens = b""
        ctype = ""
        location = False
        for line in lines[1:]:
            name, sep, value = line.partition(b":")
            if not sep or not name or name[-1:] in (b" ", b"\t"):
                raise _garbage("bad header line")
            name = name.lower()
            if name == b"content-length":
                value = value.strip()
                if not value.isdigit() or (length is not None and int(value) != length):
                    raise _garbage("bad Content-Length")
                length = int(value)
            elif name == b"content-type":
                ctype = value.strip().decode("latin-1")
            elif name == b"transfer-encoding":
                codings = [c.strip() for c in value.lower().split(b",") if c.strip()]
                if codings != [b"chunked"]:
                    raise _Fallback()
                chunked = True
            elif name == b"connection":
                tokens += b"," + value.lower()
            elif name == b"content-encoding":
                if value.strip().lower() not in (b"", b"identity"):
                    raise _Fallback()
            elif name == b"location":
                location = True
        if 100 <= status < 200:
            if status == 101:
                raise _garbage("unexpected 101 Switching Protocols")
            return  # stay in _HEAD
        if status in _REDIRECTS and location:
            raise _Fallback()
        conn_tokens = {t.strip() for t in tokens.split(b",")}
        self.keep_alive = b"close" not in conn_tokens and (version == b"HTTP/1.1" or b"keep-alive" in conn_tokens)
        self.status = status
        self.ctype = ctype
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
                        raise _garbage("bad chunk size")
                    break
                size_hex = bytes(buf[self.pos : nl]).split(b";", 1)[0].strip()
                if not size_hex or len(size_hex) > 16 or not _HEX.issuperset(size_hex):
                    raise _garbage("bad chunk size")
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
                    raise _garbage("bad chunk")
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
                            raise _garbage("trailers too big")
                        break
                    self.pos = end + 4
                self._finish(bytes(self.body), reuse=True)
                self.body = bytearray()
                return
        if self.pos:
            del buf[: self.pos]
            self.pos = 0


class FastHTTP:
    """Keep-alive connection pools by (host, port); create and use it inside one event loop."""

    def __init__(self, per_host: int = 8) -> None:
        self.per_host = max(1, per_host)
        self._hosts: dict[tuple[str, int], _Host] = {}
        self._requests: dict[str, _Request] = {}
        self._dns: dict[tuple[str, int], tuple[float, list[tuple[int, str]]]] = {}
        self.connections_opened = 0

    async def get(
        self, url: str, headers: dict[str, str], timeout: float, max_bytes: int
    ) -> tuple[int, bytes, str] | None:
        """GET url: (status, body, content type), or None when aiohttp must do it. Raises FetchError."""
        req = self._requests.get(url)
        if req is None or req.headers != headers:
            req = self._prepare(url, headers)
            if req is None:
                return None
        if req.slow:
            return None
        try:
            if sys.version_info >= (3, 11):
                async with asyncio.timeout(timeout):
                    return await self._request(req, max_bytes)
            return await asyncio.wait_for(self._request(req, max_bytes), timeout)  # pragma: no cover - 3.10
        except asyncio.TimeoutError:
            raise FetchError(ProbeError("timeout", f"no answer within {timeout:g}s")) from None
        except _Fallback:
            req.slow = True
            return None

    def _prepare(self, url: str, headers: dict[str, str]) -> _Request | None:
        """The request bytes for url, or None for what aiohttp should do (https, credentials, odd characters)."""
        if not url.startswith("http://"):
            return None
        try:
            parts = urllib.parse.urlsplit(url)
            host, port = parts.hostname, parts.port or 80
        except ValueError:
            return None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if not host or parts.username is not None or not target.isascii() or not _SAFE.issuperset(target.encode()):
            return None
        fields = {"host": ("Host", parts.netloc), "user-agent": ("User-Agent", "agentops-tui"),
                  "accept": ("Accept", "application/json, text/plain, */*")}  # fmt: skip
        if port == 80:
            fields["host"] = ("Host", f"[{host}]" if ":" in host else host)
        for name, value in headers.items():
            if any(c in name + value for c in "\r\n\0") or not name.isascii() or not value.isascii():
                return None
            fields[name.lower()] = (name, value)
        lines = [f"GET {target} HTTP/1.1"] + [f"{name}: {value}" for name, value in fields.values()]
        pool = self._hosts.get((host, port))
        if pool is None:
            pool = self._hosts[(host, port)] = _Host(host, port)
        if len(self._requests) >= CACHE_MAX:
            self._requests.clear()
        req = self._requests[url] = _Request(pool, ("\r\n".join(lines) + "\r\n\r\n").encode("ascii"), dict(headers))
        return req

    async def _request(self, req: _Request, max_bytes: int) -> tuple[int, bytes, str]:
        pool = req.host
        if pool.busy >= self.per_host or pool.waiters:
            await self._wait_turn(pool)
        pool.busy += 1
        try:
            for attempt in (0, 1):
                conn = None
                while pool.idle and attempt == 0:
                    candidate = pool.idle.pop()  # the most recently used: the least likely to have timed out
                    if candidate.usable():
                        conn = candidate
                        break
                    candidate.close()
                if conn is None:
                    conn = await self._connect(pool)
                waiter = conn.start(req.data, max_bytes)
                try:
                    result = await waiter
                except _Stale:
                    continue  # closed by the server while idle: once more on a fresh connection
                except BaseException:
                    conn.close()
                    raise
                if conn.keep_alive and not conn.closed and len(pool.idle) < self.per_host:
                    pool.idle.append(conn)
                else:
                    conn.close()
                return result
            raise _garbage("server disconnected")
        finally:
            pool.busy -= 1
            while pool.waiters:
                fut = pool.waiters.pop(0)
                if not fut.done():
                    fut.set_result(None)
                    break

    async def _wait_turn(self, pool: _Host) -> None:
        """Wait until fewer than per_host requests to this host are in flight."""
        while pool.busy >= self.per_host:
            fut = asyncio.get_running_loop().create_future()
            pool.waiters.append(fut)
            try:
                await fut
            except BaseException:
                if fut in pool.waiters:
                    pool.waiters.remove(fut)
                elif fut.done() and not fut.cancelled():  # woken, then cancelled: pass the turn on
                    for other in pool.waiters:
                        if not other.done():
                            pool.waiters.remove(other)
                            other.set_result(None)
                            break
                raise

    async def _connect(self, pool: _Host) -> _Conn:
        """A new connection to each address of the host in turn; errors named as aiohttp's are today."""
        loop = asyncio.get_running_loop()
        where = f"Cannot connect to host {pool.host}:{pool.port} ssl:default"
        try:
            addrs = await self._resolve(pool.host, pool.port)
        except (socket.gaierror, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
            raise FetchError(ProbeError("dns", f"DNS lookup failed: {where} [{reason}]")) from None
        errors: list[OSError] = []
        for family, address in addrs:
            try:
                _, conn = await loop.create_connection(lambda: _Conn(pool), address, pool.port, family=family)
            except OSError as exc:
                errors.append(exc)
                continue
            self.connections_opened += 1
            return conn
        if any(isinstance(e, ConnectionRefusedError) for e in errors) or not errors:
            raise FetchError(ProbeError("refused", "connection refused"))
        raise FetchError(ProbeError("refused", f"cannot connect: {where} [{errors[-1].strerror or errors[-1]}]"))

    async def _resolve(self, host: str, port: int) -> list[tuple[int, str]]:
        """(family, address) of host, cached for a minute; an IP literal needs no lookup."""
        now = time.monotonic()
        hit = self._dns.get((host, port))
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            ip = ipaddress.ip_address(host)
            addrs: list[tuple[int, str]] = [(socket.AF_INET6 if ip.version == 6 else socket.AF_INET, host)]
        except ValueError:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addrs = list(dict.fromkeys((int(fam), str(addr[0])) for fam, _, _, _, addr in infos))
        if len(self._dns) >= CACHE_MAX:
            self._dns.clear()
        self._dns[(host, port)] = (now + DNS_TTL_S, addrs)
        return addrs

    def close(self) -> None:
        """Close every connection, idle or in use."""
        for pool in self._hosts.values():
            for conn in list(pool.conns):
                conn.close()
            pool.idle.clear()
            for fut in pool.waiters:
                fut.cancel()
            pool.waiters.clear()
