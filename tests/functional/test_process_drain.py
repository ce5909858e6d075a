"""`d` on the guide's reference agent run as a plain process (no drain endpoint, no service manager, a pidfile):
SIGTERM to the PID read from its pidfile, no SIGKILL, the wait watching its log. The agent logs shutdown_complete,
the task in flight when the SIGTERM came is in its cost records, and the journal has each step in order. A stale
pidfile is refused with the reason; with a restart command, "start it again" runs it and waits until healthy."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.screens.drain import MANAGED_CHOICES, DrainScreen, WorkflowScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import FleetConfig
from probes.config.load import parse_config
from probes.model import Status
from tests.fixtures.guide import Provider, records
from tests.functional.helpers import free_port, row_status, wait_until
from tests.testbed import stop
from tests.waiting import wait_for

pytestmark = pytest.mark.timeout(180)
ROOT = Path(__file__).resolve().parents[2]
SIZE = (120, 40)


class Agent:
    """The guide agent's files and the argv that runs it with a pidfile, its log on stderr."""

    def __init__(self, tmp_path: Path, provider: Provider) -> None:
        self.port, self.ledger = free_port(), tmp_path / "costs.jsonl"
        self.log, self.pidfile = tmp_path / "agent.jsonl", tmp_path / "agent.pid"
        self.argv = [sys.executable, "-m", "agentops_tui.demo.guide", "--port", str(self.port), "--provider",
                     provider.url, "--ledger", str(self.ledger), "--interval", "0.1",
                     "--pidfile", str(self.pidfile)]  # fmt: skip

    def records(self) -> list[dict[str, Any]]:
        return records(self.ledger)

    def config(self, command: str = "") -> FleetConfig:
        base = f"http://127.0.0.1:{self.port}"
        text = (
            "refresh_interval: 0.5\nservices:\n  - name: guide\n"
            f"    health: {{url: '{base}/health'}}\n    metrics: {{url: '{base}/metrics'}}\n"
            f"    ledger: {{path: '{self.ledger}'}}\n    logs: {{path: '{self.log}', format: json}}\n"
            f"    process: {{pidfile: '{self.pidfile}'}}\n{command}"
        )
        cfg, _ = parse_config(text, "guide.yaml", {})
        return cfg


@pytest.fixture
def provider() -> Iterator[Provider]:
    p = Provider(delay=1.0)  # a task takes about a second: the SIGTERM lands in one
    yield p
    p.server.shutdown()


@contextlib.contextmanager
def running(agent: Agent) -> Iterator[subprocess.Popen[bytes]]:
    with agent.log.open("ab") as err:
        proc = subprocess.Popen(agent.argv, cwd=ROOT, stderr=err, stdout=subprocess.DEVNULL)
    try:
        wait_for(lambda: len(agent.records()) >= 2, 60, "the agent at work")
        yield proc
    finally:
        stop(proc)


async def open_drain(app: AgentOpsApp, pilot: Any) -> DrainScreen:
    table = app.screen.query_one(ServiceTable)
    assert await wait_until(pilot, lambda: row_status(table, "guide") is Status.OK, 60)
    table.move_cursor(row=table.get_row_index("guide"))
    await pilot.press("d")
    assert await wait_until(pilot, lambda: isinstance(app.screen, DrainScreen), 10)
    assert isinstance(app.screen, DrainScreen) and app.screen.summary is not None
    return app.screen


async def run_to_the_end(app: AgentOpsApp, pilot: Any) -> str:
    await pilot.press("y")
    assert await wait_until(pilot, lambda: isinstance(app.screen, WorkflowScreen), 10)
    screen = app.screen
    assert isinstance(screen, WorkflowScreen)
    assert await wait_until(pilot, lambda: screen.finished, 150)
    return str(screen.query_one("#result").render())


def journal_steps(app: AgentOpsApp) -> list[tuple[str, str, str]]:
    return [(r["action"], r.get("params", {}).get("step", ""), r["phase"]) for r in app.actions.tail()
            if r["phase"] in ("started", "succeeded", "failed")]  # fmt: skip


