"""Secrets never leave the process: echoed by a health page, a control endpoint or a command, expanded from
${VAR}, cut short or lower-cased, they are redacted on the row, the detail view, `check`, the confirmation, the
palette, notifications and the journal. Real servers, real processes, the real app."""

from __future__ import annotations

import asyncio
import dataclasses
import html
import json
import os
import re
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from textual.command import CommandPalette

from agentops_tui.actions.journal import Journal
from agentops_tui.actions.layer import ActionLayer
from agentops_tui.actions.model import ActionRequest, Plan
from agentops_tui.app import AgentOpsApp, make_app
from agentops_tui.check import run_check
from agentops_tui.screens.confirm import ConfirmScreen
from agentops_tui.screens.detail import DetailScreen
from agentops_tui.widgets.service_table import ServiceTable
from probes.config import ActionsConfig, FleetConfig
from probes.config.load import parse_config
from tests.functional.helpers import row_text, serve_handler, wait_until

TOKEN = "ctl-SUPERSECRET-0123456789abcdef"
PATH_SECRET = "pathsecret-7f3a9c2e"
SIZE = (140, 40)


def screen_text(app: AgentOpsApp) -> str:
    """What the terminal shows now, as plain text (the screenshot's text runs, tags and escapes removed)."""
    svg = app.export_screenshot()
    svg = svg[svg.index("</style>") :] if "</style>" in svg else svg
    return html.unescape(re.sub(r"<[^>]+>", "", svg)).replace("\xa0", " ")


def leaked(text: str, secret: str = TOKEN) -> list[str]:
    """The forms of `secret` found in `text`: whole, lower-cased, or any 8+ character prefix."""
    low = text.lower()
    return [secret[:n] for n in range(len(secret), 7, -1) if secret[:n].lower() in low]


class Echo(BaseHTTPRequestHandler):
    """A broken service that repeats the request back: headers in a 500 page, paths in its answers."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return None

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        if self.path == "/text500":
            self._send(500, f"denied Authorization: {auth}".encode(), "text/plain")
        elif self.path == "/json500":
            token = auth.removeprefix("Bearer ")
            body = {"status": "unhealthy", "checks": {"auth": f"rejected {token.lower()}"}, "echo": token[:12] + "…",
                    "seen": f"bearer {token}"}  # fmt: skip
            self._send(500, json.dumps(body).encode(), "application/json")
        else:
            self._send(200, b'{"status": "healthy"}', "application/json")

    def do_POST(self) -> None:
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if "fail" in self.path:
            body = f"rejected {token.lower()} at {self.path} (was {token[:10]}…)"
            self._send(500, body.encode(), "text/plain")
        else:
            self._send(200, f"done {self.path}".encode(), "text/plain")


@pytest.fixture(scope="module")
def echo_port() -> Iterator[int]:
    with serve_handler(Echo) as port:
        yield port


def echo_config(port: int, env: dict[str, str]) -> FleetConfig:
    text = f"""
refresh_interval: 1
services:
  - name: texty
    health: {{url: 'http://127.0.0.1:{port}/text500', token_env: AGENT_TOKEN, timeout: 0.5}}
  - name: jsony
    health: {{url: 'http://127.0.0.1:{port}/json500', token_env: AGENT_TOKEN, timeout: 0.5}}
  - name: ctl
    health: {{url: 'http://127.0.0.1:{port}/health', timeout: 0.5}}
    control:
      base_url: 'http://127.0.0.1:{port}'
      token_env: AGENT_TOKEN
      restart: {{path: '/admin/${{RESTART_PATH_SECRET}}/restart'}}
      drain: {{path: '/admin/fail/drain'}}
