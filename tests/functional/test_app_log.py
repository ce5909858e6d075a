"""`--log-file PATH` / `--debug`: status changes and action results in a private file, never a secret, never on
the terminal the dashboard draws on."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_tui import applog
from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Plan
from agentops_tui.app import make_app
from agentops_tui.cli import main
from probes import paths
from probes.config import ActionsConfig, CommandConfig, FleetConfig, HealthConfig, ServiceConfig
from tests.functional.helpers import free_port, wait_until

SECRET = "tok-5a5a5a5a5a5a5a5a"


@pytest.fixture(autouse=True)
def _no_log_left() -> Iterator[None]:
    """Each test's handlers closed after it (the loggers are process-wide)."""
    yield
    applog.setup(None, False)


def test_the_log_file_is_private_and_shown_by_config_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "logs" / "app.log"
    assert main(["--log-file", str(log), "config", "paths"]) == 0
    assert f"app log:  {log}" in capsys.readouterr().out
    assert stat.S_IMODE(log.stat().st_mode) == 0o600 and stat.S_IMODE(log.parent.stat().st_mode) == 0o700


def test_debug_alone_logs_to_the_state_dir(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--debug", "config", "paths"]) == 0
    log = paths.state_home() / "agentops-tui.log"
    assert f"app log:  {log}" in capsys.readouterr().out and log.exists()
    assert logging.getLogger("agentops_tui").getEffectiveLevel() == logging.DEBUG


def test_a_log_file_that_cannot_be_written_is_said_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("")
    assert main(["--log-file", str(tmp_path / "file" / "app.log"), "config", "paths"]) == 2
    assert "cannot write the log file" in capsys.readouterr().err


async def test_action_results_are_logged_without_their_secrets(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    applog.setup(log, False)
    echo = [sys.executable, "-c", "import os, sys; print('token', os.environ['T_TOKEN']); sys.exit(3)"]
    svc = ServiceConfig(name="worker", command=CommandConfig(restart=echo, env={"T_TOKEN": SECRET}))
    layer = ActionLayer(FleetConfig(services=[svc]), Journal(tmp_path / "audit.jsonl"), lambda name: None)
    plan = layer.plan(ActionRequest("worker", "restart"))
    assert isinstance(plan, Plan)
    layer.confirm(plan)
    await layer.run(plan)
    text = log.read_text()
    for phase in ("requested", "confirmed", "started", "failed"):
        assert f"agentops_tui.actions: worker restart {phase} ({plan.id[:8]})" in text, text
    assert "token" in text and SECRET not in text


async def test_status_changes_of_the_dashboard_are_logged(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    applog.setup(log, True)
    port = free_port()  # nothing listens: the health check is refused
    svc = ServiceConfig(name="solo", health=HealthConfig(url=f"http://127.0.0.1:{port}/health", interval=0.5))
    cfg = FleetConfig(services=[svc], actions=ActionsConfig(journal=str(tmp_path / "audit.jsonl")))
    app = make_app(cfg)
    async with app.run_test(size=(100, 30)) as pilot:
        assert await wait_until(pilot, lambda: "solo: start -> " in log.read_text(), 15), log.read_text()
    text = log.read_text()
    assert "WARNING agentops_tui.status: solo: start -> CRIT: " in text or "-> UNKNOWN" in text, text
    assert "DEBUG agentops_tui.status: poll: 1 " in text  # --debug: every poll


def test_without_a_log_file_nothing_reaches_the_terminal() -> None:
    """Python prints an unhandled warning to stderr (its last resort): over the dashboard, it would garble it."""
    code = ("import logging; from agentops_tui import applog; applog.setup(None, False); "
            "logging.getLogger('agentops_tui.actions').warning('syslog: cannot send')")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, env=os.environ)
    assert out.returncode == 0 and out.stderr == "", out.stderr
