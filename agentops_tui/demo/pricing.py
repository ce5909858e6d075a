"""Demo price table and per-agent call profiles.

The prices are made up for the simulation (USD per million tokens, roughly public list-price shaped); they only
have to make the spend panel move at a believable pace. Token counts are lognormal with the given means, so
:func:`expected_cost_per_call` is exact and the fleet can size its daily budget from it.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# model -> (input, output) USD per million tokens
PRICES: dict[str, tuple[float, float]] = {
    "claude-sonnet-4": (3.00, 15.00),
    "claude-haiku-3.5": (0.80, 4.00),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
}
ANTHROPIC_FALLBACK = {"claude-sonnet-4": "gpt-4o", "claude-haiku-3.5": "gpt-4o-mini"}
TOKEN_SIGMA = 0.5  # lognormal spread of token counts


def provider(model: str) -> str:
    """Breaker dependency a model belongs to."""
    return "anthropic" if model.startswith("claude") else "openai"


def cost_usd(model: str, input_tokens: int, output_tokens: int) -> float:
    """Cost of one call, rounded to a millionth of a dollar like a billing line."""
    p_in, p_out = PRICES[model]
    return round((input_tokens * p_in + output_tokens * p_out) / 1_000_000, 6)


@dataclass(frozen=True)
class Profile:
    """How one kind of agent calls models: model mix, mean tokens per call, what its tasks are."""

    description: str
    models: tuple[tuple[str, float], ...]  # (model, weight)
    input_mean: float
    output_mean: float
    task_types: tuple[str, ...]

    def pick_model(self, rng: random.Random) -> str:
        names = [m for m, _ in self.models]
        return rng.choices(names, weights=[w for _, w in self.models])[0]

    def tokens(self, rng: random.Random, multiplier: float = 1.0) -> tuple[int, int]:
        """Sample (input, output) tokens with means input_mean*multiplier and output_mean*multiplier."""
        mu_shift = -(TOKEN_SIGMA**2) / 2
        n_in = self.input_mean * multiplier * math.exp(rng.gauss(mu_shift, TOKEN_SIGMA))
        n_out = self.output_mean * multiplier * math.exp(rng.gauss(mu_shift, TOKEN_SIGMA))
        return max(1, round(n_in)), max(1, round(n_out))


PROFILES: dict[str, Profile] = {
    "planner": Profile(
        "Plans multi-step tasks",
        (("claude-sonnet-4", 0.5), ("claude-haiku-3.5", 0.3), ("gpt-4o-mini", 0.2)),
        220, 60, ("plan",),
    ),
    "researcher": Profile(
        "Searches and reads sources for the plan",
        (("claude-sonnet-4", 0.3), ("gpt-4o", 0.2), ("gpt-4o-mini", 0.5)),
        300, 60, ("research",),
    ),
    "writer": Profile(
        "Drafts reports from research notes",
        (("claude-sonnet-4", 0.4), ("claude-haiku-3.5", 0.6)),
        160, 90, ("write", "edit"),
    ),
    "summarizer": Profile(
        "Summarizes long documents (the runaway spender)",
        (("claude-haiku-3.5", 0.7), ("gpt-4o-mini", 0.3)),
        500, 50, ("summarize",),
    ),
    "scraper": Profile(
        "Fetches and extracts pages (crash loop)",
        (("gpt-4o-mini", 0.8), ("claude-haiku-3.5", 0.2)),
        400, 60, ("scrape", "extract"),
    ),
}  # fmt: skip
GENERIC = Profile(
    "Generic worker agent",
    (("claude-sonnet-4", 0.2), ("claude-haiku-3.5", 0.4), ("gpt-4o-mini", 0.4)),
    250, 60, ("research", "summarize", "plan", "classify"),
)  # fmt: skip


def profile_for(name: str) -> Profile:
    """The named agents have their own profile; every other agent is generic."""
    return PROFILES.get(name, GENERIC)


def expected_cost_per_call(profile: Profile, multiplier: float = 1.0) -> float:
    """Mean USD of one successful call (token means are exact, see Profile.tokens)."""
    total = sum(w for _, w in profile.models)
    return sum(
        w / total * (profile.input_mean * PRICES[m][0] + profile.output_mean * PRICES[m][1]) * multiplier / 1e6
        for m, w in profile.models
    )
