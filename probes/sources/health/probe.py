"""Health endpoint probe: one GET, the JSON convention decoded, anything unexpected kept for the detail view."""

from __future__ import annotations

import json
import os
import re
import time
from typing import Any

from probes.config import HealthConfig
from probes.http.client import Client, FetchError, auth_headers, fetch
from probes.http.parse_thread import parse
from probes.model import MESSAGE_KEYS, HealthResult, ProbeError
from probes.text.sanitize import clean, clean_json

_KNOWN = {"status", "checks", "uptime_s", "breakers", "active_tasks", "draining"}
_STATUS_ALIASES = {
    "healthy": "healthy", "ok": "healthy", "up": "healthy", "pass": "healthy",
    "degraded": "degraded", "warn": "degraded",
    "unhealthy": "unhealthy", "down": "unhealthy", "fail": "unhealthy", "error": "unhealthy",
}  # fmt: skip
_BREAKER_ALIASES = {"closed": "closed", "half_open": "half_open", "half-open": "half_open", "open": "open"}
MESSAGE_LEN = 100
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


class HealthProbe:
    """Polls one service's health URL with the fleet's shared client."""

    def __init__(
        self, service: str, cfg: HealthConfig, client: Client, interval: float, timeout: float,
        max_bytes: int,
    ) -> None:  # fmt: skip
        self.key = f"health:{service}"
        self.service = service
        self.cfg = cfg
        self.client = client
        self.interval = interval
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.url = cfg.url
        self.headers = auth_headers(cfg.headers, cfg.token_env, dict(os.environ))

    async def collect(self) -> HealthResult:
        start = time.monotonic()
        at = time.time()
        try:
            code, body, _ = await fetch(self.client, self.url, self.headers, self.timeout, self.max_bytes)
        except FetchError as exc:
            return self.failed(exc.error, at, time.monotonic() - start)
        return await parse(len(body), self.answer, code, body, at, time.monotonic() - start)

    def answer(self, code: int, body: bytes, at: float, elapsed_s: float, ctype: str = "") -> HealthResult:
        """The result of one response (also called by probes.http.rounds, which does the GET itself)."""
        return parse_health(code, body, at, elapsed_s)

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> HealthResult:
        return HealthResult(at=at, elapsed_s=elapsed_s, error=error)


def parse_health(code: int, body: bytes, at: float, elapsed_s: float) -> HealthResult:
    """Decode a health response. A 5xx without JSON is the service saying it is broken, not our failure."""
    try:
        data: Any = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        if code >= 400:
            said = first_line(body[:4096].decode("utf-8", "replace"), html=True)
            message = f"HTTP {code}: {said}" if said else f"HTTP {code}"
            return HealthResult(at, elapsed_s, code, error=ProbeError("http", message))
        return HealthResult(at, elapsed_s, code, error=ProbeError("garbage", f"HTTP {code} with invalid JSON"))
    if not isinstance(data, dict):
        if code >= 400:
            return HealthResult(at, elapsed_s, code, error=ProbeError("http", f"HTTP {code}"))
        return HealthResult(
            at,
            elapsed_s,
            code,
            error=ProbeError("garbage", f"health JSON is a {type(data).__name__}, not an object"),
        )
    raw_status = data.get("status")
    if raw_status is None:
        status = "healthy" if code < 400 else "unhealthy"
    else:
        status = _STATUS_ALIASES.get(str(raw_status).lower(), "")
        if not status:
            return HealthResult(
                at, elapsed_s, code,
                error=ProbeError("garbage", f"unknown health status {clean(raw_status, 40)!r}"),
            )  # fmt: skip
    if code >= 500 and status == "healthy":
        status = "unhealthy"
    checks = data.get("checks")
    extra = {k: v for k, v in data.items() if k not in _KNOWN}
    return HealthResult(
        at=at,
        elapsed_s=elapsed_s,
        http_status=code,
        status=status,
        checks=clean_json(checks) if isinstance(checks, dict) else {},  # type: ignore[arg-type]
        breakers=_breakers(data.get("breakers")),
        uptime_s=_number(data.get("uptime_s")),
        active_tasks=_int(data.get("active_tasks")),
        draining=data.get("draining") if isinstance(data.get("draining"), bool) else None,
        extra=clean_json(extra),  # type: ignore[arg-type]
        message=body_message(data),
    )


def _breakers(raw: Any) -> dict[str, str]:
    """The body's circuit breakers by dependency (at most 50), their states in our words."""
    if not isinstance(raw, dict):
        return {}
    return {
        clean(dep, 64): _BREAKER_ALIASES.get(str(state).lower(), "unknown") for dep, state in list(raw.items())[:50]
    }


def first_line(text: str, html: bool = False, max_len: int = MESSAGE_LEN) -> str:
    """The first non-blank line of a text (of an HTML page's text: tags dropped), cleaned and bounded."""
    if html and "<" in text:
        text = _TAG.sub("\n", text)
    for line in text.splitlines():
        line = clean(line, 4 * max_len).strip()
        if line:
            return clean(line, max_len)
    return ""


def body_message(data: dict[str, Any]) -> str | None:
    """The body's own words about its state: the first of `message`, `error`, `detail`, `reason` holding text
    (or an object with a `message`, as in `{"error": {"message": ...}}`)."""
    for key in MESSAGE_KEYS:
        value = data.get(key)
        if isinstance(value, dict):
            value = value.get("message")
        if isinstance(value, str) and (line := first_line(value)):
            return line
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    f = float(value)
    return f if f == f and abs(f) != float("inf") else None


def _int(value: Any) -> int | None:
    f = _number(value)
    return int(f) if f is not None else None
