"""launchd executor: `launchctl kickstart -k` (restart), `kickstart` (start), and drain = the HTTP drain when one is
configured, then `launchctl kill SIGTERM`. A KeepAlive job is relaunched by launchd after that; stopping it for good
is `launchctl bootout`, which the confirmation says and which we never do from the dashboard.
"""

from __future__ import annotations

from collections.abc import Mapping

from agentops_tui.actions.base import DETAIL_LEN, Executor
from agentops_tui.actions.executors import DrainFirst
from agentops_tui.actions.model import ActionKind, ActionRequest, ErrorKind, Operation, Outcome
from probes.config import ServiceConfig
from probes.sources.launchd.probe import NOT_FOUND, LaunchctlError, domain_target, launchctl
from probes.text.sanitize import clean


def argv(kind: str, target: str) -> list[str]:
    """The launchctl arguments of an action."""
    if kind == "restart":
        return ["kickstart", "-k", target]
    if kind in ("start", "resume"):  # resume after our drain, which stopped the job
        return ["kickstart", target]
    return ["kill", "SIGTERM", target]


class LaunchdExecutor:
    name = "launchd"

    def __init__(self, service: ServiceConfig, timeout_s: float, environ: Mapping[str, str] | None = None) -> None:
        assert service.launchd is not None and service.launchd.label
        self.target = f"{domain_target(service.launchd.domain)}/{service.launchd.label}"
        self.timeout_s = timeout_s
        self.http_drain = DrainFirst(service.control, timeout_s, environ)

    def operation(self, request: ActionRequest) -> Operation:
        text = "launchctl " + " ".join(argv(request.kind, self.target))
        if request.kind == "drain":
            text = self.http_drain.describe(request, text)
            text += f". A KeepAlive job is relaunched by launchd; to stop it for good: launchctl bootout {self.target}"
        return Operation(self.name, clean(text, DETAIL_LEN + 200))

    async def run(self, request: ActionRequest) -> Outcome:
        drain_failed = await self.http_drain.run(request, f"drain call failed, {self.target} not signalled")
        if drain_failed is not None:
            return drain_failed
        args = argv(request.kind, self.target)
        try:
            code, out, err = await launchctl(*args, timeout=self.timeout_s)
        except LaunchctlError as exc:
            return Outcome(False, exc.error.message, "timeout" if exc.error.kind == "timeout" else "not_found")
        text = clean((err or out).decode("utf-8", "replace").strip(), DETAIL_LEN)
        if code == 0:
            return Outcome(True, text or f"launchctl {' '.join(args)}: done")
        kind: ErrorKind = "error"
        if code == NOT_FOUND:
            kind = "not_found"
        elif "not permitted" in text.lower() or "permission" in text.lower():
            kind = "permission"
        return Outcome(
            False, f"launchctl {args[0]} exit {code}: {text}" if text else f"launchctl {args[0]} exit {code}", kind
        )


KINDS: tuple[ActionKind, ...] = ("restart", "start", "drain", "resume")


def offer(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None = None
) -> Executor | str | None:
    """The launchd executor, or why launchd cannot do it (str), or None when it is not launchd's to do."""
    if service.launchd is None:
        return None
    name = clean(service.name, 120)
    if kind == "throttle":
        return (
            f"no throttle for {name}: launchd cannot limit a running job; configure control.throttle "
            "(the agent's own rate-limit endpoint)"
        )
    if kind not in KINDS:
        return None
    if not service.launchd.label:
        return f"no {kind} for {name}: launchd actions need one job label (label:), not a prefix"
    return LaunchdExecutor(service, timeout_s, environ)
