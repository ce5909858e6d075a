"""Types of the action layer: requests, plans, refusals and outcomes (frozen: safe to pass around)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ActionKind = Literal["restart", "throttle", "drain", "resume", "start", "check_models"]
ACTION_KINDS: tuple[ActionKind, ...] = ("restart", "throttle", "drain", "resume", "start", "check_models")
"""check_models: a LiteLLM proxy's /health, which calls every model (it costs money, so only on demand)."""
ALL_KINDS = ACTION_KINDS  # every kind some executor may do (start: Docker, systemd, launchd)
Phase = Literal["requested", "confirmed", "started", "succeeded", "failed", "cancelled", "abandoned"]
"""abandoned: the dashboard went away (quit, SIGTERM, SIGHUP) in the middle of a drain workflow."""
ErrorKind = Literal["refused", "timeout", "permission", "http", "not_found", "error"]


@dataclass(frozen=True)
class ActionRequest:
    """What the operator asked for. Throttle carries {"max_requests_per_minute": n} in params, or for the Docker
    executor {"cpus": float, "memory_bytes": int} (either or both)."""

    service: str
    kind: ActionKind
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """Exactly what will be done, shown in the confirmation dialog and written to the journal."""

    executor: str  # "http", "command", "docker", "systemd", "launchd", "litellm" or "process"
    description: str  # e.g. "POST http://127.0.0.1:8101/admin/drain" or "argv: systemctl restart agent"


@dataclass(frozen=True)
class Plan:
    """A request that passed every check, with the operation that will carry it out."""

    id: str  # correlates the journal lines of one action
    request: ActionRequest
    operation: Operation


@dataclass(frozen=True)
class Refusal:
    """Why a request may not run: read-only mode, unsupported, storm guard, bulk cap."""

    request: ActionRequest | None
    reason: str


@dataclass(frozen=True)
class Outcome:
    """How an operation ended. `detail` is a short cleaned summary of the response or the error."""

    ok: bool
    detail: str
    error_kind: ErrorKind | None = None


StepName = Literal["drain", "wait_idle", "restart", "wait_healthy", "resume", "stop", "wait_stopped", "start"]
"""stop, wait_stopped, start: a drain through the service manager (no drain endpoint; the agent drains on SIGTERM)."""
StepState = Literal["pending", "running", "done", "failed", "skipped", "cancelled"]


@dataclass
class Step:
    """One step of the workflow as the progress dialog shows it."""

    name: StepName
    state: StepState = "pending"
    detail: str = ""
