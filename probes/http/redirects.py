"""Where a poll may follow a redirect: within its origin (scheme, host and port), a few hops at most, and nowhere else.

A poll carries the configured headers and tokens (X-Api-Key, Authorization). An HTTP client that follows a redirect
to another host takes them along (aiohttp drops Authorization there, not custom headers), so a service, or whoever
controls its answers, could collect them with one `302 Location: http://elsewhere/`. The same origin keeps the
common real case working: LiteLLM's and Starlette's `/metrics` -> `/metrics/`. Control calls follow no redirect.
"""

from __future__ import annotations

import re
import urllib.parse

from probes.http.wire import REDIRECTS, FetchError
from probes.model import ProbeError
from probes.text.sanitize import clean

__all__ = ["MAX_REDIRECTS", "REDIRECTS", "follow", "not_followed", "origin", "shown"]
MAX_REDIRECTS = 5
_PORTS = {"http": 80, "https": 443}
_USERINFO = re.compile(r"//[^/?#]*@")


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the default port filled in; None for anything else."""
    try:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        port = parts.port or _PORTS.get(scheme)
    except ValueError:  # a port out of range or not a number
        return None
    if scheme not in _PORTS or not parts.hostname or port is None:
        return None
    return scheme, parts.hostname.lower(), port


def follow(url: str, location: str) -> str:
    """The URL that `location` (a redirect's header, maybe relative) points to from `url`, when it stays in the
    origin of `url`; else a FetchError that names the cleaned target as the finding it is."""
    target = _join(url, location)
    here = origin(url)
    if here is None or origin(target) != here:
        raise FetchError(ProbeError("error", f"redirect to another origin: {shown(target)} not followed"))
    return target


def _join(url: str, location: str) -> str:
    """`location` resolved against `url`, without its fragment (a URL as is when it cannot be joined)."""
    try:
        return urllib.parse.urldefrag(urllib.parse.urljoin(url, location.strip()))[0]
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return location


def shown(url: str) -> str:
    """`url` fit to show or journal: no user name or password, the query and fragment cut to `?…`, cleaned."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        text = urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))
        if parts.query or parts.fragment:
            text += "?…"
    except ValueError:
        head, query, _ = url.partition("?")
        text = _USERINFO.sub("//", head) + ("?…" if query else "")
    return clean(text, 160)


def not_followed(status: int, url: str, location: str | None) -> str:
    """What a control call says of a redirect it did not follow (control calls follow none)."""
    where = shown(_join(url, location)) if location else "nowhere"
    return f"HTTP {status}: redirect to {where} not followed (control calls follow no redirect)"
