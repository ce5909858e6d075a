"""Who is in a demo fleet: agent names, how they are packed into processes, their call rates and the budget.

The five named agents each get a process of their own (the crash loop and /admin/restart must not take others
down); generic agents share processes in pools so a 200-agent fleet stays around ten processes. Generic agents
split a fixed total call rate, which keeps a big fleet's CPU and ledger growth bounded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from agentops_tui.demo import schedule
from agentops_tui.demo.pricing import GENERIC, expected_cost_per_call, profile_for

PROXY_NAME = "model-proxy"
PROXY_DESCRIPTION = "Model gateway stand-in (OpenAI-shaped)"
GUIDE_NAME = "guide-agent"
GUIDE_DESCRIPTION = "Written the deployment guide's way: no /admin, breakers only in its JSON log"
QUEUE_NAME = "task-queue"
QUEUE_DESCRIPTION = "Task queue stand-in (Redis protocol); the named agents pull tasks from it"
TASKS_PER_CALL = 1 / 2.5  # an agent's task spans 1-4 calls
QUEUE_LOAD = 0.85  # tasks are enqueued at this share of what the named agents take: a short backlog, usually
NAMED_RATE = 2.0  # calls/s of each named agent
GENERIC_TOTAL_RATE = 20.0  # calls/s shared by all generic agents
POOL_SIZE = 100  # generic agents per process
BASE_BUDGET_USD = 20.0  # daily budget of the default five-agent fleet
SEED_FRACTION = 0.575  # share of the budget already spent earlier today when the demo starts
RARE_PROXY_EVERY = 20  # generic agents of a big fleet send one call in this many through the proxy


@dataclass
class ProcSpec:
    """One child process: what it hosts and the ports it serves (0 until first learned)."""

    key: str
    kind: str  # "agent", "proxy" or "queue"
    names: list[str]
    ports: dict[str, int] = field(default_factory=dict)
    rate: float = NAMED_RATE
    proxy_every: int = 1


def agent_names(services: int) -> list[str]:
    """The named fault agents first, then agent-006, agent-007, ..."""
    named = list(schedule.NAMED_AGENTS[: max(0, services)])
    return named + [f"agent-{i:03d}" for i in range(len(named) + 1, services + 1)]


def generic_rate(n_generic: int) -> float:
    return NAMED_RATE if n_generic <= 0 else min(NAMED_RATE, GENERIC_TOTAL_RATE / n_generic)


def plan_processes(services: int) -> list[ProcSpec]:
    """The proxy, one process per named agent, then pools of generic agents."""
    names = agent_names(services)
    named = [n for n in names if n in schedule.NAMED_AGENTS]
    generic = [n for n in names if n not in schedule.NAMED_AGENTS]
    rate = generic_rate(len(generic))
    every = 1 if len(generic) <= 5 else RARE_PROXY_EVERY
    specs = [ProcSpec(PROXY_NAME, "proxy", [PROXY_NAME]), ProcSpec(QUEUE_NAME, "queue", [QUEUE_NAME])]
    specs += [ProcSpec(n, "agent", [n]) for n in named]
    for i in range(0, len(generic), POOL_SIZE):
        pool = generic[i : i + POOL_SIZE]
        specs.append(ProcSpec(f"pool-{i // POOL_SIZE + 1}", "agent", pool, rate=rate, proxy_every=every))
    return specs


def assign_ports(specs: list[ProcSpec], services: list[str], base_port: int) -> None:
    """Consecutive ports in service order from base_port, or 0 everywhere (ephemeral) when base_port is 0."""
    port_of = {name: (base_port + i if base_port else 0) for i, name in enumerate(services)}
    for spec in specs:
        spec.ports = {name: port_of[name] for name in spec.names}


def hourly_spend(services: int) -> float:
    """Expected USD/hour of the fleet's live calls (the runaway agent counted at its cycle-average ramp)."""
    names = agent_names(services)
    n_generic = sum(1 for n in names if n not in schedule.NAMED_AGENTS)
    ramp = (1.0 + schedule.SPEND_RAMP_MAX) / 2
    total = sum(
        expected_cost_per_call(profile_for(n), ramp if n == schedule.RUNAWAY_AGENT else 1.0) * NAMED_RATE
        for n in names
        if n in schedule.NAMED_AGENTS
    )
    total += n_generic * generic_rate(n_generic) * expected_cost_per_call(GENERIC)
    return total * 3600.0


def daily_budget(services: int) -> float:
    """20 USD for the default fleet, scaled with expected spend so any fleet size creeps at the same pace."""
    full = hourly_spend(len(schedule.NAMED_AGENTS))
    return round(BASE_BUDGET_USD * max(hourly_spend(services), 0.01 * full) / full, 2)


def queue_rate(services: int) -> float:
    """Tasks per second the producer enqueues: a little under what the named agents take when all are up."""
    named = sum(1 for n in agent_names(services) if n in schedule.NAMED_AGENTS)
    return round(QUEUE_LOAD * named * NAMED_RATE * TASKS_PER_CALL, 2)


def description(name: str) -> str:
    if name == QUEUE_NAME:
        return QUEUE_DESCRIPTION
    if name == GUIDE_NAME:
        return GUIDE_DESCRIPTION
    return PROXY_DESCRIPTION if name == PROXY_NAME else profile_for(name).description
