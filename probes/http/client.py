"""One bounded HTTP GET: never reads more than a cap, and names what went wrong in words an operator knows.

Plain http:// URLs go through probes.http.fast, a small keep-alive client that costs a fraction of aiohttp's CPU
per request; https and whatever else it does not handle go through aiohttp, which costs about 0.3 ms
of CPU per request here (httpx 1.3-1.6 ms). A dashboard that polls hundreds of endpoints every two seconds lives
on that difference. (The rare action calls still use httpx.)
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from types import TracebackType

import aiohttp

from probes.http.fast import FastHTTP, FetchError, Redirect
from probes.http.redirects import MAX_REDIRECTS, REDIRECTS, follow
from probes.model import ProbeError
from probes.text.sanitize import clean

__all__ = ["CHUNK", "Client", "FetchError", "auth_headers", "classify", "fetch", "make_client"]
CHUNK = 65536


class Client:
    """The poller's two HTTP clients, closed together: the fast one for plain http://, aiohttp for the rest."""

    def __init__(self, session: aiohttp.ClientSession, fast: FastHTTP) -> None:
        self.session = session
        self.fast = fast

    async def close(self) -> None:
        self.fast.close()
        await self.session.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def make_client(concurrency: int) -> Client:
    """The one shared client (call inside the poller's event loop): pooled keep-alive connections, bounded."""
    connector = aiohttp.TCPConnector(limit=concurrency, ttl_dns_cache=60, enable_cleanup_closed=True)
    session = aiohttp.ClientSession(
        connector=connector,
        trust_env=False,
        timeout=aiohttp.ClientTimeout(total=None),
        headers={"User-Agent": "agentops-tui", "Accept": "application/json, text/plain, */*"},
        skip_auto_headers=("Accept-Encoding",),  # no compressed bodies: a tiny gzip must not inflate past the cap
    )
    return Client(session, FastHTTP(per_host=max(8, concurrency)))


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (the client wraps the OSError that says what really happened)."""
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(out) < 10:
        out.append(cur)
        os_error = getattr(cur, "os_error", None)
        if isinstance(os_error, BaseException) and os_error is not cur:
            out.append(os_error)
        cur = cur.__cause__ or cur.__context__
    return out


def classify(exc: BaseException) -> ProbeError:
    """Map a client or OS error to a kind (refused, dns, tls, timeout...) and a short message."""
    text = clean(str(exc) or type(exc).__name__, 200)
    chain = _chain(exc)
    if any(isinstance(e, (asyncio.TimeoutError, aiohttp.ServerTimeoutError, TimeoutError)) for e in chain):
        return ProbeError("timeout", "timed out")
    if any(isinstance(e, (ssl.SSLError, aiohttp.ClientSSLError)) for e in chain):
        return ProbeError("tls", f"TLS error: {text}")
    if any(isinstance(e, (socket.gaierror, aiohttp.ClientConnectorDNSError)) for e in chain):
        return ProbeError("dns", f"DNS lookup failed: {text}")
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return ProbeError("refused", "connection refused")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ProbeError("refused", f"cannot connect: {text}")
    if isinstance(exc, (aiohttp.ClientPayloadError, aiohttp.ServerDisconnectedError, aiohttp.ClientResponseError)):
        return ProbeError("garbage", f"bad HTTP response: {text}")
    if isinstance(exc, (aiohttp.InvalidURL, ValueError)):
        return ProbeError("error", f"bad URL: {text}")
    if isinstance(exc, ConnectionRefusedError):
        return ProbeError("refused", "connection refused")
    return ProbeError("error", f"{type(exc).__name__}: {text}")


async def fetch(
    client: Client, url: str, headers: dict[str, str], timeout: float, max_bytes: int
) -> tuple[int, bytes, str]:
    """GET url; returns (status, body, content type). Raises FetchError; stops reading past max_bytes.

    Redirects are followed within the origin of `url` only, so the headers never reach another host; a redirect
    elsewhere is a FetchError that names it (probes.http.redirects). The caller also bounds the whole poll with its own
    timeout, which is what stops a one-byte-a-second drip.
    """
    loop = asyncio.get_running_loop()
    started, left = loop.time(), timeout
    try:
        for _ in range(MAX_REDIRECTS + 1):
            try:
                return await _get(client, url, headers, left, max_bytes)
            except Redirect as hop:
                url = follow(url, hop.location)
                left = max(0.05, timeout - (loop.time() - started))
    except FetchError as exc:
        if exc.error.kind == "timeout":  # a later hop's own budget: say the poll's
            raise FetchError(ProbeError("timeout", f"no answer within {timeout:g}s")) from None
        raise
    raise FetchError(ProbeError("error", f"redirect loop (more than {MAX_REDIRECTS} redirects)"))


async def _get(
    client: Client, url: str, headers: dict[str, str], timeout: float, max_bytes: int
) -> tuple[int, bytes, str]:
    """One GET, no redirect followed (a redirect raises Redirect): the fast client, else aiohttp."""
    started = asyncio.get_running_loop().time()
    got = await client.fast.get(url, headers, timeout, max_bytes)
    if got is not None:
        return got
    left = max(0.05, timeout - (asyncio.get_running_loop().time() - started))  # after an answer the fast client
    try:  # left to aiohttp
        async with client.session.get(
            url, headers=headers, allow_redirects=False, timeout=aiohttp.ClientTimeout(total=left)
        ) as resp:
            location = resp.headers.get("Location")
            if resp.status in REDIRECTS and location:
                raise Redirect(resp.status, location)
            declared = resp.content_length
            if declared is not None and declared > max_bytes:
                raise FetchError(ProbeError("too_large", f"response of {declared} bytes exceeds the cap"))
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.content.iter_chunked(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    resp.close()  # drop the connection instead of draining the rest
                    raise FetchError(ProbeError("too_large", f"response exceeds the cap of {max_bytes} bytes"))
                chunks.append(chunk)
            return resp.status, b"".join(chunks), resp.headers.get("Content-Type", "")
    except (FetchError, Redirect):
        raise
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
        raise FetchError(ProbeError("timeout", f"no answer within {timeout:g}s")) from None
    except (aiohttp.ClientError, OSError, ssl.SSLError, ValueError) as exc:
        raise FetchError(classify(exc)) from None


def auth_headers(headers: dict[str, str], token_env: str | None, environ: dict[str, str]) -> dict[str, str]:
    """Configured headers plus `Authorization: Bearer $token_env` when that variable is set."""
    out = dict(headers)
    if token_env and environ.get(token_env):
        out["Authorization"] = f"Bearer {environ[token_env]}"
    return out
