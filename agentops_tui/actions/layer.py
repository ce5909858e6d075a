"""The action layer: the one way the dashboard acts on a service, with its checks and its audit trail.

plan() decides whether a request may run (known service, not read-only, some executor can do it, valid
parameters, the restart storm guard) and names the exact operation; the UI shows that for confirmation; run()
writes the journal line, runs the executor and writes the result. The journal line before the action must reach
the disk, or the action does not run (fail closed). No Textual here: this also runs headless and in tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import getpass
import logging
import math
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from agentops_tui.actions.base import DETAIL_LEN, Executor
from agentops_tui.actions.chooser import executor_for
from agentops_tui.actions.docker_exec import DockerExecutor, throttle_params_problem
from agentops_tui.actions.executors import CommandExecutor
from agentops_tui.actions.guard import StormGuard
from agentops_tui.actions.journal import Journal, JournalError, JournalTail
from agentops_tui.actions.model import ALL_KINDS, ActionKind, ActionRequest, Operation, Outcome, Phase, Plan, Refusal
from agentops_tui.actions.syslog import SyslogForward
from probes.config import FleetConfig, ServiceConfig
from probes.config.trust import ALLOW_FLAG
from probes.text.redact import redactor_for
from probes.text.sanitize import clean, clean_json
from probes.view import ServiceView

ViewLookup = Callable[[str], ServiceView | None]
log = logging.getLogger("agentops_tui.actions")
Settle = Callable[[str], Awaitable[ServiceView | None]]

READ_ONLY_REASON = "read-only mode: actions are disabled"
MAX_REQUESTS_PER_MINUTE = 1_000_000  # ~16,700 a second: above any agent's real limit, far below nonsense
SEED_RECORDS = 100_000  # journal records read to seed the storm guard (tail() still reads at most 1 MiB)


def _number(value: float | None) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def view_summary(view: ServiceView | None) -> dict[str, Any] | None:
    """What the journal keeps of a service's state before and after an action."""
    if view is None:
        return None
    return {
        "status": view.status.value,
        "reason": clean(view.reason, 200),
        "latency_p95_s": _number(view.latency_p95_s),
        "error_rate": _number(view.error_rate),
        "active_tasks": _number(view.active_tasks),
    }


def current_user(environ: Mapping[str, str]) -> str:
    """Who acts: the user behind sudo first, then the login user; "unknown" when nothing says."""
    for key in ("SUDO_USER", "USER"):
        name = environ.get(key)
        if name:
            return clean(name, 64)
    try:
        return clean(getpass.getuser(), 64) or "unknown"
    except Exception:  # getpass raises OSError/KeyError when there is no passwd entry and no env var
        return "unknown"


def throttle_problem(params: Mapping[str, Any]) -> str | None:
    """Why throttle parameters are unusable, or None: the limit must be a whole number from 1 to
    MAX_REQUESTS_PER_MINUTE (10^23 once reached a service, and widened the journal until DETAIL fell off)."""
    value = params.get("max_requests_per_minute")
    shown = clean(repr(value), 40)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return f"throttle needs max_requests_per_minute as a whole number >= 1 (got {shown})"
    if value > MAX_REQUESTS_PER_MINUTE:
        return f"throttle needs max_requests_per_minute of at most {MAX_REQUESTS_PER_MINUTE:,} (got {shown})"
    return None


