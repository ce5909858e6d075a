"""launchd backend against recorded real `launchctl` output served by a fake `launchctl` first on PATH: the probe,
the rows it gives, the exact argv of every action, masking of the environment, and a missing service (exit 113)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Operation, Plan
from probes.config import ControlConfig, ControlEndpoint, FleetConfig, LaunchdConfig, ServiceConfig
from probes.fleet.state import FleetState
from probes.model import Status
from probes.sources.launchd.probe import LaunchdProbe
from tests.launchd_fake import FakeLaunchctl, install

UID = os.getuid()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeLaunchctl:
    return install(tmp_path, monkeypatch)


def service(name: str, label: str | None = None, prefix: str | None = None, **kw: object) -> ServiceConfig:
    return ServiceConfig(name=name, launchd=LaunchdConfig(label=label, label_prefix=prefix), **kw)  # type: ignore[arg-type]


FLEET = [
    service("planner", "com.example.planner"),
    service("researcher", "com.example.researcher"),
    service("coder", "com.example.coder"),
    service("indexer", "com.example.indexer"),
    service("reporter", "com.example.reporter"),
    service("gone", "com.example.gone"),
]


async def poll(cfg: FleetConfig) -> FleetState:
    state = FleetState(cfg)
    probe = LaunchdProbe({s.name: s.launchd for s in cfg.services if s.launchd}, 2.0, 1.0)
    state.apply(probe.key, await probe.collect())
    return state


async def test_every_state_on_its_row(fake: FakeLaunchctl) -> None:
    state = await poll(FleetConfig(services=FLEET))
    rows = {name: (s.view.status, s.view.reason) for name, s in state.services.items()}
    assert rows == {
        "planner": (Status.OK, "running (pid 17611, runs 7)"),
        "researcher": (Status.CRIT, "crash loop, not running (killed by signal 15, runs 3)"),
        "coder": (Status.CRIT, "crash loop, spawn scheduled (exit 1, runs 42)"),
        "indexer": (Status.WARN, "not running (never exited)"),
        "reporter": (Status.OK, "waiting (on demand)"),
        "gone": (Status.CRIT, "not loaded"),
    }
    assert state.services["planner"].view.pid == 17611
    prints = sorted(c for c in fake.calls() if c[0] == "print")
    assert prints == sorted(["print", f"gui/{UID}/{s.launchd.label}"] for s in FLEET if s.launchd)


async def test_environment_masked_in_the_view(fake: FakeLaunchctl) -> None:
    state = await poll(FleetConfig(services=FLEET[:1]))
    view = state.services["planner"].view
    facts = dict(view.native)
    assert facts["environment"] == (
        "ANTHROPIC_API_KEY=********, OPENAI_API_KEY=********, PLANNER_PORT=********, XPC_SERVICE_NAME=********"
    )
    assert facts["stdout"] == "/Users/ops/Library/Logs/agents/planner.out.log"
    assert "sk-" not in repr(view) and "leak" not in repr(view)


async def test_discovery_by_label_prefix(fake: FakeLaunchctl) -> None:
    state = await poll(FleetConfig(services=[service("agents", prefix="com.example.")]))
    view = state.services["agents"].view
    assert view.status is Status.CRIT
    assert "com.example.coder: crash loop" in view.reason and "com.example.researcher" in view.reason
    calls = fake.calls()
    assert calls.count(["list"]) == 1
    assert sorted(c[1] for c in calls if c[0] == "print") == [
        f"gui/{UID}/com.example.{n}" for n in ("coder", "indexer", "planner", "reporter", "researcher")
    ]
    empty = await poll(FleetConfig(services=[service("none", prefix="org.nothing.")]))
    assert empty.services["none"].view.status is Status.CRIT
    assert empty.services["none"].view.reason == "launchd: no job label starts with org.nothing."


async def test_hung_launchctl_is_unknown_within_the_timeout(fake: FakeLaunchctl) -> None:
    fake.set_hang()
    start = time.monotonic()
    state = await poll(FleetConfig(services=FLEET[:2]))
    assert time.monotonic() - start < 2.0
    for s in state.services.values():
        assert s.view.status is Status.UNKNOWN
        assert s.view.reason == "launchd: launchctl print gave no answer within 0.9s"


async def test_no_launchctl_is_unknown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    state = await poll(FleetConfig(services=FLEET[:1]))
    assert state.services["planner"].view.status is Status.UNKNOWN
    assert "launchctl not found" in state.services["planner"].view.reason


@contextmanager
def control_server() -> Iterator[tuple[int, list[str]]]:
    """A real HTTP server recording the paths POSTed to it."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            seen.append(self.path)
            body = b'{"draining": true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_address[1], seen
    finally:
        srv.shutdown()
        srv.server_close()


def layer_for(cfg: FleetConfig, tmp_path: Path) -> tuple[ActionLayer, Journal]:
    journal = Journal(tmp_path / "audit.jsonl")
    return ActionLayer(cfg, journal, lambda name: None), journal


