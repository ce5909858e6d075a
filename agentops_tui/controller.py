"""Turns a key press into a safe action: refusal reasons, dialogs, the layer's journaled run, notifications.

Runs as async Textual workers on the UI loop (the HTTP calls are async; nothing here blocks for long).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.worker import Worker, get_current_worker

from agentops_tui.actions.docker_exec import fmt_memory
from agentops_tui.actions.layer import READ_ONLY_REASON, ActionLayer
from agentops_tui.actions.managed import StopPlan, drains_through_manager, stop_plan
from agentops_tui.actions.managers import Manager, manager_for
from agentops_tui.actions.model import ActionKind, ActionRequest, Outcome, Plan, Refusal, Step
from agentops_tui.actions.workflow import DrainWorkflow
from agentops_tui.presentation import fmt_cpus
from agentops_tui.presentation.answers import answer_summary
from agentops_tui.presentation.workflow import step_label
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.docker_throttle import DockerThrottleScreen
from agentops_tui.screens.drain import MANAGED_CHOICES, THEN_CHOICES, DrainScreen, WorkflowScreen
from agentops_tui.screens.throttle import ThrottleScreen
from probes.config import ServiceConfig
from probes.text.sanitize import clean
from probes.view import ServiceView

VERBS: dict[str, str] = {
    "restart": "Restart", "throttle": "Throttle", "drain": "Drain", "resume": "Resume", "start": "Start",
    "check_models": "Check models on",
}  # fmt: skip


STOPPING_DRAINS = ("docker", "systemd", "launchd")
"""Their drain ends in a stop: after a drain endpoint's call it is one confirmed action with no waits; with no drain
endpoint it is the drain workflow through the manager (stop, watch it stop, start again where chosen)."""


class ActionController:
    """One per app. `request()` is what keys, the palette and tests call."""

    def __init__(self, app: App[Any], layer: ActionLayer, unmark: Callable[[list[str]], None]) -> None:
        """`app` runs the flows and shows their dialogs and toasts; `unmark` uses up the marks of services acted
        on (the next key acts on the selected row again)."""
        self.app = app
        self.layer = layer
        self.view_of = layer.views
        self.unmark = unmark
        self._asking: set[Worker[None]] = set()
        self.workflows: list[DrainWorkflow] = []  # running now; quitting asks first, and journals them abandoned

    @property
    def asking(self) -> bool:
        """An action is between its key and its last question (keys typed meanwhile are dropped, see the app)."""
        self._asking = {w for w in self._asking if not w.is_finished}  # one cancelled before it ran, too
        return bool(self._asking)

    def request(self, names: list[str], kind: ActionKind) -> None:
        worker = self.app.run_worker(self._guarded(names, kind), group="actions", exit_on_error=False)
        self._asking.add(worker)

    def _asked(self) -> None:
        """The current flow has asked its last question; keys go to the screen again."""
        self._asking.discard(get_current_worker())

    async def _guarded(self, names: list[str], kind: ActionKind) -> None:
        """A bug in an action flow becomes a notification, never a traceback on the operator's screen."""
        try:
            await self.flow(names, kind)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the layer journals its own failures; this catches the unexpected
            self.app.notify(
                f"{kind} failed: {type(exc).__name__}: {exc}", title="Action error", severity="error", markup=False
            )
        finally:
            self._asked()

    async def settle(self, name: str) -> ServiceView | None:
        """The service's view after the next poll that follows the action (bounded wait)."""
        start = time.monotonic()
        view = self.view_of(name)
        deadline = start + 2.5 * (view.interval if view else self.layer.cfg.refresh_interval)
        while time.monotonic() < deadline:
            view = self.view_of(name)
            if view is not None and view.updated > start:
                return view
            await asyncio.sleep(0.1)
        return self.view_of(name)

    def _refused(self, refusal: Refusal) -> None:
        who = f"{refusal.request.service}: " if refusal.request else ""
        self.app.notify(f"{who}{refusal.reason}", title="Action refused", severity="error", timeout=8, markup=False)

    def _report(self, plan: Plan, outcome: Outcome) -> None:
        req = plan.request
        said = answer_summary(outcome.detail)  # the journal keeps the raw answer; the toast says it in words
        if outcome.ok:
            self.app.notify(f"{VERBS[req.kind]} {req.service}: {said}", title="Done", timeout=5, markup=False)
        else:
            kind = f" ({outcome.error_kind})" if outcome.error_kind else ""
            self.app.notify(
                f"{VERBS[req.kind]} {req.service} failed{kind}: {said}", title="Action failed",
                severity="error", timeout=10, markup=False)  # fmt: skip

    def why_not(self, names: list[str], kind: ActionKind) -> str | None:
        """The one rule for what is offered (footer, palette) and allowed: None when `kind` can run on every name."""
        if not names:
            return "no service selected"
        if self.layer.read_only:
            return READ_ONLY_REASON
        for name in names:
            reason = self.layer.supported(name, kind) or self._state_problem(name, kind)
            if reason is not None:
                return reason
        return None

    def _state_problem(self, name: str, kind: ActionKind) -> str | None:
        """Resume undoes a drain: only a service seen draining (or, where drain stops it, stopped) is resumed."""
        if kind != "resume":
            return None
        view = self.view_of(name)
        shown = clean(name, 80)
        if view is None:
            return f"no data on {shown} yet: resume is offered once it is seen draining"
        executor = self._executor_name(name, kind)
        if view.draining or executor in ("systemd", "launchd"):  # resume starts the unit; a running one stays
            return None
        if executor == "docker":
            stopped = view.containers and not any(c.state == "running" for c in view.containers)
            return None if stopped else f"{shown} is running: nothing to resume"
        return f"{shown} is not draining: nothing to resume"

    async def flow(self, names: list[str], kind: ActionKind) -> None:
        """A key's whole way: refused, or asked for its parameters, confirmed, run one service at a time."""
        if not names:
            return
        if self.layer.read_only:
            self._refuse_read_only(names, kind)
            return
        reason = self.why_not(names, kind)
        if reason is not None:
            self.app.notify(reason, title=f"No {kind}", severity="warning", timeout=8, markup=False)
            return
        executor = self._executor_name(names[0], kind)
        managed = drains_through_manager(self._service(names[0]), executor)
        if kind == "drain" and len(names) == 1 and (executor not in STOPPING_DRAINS or managed):
            await self.drain_workflow(names[0])
            return
        params = await self._ask_params(names, kind, executor)
        if params is None:
            return
        plans = self._plans([ActionRequest(n, kind, dict(params)) for n in names])
        if plans:
            await self._confirm_and_run(names, plans)

    def _refuse_read_only(self, names: list[str], kind: ActionKind) -> None:
        """Journaled as requested + failed, so even refused attempts are on record."""
        for name in names:
            refusal = self.layer.plan(ActionRequest(name, kind))
            if isinstance(refusal, Refusal):
                self._refused(refusal)

    async def _ask_params(self, names: list[str], kind: ActionKind, executor: str | None) -> dict[str, Any] | None:
        """What the action needs besides the service (a throttle's new limits); None when the operator cancelled."""
        if kind != "throttle":
            return {}
        if executor == "docker":
            return await self._ask_docker_limits(names)
        limit = await self._ask_limit(names)
        return None if limit is None else {"max_requests_per_minute": limit}

    async def _confirm_and_run(self, names: list[str], plans: list[Plan]) -> None:
        kind = plans[0].request.kind
        confirmed = kind == "throttle" and len(plans) == 1  # the throttle dialog already showed the operation
        if not confirmed:
            confirmed = await self._confirm(plans)
        self._asked()
        if not confirmed:
            for p in plans:
                self.layer.cancel(p)
            self.app.notify(f"{VERBS[kind]} cancelled", timeout=3, markup=False)
            return
        self.unmark(names)  # used up: the next key acts on the selected row again
        for p in plans:
            self.layer.confirm(p)
        for p in plans:  # one at a time: a bulk restart never takes every service down at once
            self._report(p, await self.layer.run(p, settle=self.settle))

    def _plans(self, requests: list[ActionRequest]) -> list[Plan]:
        """The requests that passed the layer's checks; each refusal is said (and journaled by the layer)."""
        if len(requests) == 1:
            results: list[Plan | Refusal] = [self.layer.plan(requests[0])]
        else:
            bulk = self.layer.plan_bulk(requests)
            if isinstance(bulk, Refusal):
                self._refused(bulk)
                return []
            results = bulk
        for r in results:
            if isinstance(r, Refusal):
                self._refused(r)
        return [r for r in results if isinstance(r, Plan)]

    async def _confirm(self, plans: list[Plan]) -> bool:
        kind = plans[0].request.kind
        if len(plans) == 1:
            p = plans[0]
            title = f"{VERBS[kind]} {p.request.service}?"
            lines = [("service", p.request.service), ("executor", p.operation.executor),
                     ("operation", p.operation.description)]  # fmt: skip
            single: bool = await self.app.push_screen_wait(ConfirmScreen(title, lines, VERBS[kind]))
            return single
        title = f"{VERBS[kind]} {len(plans)} services?"
        lines = [(p.request.service, f"{p.operation.executor}: {p.operation.description}") for p in plans]
        word = kind.upper()
        bulk: bool = await self.app.push_screen_wait(ConfirmScreen(title, lines, VERBS[kind], typed_word=word))
        return bulk

    def _executor_name(self, name: str, kind: ActionKind) -> str | None:
        params = {"cpus": 1.0} if kind == "throttle" else {}
        op = self.layer.operation(name, kind, params)
        return op.executor if op else None

    async def _ask_docker_limits(self, names: list[str]) -> dict[str, Any] | None:
        """The Docker throttle dialog: shows the containers' current CPU and memory limits, asks the new ones."""
        view = self.view_of(names[0])
        containers = view.containers if view else ()
        current = "; ".join(f"{c.name}: {fmt_cpus(c.cpus_limit)}, memory {fmt_memory(c.mem_limit)}"
                            for c in containers[:3]) or "no container seen yet"  # fmt: skip

        def describe(params: dict[str, Any]) -> str:
            ops = [self.layer.operation(x, "throttle", params) for x in names]
            return "; ".join(o.description for o in ops if o is not None)

        title = names[0] if len(names) == 1 else f"{len(names)} services"
        result = await self.app.push_screen_wait(DockerThrottleScreen(title, current, describe))
        return result if isinstance(result, dict) else None

    async def _ask_limit(self, names: list[str]) -> int | None:
        name = names[0]
        view = self.view_of(name)
        current = dict(view.extra).get("max_requests_per_minute") if view else None
        current_text = f"{current} requests/min" if current not in (None, "") else "no limit reported"
        op = self.layer.operation(name, "throttle", {"max_requests_per_minute": 1})
        executor = op.executor if op else "?"

        def describe(n: int) -> str:
            ops = [self.layer.operation(x, "throttle", {"max_requests_per_minute": n}) for x in names]
            return "; ".join(o.description for o in ops if o is not None)

        title = name if len(names) == 1 else f"{len(names)} services"
        result = await self.app.push_screen_wait(ThrottleScreen(title, executor, current_text, describe))
        return result if isinstance(result, int) else None

    def _service(self, name: str) -> ServiceConfig | None:
        return next((svc for svc in self.layer.cfg.services if svc.name == name), None)

    async def _managed(self, name: str, executor: str | None) -> tuple[Manager, StopPlan] | None:
        """The service manager a drain goes through when there is no drain endpoint, and how it will stop the
        service (its grace read from the manager where it can be)."""
        svc = self._service(name)
        if svc is None or executor is None or not drains_through_manager(svc, executor):
            return None
        actions = self.layer.cfg.actions
        manager = manager_for(svc, executor, actions.timeout_s, self.layer.environ, wait_s=actions.drain_timeout_s)
        return None if manager is None else (manager, await stop_plan(svc, manager))

    def _managed_choices(self, name: str) -> tuple[tuple[str, str], ...]:
        """Starting it again is offered only where something can (a manager; a plain process's command)."""
        if self.layer.supported(name, "start") is None or self.layer.supported(name, "restart") is None:
            return MANAGED_CHOICES
        return MANAGED_CHOICES[:1]

    async def drain_workflow(self, name: str) -> None:
        views = self.view_of
        op = self.layer.operation(name, "drain")
        managed = await self._managed(name, op.executor if op else None)

        def preview(then: str) -> list[tuple[str, str]]:
            wf = DrainWorkflow(self.layer, name, then, views, managed=managed)  # type: ignore[arg-type]
            return [(s.name, o.description if o else "") for s, o in zip(wf.steps, wf.preview(), strict=True)]

        summary = managed[1].summary if managed is not None else None
        choices = THEN_CHOICES if managed is None else self._managed_choices(name)
        dialog = DrainScreen(name, op.executor if op else "?", preview, choices=choices, summary=summary)
        then = await self.app.push_screen_wait(dialog)
        if then is None:
            self.app.notify("Drain cancelled", timeout=3, markup=False)
            return
        self.unmark([name])
        worker = get_current_worker()
        screen = WorkflowScreen(name, on_cancel=worker.cancel)
        await self.app.push_screen(screen)
        self._asked()
        workflow = DrainWorkflow(self.layer, name, then, views, managed=managed)  # type: ignore[arg-type]

        def progress(steps: list[Step]) -> None:
            screen.show_steps(steps)

        self.workflows.append(workflow)
        try:
            outcome = await workflow.run(progress)
        except asyncio.CancelledError:
            screen.show_steps(workflow.steps)
            screen.show_result(False, "cancelled by the operator")
            raise
        finally:
            self.workflows.remove(workflow)
        screen.show_steps(workflow.steps)
        screen.show_result(outcome.ok, outcome.detail)

    def quit_question(self) -> ConfirmScreen | None:
        """Quitting now would stop a running workflow halfway: the question to ask first (None when none runs)."""
        if not self.workflows:
            return None
        wf = self.workflows[0]
        index, step = wf.reached()
        plan = ", ".join(step_label(s.name) for s in wf.steps)
        lines = [
            ("workflow", f"{plan} ({wf.service})"),
            ("step", f"{index} of {len(wf.steps)}: {step_label(step.name)}"),
            ("if you quit", (wf.left_state() or f"{wf.service} is not changed") + "; nothing finishes the rest"),
        ]
        if len(self.workflows) > 1:
            lines.append(("also", ", ".join(w.service for w in self.workflows[1:])))
        return ConfirmScreen(f"Quit while draining {wf.service}?", lines, "Quit")  # fmt: skip

    def abandon_workflows(self, why: str) -> None:
        """The dashboard goes away: every running workflow is journaled `abandoned` with the step it reached."""
        for workflow in list(self.workflows):
            workflow.abandon(why)