class ActionLayer:
    """Plans, journals and runs actions for one fleet config; call it from one event loop (the UI's)."""

    def __init__(
        self,
        cfg: FleetConfig,
        journal: Journal,
        views: ViewLookup,
        *,
        read_only: bool | None = None,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.cfg = cfg
        self.journal = journal
        self.views = views
        self.read_only = cfg.read_only if read_only is None else read_only
        self.clock = clock
        self.environ: Mapping[str, str] = environ if environ is not None else os.environ
        self.user = current_user(self.environ)
        self.redact = redactor_for(cfg, self.environ)  # operations, outcomes, refusals and every journal line
        self.host = clean(socket.gethostname(), 255)
        self._services: dict[str, ServiceConfig] = {svc.name: svc for svc in cfg.services}
        self.guard = StormGuard(cfg.actions.restart_limit, cfg.actions.restart_window_s, clock)
        self.syslog = SyslogForward(cfg.actions.syslog_address) if cfg.actions.syslog else None
        self._guard_error: str | None = None  # the journal could not be read: restarts cannot be counted
        try:
            self.guard.seed(journal.tail(SEED_RECORDS))
        except JournalError as exc:
            self._guard_error = f"storm guard: cannot read the audit journal to count recent restarts: {exc}"
        self._confirm_failed: dict[str, str] = {}  # plan id -> why its "confirmed" line was not written
        self._done: dict[str, str] = {}  # plan id -> "run" or "cancelled": a plan is used once
        self._issued: set[str] = set()  # ids of the plans plan() made: only those may run (no skipped checks)

    # --- queries ----------------------------------------------------------------------------------------------
    def _executor(self, service: ServiceConfig, kind: ActionKind) -> Executor | str:
        ex = executor_for(service, kind, self.cfg.actions.timeout_s, environ=self.environ)
        if isinstance(ex, CommandExecutor) and self.cfg.untrusted:
            return (f"refusing to run commands from {self.cfg.source}: {self.cfg.untrusted}, so whoever can change "
                    f"it chooses what runs as you (fix the mode, or start with {ALLOW_FLAG})")  # fmt: skip
        return ex

    def supported(self, service: str, kind: ActionKind) -> str | None:
        """None when some executor can do `kind` on `service`, else the reason (nothing is journaled)."""
        svc = self._services.get(service)
        if svc is None:
            return f"unknown service: {clean(service, 120)}"
        if kind not in ALL_KINDS:
            return f"unknown action: {clean(kind, 40)}"
        ex = self._executor(svc, kind)
        return self.redact(ex) if isinstance(ex, str) else None

    def operation(self, service: str, kind: ActionKind, params: dict[str, Any] | None = None) -> Operation | None:
        """The operation a request would run (for the confirmation dialog), or None when it cannot run."""
        svc = self._services.get(service)
        if svc is None or kind not in ALL_KINDS:
            return None
        ex = self._executor(svc, kind)
        if isinstance(ex, str):
            return None
        return self._describe(ex, ActionRequest(service, kind, dict(params or {})))

    def tail(self, limit: int = 500) -> list[dict[str, Any]]:
        """The journal's last records, oldest first (raises JournalError when the file cannot be read)."""
        return self.journal.tail(limit)

    def read_tail(self, limit: int = 500) -> JournalTail:
        """The journal's last records and the count of unreadable lines skipped (raises JournalError)."""
        return self.journal.read_tail(limit)

    def _describe(self, ex: Executor, request: ActionRequest) -> Operation | None:
        """The operation as shown and journaled: a ${VAR} secret in a path or argv shows as ${VAR}."""
        try:
            op = ex.operation(request)
        except Exception:  # odd params (e.g. not JSON-serializable): there is nothing sensible to show
            return None
        return Operation(op.executor, self.redact(op.description))

    def _view(self, service: str) -> ServiceView | None:
        try:
            return self.views(service)
        except Exception:
            return None

    # --- journal ----------------------------------------------------------------------------------------------
    def _write(
        self,
        plan_id: str,
        request: ActionRequest,
        phase: Phase,
        operation: Operation | None,
        *,
        error: str | None = None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        seen: str | None = None,
    ) -> None:
        """One journal line; raises JournalError."""
        ts = self.clock()
        record = {
            "time": dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="milliseconds"),
            "ts": ts,
            "id": plan_id,
            "user": self.user,
            "host": self.host,
            "service": clean(request.service, 200),
            "action": clean(request.kind, 40),
            "params": clean_json(dict(request.params)),
            "phase": phase,
            "executor": operation.executor if operation else None,
            "operation": operation.description if operation else None,
            "error": clean(error, DETAIL_LEN + 200) if error is not None else None,
            "before": before,
            "after": after,
        }
        if seen is not None:  # what a workflow's wait saw (only those lines have it)
            record["seen"] = clean(seen, DETAIL_LEN + 200)
        line = self.redact.value(record)
        self.journal.write(line)
        said = f": {line['error']}" if line["error"] else ""
        log.info("%s %s %s (%s)%s", line["service"], line["action"], phase, plan_id[:8], said)
        if self.syslog is not None:  # a copy; only the file's line is needed to act
            self.syslog.send(line)

    def _refuse(self, plan_id: str, request: ActionRequest, operation: Operation | None, reason: str) -> Refusal:
        reason = self.redact(reason)
        try:
            self._write(plan_id, request, "failed", operation, error=reason)
        except JournalError as exc:
            return Refusal(request, f"cannot write the audit journal: {exc}")
        return Refusal(request, reason)

    # --- planning ---------------------------------------------------------------------------------------------
    def plan(self, request: ActionRequest) -> Plan | Refusal:
        """Journal the request, then check it; a Plan names the exact operation, a Refusal says why not."""
        request = ActionRequest(request.service, request.kind, dict(request.params))  # the caller keeps theirs
        plan_id = uuid.uuid4().hex
        svc = self._services.get(request.service)
        ex: Executor | str | None = None
        if svc is not None:
            ex = self._executor(svc, request.kind) if request.kind in ALL_KINDS else None
        operation = self._describe(ex, request) if ex is not None and not isinstance(ex, str) else None
        try:
            self._write(plan_id, request, "requested", operation, before=view_summary(self._view(request.service)))
        except JournalError as exc:
            return Refusal(request, f"cannot write the audit journal: {exc}")
        reason = self._check(request, svc, ex)
        if reason is None and operation is None:
            reason = f"cannot describe the {clean(request.kind, 40)} operation for {clean(request.service, 120)}"
        if reason is not None:
            return self._refuse(plan_id, request, operation, reason)
        assert operation is not None
        self._issued.add(plan_id)
        return Plan(plan_id, request, operation)

    def _check(self, request: ActionRequest, svc: ServiceConfig | None, ex: Executor | str | None) -> str | None:
        """The checks in order: unknown service, read-only, unsupported, parameters, storm guard."""
        if svc is None:
            return f"unknown service: {clean(request.service, 120)}"
        if self.read_only:
            return READ_ONLY_REASON
        if request.kind not in ALL_KINDS or ex is None:
            return f"unknown action: {clean(request.kind, 40)}"
        if isinstance(ex, str):
            return ex
        if request.kind == "throttle":
            problem = (
                throttle_params_problem(request.params, ex.max_cpus)
                if isinstance(ex, DockerExecutor)
                else throttle_problem(request.params)
            )
            if problem is not None:
                return problem
        if request.kind == "restart":
            return self._guard_check(request.service)
        return None

    def plan_bulk(self, requests: list[ActionRequest]) -> list[Plan | Refusal] | Refusal:
        """Plan each request, unless there are more than actions.max_bulk: then one Refusal, nothing journaled."""
        cap = self.cfg.actions.max_bulk
        if len(requests) > cap:
            return Refusal(None, f"bulk actions are capped at {cap} services; {len(requests)} selected")
        return [self.plan(request) for request in requests]

    def confirm(self, plan: Plan) -> None:
        """The operator said yes. If this line cannot be written, run() will refuse the plan."""
        try:
            self._write(plan.id, plan.request, "confirmed", plan.operation)
        except JournalError as exc:
            self._confirm_failed[plan.id] = str(exc)

    def cancel(self, plan: Plan, reason: str = "cancelled by the operator") -> None:
        """The operator said no (or the dialog went away); the plan can no longer run."""
        if plan.id in self._done:  # already run or cancelled: its journal lines are complete
            return
        self._done[plan.id] = "cancelled"
        with contextlib.suppress(JournalError):  # nothing runs, so there is nothing unjournaled to prevent
            self._write(plan.id, plan.request, "cancelled", plan.operation, error=reason)

    def abandoned(self, request: ActionRequest, detail: str) -> None:
        """A workflow stops halfway because the dashboard goes away; the journal says where it stopped."""
        with contextlib.suppress(JournalError):  # the dashboard is leaving: nothing left to refuse
            self._write(uuid.uuid4().hex, request, "abandoned", None, error=detail)

    async def observe(self, request: ActionRequest, operation: Operation, wait: Callable[[], Awaitable[str]]) -> str:
        """A workflow's wait journaled as a step (started with the view before; succeeded with what it saw, or
        failed with why). It changes nothing, so a journal that cannot be written does not stop it."""
        plan_id = uuid.uuid4().hex
        service = request.service
        with contextlib.suppress(JournalError):
            self._write(plan_id, request, "started", operation, before=view_summary(self._view(service)))
        try:
            seen = await wait()
        except BaseException as exc:
            phase: Phase = "cancelled" if isinstance(exc, asyncio.CancelledError) else "failed"
            with contextlib.suppress(JournalError):
                self._write(plan_id, request, phase, operation, error=clean(str(exc) or type(exc).__name__, 300),
                            after=view_summary(self._view(service)))  # fmt: skip
            raise
        with contextlib.suppress(JournalError):
            self._write(plan_id, request, "succeeded", operation, after=view_summary(self._view(service)), seen=seen)
        return seen

    # --- running ----------------------------------------------------------------------------------------------
    def _recheck(self, plan: Plan) -> str | None:
        """What may have changed since plan(): a used plan, read-only, the storm guard, a lost journal line."""
        if plan.id not in self._issued:
            return "this plan was not made by this action layer's plan(); its checks never ran"
        done = self._done.get(plan.id)
        if done == "run":
            return "this action has already been run; plan it again to repeat it"
        if done == "cancelled":
            return "this action was cancelled; plan it again to run it"
        if plan.id in self._confirm_failed:
            return f"cannot write the audit journal: {self._confirm_failed[plan.id]}"
        if self.read_only:
            return READ_ONLY_REASON
        if plan.request.kind == "restart":
            return self._guard_check(plan.request.service)
        return None

    def _guard_check(self, service: str) -> str | None:
        """The storm guard's answer on the journal as it is now: another dashboard writing the same journal (a
        second operator on the box, see probes.paths) may have restarted the service since this one started."""
        if self._guard_error is not None:
            return self._guard_error
        with contextlib.suppress(JournalError):  # unreadable now: what this dashboard counted still holds
            self.guard.reseed(self.journal.tail(SEED_RECORDS))
        return self.guard.check(service)

    async def run(self, plan: Plan, settle: Settle | None = None) -> Outcome:
        """Journal "started", run the executor, wait for `settle` (or take the current view), journal the end."""
        request = plan.request
        service = request.service
        svc = self._services.get(service)
        reason = self._recheck(plan)
        ex: Executor | str = (
            self._executor(svc, request.kind) if svc is not None else f"unknown service: {clean(service, 120)}"
        )
        if reason is None and isinstance(ex, str):
            reason = ex
        if reason is not None:
            if plan.id not in self._done:  # a used plan already has its closing line; do not contradict it
                self._done[plan.id] = "run"
                with contextlib.suppress(JournalError):
                    self._write(plan.id, request, "failed", plan.operation, error=reason)
            return Outcome(False, reason, "error")
        assert not isinstance(ex, str)
        self._done[plan.id] = "run"
        try:
            self._write(plan.id, request, "started", plan.operation, before=view_summary(self._view(service)))
        except JournalError as exc:
            return Outcome(False, f"cannot write the audit journal: {exc}; the action was not run", "error")
        if request.kind == "restart":
            self.guard.record(service)  # counts from the attempt: a failing restart still loads the service
        try:
            outcome = await ex.run(request)
        except asyncio.CancelledError:
            self._finish(plan, "cancelled", "cancelled while running", self._view(service))
            raise
        except Exception as exc:
            outcome = Outcome(False, clean(f"{type(exc).__name__}: {exc}", DETAIL_LEN), "error")
        outcome = Outcome(outcome.ok, self.redact(outcome.detail), outcome.error_kind)  # what the service echoed
        try:
            after = await settle(service) if settle is not None else self._view(service)
        except asyncio.CancelledError:
            self._finish(plan, "succeeded" if outcome.ok else "failed", None if outcome.ok else outcome.detail, None)
            raise
        except Exception:
            after = self._view(service)
        problem = self._finish(
            plan, "succeeded" if outcome.ok else "failed", None if outcome.ok else outcome.detail, after
        )
        if problem is not None:
            detail = f"{outcome.detail} (the audit journal could not record the result: {problem})"
            outcome = Outcome(outcome.ok, detail, outcome.error_kind)
        return outcome

    def _finish(self, plan: Plan, phase: Phase, error: str | None, after: ServiceView | None) -> str | None:
        """The closing line of a run; returns why it could not be written, if so."""
        try:
            self._write(plan.id, plan.request, phase, plan.operation, error=error, after=view_summary(after))
        except JournalError as exc:
            return str(exc)
        return None
