"""Which executor carries out an action on a service: the one place that chooses, reading a table of executors.

`EXECUTORS` maps an executor's name to what the chooser needs of it; a backend names its executors in its
declaration (probes.registry), so a service's executors are those of the backends it configures, in the
registry's order. The HTTP control endpoint and the command are the service's own config sections, not backends.
Executors that need a library the dashboard does not load at start (the D-Bus client, httpx) are imported when an
action first asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from agentops_tui.actions.base import Executor
from agentops_tui.actions.docker_exec import docker_executor_for
from agentops_tui.actions.executors import CommandExecutor, HttpExecutor
from agentops_tui.actions.model import ALL_KINDS, ActionKind
from probes.config import ServiceConfig
from probes.registry import BACKENDS
from probes.text.sanitize import clean

Offer = Callable[[ServiceConfig, ActionKind, float, Mapping[str, str] | None], Executor | str | None]
"""The executor for an action on a service, or why it cannot (str), or None when the action is not its to do."""


@dataclass(frozen=True)
class Entry:
    """One executor in the chooser's table."""

    offer: Offer
    first: tuple[ActionKind, ...] = ()
    """Actions it carries out even when the service has a control endpoint or a command for them."""
    owns: tuple[ActionKind, ...] = ()
    """Actions only it can do; a service without its backend is told `missing`."""
    missing: str = ""
    manager: bool = False
    """A service manager: a service has one, so the first the service configures is the only one asked."""


def _docker(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None
) -> Executor | None:
    return docker_executor_for(service, kind, timeout_s)


def _systemd(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None
) -> Executor | str | None:
    from agentops_tui.actions.systemd_exec import offer  # the D-Bus client loads when an action first needs it

    return offer(service, kind, timeout_s, environ)


def _launchd(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None
) -> Executor | str | None:
    from agentops_tui.actions.launchd_exec import offer

    return offer(service, kind, timeout_s, environ)


def _litellm(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None
) -> Executor | str | None:
    from agentops_tui.actions.litellm_exec import offer  # httpx loads when an action first needs it

    return offer(service, kind, timeout_s, environ)


def _process(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None
) -> Executor | str | None:
    from agentops_tui.actions.process_exec import offer

    return offer(service, kind, timeout_s, environ)


MANAGER_FIRST: tuple[ActionKind, ...] = ("restart", "start", "drain")
"""Done by the service manager even when a control endpoint exists (drain calls the endpoint first). Resume is
the service manager's start only when no control endpoint or command resumes it (its drain stopped it)."""

EXECUTORS: dict[str, Entry] = {
    "docker": Entry(_docker, first=("drain",)),  # HTTP drain (if any) then stop with a grace period, in one
    "systemd": Entry(_systemd, first=MANAGER_FIRST, manager=True),
    "launchd": Entry(_launchd, first=MANAGER_FIRST, manager=True),
    "process": Entry(_process),  # SIGTERM to its PID: a drain when nothing else (endpoint, command, manager) can
    "litellm": Entry(
        _litellm,
        owns=("check_models",),
        missing="no model check for {name}: it is not a LiteLLM proxy (no litellm: section)",
    ),
}


def executor_names(service: ServiceConfig) -> list[str]:
    """The executors of the backends the service configures, in the registry's order."""
    return [name for b in BACKENDS if getattr(service, b.name) is not None for name in b.executors if name in EXECUTORS]


def executor_for(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, *, environ: Mapping[str, str] | None = None
) -> Executor | str:
    """The executor for an action: a backend's for what it does first (Docker's drain, a service manager's
    restart/start/drain), then a control endpoint, then a command, then a backend's; else why none can do it."""
    if kind not in ALL_KINDS:  # getattr below must only ever see an action's name
        return f"unknown action: {clean(kind, 40)}"
    names = executor_names(service)
    for name, entry in EXECUTORS.items():
        if kind in entry.owns:
            if name not in names:
                return entry.missing.format(name=clean(service.name, 120))
            return EXECUTORS[name].offer(service, kind, timeout_s, environ) or entry.missing.format(
                name=clean(service.name, 120)
            )
    offers: list[tuple[Entry, Executor | str]] = []
    managed = False
    for name in names:
        entry = EXECUTORS[name]
        if entry.manager:
            if managed:
                continue
            managed = True
        offered = entry.offer(service, kind, timeout_s, environ)
        if offered is not None:
            offers.append((entry, offered))
    for entry, offered in offers:
        if kind in entry.first and not isinstance(offered, str):
            return offered
    control = service.control
    if control is not None and getattr(control, kind, None) is not None:
        return HttpExecutor(control, timeout_s, environ)
    command = service.command
    if command is not None and getattr(command, kind, None):
        return CommandExecutor(command, environ)
    if offers:
        return offers[0][1]
    return f"no {kind} for {clean(service.name, 120)}: no control endpoint or command configured for it"