async def act(layer: ActionLayer, request: ActionRequest) -> tuple[Plan, bool, str]:
    plan = layer.plan(request)
    assert isinstance(plan, Plan), plan
    layer.confirm(plan)
    outcome = await layer.run(plan)
    return plan, outcome.ok, outcome.detail


async def test_actions_run_the_exact_launchctl_argv(fake: FakeLaunchctl, tmp_path: Path) -> None:
    target = f"gui/{UID}/com.example.planner"
    with control_server() as (port, posted):
        control = ControlConfig(base_url=f"http://127.0.0.1:{port}", drain=ControlEndpoint("/admin/drain"))
        cfg = FleetConfig(services=[service("planner", "com.example.planner", control=control)])
        layer, journal = layer_for(cfg, tmp_path)
        fake.clear()
        plan, ok, _ = await act(layer, ActionRequest("planner", "restart"))
        assert ok and plan.operation.description == f"launchctl kickstart -k {target}"
        plan, ok, _ = await act(layer, ActionRequest("planner", "start"))
        assert ok and plan.operation.description == f"launchctl kickstart {target}"
        plan, ok, _ = await act(layer, ActionRequest("planner", "drain"))
        assert ok and posted == ["/admin/drain"]
        assert plan.operation.description == (
            f"POST http://127.0.0.1:{port}/admin/drain, then launchctl kill SIGTERM {target}. A KeepAlive job is "
            f"relaunched by launchd; to stop it for good: launchctl bootout {target}"
        )
        assert fake.calls() == [
            ["kickstart", "-k", target], ["kickstart", target], ["kill", "SIGTERM", target],
        ]  # fmt: skip
        records = journal.tail()
        assert [(r["action"], r["phase"], r["executor"]) for r in records if r["phase"] == "succeeded"] == [
            ("restart", "succeeded", "launchd"), ("start", "succeeded", "launchd"), ("drain", "succeeded", "launchd"),
        ]  # fmt: skip
        assert "sk-" not in json.dumps(records)


async def test_throttle_needs_a_control_endpoint(fake: FakeLaunchctl, tmp_path: Path) -> None:
    layer, _ = layer_for(FleetConfig(services=[service("planner", "com.example.planner")]), tmp_path)
    reason = layer.supported("planner", "throttle")
    assert reason == (
        "no throttle for planner: launchd cannot limit a running job; configure control.throttle "
        "(the agent's own rate-limit endpoint)"
    )
    assert layer.operation("planner", "resume") == Operation(
        "launchd", f"launchctl kickstart gui/{UID}/com.example.planner"
    )


async def test_refusals_from_launchctl_are_shown(fake: FakeLaunchctl, tmp_path: Path) -> None:
    cfg = FleetConfig(services=[service("gone", "com.example.gone"), service("planner", "com.example.planner")])
    layer, journal = layer_for(cfg, tmp_path)
    _, ok, detail = await act(layer, ActionRequest("gone", "restart"))
    assert not ok and detail.startswith("launchctl kickstart exit 113: Could not find service")
    fake.fail("kill", 1, "Operation not permitted while System Integrity Protection is engaged\n")
    plan = layer.plan(ActionRequest("planner", "drain"))
    assert isinstance(plan, Plan)
    layer.confirm(plan)
    outcome = await layer.run(plan)
    assert (outcome.ok, outcome.error_kind) == (False, "permission")
    assert "Operation not permitted" in outcome.detail
    failed = [r for r in journal.tail() if r["phase"] == "failed"]
    assert len(failed) == 2 and "Operation not permitted" in failed[-1]["error"]


def test_a_jobs_stderr_file_is_followed_for_events_without_a_logs_block(fake: FakeLaunchctl, tmp_path: Path) -> None:
    """The guide's LaunchAgent logs to its StandardErrorPath: with only `launchd: {label}` configured, `check`
    asks launchctl where that is and reads the events back (the breaker its log opened, the rate limits)."""
    from agentops_tui.check import run_check
    from tests.functional.test_log_file_source import line

    err = tmp_path / "planner.err.log"
    err.write_text(
        line("info", "agent_started")
        + line("error", "circuit_opened", service="anthropic", failures=5)
        + line("warn", "rate_limited", provider="anthropic", retry_after_s=30)
    )
    recorded = (Path(__file__).parents[1] / "fixtures" / "launchd" / "print-planner-running.txt").read_text()
    served = fake.dir / "print" / f"gui/{UID}/com.example.planner".replace("/", "_")
    served.write_text(recorded.replace("/Users/ops/Library/Logs/agents/planner.err.log", str(err)))
    cfg = FleetConfig(services=[service("planner", "com.example.planner")])
    row = json.loads(run_check(cfg, as_json=True, settle_s=0.2)[0])["services"][0]
    assert row["breakers"] == {"anthropic": "open"}, row
    assert row["log_events"]["rate limited (5 min)"].startswith("anthropic x1"), row
