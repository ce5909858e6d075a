"""The "check models now" executor: a LiteLLM proxy's /health, which sends a real request to every model.

That endpoint costs money and takes as long as the slowest model, so the dashboard never polls it; it runs only as
a confirmed, journaled action. The answer (`healthy_endpoints`, `unhealthy_endpoints` with each one's error) is
summed up in the outcome; endpoint entries can carry API keys and bases, so only model names and cleaned errors
are kept.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping
from typing import Any

import httpx

from agentops_tui.actions.base import DETAIL_LEN, MAX_OUTPUT, REDACTED, hide_userinfo
from agentops_tui.actions.model import ActionKind, ActionRequest, Operation, Outcome
from probes.config import LiteLLMConfig, ServiceConfig
from probes.http.client import classify
from probes.http.redirects import REDIRECTS, not_followed
from probes.http.tls import verifying_context
from probes.text.sanitize import clean

MIN_TIMEOUT_S = 60.0  # every model answers a real request: allow far more than a control call


def _models(entries: Any) -> list[tuple[str, str]]:
    """(model, error) of each endpoint entry, without keys or other fields."""
    out: list[tuple[str, str]] = []
    for e in entries if isinstance(entries, list) else []:
        if isinstance(e, dict):
            out.append((clean(e.get("model", "?"), 60), clean(e.get("error", ""), 120)))
    return out


def summarize(data: Any) -> Outcome:
    """The /health answer as one line: counts, then the unhealthy models and why."""
    if not isinstance(data, dict):
        return Outcome(False, "the proxy's /health answer is not a JSON object", "error")
    healthy = _models(data.get("healthy_endpoints"))
    unhealthy = _models(data.get("unhealthy_endpoints"))
    detail = f"{len(healthy)} healthy, {len(unhealthy)} unhealthy"
    if unhealthy:
        detail += ": " + "; ".join(f"{m} ({err.splitlines()[0] if err else 'no error given'})" for m, err in unhealthy)
        return Outcome(False, clean(detail, DETAIL_LEN), "http")
    return Outcome(True, clean(detail, DETAIL_LEN))


class LiteLLMHealthExecutor:
    """GET {url}/health with the proxy key; one journaled, confirmed call."""

    name = "litellm"

    def __init__(self, cfg: LiteLLMConfig, timeout_s: float, environ: Mapping[str, str] | None = None) -> None:
        self.cfg = cfg
        self.timeout_s = max(timeout_s, MIN_TIMEOUT_S)
        self._environ = environ

    def _url(self) -> str:
        return self.cfg.url.rstrip("/") + "/health"

    def operation(self, request: ActionRequest) -> Operation:
        return Operation(self.name, f"GET {hide_userinfo(self._url())} (a real request to every model: costs money)")

    async def run(self, request: ActionRequest) -> Outcome:
        environ = self._environ if self._environ is not None else os.environ
        key = environ.get(self.cfg.key_env) if self.cfg.key_env else None
        headers = {"Accept": "application/json", **({"Authorization": f"Bearer {key}"} if key else {})}
        try:
            async with httpx.AsyncClient(
                timeout=self.timeout_s, trust_env=False, follow_redirects=False, verify=verifying_context()
            ) as client:
                resp = await asyncio.wait_for(client.get(self._url(), headers=headers), self.timeout_s)
        except asyncio.TimeoutError:
            return Outcome(False, f"timed out after {self.timeout_s:g}s", "timeout")
        except (httpx.HTTPError, OSError) as exc:
            err = classify(exc)
            return Outcome(False, err.message, "refused" if err.kind == "refused" else "error")
        if resp.status_code in REDIRECTS:
            return Outcome(False, not_followed(resp.status_code, self._url(), resp.headers.get("Location")), "http")
        raw = resp.content[:MAX_OUTPUT]
        if resp.status_code in (401, 403):
            hint = f" ({self.cfg.key_env} is not set)" if self.cfg.key_env and not key else ""
            return Outcome(False, f"HTTP {resp.status_code}{hint}", "permission")
        if resp.status_code >= 400:
            return Outcome(
                False, f"HTTP {resp.status_code}: {clean(raw[:200].decode('utf-8', 'replace'), 200)}", "http"
            )
        try:
            outcome = summarize(json.loads(raw))
        except ValueError:
            outcome = Outcome(False, "the proxy's /health answer is not JSON", "error")
        if key and key in outcome.detail:
            outcome = Outcome(outcome.ok, outcome.detail.replace(key, REDACTED), outcome.error_kind)
        return outcome


def offer(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None = None
) -> LiteLLMHealthExecutor | None:
    """The model check of a LiteLLM proxy (the only action this executor does)."""
    if kind != "check_models" or service.litellm is None:
        return None
    return LiteLLMHealthExecutor(service.litellm, timeout_s, environ)
