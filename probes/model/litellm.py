"""Results of the LiteLLM probe, apart from the probe: the screen and the fleet state import these without the
HTTP client (which the poller imports on its own thread, after the first frame)."""

from __future__ import annotations

from dataclasses import dataclass, field

from probes.model.results import HealthResult, MetricsResult, ProbeError
from probes.model.spend import SpendSummary


@dataclass(frozen=True)
class Deployment:
    """One model deployment behind the proxy."""

    name: str
    """litellm_model_name, with the API host when two deployments share a model name."""
    state: str
    """closed (healthy), half_open (partial outage), open (outage / cooling down)."""
    failures: float = 0.0
    cooldowns: float = 0.0


@dataclass(frozen=True)
class KeySpend:
    """Lifetime counters of one model and key, as the proxy reports them (since it started)."""

    model: str
    key: str
    usd: float = 0.0
    requests: float = 0.0
    input_tokens: float = 0.0
    output_tokens: float = 0.0


@dataclass(frozen=True)
class LiteLLMResult:
    """One poll of the proxy."""

    at: float
    elapsed_s: float
    health: HealthResult
    """Liveness + readiness, in the health convention (so status rules apply unchanged)."""
    metrics: MetricsResult
    """Requests, error rate, p95 and in-flight requests; breakers are the deployments."""
    deployments: tuple[Deployment, ...] = ()
    spend: tuple[KeySpend, ...] = ()
    key_budgets: tuple[tuple[str, float], ...] = ()
    """Remaining budget (USD) of each key that has one."""
    summary: SpendSummary | None = None
    """The proxy's spend as a ledger would give it (None with `spend: false` or before a metrics scrape)."""
    error: ProbeError | None = field(default=None)

    @property
    def ok(self) -> bool:
        return self.error is None
