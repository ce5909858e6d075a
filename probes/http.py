"""One bounded HTTP GET: never reads more than a cap, and names what went wrong in words an operator knows."""

from __future__ import annotations

import socket
import ssl

import httpx

from probes.model import ProbeError
from probes.sanitize import clean


class FetchError(Exception):
    """A poll that produced no usable response; carries the classified ProbeError."""

    def __init__(self, error: ProbeError) -> None:
        super().__init__(error.message)
        self.error = error


def make_client(concurrency: int) -> httpx.AsyncClient:
    """The one shared client: pooled connections, bounded, redirects followed a few times only."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(limits=limits, follow_redirects=True, max_redirects=5, trust_env=False)


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes (httpx wraps the OSError that says what really happened)."""
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and len(out) < 10:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def classify(exc: BaseException) -> ProbeError:
    """Map an httpx or OS error to a kind (refused, dns, tls, timeout...) and a short message."""
    text = clean(str(exc) or type(exc).__name__, 200)
    low = text.lower()
    if isinstance(exc, httpx.TimeoutException):
        return ProbeError("timeout", "timed out")
    if isinstance(exc, httpx.TooManyRedirects):  # a misconfigured URL, not the service saying it is down
        return ProbeError("error", "redirect loop (more than 5 redirects)")
    if isinstance(exc, httpx.ConnectError):
        chain = _chain(exc)
        if any(isinstance(e, ConnectionRefusedError) for e in chain):
            return ProbeError("refused", "connection refused")
        if any(isinstance(e, socket.gaierror) for e in chain):
            return ProbeError("dns", f"DNS lookup failed: {text}")
        if any(isinstance(e, ssl.SSLError) for e in chain) or "ssl" in low or "certificate" in low:
            return ProbeError("tls", f"TLS error: {text}")
        if "refused" in low:
            return ProbeError("refused", "connection refused")
        if "name or service" in low or "name resolution" in low or "nodename" in low or "getaddrinfo" in low:
            return ProbeError("dns", f"DNS lookup failed: {text}")
        return ProbeError("refused", f"cannot connect: {text}")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.DecodingError)):
        return ProbeError("garbage", f"bad HTTP response: {text}")
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return ProbeError("error", f"bad URL: {text}")
    if isinstance(exc, ConnectionRefusedError):
        return ProbeError("refused", "connection refused")
    return ProbeError("error", f"{type(exc).__name__}: {text}")


async def fetch(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], timeout: float, max_bytes: int
) -> tuple[int, bytes, str]:
    """GET url; returns (status, body, content type). Raises FetchError; stops reading past max_bytes."""
    try:
        async with client.stream("GET", url, headers=headers, timeout=timeout) as resp:
            declared = resp.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(ProbeError("too_large", f"response of {int(declared)} bytes exceeds the cap"))
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(ProbeError("too_large", f"response exceeds the cap of {max_bytes} bytes"))
                chunks.append(chunk)
            return resp.status_code, b"".join(chunks), resp.headers.get("content-type", "")
    except FetchError:
        raise
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        raise FetchError(classify(exc)) from None


def auth_headers(headers: dict[str, str], token_env: str | None, environ: dict[str, str]) -> dict[str, str]:
    """Configured headers plus `Authorization: Bearer $token_env` when that variable is set."""
    out = dict(headers)
    if token_env and environ.get(token_env):
        out["Authorization"] = f"Bearer {environ[token_env]}"
    return out
