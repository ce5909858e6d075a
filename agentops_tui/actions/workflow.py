"""The drain workflow: drain, wait until idle, then stay drained, resume, or restart and resume once healthy.

Restarting a busy agent loses its in-flight tasks; draining first and waiting for zero active tasks does not.
The operator confirms the whole workflow once; each action step still goes through the action layer (its checks,
the storm guard, the journal). A wait that times out stops the workflow: a service that never went idle is not
restarted, and one that never came back healthy is not resumed.

A service with no drain endpoint but a service manager (an agent written the deployment guide's way, which drains
on SIGTERM) is drained through the manager instead: stop (SIGTERM, SIGKILL after the grace), wait until stopped
while its log and active tasks are watched, then where chosen start it and wait until healthy. Those waits are
journaled as steps too, with what they saw (managed.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Callable
from typing import Any, Literal

from agentops_tui.actions.layer import ActionLayer, ViewLookup
from agentops_tui.actions.managed import StopPlan, StopWatch
from agentops_tui.actions.managers import Manager
from agentops_tui.actions.model import (
    ActionKind,
    ActionRequest,
    ErrorKind,
    Operation,
    Outcome,
    Refusal,
    Step,
    StepName,
    StepState,
)
from probes.config import ServiceConfig
from probes.model import Status
from probes.text.sanitize import clean
from probes.view import ServiceView

Then = Literal["stay", "resume", "restart"]  # after draining: stay drained; resume; or restart, wait healthy, resume

STEPS: dict[str, tuple[StepName, ...]] = {
    "stay": ("drain", "wait_idle"),
    "resume": ("drain", "wait_idle", "resume"),
    "restart": ("drain", "wait_idle", "restart", "wait_healthy", "resume"),
}
MANAGED_STEPS: dict[str, tuple[StepName, ...]] = {
    "stay": ("stop", "wait_stopped"),
    "restart": ("stop", "wait_stopped", "start", "wait_healthy"),
}
ACTION_OF: dict[str, ActionKind] = {
    "drain": "drain", "restart": "restart", "resume": "resume", "stop": "drain", "start": "start",
}  # fmt: skip
WAIT_ACTION: dict[str, ActionKind] = {"wait_stopped": "drain", "wait_healthy": "start"}  # journaled under these
STALE_AFTER_POLLS = 3  # as on the dashboard: no new data for three intervals means the view is old
UPTIME_SLACK_S = 2.0  # rounding of uptime_s and the gap between a poll and our clock
DRAIN_REASONS = {"draining", "degraded"}  # what a health check says while draining and nothing else is wrong


class StepFailed(Exception):
    """A step could not complete; the workflow stops there."""

    def __init__(self, detail: str, kind: ErrorKind = "error") -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind: ErrorKind = kind


def _count(value: float) -> str:
    return f"{value:g}"


class DrainWorkflow:
    """Runs the steps for `then` against one service, reporting progress after every state change."""

    def __init__(
        self,
        layer: ActionLayer,
        service: str,
        then: Then,
        views: ViewLookup,
        *,
        poll_s: float = 0.5,
        drain_timeout_s: float | None = None,
        healthy_timeout_s: float | None = None,
        managed: tuple[Manager, StopPlan] | None = None,
    ) -> None:
        plans = STEPS if managed is None else MANAGED_STEPS
        if then not in plans:
            raise ValueError(f"then must be one of {', '.join(plans)}, not {then!r}")
        actions = layer.cfg.actions
        self.layer = layer
        self.service = service
        self.then = then
        self.views = views
        self.poll_s = poll_s
        self.drain_timeout_s = actions.drain_timeout_s if drain_timeout_s is None else drain_timeout_s
        self.healthy_timeout_s = actions.healthy_timeout_s if healthy_timeout_s is None else healthy_timeout_s
        self.steps: list[Step] = [Step(name) for name in plans[then]]
        self.managed = managed
        self._watch: StopWatch | None = None
        self._drained_at: float | None = None  # monotonic time the drain call returned
        self._restart_at: float | None = None  # monotonic time the restart step began
        self._uptime_before: float | None = None
        self._draining_before = False  # the view already said draining before our drain (an earlier one)
        self.abandoned = False

    def preview(self) -> list[Operation | None]:
        """Per step, the operation it will run (None for the waits), for the one confirmation dialog."""
        return [
            self.layer.operation(self.service, self._kind(step.name))
            if step.name in ACTION_OF
            else self._watching(step)
            if step.name == "wait_stopped"
            else None
            for step in self.steps
        ]

    def _kind(self, name: StepName) -> ActionKind:
        """The action a step runs. Starting again after a managed stop is `start`; a plain process whose command
        only restarts it is started with that (a restart of a stopped process is a start)."""
        kind = ACTION_OF[name]
        supported = self.layer.supported
        if (
            kind == "start"
            and supported(self.service, "start") is not None
            and supported(self.service, "restart") is None
        ):
            return "restart"
        return kind

    def _watching(self, step: Step) -> Operation | None:
        """What a managed drain's wait watches (the existing waits have no operation)."""
        if self.managed is None:
            return None
        if step.name == "wait_stopped":
            return Operation("watch", self.managed[1].watch())
        return Operation("watch", f"until {self.service} is healthy again (at most {_count(self.healthy_timeout_s)} s)")

    # --- running ----------------------------------------------------------------------------------------------
    async def run(self, on_progress: Callable[[list[Step]], None]) -> Outcome:
        """Run every step in order; a failed step stops the rest (skipped). CancelledError is re-raised."""
        current: Step | None = None
        try:
            for index, step in enumerate(self.steps):
                current = step
                self._set(step, "running", "", on_progress)
                try:
                    detail = await self._do(step, on_progress)
                except Exception as exc:  # StepFailed, or a bug: either way the workflow stops here
                    failed = exc if isinstance(exc, StepFailed) else StepFailed(clean(f"{type(exc).__name__}: {exc}"))
                    step.state, step.detail = "failed", failed.detail
                    for later in self.steps[index + 1 :]:
                        later.state = "skipped"
                    self._report(on_progress)
                    return Outcome(False, f"{step.name} failed: {failed.detail}{self._left_note()}", failed.kind)
                self._set(step, "done", detail, on_progress)
        except asyncio.CancelledError:
            if current is not None and current.state == "running":
                current.state, current.detail = "cancelled", "cancelled"
            for step in self.steps:
                if step.state == "pending":
                    step.state = "skipped"
            self._report(on_progress)
            raise
        finally:
            if self._watch is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._watch.close(), 15.0)
        return Outcome(True, self._summary())

    def _set(self, step: Step, state: StepState, detail: str, on_progress: Callable[[list[Step]], None]) -> None:
        step.state, step.detail = state, detail
        self._report(on_progress)

    def _report(self, on_progress: Callable[[list[Step]], None]) -> None:
        """Hand the UI a copy; a failing progress callback must not stop a workflow halfway (service drained)."""
        with contextlib.suppress(Exception):
            on_progress([dataclasses.replace(step) for step in self.steps])

    def _summary(self) -> str:
        if self.managed is not None:
            stopped = next((s.detail for s in self.steps if s.name == "wait_stopped"), "")
            again = "; started again and healthy" if self.then == "restart" else "; it stays stopped"
            return f"{self.service} drained {self.managed[1].how()}: {stopped}{again}"
        if self.then == "stay":
            return f"{self.service} drained: no active tasks; it stays draining until resumed"
        if self.then == "resume":
            return f"{self.service} drained and resumed"
        return f"{self.service} drained, restarted, healthy again and resumed"

    def _left_note(self) -> str:
        left = self.left_state()
        return f"; {left}" if left else ""

    def left_state(self) -> str:
        """What stopping now leaves behind ("" when nothing was changed yet)."""
        done = {step.name for step in self.steps if step.state == "done"}
        if "start" in done:
            return f"{self.service} was started again but not yet seen healthy"
        if "stop" in done:
            return f"{self.service} is left stopping or stopped"
        if self.steps[0].state == "running" and self.steps[0].name == "stop":
            return f"the stop may already have reached {self.service}"
        if "restart" in done:
            return f"{self.service} was restarted but not resumed"
        if "drain" in done:
            return f"{self.service} is left draining"
        if self.steps[0].state == "running":
            return f"the drain request may already have reached {self.service}"
        return ""

    def reached(self) -> tuple[int, Step]:
        """The step the workflow is at (1-based): the first one not done."""
        for index, step in enumerate(self.steps, start=1):
            if step.state != "done":
                return index, step
        return len(self.steps), self.steps[-1]

    def abandon(self, why: str) -> None:
        """The dashboard goes away mid-workflow: journal the step reached and what that leaves (once)."""
        if self.abandoned:
            return
        self.abandoned = True
        index, step = self.reached()
        left = self.left_state() or f"{self.service} was not changed"
        detail = f"{why} at step {index} of {len(self.steps)} ({step.name}, {step.state}); {left}"
        self.layer.abandoned(ActionRequest(self.service, "drain", {"then": self.then}), detail)

    async def _do(self, step: Step, on_progress: Callable[[list[Step]], None]) -> str:
        if step.name == "wait_idle":
            return await self._wait_idle()
        if step.name in WAIT_ACTION and self.managed is not None:
            return await self._observed(step, on_progress)
        if step.name == "wait_healthy":
            return await self._wait_healthy()
        if step.name == "stop" and self.managed is not None:
            self._watch = StopWatch(self._config(), *self.managed)
            await self._watch.begin()  # before the SIGTERM: the log's shutdown_requested comes right after it
            return await self._act("drain", self.managed[1].expect)
        return await self._act(self._kind(step.name))

    def _config(self) -> ServiceConfig:
        return next(svc for svc in self.layer.cfg.services if svc.name == self.service)

    async def _observed(self, step: Step, on_progress: Callable[[list[Step]], None]) -> str:
        """A managed drain's wait, journaled as a step through the action layer with what it saw."""
        operation = self._watching(step)
        assert operation is not None
        request = ActionRequest(self.service, WAIT_ACTION[step.name], {"step": step.name})

        def report(detail: str) -> None:
            step.detail = detail
            self._report(on_progress)

        async def wait() -> str:
            if step.name == "wait_healthy":
                return await self._wait_healthy()
            assert self._watch is not None
            return await self._watch.wait(self._view, report, self.poll_s)

        try:
            return await self.layer.observe(request, operation, wait)
        except TimeoutError as exc:
            raise StepFailed(str(exc), "timeout") from None

    async def _act(self, kind: ActionKind, params: dict[str, Any] | None = None) -> str:
        """One action through the layer; `params` carry what the stop must still find (a process's PID)."""
        plan = self.layer.plan(ActionRequest(self.service, kind, dict(params or {})))
        if isinstance(plan, Refusal):
            raise StepFailed(plan.reason)
        self.layer.confirm(plan)
        before = self._view()
        if kind == "drain":
            self._draining_before = before is not None and before.draining
        if kind in ("restart", "start"):
            self._restart_at = time.monotonic()
            self._uptime_before = before.uptime_s if before is not None else None
        outcome = await self.layer.run(plan)
        if not outcome.ok:
            raise StepFailed(outcome.detail, outcome.error_kind or "error")
        if kind == "drain":
            self._drained_at = time.monotonic()
        return outcome.detail

    # --- waits ------------------------------------------------------------------------------------------------
    def _view(self) -> ServiceView | None:
        try:
            return self.views(self.service)
        except Exception:
            return None

    def _usable(self) -> ServiceView | None:
        """The current view if it tells us something: not missing, UNKNOWN or STALE (those are waited through)."""
        view = self._view()
        if view is None or view.status is Status.UNKNOWN or view.status is Status.STALE:
            return None
        if time.monotonic() - view.updated > STALE_AFTER_POLLS * view.interval:
            return None
        return view

    def _after_drain(self, view: ServiceView) -> bool:
        """The view reflects a poll made after the drain.

        `updated` moves with any source (a ledger read rebuilds the view with the old health result), so it is
        not enough alone: either the view turned to draining when it was not before our drain, or it is two poll
        intervals newer than the drain (every timeout is shorter than its interval, so a poll started after the
        drain has finished by then).
        """
        drained = self._drained_at if self._drained_at is not None else 0.0
        if view.updated <= drained:
            return False
        return (view.draining and not self._draining_before) or view.updated - drained >= 2 * view.interval

    async def _wait_idle(self) -> str:
        deadline = time.monotonic() + self.drain_timeout_s
        last: float | None = None
        while True:
            view = self._usable()
            if view is not None and view.active_tasks is not None and self._after_drain(view):
                if view.active_tasks == 0:
                    return "0 active tasks"
                last = view.active_tasks
            if time.monotonic() >= deadline:
                waited = _count(self.drain_timeout_s)
                if last is None:
                    raise StepFailed(f"active tasks of {self.service} still unknown after {waited}s", "timeout")
                raise StepFailed(f"still {_count(last)} active tasks after {waited}s", "timeout")
            await asyncio.sleep(max(0.0, min(self.poll_s, deadline - time.monotonic())))

    def _healthy(self, view: ServiceView) -> bool:
        """OK, or WARN only because it is draining."""
        if view.status is Status.OK:
            return True
        reasons = {part.strip() for part in view.reason.split(";")}
        return view.status is Status.WARN and view.draining and reasons <= DRAIN_REASONS

    def _restarted(self, view: ServiceView, started: float) -> bool:
        """The view shows the service after the restart: younger than the restart when it reports uptime (and
        was older before), else at least two poll intervals newer than the restart (see _after_drain)."""
        since = time.monotonic() - started + UPTIME_SLACK_S
        if view.uptime_s is not None and self._uptime_before is not None and self._uptime_before > since:
            return view.uptime_s <= since
        return view.updated - started >= 2 * view.interval

    async def _wait_healthy(self) -> str:
        started = self._restart_at if self._restart_at is not None else time.monotonic()
        deadline = time.monotonic() + self.healthy_timeout_s
        last: ServiceView | None = None
        while True:
            view = self._usable()
            if view is not None and view.updated > started:
                last = view
                if self._healthy(view) and self._restarted(view, started):
                    return f"{view.status.value}: {view.reason}"
            if time.monotonic() >= deadline:
                waited = _count(self.healthy_timeout_s)
                if last is None:
                    raise StepFailed(f"no fresh view of {self.service} after {waited}s", "timeout")
                if self._healthy(last):
                    up = _count(last.uptime_s or 0.0)
                    raise StepFailed(f"no sign of the restart after {waited}s (uptime still {up}s)", "timeout")
                raise StepFailed(f"not healthy after {waited}s: {last.status.value} {last.reason}", "timeout")
            await asyncio.sleep(max(0.0, min(self.poll_s, deadline - time.monotonic())))
