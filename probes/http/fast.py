"""A small HTTP/1.1 keep-alive GET client for the poller's http:// and https:// endpoints (no httpx import here).

A general client (aiohttp, httpx) costs 180-1600 us of CPU per request on a slow machine, and at 200 services polled
every 2 s that was most of the dashboard's CPU. Polling needs little of HTTP: a GET, a keep-alive connection (over
TLS for https, verified as any client would: probes.http.tls), a Content-Length, chunked or close-delimited body,
and a cap (probes.http.wire). A redirect raises Redirect for the caller to judge (probes.http.client follows it only
within its origin). Anything else (content codings, odd characters in a URL) answers None so the caller uses httpx for
it, and that URL goes straight to httpx afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import socket
import ssl
import sys
import time
import urllib.parse
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from probes.http.tls import tls_failure, verifying_context
from probes.http.wire import Conn, Fallback, FetchError, HostPool, Redirect, Stale, garbage
from probes.model import ProbeError

__all__ = ["FastHTTP", "FetchError", "Redirect", "bounded"]
CACHE_MAX = 2048  # prepared requests and DNS answers: cleared when full (PromQL range URLs change every poll)
DNS_TTL_S = 60.0
T = TypeVar("T")
_SAFE = frozenset(b"!$&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~%")


@dataclass
class Prepared:
    """One URL's request bytes, built once."""

    host: HostPool
    data: bytes
    headers: dict[str, str]
    slow: bool = False
    """Answered with something this client leaves to httpx (a content coding)."""
    redirects: bool = False
    """Answered with a redirect: polled through probes.http.client.fetch, which follows it, not in a round."""


async def bounded(coro: Coroutine[Any, Any, T], timeout: float) -> T:
    """`coro` cancelled after `timeout` s (asyncio.TimeoutError). On 3.11+ a timeout scope in this task, which
    costs far less than wait_for's extra task (the poller makes hundreds of these a second at 200 services)."""
    if sys.version_info >= (3, 11):
        async with asyncio.timeout(timeout):
            return await coro
    return await asyncio.wait_for(coro, timeout)  # pragma: no cover - Python 3.10


def _basic(user: str, password: str | None) -> str:
    """The Basic authorization of a URL's user and password (percent-decoded, UTF-8)."""
    pair = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password or '')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


