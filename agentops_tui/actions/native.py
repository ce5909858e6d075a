"""Which service-manager executor (systemd, launchd) can carry out an action on a service, if any."""

from __future__ import annotations

from collections.abc import Mapping

from agentops_tui.actions.executors import Executor
from agentops_tui.actions.model import ActionKind
from probes.config import ServiceConfig
from probes.text.sanitize import clean

NATIVE_FIRST: tuple[ActionKind, ...] = ("restart", "start", "drain")
"""Done by the service manager even when a control endpoint exists (drain calls the endpoint first). Resume is
the service manager's start only when no control endpoint or command resumes it (its drain stopped it)."""


def native_executor(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None = None
) -> Executor | str | None:
    """The executor, or why the service manager cannot do it (str), or None when the service has none."""
    name = clean(service.name, 120)
    if service.systemd is not None:
        if kind not in ("restart", "start", "drain", "throttle", "resume"):
            return None
        if not service.systemd.unit:
            return f"no {kind} for {name}: systemd actions need one unit (unit:), not a pattern"
        from agentops_tui.actions.systemd_exec import SystemdExecutor

        return SystemdExecutor(service, timeout_s, environ)
    if service.launchd is not None:
        if kind == "throttle":
            return (
                f"no throttle for {name}: launchd cannot limit a running job; configure control.throttle "
                "(the agent's own rate-limit endpoint)"
            )
        if kind not in ("restart", "start", "drain", "resume"):
            return None
        if not service.launchd.label:
            return f"no {kind} for {name}: launchd actions need one job label (label:), not a prefix"
        from agentops_tui.actions.launchd_exec import LaunchdExecutor

        return LaunchdExecutor(service, timeout_s, environ)
    return None
