"""Prometheus metrics of one simulated service, named as in the deployment guide the dashboard follows.

Each service gets its own CollectorRegistry so one process can host many agents on separate ports without
their series mixing (and without the default registry's process/GC collectors inflating every scrape).
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

DURATION_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60)
BREAKER_VALUES = {"closed": 0, "half_open": 1, "open": 2}
METRIC_NAMES = (
    "agent_requests_total",
    "agent_tokens_total",
    "agent_request_duration_seconds",
    "agent_active_tasks",
    "agent_cost_estimate_hourly",
    "agent_circuit_breaker_state",
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServiceMetrics:
    """The six series a service exposes on /metrics."""

    def __init__(self, dependencies: tuple[str, ...]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        r = self.registry
        self.requests = Counter("agent_requests", "Model calls", ["model", "status"], registry=r)
        self.tokens = Counter("agent_tokens", "Tokens used", ["model", "direction"], registry=r)
        self.duration = Histogram(
            "agent_request_duration_seconds", "Model call latency", ["model"], buckets=DURATION_BUCKETS, registry=r
        )
        self.active = Gauge("agent_active_tasks", "Tasks in flight", registry=r)
        self.cost_hourly = Gauge("agent_cost_estimate_hourly", "USD/hour at the last minute's pace", registry=r)
        self.breaker = Gauge("agent_circuit_breaker_state", "0 closed, 1 half-open, 2 open", ["dependency"], registry=r)
        for dep in dependencies:
            self.breaker.labels(dependency=dep).set(0)

    def observe_call(self, model: str, ok: bool, latency_s: float, input_tokens: int, output_tokens: int) -> None:
        """Record one finished call."""
        self.requests.labels(model=model, status="success" if ok else "error").inc()
        self.duration.labels(model=model).observe(latency_s)
        if input_tokens:
            self.tokens.labels(model=model, direction="input").inc(input_tokens)
        if output_tokens:
            self.tokens.labels(model=model, direction="output").inc(output_tokens)

    def set_breakers(self, states: dict[str, str]) -> None:
        for dep, state in states.items():
            self.breaker.labels(dependency=dep).set(BREAKER_VALUES[state])

    def render(self) -> bytes:
        return generate_latest(self.registry)
