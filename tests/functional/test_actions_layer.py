"""The action layer against the real demo fleet: every action really happens, and the journal says so.

The fleet here is this module's own, with a one-hour fault cycle so no scheduled fault (latency spike, crash loop)
lands during the tests; each test acts on its own agent so the tests do not see each other's effects.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ACTION_KINDS, ActionRequest, Operation, Outcome, Plan, Refusal, Step
from agentops_tui.actions.workflow import DrainWorkflow
from agentops_tui.demo.fleet import DemoFleet
from probes.config import ActionsConfig, ControlConfig, ControlEndpoint, FleetConfig, ServiceConfig
from probes.config.load import load_config
from probes.model import Status
from probes.runtime.runner import PollerThread
from probes.view import FleetSnapshot, ServiceView
from tests.waiting import await_for, wait_for

T = TypeVar("T")
REFRESH_S = 1.0


class Latest:
    """Keeps the poller's newest snapshot; `view` is the ViewLookup the layer and the workflow use."""

    def __init__(self) -> None:
        self.snapshot: FleetSnapshot | None = None

    def publish(self, snapshot: FleetSnapshot) -> None:
        self.snapshot = snapshot

    def view(self, name: str) -> ServiceView | None:
        snapshot = self.snapshot
        if snapshot is None:
            return None
        return next((v for v in snapshot.services if v.name == name), None)


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoFleet]:
    demo = DemoFleet(tmp_path_factory.mktemp("actions-fleet"), services=5, cycle_s=3600, refresh_interval=REFRESH_S)
    demo.start(timeout=30)
    try:
        yield demo
    finally:
        demo.stop()


@pytest.fixture(scope="module")
def cfg(fleet: DemoFleet) -> FleetConfig:
    path = fleet.workdir / "agentops.yaml"
    fleet.write_config(path)
    path.chmod(0o600)
    config, warnings = load_config(path)
    assert warnings == []
    return config


@pytest.fixture(scope="module")
def latest(cfg: FleetConfig) -> Iterator[Latest]:
    latest = Latest()
    poller = PollerThread(cfg, latest.publish)
    poller.start()
    try:
        names = [svc.name for svc in cfg.services]
        seen = lambda: all((v := latest.view(n)) is not None and v.status is not Status.UNKNOWN for n in names)  # noqa: E731
        wait_for(seen, 20, "the poller to see the whole fleet", step=0.1)
        yield latest
    finally:
        poller.stop()


def health(client: httpx.Client, fleet: DemoFleet, name: str) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"http://127.0.0.1:{fleet.port_of(name)}/health").json()
    return body


def requests_total(client: httpx.Client, fleet: DemoFleet, name: str) -> float:
    """The agent's own count of finished calls (agent_requests_total over all labels)."""
    text = client.get(f"http://127.0.0.1:{fleet.port_of(name)}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "agent_requests_total"
    )


# connection errors (a restarting agent) count as "not yet"
eventually = functools.partial(await_for, ignore=(httpx.HTTPError,))


def phases(journal: Journal, plan_id: str) -> list[str]:
    return [r["phase"] for r in journal.tail() if r["id"] == plan_id]


def make_layer(cfg: FleetConfig, path: Path, latest: Latest, **kw: Any) -> tuple[ActionLayer, Journal]:
    journal = Journal(path / "audit.jsonl")
    return ActionLayer(cfg, journal, latest.view, **kw), journal


async def act(layer: ActionLayer, request: ActionRequest, **kw: Any) -> tuple[Plan, Outcome]:
    plan = layer.plan(request)
    assert isinstance(plan, Plan), plan
    layer.confirm(plan)
    return plan, await layer.run(plan, **kw)


