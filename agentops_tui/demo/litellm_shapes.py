"""The LiteLLM shapes the model-proxy stand-in serves, so the dashboard reads it as it reads a real LiteLLM proxy.

`/health/liveliness` and `/health/readiness` answer as LiteLLM 1.106 does, and the proxy's registry gains the
LiteLLM series the dashboard reads (same names and labels as the real proxy's Prometheus callback): requests by
status code, tokens, spend by model and key alias (the calling agent), end-to-end latency, requests in flight, and
each deployment's state, from the failure share of its last calls (0 healthy, 1 partial outage, 2 outage).
"""

from __future__ import annotations

import threading
from collections import deque

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from agentops_tui.demo.pricing import PRICES

LIVELINESS = b'"I\'m alive!"'
READINESS = {"status": "healthy", "db": "Not connected", "cache": None, "litellm_version": "demo"}
API_BASES = {"anthropic": "https://api.anthropic.com", "openai": "https://api.openai.com/v1"}
LATENCY_BUCKETS = (0.005, 0.05, 0.5, 1, 2, 5, 10, 30, 60)
RECENT = 20  # calls per deployment its state is judged on
PARTIAL, OUTAGE = 0.25, 0.6  # failure shares of the recent calls that mean partial outage and outage


class LiteLLMMetrics:
    """LiteLLM's Prometheus series, kept in the stand-in's own registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        r = registry
        self.requests = Counter("litellm_proxy_total_requests_metric", "Requests by status code",
                                ["requested_model", "api_key_alias", "status_code"], registry=r)  # fmt: skip
        self.spend = Counter("litellm_spend_metric", "Spend in USD", ["model", "api_key_alias"], registry=r)
        self.calls = Counter("litellm_requests_metric", "Successful LLM calls", ["model", "api_key_alias"], registry=r)
        self.tokens = Counter("litellm_total_tokens_metric", "Tokens", ["model", "api_key_alias"], registry=r)
        self.tokens_in = Counter("litellm_input_tokens_metric", "Input tokens", ["model", "api_key_alias"], registry=r)
        self.tokens_out = Counter("litellm_output_tokens_metric", "Output tokens", ["model", "api_key_alias"],
                                  registry=r)  # fmt: skip
        self.latency = Histogram("litellm_request_total_latency_metric", "End-to-end latency", ["model"],
                                 buckets=LATENCY_BUCKETS, registry=r)  # fmt: skip
        self.in_flight = Gauge("litellm_in_flight_requests", "Requests in flight", registry=r)
        self.state = Gauge("litellm_deployment_state", "0 healthy, 1 partial outage, 2 outage",
                           ["litellm_model_name", "api_base", "api_provider"], registry=r)  # fmt: skip
        self.failures = Counter("litellm_deployment_failure_responses", "Failed calls per deployment",
                                ["litellm_model_name", "api_base", "api_provider"], registry=r)  # fmt: skip
        self.lock = threading.Lock()
        self.recent: dict[str, deque[bool]] = {m: deque(maxlen=RECENT) for m in PRICES}
        for model in PRICES:
            self.state.labels(*self._deployment(model)).set(0)

    @staticmethod
    def _deployment(model: str) -> tuple[str, str, str]:
        provider = "anthropic" if model.startswith("claude") else "openai"
        return model, API_BASES[provider], provider

    def observe(self, model: str, caller: str, ok: bool, latency_s: float, tin: int, tout: int, usd: float) -> None:
        """One finished call through the proxy."""
        self.requests.labels(model, caller, "200" if ok else "502").inc()
        self.latency.labels(model).observe(latency_s)
        if model not in self.recent:
            return
        with self.lock:
            recent = self.recent[model]
            recent.append(ok)
            share = recent.count(False) / len(recent)
        deployment = self._deployment(model)
        self.state.labels(*deployment).set(2 if share >= OUTAGE else 1 if share >= PARTIAL else 0)
        if not ok:
            self.failures.labels(*deployment).inc()
            return
        self.calls.labels(model, caller).inc()
        self.spend.labels(model, caller).inc(usd)
        self.tokens.labels(model, caller).inc(tin + tout)
        self.tokens_in.labels(model, caller).inc(tin)
        self.tokens_out.labels(model, caller).inc(tout)
