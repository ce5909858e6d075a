"""One bounded HTTP GET: never reads more than a cap, and names what went wrong in words an operator knows.

http:// and https:// URLs go through probes.http.fast, a small keep-alive client that costs a fraction of a general
client's CPU per request (a dashboard that polls hundreds of endpoints every two seconds lives on that); what it
leaves (a content coding, credentials in the URL, odd characters) goes through httpx, the one general HTTP library
here, imported the first time it is needed. Both send no compressed-body offer, follow no redirect themselves
(probes.http.redirects judges each) and take nothing from the environment (proxies, .netrc).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import sys
import zlib
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

from probes.http.fast import FastHTTP, FetchError, Redirect, bounded
from probes.http.redirects import MAX_REDIRECTS, REDIRECTS, follow
from probes.http.tls import tls_reason, verifying_context
from probes.model import ProbeError
from probes.text.sanitize import clean

if TYPE_CHECKING:
    import httpx

__all__ = ["CHUNK", "Client", "FetchError", "auth_headers", "classify", "fetch", "make_client"]
CHUNK = 65536
HEADERS = {"User-Agent": "agentops-tui", "Accept": "application/json, text/plain, */*", "Accept-Encoding": "identity"}


class Client:
    """The poller's HTTP, closed together: the fast client, and httpx (made on first use) for what it leaves."""

    def __init__(self, fast: FastHTTP, concurrency: int, tls: ssl.SSLContext | None = None) -> None:
        self.fast = fast
        self.concurrency = concurrency
        self.tls = tls
        self._general: httpx.AsyncClient | None = None

    def general(self) -> httpx.AsyncClient:
        """The httpx client: pooled, bounded, verifying as the fast client does, no redirects, nothing from the
        environment, and no compressed bodies asked for (a tiny gzip must not inflate past the cap)."""
        if self._general is None:
            import httpx  # only when the fast client first leaves a URL to it: most fleets never load it

            limits = httpx.Limits(max_connections=self.concurrency, max_keepalive_connections=self.concurrency)
            self._general = httpx.AsyncClient(
                headers=HEADERS, verify=self.tls or verifying_context(), trust_env=False, follow_redirects=False,
                timeout=None, limits=limits)  # fmt: skip
        return self._general

    async def close(self) -> None:
        self.fast.close()
        if self._general is not None:
            await self._general.aclose()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


def make_client(concurrency: int, tls: ssl.SSLContext | None = None) -> Client:
    """The one shared client (call inside the poller's event loop): pooled keep-alive connections, bounded;
    https verified with `tls`, else the system's CA store."""
    return Client(FastHTTP(per_host=max(8, concurrency), tls=tls), concurrency, tls)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (a client wraps the OSError that says what really happened)."""
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(out) < 10:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def classify(exc: BaseException) -> ProbeError:
    """Map a client or OS error to a kind (refused, dns, tls, timeout...) and a short message."""
    text = clean(str(exc) or type(exc).__name__, 200)
    chain = _chain(exc)
    httpx = sys.modules.get("httpx")  # its errors exist only once something imported it
    if any(isinstance(e, (asyncio.TimeoutError, TimeoutError)) for e in chain) or (
        httpx is not None and isinstance(exc, httpx.TimeoutException)
    ):
        return ProbeError("timeout", "timed out")
    for e in chain:
        if isinstance(e, ssl.SSLError):
            return ProbeError("tls", f"TLS error: {tls_reason(e)}")
    if any(isinstance(e, socket.gaierror) for e in chain):
        return ProbeError("dns", f"DNS lookup failed: {text}")
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return ProbeError("refused", "connection refused")
    if httpx is not None and isinstance(exc, httpx.ConnectError):
        return ProbeError("refused", f"cannot connect: {text}")
    if httpx is not None and isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.DecodingError)):
        return ProbeError("garbage", f"bad HTTP response: {text}")
    if isinstance(exc, ValueError) or (
        httpx is not None and isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol))
    ):
        return ProbeError("error", f"bad URL: {text}")
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
    """One GET, no redirect followed (a redirect raises Redirect): the fast client, else httpx."""
    started = asyncio.get_running_loop().time()
    got = await client.fast.get(url, headers, timeout, max_bytes)
    if got is not None:
        return got
    left = max(0.05, timeout - (asyncio.get_running_loop().time() - started))  # after an answer the fast client
    import httpx  # the fast client left this URL to it

    try:
        return await bounded(_general_get(client, url, headers, max_bytes), left)
    except asyncio.TimeoutError:
        raise FetchError(ProbeError("timeout", f"no answer within {timeout:g}s")) from None
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:  # ssl.SSLError is an OSError
        raise FetchError(classify(exc)) from None


async def _general_get(client: Client, url: str, headers: dict[str, str], max_bytes: int) -> tuple[int, bytes, str]:
    """The GET through httpx, read raw (no decoding by httpx) and never past max_bytes; a redirect is read to its
    end too, so its connection serves the next hop."""
    async with client.general().stream("GET", url, headers=headers) as resp:
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise FetchError(ProbeError("too_large", f"response of {declared} bytes exceeds the cap"))
        decode = _decoder(resp.headers.get("Content-Encoding", ""))
        chunks: list[bytes] = []
        size = 0
        async for raw in resp.aiter_raw(CHUNK):
            chunk = decode(raw, max_bytes - size + 1)
            size += len(chunk)
            if size > max_bytes:  # leaving the block closes the connection instead of draining the rest
                raise FetchError(ProbeError("too_large", f"response exceeds the cap of {max_bytes} bytes"))
            chunks.append(chunk)
        location = resp.headers.get("Location")
        if resp.status_code in REDIRECTS and location:
            raise Redirect(resp.status_code, location)
        return resp.status_code, b"".join(chunks), resp.headers.get("Content-Type", "")


def _decoder(coding: str) -> Callable[[bytes, int], bytes]:
    """A body decoder that never makes more than its limit out of one piece: a server may send gzip although we
    asked for none, and 64 KiB of it can inflate to 64 MiB."""
    coding = coding.strip().lower()
    if coding in ("", "identity"):
        return lambda raw, limit: raw
    if coding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(ProbeError("garbage", f"bad HTTP response: unsupported Content-Encoding {clean(coding, 40)}"))
    inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # a gzip or zlib header, told apart by its first bytes

    def decode(raw: bytes, limit: int) -> bytes:
        try:
            return inflate.decompress(raw, limit)
        except zlib.error as exc:
            raise FetchError(ProbeError("garbage", f"bad HTTP response: bad {coding} body ({exc})")) from None

    return decode


def auth_headers(headers: dict[str, str], token_env: str | None, environ: dict[str, str]) -> dict[str, str]:
    """Configured headers plus `Authorization: Bearer $token_env` when that variable is set."""
    out = dict(headers)
    if token_env and environ.get(token_env):
        out["Authorization"] = f"Bearer {environ[token_env]}"
    return out
