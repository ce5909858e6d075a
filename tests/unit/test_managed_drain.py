"""A drain through a service manager (no drain endpoint): what the dialog says, the steps it plans, and what the
journal says was seen while the agent stopped."""

from __future__ import annotations

import json
from pathlib import Path

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.managed import StopPlan, StopWatch, drains_through_manager
from agentops_tui.actions.managers import Ended, manager_for
from agentops_tui.actions.workflow import DrainWorkflow
from agentops_tui.presentation.workflow import plan_text
from probes.config import ControlConfig, ControlEndpoint, DockerConfig, FleetConfig, ServiceConfig, SystemdConfig

UNIT = ServiceConfig(name="guide-agent", systemd=SystemdConfig(unit="guide-agent.service", bus_address="unix:path=/x"))
PLAN = StopPlan("systemd", "guide-agent.service", 90.0, True, "journalctl -u guide-agent.service")


def line(event: str, at: str, **fields: str) -> str:
    return json.dumps({"timestamp": at, "level": "info", "event": event, **fields})


def test_the_dialog_names_the_target_the_manager_and_the_grace() -> None:
    assert PLAN.summary("restart") == (
        "stops guide-agent.service via systemd: SIGTERM, it finishes its current task, SIGKILL after 90 s; "
        "then starts it and waits for healthy"
    )
    assert PLAN.summary("stay").endswith("SIGKILL after 90 s; it stays stopped")
    unread = StopPlan("systemd", "a.service", 90.0, False)
    assert "SIGKILL after 90 s (systemd's default TimeoutStopSec; the unit's was not read)" in unread.summary("stay")
    docker = StopPlan("docker", "agent-1", 30.0, True, "docker logs agent-1")
    assert docker.summary("stay").startswith("stops agent-1 via docker: SIGTERM, it finishes its current task, "
                                             "SIGKILL after 30 s")  # fmt: skip
    assert docker.watch() == (
        "SIGKILL after 30 s; watching active tasks and docker logs agent-1 (shutdown_requested, shutdown_complete)"
    )
    assert "no SIGKILL from launchctl kill" in StopPlan("launchd", "com.x.agent", None, False).summary("stay")


def test_only_a_manager_drain_without_a_drain_endpoint_goes_through_the_manager() -> None:
    control = ControlConfig(base_url="http://127.0.0.1:1", drain=ControlEndpoint(path="/admin/drain"))
    assert drains_through_manager(UNIT, "systemd")
    assert not drains_through_manager(UNIT, "http")
    assert not drains_through_manager(ServiceConfig(name="x", systemd=UNIT.systemd, control=control), "systemd")
    docker = ServiceConfig(name="d", docker=DockerConfig(container="agent-1", stop_timeout=30))
    manager = manager_for(docker, "docker", 5.0)
    assert manager is not None and (manager.name, manager.target) == ("docker", "agent-1")
    assert manager_for(UNIT, "docker", 5.0) is None


def test_the_planned_steps_and_their_operations(tmp_path: Path) -> None:
    cfg = FleetConfig(services=[UNIT])
    layer = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None)
    manager = manager_for(UNIT, "systemd", 5.0)
    assert manager is not None
    wf = DrainWorkflow(layer, "guide-agent", "restart", layer.views, managed=(manager, PLAN), healthy_timeout_s=60)
    steps = [(s.name, o.description if o else "") for s, o in zip(wf.steps, wf.preview(), strict=True)]
    assert [name for name, _ in steps] == ["stop", "wait_stopped", "start", "wait_healthy"]
    text = plan_text(steps).plain
    assert "1. stop (SIGTERM)\n   systemd StopUnit guide-agent.service (mode replace)" in text
    assert "2. wait until stopped\n   SIGKILL after 90 s; watching active tasks and journalctl -u " \
           "guide-agent.service (shutdown_requested, shutdown_complete)" in text  # fmt: skip
    assert "3. start\n   systemd StartUnit guide-agent.service" in text
    assert text.endswith("4. wait until healthy")  # the sentence above the steps says it
    stay = DrainWorkflow(layer, "guide-agent", "stay", layer.views, managed=(manager, PLAN))
    assert [s.name for s in stay.steps] == ["stop", "wait_stopped"]


def test_what_was_seen_while_it_stopped() -> None:
    manager = manager_for(UNIT, "systemd", 5.0)
    assert manager is not None
    watch = StopWatch(UNIT, manager, PLAN)
    watch.since = 1_800_000_000.0  # 2027-01-15T08:00:00Z
    watch.take(line("shutdown_complete", "2027-01-15T07:59:59+00:00"))  # an earlier stop: not this one
    watch.take(line("shutdown_requested", "2027-01-15T08:00:00.100000+00:00", signal="15"))
    watch.take(line("completing_current_task", "2027-01-15T08:00:01.300000+00:00", task_id="task-12"))
    watch.take("not json at all")
    watch.take(line("shutdown_complete", "2027-01-15T08:00:01.400000+00:00"))
    assert watch.result(Ended(True, "exited cleanly"), 1.6) == (
        "stopped after 1.6 s (exited cleanly); shutdown_complete logged after 1.4 s; task-12 finished first"
    )
    killed = StopWatch(UNIT, manager, StopPlan("docker", "agent-1", 30.0, True, "docker logs agent-1"))
    killed.since = watch.since
    killed.take(line("shutdown_requested", "2027-01-15T08:00:00.100000+00:00"))
    assert killed.result(Ended(True, "exit 137 (SIGKILL)"), 30.4) == (
        "stopped after 30 s (exit 137 (SIGKILL)); shutdown_requested logged, but exited without "
        "shutdown_complete: killed after 30 s?"
    )
    assert "no log to watch" in StopWatch(UNIT, manager, StopPlan("launchd", "x", None, False)).result(Ended(True), 1)


def test_quitting_while_it_stops_journals_abandoned_with_the_step(tmp_path: Path) -> None:
    layer = ActionLayer(FleetConfig(services=[UNIT]), Journal(tmp_path / "audit.jsonl"), lambda name: None)
    manager = manager_for(UNIT, "systemd", 5.0)
    assert manager is not None
    wf = DrainWorkflow(layer, "guide-agent", "restart", layer.views, managed=(manager, PLAN))
    wf.steps[0].state, wf.steps[1].state = "done", "running"
    wf.abandon("the operator quit the dashboard")
    last = layer.tail()[-1]
    assert (last["phase"], last["action"], last["params"]) == ("abandoned", "drain", {"then": "restart"})
    assert last["error"] == ("the operator quit the dashboard at step 2 of 4 (wait_stopped, running); "
                             "guide-agent is left stopping or stopped")  # fmt: skip


def test_a_plain_process_is_asked_with_sigterm_and_never_killed() -> None:
    plan = StopPlan("process", "guide (PID 4242)", None, True, "/var/log/guide.jsonl", 120.0, {"pid": 4242})
    assert plan.summary("stay") == (
        "stops guide (PID 4242) with SIGTERM: it finishes its current task; no SIGKILL: it is not killed if it "
        "does not exit; it stays stopped"
    )
    assert plan.summary("restart").endswith("does not exit; then starts it and waits for healthy")
    assert plan.watch() == (
        "waits at most 120 s; watching active tasks and /var/log/guide.jsonl (shutdown_requested, shutdown_complete)"
    )
    assert (plan.how(), plan.limit()) == ("with SIGTERM", 120.0)
    assert (PLAN.how(), PLAN.limit()) == ("through systemd", 100.0)  # the grace and some: then it is killed
