"""What the dashboard does with what it reads: status thresholds, spend budgets, alert rules, and the ways to act
on a service (control endpoints, commands) with the safety layer's settings. Models as in probes.config.models."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Thresholds:
    """When a service turns WARN or CRIT from its numbers (the deployment guide's alert levels)."""

    error_rate_warn: float = 0.05
    """Share of failed requests (0..1) that makes the service WARN; the guide alerts above 5%."""
    error_rate_crit: float = 0.25
    """Share of failed requests that makes the service CRIT."""
    latency_p95_warn_s: float = 10.0
    """p95 request latency in seconds that makes the service WARN; the guide alerts above 10 s."""
    latency_p95_crit_s: float = 30.0
    """p95 request latency in seconds that makes the service CRIT."""
    breaker_open: Literal["ok", "warn", "crit"] = "warn"
    """What an open circuit breaker on any dependency makes the service."""


@dataclass(frozen=True)
class BudgetConfig:
    """LLM spend budgets in USD; a share at `warn_at` turns WARN and at `crit_at` CRIT (the guide: 80%, 100%)."""

    daily_usd: float | None = None
    """Budget for one local calendar day."""
    monthly_usd: float | None = None
    """Budget for one local calendar month."""
    warn_at: float = 0.8
    """Share of a budget (0..1) spent that warns."""
    crit_at: float = 1.0
    """Share of a budget spent that is critical."""


@dataclass(frozen=True)
class AlertRule:
    """One built-in alert rule; unset keys fall back to the service's, then the fleet's, then the default."""

    enabled: bool | None = None
    """false turns the rule off."""
    threshold: float | None = None
    """The value above which the condition holds (the rule's unit: seconds, share, ratio)."""
    for_s: float | None = None
    """Seconds the condition must hold before pending turns firing (Prometheus `for:`)."""
    window_s: float | None = None
    """Average the value over this many seconds before comparing (0: the latest value)."""
    severity: Literal["warning", "critical"] | None = None
    """warning makes the service WARN while the alert fires, critical makes it CRIT."""


@dataclass(frozen=True)
class AlertsConfig:
    """Built-in alert rules (the deployment guide's) and what a firing alert does."""

    bell: bool | None = None
    """Ring the terminal bell when an alert starts firing (default true; fleet-wide only)."""
    latency_p95: AlertRule = field(default_factory=AlertRule)
    """p95 request latency above threshold seconds (default 10 s, for 2 m)."""
    error_rate: AlertRule = field(default_factory=AlertRule)
    """Share of failed requests, averaged over window_s (default 5 m), above threshold (5%) for for_s (2 m)."""
    errors_per_s: AlertRule = field(default_factory=AlertRule)
    """The guide's AgentHighErrorRate as its expr is written: failed requests per second, averaged over window_s
    (5 m), above threshold (0.05/s) for 2 m. Off by default: error_rate is the share its summary means."""
    tokens_per_request: AlertRule = field(default_factory=AlertRule)
    """Tokens per request above threshold (2) times the service's own average of the last 24 h, for 5 m."""
    memory: AlertRule = field(default_factory=AlertRule)
    """Memory above threshold (0.8) of its limit, for 5 m; only where a backend reports a limit."""
    model_latency: AlertRule = field(default_factory=AlertRule)
    """Model API latency (a health check's latency_ms) above threshold seconds (5 s), for 2 m."""
    cost_hourly: AlertRule = field(default_factory=AlertRule)
    """USD per hour above threshold (2) times the hourly budget (daily budget / 24), for 5 m."""
    cost_spike: AlertRule = field(default_factory=AlertRule)
    """The service's own cost estimate (agent_cost_estimate_hourly) above threshold USD per hour (10), for 5 m."""
    breaker_open: AlertRule = field(default_factory=AlertRule)
    """Any circuit breaker open (fires at once by default)."""
    rate_limited: AlertRule = field(default_factory=AlertRule)
    """Rate limits the service's own log reported in the last 5 minutes, above threshold (0: any); fires at once."""
    health_unreachable: AlertRule = field(default_factory=AlertRule)
    """The health endpoint not answering (refused, timeout, DNS, TLS) for 1 m."""
    down: AlertRule = field(default_factory=AlertRule)
    """Prometheus's `up` for the service 0 (its target cannot be scraped) for 1 m: the guide's AgentDown; critical."""
    queue_depth: AlertRule = field(default_factory=AlertRule)
    """Pending tasks above threshold (1) times the queue's depth_limit (fires at once; needs queue.depth_limit)."""
    queue_stalled: AlertRule = field(default_factory=AlertRule)
    """No dequeues while the queue's depth grows, for for_s (60 s); critical."""


@dataclass(frozen=True)
class ControlEndpoint:
    """One HTTP control operation of a service."""

    path: str
    """Path joined to control.base_url, e.g. /admin/drain."""
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    """HTTP method."""


@dataclass(frozen=True)
class ControlConfig:
    """HTTP endpoints that drain, resume, throttle or restart the service (used by the action layer)."""

    base_url: str
    """Base URL the paths are joined to."""
    token_env: str | None = None
    """Environment variable holding a bearer token for the control endpoints."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra request headers of the control calls (${ENV_VAR} allowed), e.g. another auth scheme's header."""
    drain: ControlEndpoint | None = None
    """Stop taking new work and finish what is running."""
    resume: ControlEndpoint | None = None
    """Take work again after a drain."""
    throttle: ControlEndpoint | None = None
    """Set a rate limit; body {"max_requests_per_minute": n}."""
    restart: ControlEndpoint | None = None
    """Restart the service in place."""


@dataclass(frozen=True)
class CommandConfig:
    """Commands run for actions, each an argv list (never a shell string). `{max_requests_per_minute}` in a
    throttle argument is replaced by the requested limit."""

    restart: list[str] | None = None
    """argv that restarts the service, e.g. [systemctl, restart, agent.service]."""
    drain: list[str] | None = None
    """argv that drains the service."""
    resume: list[str] | None = None
    """argv that resumes the service after a drain."""
    throttle: list[str] | None = None
    """argv that sets a rate limit."""
    timeout: float = 30.0
    """Seconds before a command is killed and the action counts as failed."""
    env: dict[str, str] = field(default_factory=dict)
    """The commands' environment (${VAR} allowed), on top of PATH, HOME, LANG, LC_*, TZ, USER and LOGNAME taken
    from the dashboard's; nothing else of the dashboard's environment (API keys, tokens) reaches them."""


@dataclass(frozen=True)
class ActionsConfig:
    """The safety layer every action goes through."""

    max_bulk: int = 5
    """Most services one action may target at once."""
    restart_limit: int = 3
    """Most restarts of one service within restart_window_s (like systemd's StartLimitBurst)."""
    restart_window_s: float = 300.0
    """The storm guard's window in seconds."""
    timeout_s: float = 10.0
    """Seconds before an HTTP control call counts as failed."""
    drain_timeout_s: float = 120.0
    """How long the drain workflow waits for active tasks to reach 0."""
    healthy_timeout_s: float = 60.0
    """How long the drain workflow waits for the service to be healthy again after a restart."""
    journal: str | None = None
    """Audit journal path; default $XDG_STATE_HOME/agentops-tui/audit.jsonl, or /var/lib/agentops-tui/audit.jsonl
    as root or under sudo (one journal, so one storm guard, for every operator of the box)."""
    syslog: bool = False
    """Also send every journal line to syslog (facility authpriv; journald reads it too)."""
    syslog_address: str = "/dev/log"
    """Where syslog listens: a unix socket path (/dev/log; /var/run/syslog on macOS) or host:port (UDP)."""
