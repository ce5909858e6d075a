"""A config others can edit runs no commands: whoever can write it (or replace it) would run code as the operator.

Real files with real modes, the real loader, the action layer running a real command, the app's toast, the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Plan, Refusal
from agentops_tui.app import make_app
from agentops_tui.cli.common import load as _load
from agentops_tui.widgets.service_table import ServiceTable
from probes.config.load import load_config
from tests.functional.helpers import wait_until


def write_config(directory: Path, marker: Path, mode: int = 0o600) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / "fleet.yaml"
    path.write_text(
        f"actions: {{journal: '{directory.parent / 'audit.jsonl'}'}}\n"
        f"services:\n  - name: svc\n    command: {{restart: [touch, '{marker}']}}\n"
    )
    path.chmod(mode)
    return path


def run_restart(path: Path, tmp_path: Path, allow: bool = False) -> Plan | Refusal:
    cfg = _load(path, allow_insecure_config=allow)
    layer = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None)
    plan = layer.plan(ActionRequest("svc", "restart"))
    if isinstance(plan, Plan):
        layer.confirm(plan)
        outcome = asyncio.run(layer.run(plan))
        assert outcome.ok, outcome
    return plan


def test_a_world_writable_config_runs_no_command(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_config(tmp_path / "conf", marker, 0o666)
    _, warnings = load_config(path)
    assert any(str(path) in w and "0666" in w and "--allow-insecure-config" in w for w in warnings), warnings
    refused = run_restart(path, tmp_path)
    assert isinstance(refused, Refusal), refused
    assert str(path) in refused.reason and "mode 0666" in refused.reason and "--allow-insecure-config" in refused.reason
    assert not marker.exists()
    assert isinstance(run_restart(path, tmp_path, allow=True), Plan) and marker.exists()  # told to: it runs


def test_a_config_in_a_directory_anyone_can_write_runs_no_command(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    directory = tmp_path / "open"
    path = write_config(directory, marker)
    directory.chmod(0o777)
    refused = run_restart(path, tmp_path)
    assert isinstance(refused, Refusal) and str(directory) in refused.reason and "0777" in refused.reason, refused
    assert not marker.exists()
    directory.chmod(0o1777)  # sticky, like /tmp: others cannot replace a file they do not own
    assert isinstance(run_restart(path, tmp_path), Plan) and marker.exists()


def test_a_private_config_runs_its_commands_and_says_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_config(tmp_path / "conf", marker)
    _, warnings = load_config(path)
    assert warnings == []
    assert isinstance(run_restart(path, tmp_path), Plan) and marker.exists()


def test_a_world_writable_config_without_commands_is_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "fleet.yaml"
    path.write_text("services:\n  - name: svc\n    health: {url: 'http://127.0.0.1:9/health'}\n")
    path.chmod(0o666)
    cfg, warnings = load_config(path)
    assert cfg.untrusted is None and not any("allow-insecure-config" in w for w in warnings)


async def test_the_key_press_says_why_nothing_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_config(tmp_path / "conf", marker, 0o646)
    app = make_app(_load(path))
    async with app.run_test(size=(140, 30)) as pilot:
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: "svc" in table.model.shown, 10)
        await pilot.press("r")
        assert await wait_until(pilot, lambda: bool(app._notifications), 5)
        said = " ".join(str(n.message) for n in app._notifications)
        assert str(path) in said and "mode 0646" in said, said
    assert not marker.exists()


def test_the_cli_takes_the_flag_and_warns(tmp_path: Path) -> None:
    path = write_config(tmp_path / "conf", tmp_path / "ran", 0o666)
    out = subprocess.run(
        [sys.executable, "-m", "agentops_tui.cli", "--allow-insecure-config", "check", "--config", str(path)],
        capture_output=True, text=True, timeout=60, env={**os.environ, "AGENTOPS_TUI_CONFIG": ""},
    )  # fmt: skip
    assert out.returncode in (0, 1, 2, 3), out.stderr
    assert "--allow-insecure-config" in out.stderr and str(path) in out.stderr, out.stderr
    bad = subprocess.run([sys.executable, "-m", "agentops_tui.cli", "--no-such-flag"], capture_output=True, text=True)
    assert bad.returncode == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give the file to another user")
def test_a_config_owned_by_another_user_runs_no_command(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write_config(tmp_path / "conf", marker)
    os.chown(path, 65534, 65534)
    refused = run_restart(path, tmp_path)
    assert isinstance(refused, Refusal) and "uid 65534" in refused.reason, refused
    assert not marker.exists()