def seen_while_stopping(app: AgentOpsApp, agent: Agent) -> str:
    """What the wait saw: shutdown_complete, and the task in flight at the SIGTERM, whose record is in the ledger."""
    seen = next(r["seen"] for r in app.actions.tail() if r.get("params", {}).get("step") == "wait_stopped"
                and r["phase"] == "succeeded")  # fmt: skip
    match = re.search(r"shutdown_complete logged after [\d.]+ s; (task-\d+) finished first", seen)
    assert match is not None, seen
    assert match.group(1) in {r.get("task_id") for r in agent.records()}
    return str(seen)


async def test_d_drains_the_guide_agent_run_as_a_plain_process(tmp_path: Path, provider: Provider) -> None:
    agent = Agent(tmp_path, provider)
    with running(agent) as proc:
        app = make_app(agent.config())
        async with app.run_test(size=SIZE) as pilot:
            dialog = await open_drain(app, pilot)
            assert dialog.choices == MANAGED_CHOICES[:1]  # nothing could start it again: only "stay stopped"
            assert dialog.summary is not None and dialog.summary("stay") == (
                f"stops guide (PID {proc.pid}) with SIGTERM: it finishes its current task; no SIGKILL: it is not "
                "killed if it does not exit; it stays stopped"
            )
            result = await run_to_the_end(app, pilot)
            assert "done: guide drained with SIGTERM: stopped after" in result, result
            assert f"(PID {proc.pid} exited)" in result
        assert proc.wait(10) == 0  # the guide's handler finished and exited on its own
    assert journal_steps(app) == [
        ("drain", "", "started"), ("drain", "", "succeeded"),
        ("drain", "wait_stopped", "started"), ("drain", "wait_stopped", "succeeded"),
    ]  # fmt: skip
    signalled = next(r for r in app.actions.tail() if r["phase"] == "started" and r["executor"] == "process")
    assert signalled["params"]["pid"] == proc.pid  # the PID confirmed is on record with the signal
    assert f"SIGTERM to PID {proc.pid}" in signalled["operation"]
    seen_while_stopping(app, agent)
    assert b'"shutdown_complete"' in agent.log.read_bytes()


def dead_pid() -> int:
    """A PID that ran and is not running now."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(10)
    return gone.pid


async def test_a_stale_pidfile_is_refused_with_the_reason(tmp_path: Path, provider: Provider) -> None:
    agent = Agent(tmp_path, provider)
    gone = dead_pid()
    agent.pidfile.write_text(f"{gone}\n")
    app = make_app(agent.config())
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: row_status(table, "guide") is not None, 30)
        table.move_cursor(row=table.get_row_index("guide"))
        await pilot.press("d")
        want = f"no drain for guide: its pidfile {agent.pidfile} is stale: PID {gone} is not running"
        assert await wait_until(pilot, lambda: any(n.message == want for n in app._notifications), 10)
        assert not isinstance(app.screen, DrainScreen)


async def test_with_a_restart_command_it_is_started_again_and_healthy(tmp_path: Path, provider: Provider) -> None:
    agent = Agent(tmp_path, provider)
    daemon = f"exec {' '.join(agent.argv)} >/dev/null 2>>{agent.log} &"  # the shell returns; the agent runs on
    command = f"    command: {{restart: ['sh', '-c', {json.dumps(daemon)}], timeout: 10}}\n"
    try:
        with running(agent) as proc:
            app = make_app(agent.config(command))
            async with app.run_test(size=SIZE) as pilot:
                dialog = await open_drain(app, pilot)
                assert dialog.choices == MANAGED_CHOICES
                assert dialog.summary is not None and dialog.summary("restart").endswith(
                    "no SIGKILL: it is not killed if it does not exit; then starts it and waits for healthy"
                )
                await pilot.press("down", "enter")  # "start it again, wait until healthy"
                result = await run_to_the_end(app, pilot)
                assert "started again and healthy" in result, result
            assert proc.wait(10) == 0
        assert [(a, s) for a, s, phase in journal_steps(app) if phase == "succeeded"] == [
            ("drain", ""), ("drain", "wait_stopped"), ("restart", ""), ("start", "wait_healthy"),
        ]  # fmt: skip
        seen_while_stopping(app, agent)
        assert int(agent.pidfile.read_text()) != proc.pid  # a new process wrote its pidfile
    finally:
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(agent.pidfile.read_text()), signal.SIGTERM)
