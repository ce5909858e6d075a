"""The audit journal shared by the operators of one box: a system-wide place as root or under sudo, one storm
guard across dashboards, and every line copied to syslog (a real unix datagram socket stands in for /dev/log)."""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Plan, Refusal
from agentops_tui.app import make_app
from probes import paths
from probes.config import ActionsConfig, CommandConfig, FleetConfig, ServiceConfig

SECRET = "tok-9f8e7d6c5b4a3921"
AUTHPRIV = 10  # syslog facility: <PRI> = facility * 8 + severity


def fleet(restart: list[str], **actions: object) -> FleetConfig:
    svc = ServiceConfig(name="worker", command=CommandConfig(restart=restart))
    return FleetConfig(services=[svc], actions=ActionsConfig(**actions))  # type: ignore[arg-type]


async def restart(layer: ActionLayer) -> Plan | Refusal:
    plan = layer.plan(ActionRequest("worker", "restart"))
    if isinstance(plan, Plan):
        layer.confirm(plan)
        await layer.run(plan)
    return plan


async def test_two_dashboards_on_one_journal_share_one_storm_guard(tmp_path: Path) -> None:
    """Both started before either acted: the second sees the first's restart when it plans its own."""
    cfg = fleet([sys.executable, "-c", "pass"], restart_limit=1)
    first = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None)
    second = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None)
    assert isinstance(await restart(first), Plan)
    refused = await restart(second)
    assert isinstance(refused, Refusal) and "storm guard: worker restarted 1 time" in refused.reason, refused


async def test_a_plan_made_before_the_other_dashboards_restart_is_refused_at_run(tmp_path: Path) -> None:
    cfg = fleet([sys.executable, "-c", "pass"], restart_limit=1)
    first = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None)
    second = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None)
    waiting = second.plan(ActionRequest("worker", "restart"))  # its confirmation dialog is open meanwhile
    assert isinstance(waiting, Plan)
    assert isinstance(await restart(first), Plan)
    second.confirm(waiting)
    outcome = await second.run(waiting)
    assert not outcome.ok and "storm guard" in outcome.detail, outcome


@pytest.fixture
def syslog_socket(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "log")  # short enough for sun_path
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(5)
    yield path, sock
    sock.close()


def received(sock: socket.socket, count: int) -> list[tuple[int, dict[str, object]]]:
    """(priority, record) of `count` datagrams as syslog would read them."""
    out = []
    for _ in range(count):
        data = sock.recv(65536).decode()
        m = re.fullmatch(r"<(\d+)>agentops-tui: (\{.*\})\x00?", data, re.S)
        assert m, data
        out.append((int(m.group(1)), json.loads(m.group(2))))
    return out


async def test_every_journal_line_reaches_syslog_redacted(
    tmp_path: Path, syslog_socket: tuple[str, socket.socket], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, sock = syslog_socket
    monkeypatch.setenv("WORKER_TOKEN", SECRET)
    echo = [sys.executable, "-c", "import os, sys; print('token is', os.environ['WORKER_TOKEN']); sys.exit(1)"]
    cfg = fleet(echo, syslog=True, syslog_address=address)
    svc = ServiceConfig(name="worker", command=CommandConfig(restart=echo, env={"WORKER_TOKEN": SECRET}))
    cfg = FleetConfig(services=[svc], actions=cfg.actions)
    journal = Journal(tmp_path / "audit.jsonl")
    layer = ActionLayer(cfg, journal, lambda name: None)
    await restart(layer)
    lines = [json.loads(line) for line in journal.path.read_text().splitlines()]
    got = received(sock, len(lines))
    assert [r for _, r in got] == lines  # the same lines, in order
    assert [r["phase"] for r in lines] == ["requested", "confirmed", "started", "failed"]
    assert [p for p, _ in got] == [AUTHPRIV * 8 + 6] * 3 + [AUTHPRIV * 8 + 4]  # info, then warning for failed
    assert "token is" in json.dumps(lines[-1]) and SECRET not in json.dumps(lines)


async def test_no_syslog_listening_never_stops_an_action(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    cfg = fleet([sys.executable, "-c", "pass"], syslog=True, syslog_address=str(tmp_path / "nothing-here"))
    layer = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None)
    with caplog.at_level(logging.WARNING, logger="agentops_tui"):
        assert isinstance(await restart(layer), Plan)
    phases = [json.loads(line)["phase"] for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert phases == ["requested", "confirmed", "started", "succeeded"]
    warned = [r.getMessage() for r in caplog.records if "syslog" in r.getMessage()]
    assert len(warned) == 1 and "nothing-here" in warned[0], warned  # said once, not once a line


@pytest.mark.parametrize("sudo", [True, False])
def test_the_dashboard_journals_system_wide_as_root_or_under_sudo(
    sudo: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_STATE_HOME")  # a root login shell: nothing chose a per-user place
    monkeypatch.setattr(paths.os, "geteuid", lambda: 0)
    if sudo:
        monkeypatch.setenv("SUDO_USER", "alice")
        monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "alice-state"))  # sudo -E: alice's, not root's
    app = make_app(fleet([sys.executable, "-c", "pass"]))
    assert app.actions.journal.path == paths.SYSTEM_STATE_DIR / "audit.jsonl"