class FastHTTP:
    """Keep-alive connection pools by (host, port, tls); create and use it inside one event loop. `tls` verifies
    https servers (the system's CAs when None, as every client here does)."""

    def __init__(self, per_host: int = 8, tls: ssl.SSLContext | None = None) -> None:
        self.per_host = max(1, per_host)
        self._tls = tls
        self._hosts: dict[tuple[str, int, bool], HostPool] = {}
        self._requests: dict[str, Prepared] = {}
        self._dns: dict[tuple[str, int], tuple[float, list[tuple[int, str]]]] = {}
        self.connections_opened = 0

    async def get(
        self, url: str, headers: dict[str, str], timeout: float, max_bytes: int
    ) -> tuple[int, bytes, str] | None:
        """GET url: (status, body, content type), or None when httpx must do it. Raises FetchError, or Redirect
        with the connection kept for the next request."""
        req = self._lookup(url, headers)
        if req is None:
            return None
        try:
            return await bounded(self._request(req, max_bytes), timeout)
        except asyncio.TimeoutError:
            raise FetchError(ProbeError("timeout", f"no answer within {timeout:g}s")) from None
        except Fallback:
            req.slow = True
            return None

    def _lookup(self, url: str, headers: dict[str, str]) -> Prepared | None:
        """The prepared request for url, or None when httpx must do it."""
        req = self._requests.get(url)
        if req is None or req.headers != headers:
            req = self._prepare(url, headers)
        return None if req is None or req.slow else req

    def checkout(self, url: str, headers: dict[str, str]) -> tuple[Prepared, Conn] | None:
        """For a caller that drives the connection itself (probes.http.rounds): the request and an idle connection,
        counted as busy until `checkin`; None when get() must do it (no idle connection, the host's cap, a redirect)."""
        req = self._lookup(url, headers)
        if req is None or req.redirects:
            return None
        pool = req.host
        if pool.busy >= self.per_host or pool.waiters:
            return None
        while pool.idle:
            conn = pool.idle.pop()  # the most recently used: the least likely to have timed out
            if conn.usable():
                pool.busy += 1
                return req, conn
            conn.close()
        return None

    def checkin(self, pool: HostPool, conn: Conn, reuse: bool) -> None:
        """A checked-out connection back: kept idle when it can serve again, else closed."""
        self._keep_or_close(pool, conn, reuse)
        self._release(pool)

    def _keep_or_close(self, pool: HostPool, conn: Conn, reuse: bool) -> None:
        if reuse and conn.keep_alive and not conn.closed and len(pool.idle) < self.per_host:
            pool.idle.append(conn)
        else:
            conn.close()

    def _release(self, pool: HostPool) -> None:
        """One request fewer in flight to the host: the first waiter goes next."""
        pool.busy -= 1
        while pool.waiters:
            fut = pool.waiters.pop(0)
            if not fut.done():
                fut.set_result(None)
                break

    def _prepare(self, url: str, headers: dict[str, str]) -> Prepared | None:
        """The request bytes for url, or None for what httpx should do (odd characters, two authorizations)."""
        tls = url.startswith("https://")
        if not tls and not url.startswith("http://"):
            return None
        try:
            parts = urllib.parse.urlsplit(url)
            host, port = parts.hostname, parts.port or (443 if tls else 80)
        except ValueError:
            return None
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if not host or not target.isascii() or not _SAFE.issuperset(target.encode()):
            return None
        fields = {"host": ("Host", parts.netloc.rpartition("@")[2]), "user-agent": ("User-Agent", "agentops-tui"),
                  "accept": ("Accept", "application/json, text/plain, */*")}  # fmt: skip
        if parts.username is not None:  # credentials in the URL: basic auth, as any client sends them
            if any(name.lower() == "authorization" for name in headers):
                return None  # which one wins is httpx's rule
            fields["authorization"] = ("Authorization", _basic(parts.username, parts.password))
        if port == (443 if tls else 80):
            fields["host"] = ("Host", f"[{host}]" if ":" in host else host)
        for name, value in headers.items():
            if any(c in name + value for c in "\r\n\0") or not name.isascii() or not value.isascii():
                return None
            fields[name.lower()] = (name, value)
        lines = [f"GET {target} HTTP/1.1"] + [f"{name}: {value}" for name, value in fields.values()]
        pool = self._hosts.get((host, port, tls))
        if pool is None:
            pool = self._hosts[(host, port, tls)] = HostPool(host, port, tls=tls)
        if len(self._requests) >= CACHE_MAX:
            self._requests.clear()
        req = self._requests[url] = Prepared(pool, ("\r\n".join(lines) + "\r\n\r\n").encode("ascii"), dict(headers))
        return req

    async def _request(self, req: Prepared, max_bytes: int) -> tuple[int, bytes, str]:
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
                except Stale:
                    continue  # closed by the server while idle: once more on a fresh connection
                except Redirect:
                    req.redirects = True
                    self._keep_or_close(pool, conn, reuse=True)
                    raise
                except BaseException:
                    conn.close()
                    raise
                self._keep_or_close(pool, conn, reuse=True)
                return result
            raise garbage("server disconnected")
        finally:
            self._release(pool)

    async def _wait_turn(self, pool: HostPool) -> None:
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

    async def _connect(self, pool: HostPool) -> Conn:
        """A new connection to each address of the host in turn (over TLS for https); errors named as aiohttp
        named them."""
        loop = asyncio.get_running_loop()
        where = f"Cannot connect to host {pool.host}:{pool.port} ssl:default"
        try:
            addrs = await self._resolve(pool.host, pool.port)
        except (socket.gaierror, UnicodeError) as exc:
            reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
            raise FetchError(ProbeError("dns", f"DNS lookup failed: {where} [{reason}]")) from None
        errors: list[OSError] = []
        tls = (self._tls or verifying_context()) if pool.tls else None
        for family, address in addrs:
            try:
                _, conn = await loop.create_connection(
                    lambda: Conn(pool), address, pool.port, family=family, ssl=tls,
                    server_hostname=pool.host if tls else None)  # fmt: skip
            except ssl.SSLError as exc:  # an OSError too, but no other address would answer better
                raise tls_failure(where, exc) from None
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