async def test_restart_gives_a_fresh_process(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    name = "researcher"
    layer, journal = make_layer(cfg, tmp_path, latest)
    before = await eventually(lambda: (h := health(client, fleet, name))["uptime_s"] >= 3 and h, 15, "uptime >= 3s")
    old_pid = fleet.pid_of(name)
    assert old_pid is not None
    operation = layer.operation(name, "restart")
    assert operation is not None
    assert operation.description == f"POST http://127.0.0.1:{fleet.port_of(name)}/admin/restart"

    async def settle(service: str) -> ServiceView | None:
        """Wait until the dashboard sees the new process (the journal's "after" then shows it)."""
        return await eventually(
            lambda: (v := latest.view(service)) is not None and v.pid not in (None, old_pid) and v, 20, "new pid"
        )

    restarted_at = time.monotonic()
    plan, outcome = await act(layer, ActionRequest(name, "restart"), settle=settle)
    assert outcome.ok and '"restarting": true' in outcome.detail, outcome
    new_pid = await eventually(lambda: (p := fleet.pid_of(name)) not in (None, old_pid) and p, 15, "new pid")
    after = await eventually(lambda: (h := health(client, fleet, name))["uptime_s"] >= 0 and h, 15, "health back")
    assert after["uptime_s"] < before["uptime_s"]
    assert after["uptime_s"] <= time.monotonic() - restarted_at + 1
    assert new_pid != old_pid
    assert phases(journal, plan.id) == ["requested", "confirmed", "started", "succeeded"]
    last = journal.tail()[-1]
    assert last["after"]["status"] in {"OK", "WARN"} and last["before"] is None


async def test_throttle_changes_the_agents_rate(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    name = "summarizer"
    layer, journal = make_layer(cfg, tmp_path, latest)
    assert health(client, fleet, name)["max_requests_per_minute"] is None
    start = requests_total(client, fleet, name)
    await asyncio.sleep(5)
    unthrottled = requests_total(client, fleet, name) - start
    assert unthrottled >= 2  # about two calls a second
    request = ActionRequest(name, "throttle", {"max_requests_per_minute": 6})
    plan, outcome = await act(layer, request)
    assert plan.operation.description == (
        f'POST http://127.0.0.1:{fleet.port_of(name)}/admin/throttle {{"max_requests_per_minute": 6}}'
    )
    assert outcome.ok and '"new": 6' in outcome.detail, outcome
    assert health(client, fleet, name)["max_requests_per_minute"] == 6
    await asyncio.sleep(4)  # calls already in flight finish
    start = requests_total(client, fleet, name)
    await asyncio.sleep(4)
    # More than 6 calls started in the last minute, so the hard cap lets no new call start for now.
    assert requests_total(client, fleet, name) - start == 0
    records = [r for r in journal.tail() if r["id"] == plan.id]
    assert [r["phase"] for r in records] == ["requested", "confirmed", "started", "succeeded"]
    assert all(r["params"] == {"max_requests_per_minute": 6} for r in records)


async def test_bad_throttle_limits_are_refused(cfg: FleetConfig, latest: Latest, tmp_path: Path) -> None:
    layer, journal = make_layer(cfg, tmp_path, latest)
    for bad in (0, -5, "fast", 2.5, True, None):
        refusal = layer.plan(ActionRequest("summarizer", "throttle", {"max_requests_per_minute": bad}))
        assert isinstance(refusal, Refusal)
        assert refusal.reason.startswith("throttle needs max_requests_per_minute as a whole number >= 1")
    assert [r["phase"] for r in journal.tail()] == ["requested", "failed"] * 6


async def test_throttle_limits_are_bounded(cfg: FleetConfig, latest: Latest, tmp_path: Path) -> None:
    """10^23 requests per minute reached the service and widened the journal until DETAIL fell off."""
    layer, journal = make_layer(cfg, tmp_path, latest)
    for bad in (1_000_001, 10**23):
        refusal = layer.plan(ActionRequest("summarizer", "throttle", {"max_requests_per_minute": bad}))
        assert isinstance(refusal, Refusal)
        assert refusal.reason == f"throttle needs max_requests_per_minute of at most 1,000,000 (got {bad})"
    assert [r["phase"] for r in journal.tail()] == ["requested", "failed"] * 2
    plan = layer.plan(ActionRequest("summarizer", "throttle", {"max_requests_per_minute": 1_000_000}))
    assert isinstance(plan, Plan)


async def test_drain_empties_the_agent_then_resume(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    name = "planner"
    layer, journal = make_layer(cfg, tmp_path, latest)
    plan, outcome = await act(layer, ActionRequest(name, "drain"))
    assert outcome.ok and '"draining": true' in outcome.detail
    await eventually(lambda: (h := health(client, fleet, name))["active_tasks"] == 0 and h["draining"], 15, "idle")
    view = await eventually(
        lambda: (v := latest.view(name)) is not None and v.draining and v.active_tasks == 0 and v, 15, "idle view"
    )
    assert view.status is Status.WARN
    resume_plan, resumed = await act(layer, ActionRequest(name, "resume"))
    assert resumed.ok and health(client, fleet, name)["draining"] is False
    await eventually(lambda: (v := latest.view(name)) is not None and not v.draining, 10, "view not draining")
    await eventually(lambda: health(client, fleet, name)["active_tasks"] > 0, 15, "working again")
    for plan_id in (plan.id, resume_plan.id):
        assert phases(journal, plan_id) == ["requested", "confirmed", "started", "succeeded"]


async def test_drain_workflow_with_restart_ends_healthy(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    name = "scraper"
    layer, journal = make_layer(cfg, tmp_path, latest)
    old_pid = fleet.pid_of(name)
    workflow = DrainWorkflow(layer, name, "restart", latest.view, poll_s=0.2, drain_timeout_s=30, healthy_timeout_s=30)
    assert [s.name for s in workflow.steps] == ["drain", "wait_idle", "restart", "wait_healthy", "resume"]
    base = f"http://127.0.0.1:{fleet.port_of(name)}/admin"
    assert [op.description if op else None for op in workflow.preview()] == [
        f"POST {base}/drain", None, f"POST {base}/restart", None, f"POST {base}/resume",
    ]  # fmt: skip
    seen: list[list[Step]] = []
    outcome = await workflow.run(seen.append)
    assert outcome.ok, outcome
    assert [s.state for s in workflow.steps] == ["done"] * 5
    assert [s.state for s in seen[0]] == ["running", "pending", "pending", "pending", "pending"]
    assert [s.state for s in seen[-1]] == ["done"] * 5
    assert seen[0] is not workflow.steps  # copies: the UI may keep them
    assert workflow.steps[1].detail == "0 active tasks"
    body = health(client, fleet, name)
    assert body["status"] == "healthy" and body["draining"] is False
    assert fleet.pid_of(name) not in (None, old_pid)
    view = latest.view(name)
    assert view is not None and view.status is Status.OK and not view.draining
    records = journal.tail()
    assert [(r["action"], r["phase"]) for r in records] == [
        (action, phase)
        for action in ("drain", "restart", "resume")
        for phase in ("requested", "confirmed", "started", "succeeded")
    ]
    restart_started = next(r for r in records if r["action"] == "restart" and r["phase"] == "started")
    assert restart_started["before"]["active_tasks"] == 0


async def test_read_only_refuses_every_action(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, tmp_path: Path
) -> None:
    layer, journal = make_layer(dataclasses.replace(cfg, read_only=True), tmp_path, latest)
    assert layer.read_only
    # start is Docker's (the demo fleet has no containers); check_models a LiteLLM proxy's (planner is none)
    kinds = [k for k in ACTION_KINDS if k not in ("start", "check_models")]
    for kind in kinds:
        params = {"max_requests_per_minute": 10} if kind == "throttle" else {}
        refusal = layer.plan(ActionRequest("planner", kind, params))
        assert refusal == Refusal(ActionRequest("planner", kind, params), "read-only mode: actions are disabled")
        assert layer.supported("planner", kind) is None  # it could, were it allowed
    records = journal.tail()
    assert [(r["action"], r["phase"]) for r in records] == [(k, p) for k in kinds for p in ("requested", "failed")]
    for requested, failed in zip(records[::2], records[1::2], strict=True):
        assert requested["id"] == failed["id"] and failed["error"] == "read-only mode: actions are disabled"
        assert requested["operation"].startswith("POST http://127.0.0.1:")
    bulk = layer.plan_bulk([ActionRequest(n, "drain") for n in ("planner", "writer")])
    assert isinstance(bulk, list) and all(isinstance(r, Refusal) for r in bulk)


async def test_bulk_cap_and_unknown_service(cfg: FleetConfig, latest: Latest, tmp_path: Path) -> None:
    layer, journal = make_layer(cfg, tmp_path, latest)
    every = [ActionRequest(svc.name, "drain") for svc in cfg.services]
    assert len(every) == 7  # five agents, the model proxy and the task queue
    assert layer.plan_bulk(every) == Refusal(None, "bulk actions are capped at 5 services; 7 selected")
    assert journal.tail() == []
    refusal = layer.plan(ActionRequest("nope", "restart"))
    assert refusal == Refusal(ActionRequest("nope", "restart"), "unknown service: nope")
    assert [(r["service"], r["phase"], r["error"]) for r in journal.tail()] == [
        ("nope", "requested", None),
        ("nope", "failed", "unknown service: nope"),
    ]


async def test_an_unwritable_journal_stops_the_action(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    broken = ActionLayer(cfg, Journal(blocker / "audit.jsonl"), latest.view)
    refusal = broken.plan(ActionRequest("planner", "drain"))
    assert isinstance(refusal, Refusal) and refusal.reason.startswith("cannot write the audit journal: ")
    layer, journal = make_layer(cfg, tmp_path, latest)
    plan = layer.plan(ActionRequest("planner", "drain"))
    assert isinstance(plan, Plan)
    layer.confirm(plan)
    journal.path = blocker / "audit.jsonl"  # the disk goes away between the confirmation and the run
    outcome = await layer.run(plan)
    assert not outcome.ok and outcome.error_kind == "error"
    assert outcome.detail.startswith("cannot write the audit journal: ")
    assert health(client, fleet, "planner")["draining"] is False  # the drain was never sent


async def test_the_fourth_restart_in_the_window_is_refused(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    name = "writer"
    assert cfg.actions == ActionsConfig()  # limit 3 in 5 minutes
    layer, journal = make_layer(cfg, tmp_path, latest)

    def replaced(old: int | None) -> bool:
        return fleet.pid_of(name) not in (None, old)

    for _ in range(3):
        old_pid = fleet.pid_of(name)
        _, outcome = await act(layer, ActionRequest(name, "restart"))
        assert outcome.ok, outcome
        await eventually(functools.partial(replaced, old_pid), 15, "new process")
        await eventually(lambda: health(client, fleet, name), 15, "health back")
    refusal = layer.plan(ActionRequest(name, "restart"))
    assert isinstance(refusal, Refusal)
    pattern = r"storm guard: writer restarted 3 times in the last 5m \(limit 3\); next restart allowed in 4m\d+s"
    assert re.fullmatch(pattern, refusal.reason), refusal.reason
    assert isinstance(layer.plan(ActionRequest(name, "drain")), Plan)  # only restarts are limited
    reopened = ActionLayer(cfg, Journal(journal.path), latest.view)  # a new dashboard reads the journal
    again = reopened.plan(ActionRequest(name, "restart"))
    assert isinstance(again, Refusal) and re.fullmatch(pattern, again.reason)
    failed = [r for r in journal.tail() if r["phase"] == "failed"]
    assert len(failed) == 2 and all(r["error"].startswith("storm guard: writer restarted 3 times") for r in failed)


async def test_an_action_on_a_dead_service_is_journaled_before_and_after(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, tmp_path: Path
) -> None:
    name = "writer"
    layer, journal = make_layer(cfg, tmp_path, latest)
    fleet.kill(name)  # left down
    await eventually(lambda: fleet.pid_of(name) is None, 10, "writer gone")
    dead = await eventually(lambda: (v := latest.view(name)) is not None and v.status is Status.CRIT and v, 15, "CRIT")
    assert "refused" in dead.reason
    plan, outcome = await act(layer, ActionRequest(name, "drain"))
    assert (outcome.ok, outcome.error_kind, outcome.detail) == (False, "refused", "connection refused")
    records = [r for r in journal.tail() if r["id"] == plan.id]
    assert [r["phase"] for r in records] == ["requested", "confirmed", "started", "failed"]
    started, failed = records[2], records[3]
    assert started["before"]["status"] == "CRIT" and started["after"] is None
    assert failed["error"] == "connection refused" and failed["after"]["status"] == "CRIT"
    for r in records:
        assert r.keys() == {
            "time", "ts", "id", "user", "host", "service", "action", "params", "phase", "executor", "operation",
            "error", "before", "after",
        }  # fmt: skip
        assert r["executor"] == "http" and r["operation"] == plan.operation.description
        assert r["time"].endswith("+00:00") and isinstance(r["ts"], float)
        assert r["user"] and r["host"]
    raw = journal.path.read_text().splitlines()
    assert all(json.loads(line) for line in raw)


async def test_a_workflow_that_never_sees_idle_does_not_restart(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    name = "planner"
    layer, journal = make_layer(cfg, tmp_path, latest)
    old_pid = fleet.pid_of(name)
    workflow = DrainWorkflow(layer, name, "restart", latest.view, poll_s=0.1, drain_timeout_s=0.05)
    outcome = await workflow.run(lambda steps: None)
    assert (outcome.ok, outcome.error_kind) == (False, "timeout")
    assert re.fullmatch(
        r"wait_idle failed: (still \d+ active tasks|active tasks of planner still unknown) after 0\.05s; "
        r"planner is left draining",
        outcome.detail,
    ), outcome.detail
    assert [s.state for s in workflow.steps] == ["done", "failed", "skipped", "skipped", "skipped"]
    assert [r["action"] for r in journal.tail()] == ["drain"] * 4  # no restart was even requested
    assert fleet.pid_of(name) == old_pid
    assert health(client, fleet, name)["draining"] is True
    _, resumed = await act(layer, ActionRequest(name, "resume"))
    assert resumed.ok


async def test_a_cancelled_workflow_marks_its_steps_and_reraises(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    name = "planner"
    layer, journal = make_layer(cfg, tmp_path, latest)
    seen: list[list[Step]] = []
    workflow = DrainWorkflow(layer, name, "resume", latest.view, poll_s=0.1, drain_timeout_s=30)
    task = asyncio.ensure_future(workflow.run(seen.append))
    await eventually(lambda: workflow.steps[1].state == "running", 5, "waiting for idle")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [s.state for s in workflow.steps] == ["done", "cancelled", "skipped"]
    assert [s.state for s in seen[-1]] == ["done", "cancelled", "skipped"]
    assert [r["phase"] for r in journal.tail()] == ["requested", "confirmed", "started", "succeeded"]
    _, resumed = await act(layer, ActionRequest(name, "resume"))
    assert resumed.ok and health(client, fleet, name)["draining"] is False


async def test_a_refused_step_stops_the_workflow(cfg: FleetConfig, latest: Latest, tmp_path: Path) -> None:
    layer, journal = make_layer(cfg, tmp_path, latest, read_only=True)
    workflow = DrainWorkflow(layer, "planner", "resume", latest.view)
    outcome = await workflow.run(lambda steps: None)
    assert outcome == Outcome(False, "drain failed: read-only mode: actions are disabled", "error")
    assert [(s.state, s.detail) for s in workflow.steps] == [
        ("failed", "read-only mode: actions are disabled"),
        ("skipped", ""),
        ("skipped", ""),
    ]
    assert [r["phase"] for r in journal.tail()] == ["requested", "failed"]


async def test_a_cancelled_plan_never_runs(
    fleet: DemoFleet, cfg: FleetConfig, latest: Latest, client: httpx.Client, tmp_path: Path
) -> None:
    layer, journal = make_layer(cfg, tmp_path, latest)
    plan = layer.plan(ActionRequest("planner", "drain"))
    assert isinstance(plan, Plan)
    layer.cancel(plan)
    outcome = await layer.run(plan)
    assert not outcome.ok and outcome.detail == "this action was cancelled; plan it again to run it"
    assert health(client, fleet, "planner")["draining"] is False
    records = journal.tail()
    assert [(r["phase"], r["error"]) for r in records] == [
        ("requested", None),
        ("cancelled", "cancelled by the operator"),
    ]
    forged = Plan("f" * 32, ActionRequest("planner", "drain"), Operation("http", "POST /admin/drain"))
    refused = await layer.run(forged)
    assert not refused.ok and refused.detail.startswith("this plan was not made by this action layer")
    assert health(client, fleet, "planner")["draining"] is False
    plan, once = await act(layer, ActionRequest("planner", "resume"))
    assert once.ok
    twice = await layer.run(plan)
    assert twice == Outcome(False, "this action has already been run; plan it again to repeat it", "error")
    assert phases(journal, plan.id) == ["requested", "confirmed", "started", "succeeded"]


async def test_cancelling_a_run_journals_cancelled_and_never_the_token(tmp_path: Path) -> None:
    token = "tok-5ecret-value"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts and never answers: the call hangs until cancelled
        control = ControlConfig(
            base_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
            token_env="SVC_ADMIN_TOKEN",
            drain=ControlEndpoint("/admin/drain"),
        )
        cfg = FleetConfig(services=[ServiceConfig(name="svc", control=control)], actions=ActionsConfig(timeout_s=30))
        journal = Journal(tmp_path / "audit.jsonl")
        layer = ActionLayer(cfg, journal, lambda name: None, environ={"SVC_ADMIN_TOKEN": token, "USER": "ops"})
        plan = layer.plan(ActionRequest("svc", "drain"))
        assert isinstance(plan, Plan) and token not in plan.operation.description
        layer.confirm(plan)
        task = asyncio.ensure_future(layer.run(plan))
        await eventually(lambda: phases(journal, plan.id)[-1] == "started", 5, "started")
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    records = journal.tail()
    assert [r["phase"] for r in records] == ["requested", "confirmed", "started", "cancelled"]
    assert records[-1]["error"] == "cancelled while running" and all(r["user"] == "ops" for r in records)
    assert token not in journal.path.read_text()
    assert layer.supported("svc", "restart") == "no restart for svc: no control endpoint or command configured for it"
    assert layer.operation("svc", "restart") is None
