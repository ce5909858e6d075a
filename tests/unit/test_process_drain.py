"""A plain process drained with SIGTERM to its PID (no drain endpoint, no service manager): the PID read when the
action runs, refused with the reason when it is missing, stale or another process now, and never killed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_tui.actions.chooser import executor_for
from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import READ_ONLY_REASON, ActionLayer
from agentops_tui.actions.managed import StopWatch, drains_through_manager, stop_plan
from agentops_tui.actions.managers import ProcessManager, manager_for
from agentops_tui.actions.model import ActionRequest, Refusal
from agentops_tui.actions.process_exec import ProcessExecutor, identify, terminate
from agentops_tui.actions.workflow import DrainWorkflow
from agentops_tui.presentation.workflow import plan_text
from probes.config import ControlConfig, ControlEndpoint, FleetConfig, ProcessConfig, ServiceConfig

IGNORES_TERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print(1, flush=True); time.sleep(60)"
)


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    """A process of ours that ignores SIGTERM: it can be signalled but never drains."""
    proc = subprocess.Popen([sys.executable, "-c", IGNORES_TERM], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline()  # its handler is in place
    yield proc
    proc.kill()
    proc.wait(10)


def service(pidfile: Path, **more: object) -> ServiceConfig:
    return ServiceConfig(name="guide", process=ProcessConfig(pidfile=str(pidfile)), **more)  # type: ignore[arg-type]


def test_the_process_executor_drains_only_what_nothing_else_can(tmp_path: Path, child: subprocess.Popen[bytes]) -> None:
    pidfile = tmp_path / "guide.pid"
    pidfile.write_text(f"{child.pid}\n")
    ex = executor_for(service(pidfile), "drain", 5.0)
    assert isinstance(ex, ProcessExecutor) and drains_through_manager(service(pidfile), "process")
    control = ControlConfig(base_url="http://127.0.0.1:1", drain=ControlEndpoint(path="/admin/drain"))
    assert executor_for(service(pidfile, control=control), "drain", 5.0).name == "http"  # type: ignore[union-attr]
    assert isinstance(executor_for(service(pidfile), "restart", 5.0), str)  # a signal never restarts it


def test_missing_and_stale_pidfiles_are_refused_with_the_reason(tmp_path: Path) -> None:
    pidfile = tmp_path / "guide.pid"
    assert (
        executor_for(service(pidfile), "drain", 5.0)
        == f"no drain for guide: its pidfile {pidfile} is missing or unreadable"
    )
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(10)
    pidfile.write_text(f"{gone.pid}\n")
    assert (
        identify(ProcessConfig(pidfile=str(pidfile)))
        == f"its pidfile {pidfile} is stale: PID {gone.pid} is not running"
    )
    assert identify(ProcessConfig(pid=1)) == "its pid: names PID 1, which the dashboard never signals"


def test_a_reused_pid_or_a_rewritten_pidfile_is_not_signalled(tmp_path: Path, child: subprocess.Popen[bytes]) -> None:
    pidfile = tmp_path / "guide.pid"
    pidfile.write_text(f"{child.pid}\n")
    cfg = ProcessConfig(pidfile=str(pidfile))
    target = identify(cfg)
    assert not isinstance(target, str)
    reused = terminate(cfg, {"pid": child.pid, "started": target.started - 5.0})  # confirmed: an older process
    assert not reused.ok and "the PID was reused" in reused.detail
    moved = terminate(cfg, {"pid": child.pid + 1, "started": target.started})
    assert not moved.ok and f"now names PID {child.pid}, not PID {child.pid + 1} as confirmed" in moved.detail
    sent = terminate(cfg, target.expect())
    assert sent.ok and sent.detail.startswith(f"SIGTERM sent to PID {child.pid} (")
    assert child.poll() is None  # it ignores SIGTERM: nothing killed it


def test_the_wait_times_out_and_says_it_was_not_killed(tmp_path: Path, child: subprocess.Popen[bytes]) -> None:
    pidfile = tmp_path / "guide.pid"
    pidfile.write_text(f"{child.pid}\n")
    svc = service(pidfile)
    layer = ActionLayer(FleetConfig(services=[svc]), Journal(tmp_path / "audit.jsonl"), lambda name: None)
    manager = manager_for(svc, "process", 5.0, wait_s=0.5)
    assert isinstance(manager, ProcessManager) and manager.target == f"guide (PID {child.pid})"
    plan = asyncio.run(stop_plan(svc, manager))
    wf = DrainWorkflow(layer, "guide", "stay", layer.views, managed=(manager, plan))
    steps = [(s.name, o.description if o else "") for s, o in zip(wf.steps, wf.preview(), strict=True)]
    text = plan_text(steps).plain
    assert f"SIGTERM to PID {child.pid} (python" in text and "SIGKILL" not in text  # the summary says it, once
    assert "no SIGKILL: it is not killed if it does not exit" in plan.summary("stay")
    assert "waits at most 0.5 s; watching active tasks" in text
    outcome = asyncio.run(wf.run(lambda steps: None))
    assert not outcome.ok and child.poll() is None
    assert f"guide (PID {child.pid}) still running after 0.5 s (not killed: no SIGKILL)" in outcome.detail
    phases = [(r["action"], r["params"].get("step", ""), r["phase"]) for r in layer.tail()]
    assert phases[-2:] == [("drain", "wait_stopped", "started"), ("drain", "wait_stopped", "failed")]
    assert StopWatch(svc, manager, plan).plan.expect == {"pid": child.pid, "started": plan.expect["started"]}


def test_read_only_refuses_the_signal(tmp_path: Path, child: subprocess.Popen[bytes]) -> None:
    pidfile = tmp_path / "guide.pid"
    pidfile.write_text(f"{child.pid}\n")
    cfg = FleetConfig(services=[service(pidfile)])
    layer = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None, read_only=True)
    refusal = layer.plan(ActionRequest("guide", "drain", {"pid": child.pid}))
    assert isinstance(refusal, Refusal) and refusal.reason == READ_ONLY_REASON
    assert [(r["executor"], r["phase"]) for r in layer.tail()] == [("process", "requested"), ("process", "failed")]