"""
    cfg, _ = parse_config(text, "secrets.yaml", env)
    return cfg


def test_check_json_never_shows_an_echoed_token(echo_port: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_TOKEN", TOKEN)
    cfg = echo_config(echo_port, {"RESTART_PATH_SECRET": PATH_SECRET})
    out, _ = run_check(cfg, as_json=True, settle_s=0.0)
    data = json.loads(out)
    reasons = {s["name"]: s["reason"] for s in data["services"]}
    assert "HTTP 500" in reasons["texty"] and "Authorization" in reasons["texty"], reasons
    assert leaked(out) == [], out
    table, _ = run_check(cfg, as_json=False, settle_s=0.0)
    assert leaked(table) == [], table


async def test_the_row_and_the_detail_view_never_show_an_echoed_token(
    echo_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_TOKEN", TOKEN)
    app = make_app(echo_config(echo_port, {"RESTART_PATH_SECRET": PATH_SECRET}))
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)

        def shown(name: str) -> str:
            return row_text(table, name)["reason"] if name in table.model.shown else ""

        assert await wait_until(pilot, lambda: "HTTP 500" in shown("texty") and shown("jsony") != "", 15)
        assert await wait_until(pilot, lambda: (v := app.view_of("jsony")) is not None and bool(v.checks), 15)
        for name in ("texty", "jsony"):
            assert leaked(shown(name)) == [], shown(name)
            view = app.view_of(name)
            assert view is not None
            assert leaked(repr(view)) == [], view  # reason, last error, checks, other fields, samples
            app.push_screen(DetailScreen(app, name))
            await pilot.pause(0.3)
            page = screen_text(app)
            assert name in page and leaked(page) == [], page
            app.pop_screen()
            await pilot.pause(0.1)


async def test_an_echoed_cut_or_lowercased_token_is_journaled_redacted(tmp_path: Path, echo_port: int) -> None:
    cfg = echo_config(echo_port, {"RESTART_PATH_SECRET": PATH_SECRET})
    journal = Journal(tmp_path / "audit.jsonl")
    layer = ActionLayer(cfg, journal, lambda name: None, environ={"AGENT_TOKEN": TOKEN, "USER": "ops"})
    plan = layer.plan(ActionRequest("ctl", "drain"))
    assert isinstance(plan, Plan)
    layer.confirm(plan)
    outcome = await layer.run(plan)
    assert not outcome.ok and "rejected" in outcome.detail, outcome
    assert leaked(outcome.detail) == [], outcome.detail
    text = journal.path.read_text()
    assert "rejected" in text and leaked(text) == [], text


async def test_a_var_in_a_control_path_is_shown_as_the_var_everywhere(
    tmp_path: Path, echo_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGENT_TOKEN", TOKEN)
    journal_path = tmp_path / "audit.jsonl"
    cfg = echo_config(echo_port, {"RESTART_PATH_SECRET": PATH_SECRET})
    cfg = dataclasses.replace(cfg, actions=ActionsConfig(journal=str(journal_path)))
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        table = app.screen.query_one(ServiceTable)
        assert await wait_until(pilot, lambda: "ctl" in table.model.shown, 10)
        table.move_cursor(row=table.get_row_index("ctl"))
        await pilot.press("ctrl+p")
        await pilot.pause(0.5)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        listed = screen_text(app)
        assert "Restart ctl" in listed and "${RESTART_PATH_SECRET}" in listed, listed
        assert leaked(listed, PATH_SECRET) == []
        await pilot.press("escape")
        await pilot.pause(0.2)
        await pilot.press("r")
        assert await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), 5)
        dialog = screen_text(app)
        assert "/admin/${RESTART_PATH_SECRET}/restart" in dialog and leaked(dialog, PATH_SECRET) == [], dialog
        await pilot.press("y")
        assert await wait_until(pilot, lambda: [r["phase"] for r in app.actions.tail()][-1:] == ["succeeded"], 10)
    text = journal_path.read_text()
    assert len(text.splitlines()) == 4 and "${RESTART_PATH_SECRET}" in text
    assert leaked(text, PATH_SECRET) == [], text


def test_a_command_sees_only_its_env_and_its_echo_is_journaled_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    master = "sk-master-4242424242424242"
    monkeypatch.setenv("LITELLM_MASTER_KEY", master)
    monkeypatch.setenv("SOME_TOKEN", TOKEN)
    script = (
        "import os, json; print(json.dumps(sorted(os.environ))); "
        "print('master', os.environ.get('LITELLM_MASTER_KEY')); print('passed', os.environ['PASSED_TOKEN'].lower()); "
        "raise SystemExit(1)"
    )  # a failing command: its output is the journal's error
    text = f"""
services:
  - name: cmd
    command:
      restart: [{json.dumps(sys.executable)}, -c, {json.dumps(script)}]
      env: {{PASSED_TOKEN: '${{SOME_TOKEN}}', MODE: plain}}
"""
    cfg, _ = parse_config(text, "cmd.yaml", os.environ)
    journal = Journal(tmp_path / "audit.jsonl")
    layer = ActionLayer(cfg, journal, lambda name: None)
    plan = layer.plan(ActionRequest("cmd", "restart"))
    assert isinstance(plan, Plan)
    layer.confirm(plan)
    outcome = asyncio.run(layer.run(plan))
    assert not outcome.ok and outcome.detail.startswith("exit 1: "), outcome
    assert "master None" in outcome.detail and "passed " in outcome.detail, outcome.detail
    names = json.loads(outcome.detail[outcome.detail.index("[") : outcome.detail.index("]") + 1])
    assert "LITELLM_MASTER_KEY" not in names and "SOME_TOKEN" not in names
    assert {"PASSED_TOKEN", "MODE", "PATH"} <= set(names), names
    written = journal.path.read_text()
    assert "passed " in written and leaked(written) == [] and leaked(written, master) == [], written
