"""Executors against real endpoints and real programs: what is sent, how failures are named, what never leaks."""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agentops_tui.actions.chooser import executor_for
from agentops_tui.actions.executors import CommandExecutor, HttpExecutor
from agentops_tui.actions.model import ActionKind, ActionRequest
from probes.config import CommandConfig, ControlConfig, ControlEndpoint, ServiceConfig

TOKEN = "s3cret-token-value"


@dataclass
class Seen:
    method: str
    path: str
    body: Any
    authorization: str | None


@dataclass
class Reply:
    status: int = 200
    body: bytes = b'{"ok": true}'
    echo_auth: bool = False


@dataclass
class Recorder:
    """What a stdlib control server received, and what it answers next."""

    seen: list[Seen] = field(default_factory=list)
    reply: Reply = field(default_factory=Reply)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        rec = self.server.recorder
        auth = self.headers.get("Authorization")
        rec.seen.append(Seen(self.command, self.path, body, auth))
        payload = rec.reply.body + (f" you sent {auth}".encode() if rec.reply.echo_auth else b"")
        self.send_response(rec.reply.status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_POST = do_PUT = do_GET = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.recorder = Recorder()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that stops reading (the body cap) is expected; no traceback on stderr."""


@pytest.fixture
def server() -> Iterator[tuple[str, Recorder]]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}", srv.recorder
    finally:
        srv.shutdown()
        srv.server_close()


def control(base_url: str, token_env: str | None = "ADMIN_TOKEN") -> ControlConfig:
    return ControlConfig(
        base_url=base_url,
        token_env=token_env,
        drain=ControlEndpoint("/admin/drain"),
        resume=ControlEndpoint("admin/resume", "PUT"),
        throttle=ControlEndpoint("/admin/throttle"),
        restart=ControlEndpoint("/admin/restart"),
    )


# --- HTTP -----------------------------------------------------------------------------------------------------
async def test_http_sends_method_path_body_and_token(server: tuple[str, Recorder]) -> None:
    base, rec = server
    ex = HttpExecutor(control(base + "/"), 2.0, environ={"ADMIN_TOKEN": TOKEN})
    drain = ActionRequest("planner", "drain")
    assert ex.operation(drain).description == f"POST {base}/admin/drain"
    outcome = await ex.run(drain)
    assert outcome.ok and outcome.detail == '{"ok": true}' and outcome.error_kind is None
    throttle = ActionRequest("planner", "throttle", {"max_requests_per_minute": 30})
    op = ex.operation(throttle)
    assert (op.executor, op.description) == ("http", f'POST {base}/admin/throttle {{"max_requests_per_minute": 30}}')
    assert (await ex.run(throttle)).ok
    assert (await ex.run(ActionRequest("planner", "resume"))).ok
    assert rec.seen == [
        Seen("POST", "/admin/drain", {}, f"Bearer {TOKEN}"),
        Seen("POST", "/admin/throttle", {"max_requests_per_minute": 30}, f"Bearer {TOKEN}"),
        Seen("PUT", "/admin/resume", {}, f"Bearer {TOKEN}"),
    ]
    assert all(TOKEN not in ex.operation(ActionRequest("p", k)).description for k in ("drain", "resume", "restart"))


async def test_http_without_the_token_variable_sends_no_authorization(server: tuple[str, Recorder]) -> None:
    base, rec = server
    outcome = await HttpExecutor(control(base), 2.0, environ={}).run(ActionRequest("planner", "restart"))
    assert outcome.ok
    assert rec.seen == [Seen("POST", "/admin/restart", {}, None)]


async def test_http_403_is_permission_and_never_shows_the_token(server: tuple[str, Recorder]) -> None:
    base, rec = server
    rec.reply = Reply(403, b'{"error": "forbidden"}', echo_auth=True)
    ex = HttpExecutor(control(base), 2.0, environ={"ADMIN_TOKEN": TOKEN})
    outcome = await ex.run(ActionRequest("planner", "drain"))
    assert not outcome.ok and outcome.error_kind == "permission"
    assert outcome.detail.startswith('HTTP 403: {"error": "forbidden"} you sent Bearer ')
    assert TOKEN not in outcome.detail and TOKEN not in repr(outcome)
    rec.reply = Reply(401, b"")
    outcome = await HttpExecutor(control(base), 2.0, environ={}).run(ActionRequest("planner", "drain"))
    assert (outcome.ok, outcome.error_kind) == (False, "permission")
    assert outcome.detail == "HTTP 401 (ADMIN_TOKEN is not set)"


async def test_http_sends_the_configured_headers_and_never_shows_them(server: tuple[str, Recorder]) -> None:
    """The demo's control block carries its admin token as a header (the dashboard may run in another shell)."""
    base, rec = server
    rec.reply = Reply(401, b'{"error": "no"}', echo_auth=True)
    ex = HttpExecutor(dataclasses.replace(control(base, None), headers={"Authorization": f"Bearer {TOKEN}"}), 2.0)
    outcome = await ex.run(ActionRequest("planner", "restart"))
    assert rec.seen == [Seen("POST", "/admin/restart", {}, f"Bearer {TOKEN}")]
    assert (outcome.ok, outcome.error_kind) == (False, "permission")
    assert TOKEN not in outcome.detail and "you sent" in outcome.detail


async def test_http_other_errors_are_http_and_cleaned(server: tuple[str, Recorder]) -> None:
    base, rec = server
    rec.reply = Reply(500, b"boom\x1b[2J\x1b]52;c;eHg=\x07 " + b"z" * 100_000)
    outcome = await HttpExecutor(control(base), 2.0).run(ActionRequest("planner", "drain"))
    assert (outcome.ok, outcome.error_kind) == (False, "http")
    assert outcome.detail.startswith("HTTP 500: boom z")
    assert "\x1b" not in outcome.detail and len(outcome.detail) < 400


async def test_http_reads_a_huge_answer_only_up_to_the_cap(server: tuple[str, Recorder]) -> None:
    base, rec = server
    rec.reply = Reply(200, b"a" * (4 * 1024 * 1024))
    outcome = await HttpExecutor(control(base), 5.0).run(ActionRequest("planner", "drain"))
    assert outcome.ok and set(outcome.detail) <= {"a", "…"} and len(outcome.detail) <= 300


async def test_http_refused_port_is_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once it is closed
    outcome = await HttpExecutor(control(f"http://127.0.0.1:{port}"), 2.0).run(ActionRequest("planner", "drain"))
    assert (outcome.ok, outcome.error_kind, outcome.detail) == (False, "refused", "connection refused")


async def test_http_silent_server_times_out_within_the_timeout() -> None:
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(8)  # the kernel completes the handshake; nobody ever reads or answers
        base = f"http://127.0.0.1:{srv.getsockname()[1]}"
        start = time.monotonic()
        outcome = await HttpExecutor(control(base), 0.5).run(ActionRequest("planner", "drain"))
        elapsed = time.monotonic() - start
    assert (outcome.ok, outcome.error_kind, outcome.detail) == (False, "timeout", "timed out after 0.5s")
    assert elapsed < 1.5


def test_http_description_hides_credentials_in_the_url() -> None:
    ex = HttpExecutor(control("http://admin:hunter2@10.0.0.5:8101"), 2.0)
    description = ex.operation(ActionRequest("planner", "drain")).description
    assert description == "POST http://[redacted]@10.0.0.5:8101/admin/drain"


# --- commands -------------------------------------------------------------------------------------------------
def command(
    restart: list[str] | None = None,
    drain: list[str] | None = None,
    resume: list[str] | None = None,
    throttle: list[str] | None = None,
) -> CommandConfig:
    return CommandConfig(restart=restart, drain=drain, resume=resume, throttle=throttle, timeout=5.0)


async def test_command_true_false_and_exit_code_with_stderr() -> None:
    ok = await CommandExecutor(command(restart=["true"])).run(ActionRequest("planner", "restart"))
    assert (ok.ok, ok.detail, ok.error_kind) == (True, "exit 0", None)
    bad = await CommandExecutor(command(restart=["false"])).run(ActionRequest("planner", "restart"))
    assert (bad.ok, bad.detail, bad.error_kind) == (False, "exit 1", "error")
    argv = ["sh", "-c", "echo out; echo err >&2; exit 3"]
    three = await CommandExecutor(command(drain=argv)).run(ActionRequest("planner", "drain"))
    assert (three.ok, three.detail, three.error_kind) == (False, "exit 3: err", "error")


async def test_command_timeout_kills_it_and_its_children() -> None:
    ex = CommandExecutor(CommandConfig(restart=["sleep", "5"], drain=["sh", "-c", "sleep 5; echo late"], timeout=0.5))
    kinds: tuple[ActionKind, ...] = ("restart", "drain")
    for kind in kinds:
        start = time.monotonic()
        outcome = await ex.run(ActionRequest("planner", kind))
        assert (outcome.ok, outcome.error_kind, outcome.detail) == (False, "timeout", "timed out after 0.5s")
        assert time.monotonic() - start < 2.0


async def test_command_missing_binary_and_not_executable(tmp_path: Path) -> None:
    missing = await CommandExecutor(command(restart=["/nonexistent/agentctl", "restart"])).run(
        ActionRequest("planner", "restart")
    )
    assert (missing.ok, missing.error_kind) == (False, "not_found")
    assert missing.detail == "/nonexistent/agentctl: command not found"
    script = tmp_path / "agentctl"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o644)
    denied = await CommandExecutor(command(restart=[str(script)])).run(ActionRequest("planner", "restart"))
    assert (denied.ok, denied.error_kind) == (False, "permission")


async def test_command_placeholder_is_replaced_for_throttle_only() -> None:
    argv = ["sh", "-c", 'printf "%s|%s" "$1" "$2"', "sh", "--rate={max_requests_per_minute}/min", "x"]
    ex = CommandExecutor(command(throttle=argv, drain=argv))
    throttle = ActionRequest("planner", "throttle", {"max_requests_per_minute": 30})
    assert ex.operation(throttle).description == ('run: sh -c \'printf "%s|%s" "$1" "$2"\' sh --rate=30/min x')
    outcome = await ex.run(throttle)
    assert (outcome.ok, outcome.detail) == (True, "--rate=30/min|x")
    drained = await ex.run(ActionRequest("planner", "drain"))
    assert drained.detail == "--rate={max_requests_per_minute}/min|x"


async def test_command_arguments_never_reach_a_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ex = CommandExecutor(command(restart=["echo", "$(touch PWNED)", ";", "touch", "PWNED2", "`touch PWNED3`"]))
    outcome = await ex.run(ActionRequest("planner", "restart"))
    assert outcome.ok and outcome.detail == "$(touch PWNED) ; touch PWNED2 `touch PWNED3`"
    assert sorted(os.listdir(tmp_path)) == []
    assert ex.operation(ActionRequest("planner", "restart")).description == (
        "run: echo '$(touch PWNED)' ';' touch PWNED2 '`touch PWNED3`'"
    )


async def test_command_output_is_capped_and_cleaned() -> None:
    code = "import sys; sys.stdout.write('x' * 3_000_000 + '\\x1b[2J\\x1b]0;pwned\\x07tail')"
    outcome = await CommandExecutor(command(restart=[sys.executable, "-c", code])).run(
        ActionRequest("planner", "restart")
    )
    assert outcome.ok and outcome.detail.endswith("xxxtail") and "\x1b" not in outcome.detail
    assert len(outcome.detail) <= 300


def test_command_description_is_the_shell_quoted_argv() -> None:
    ex = CommandExecutor(command(restart=["systemctl", "restart", "agent.service"]))
    op = ex.operation(ActionRequest("planner", "restart"))
    assert (op.executor, op.description) == ("command", "run: systemctl restart agent.service")


# --- choosing -------------------------------------------------------------------------------------------------
def test_executor_for_prefers_control_then_command_else_says_why() -> None:
    svc = ServiceConfig(
        name="planner",
        control=ControlConfig(base_url="http://127.0.0.1:8101", drain=ControlEndpoint("/admin/drain")),
        command=CommandConfig(drain=["agentctl", "drain"], restart=["systemctl", "restart", "planner.service"]),
    )
    assert isinstance(executor_for(svc, "drain", 2.0), HttpExecutor)
    restart = executor_for(svc, "restart", 2.0)
    assert isinstance(restart, CommandExecutor)
    assert restart.operation(ActionRequest("planner", "restart")).description == (
        "run: systemctl restart planner.service"
    )
    assert executor_for(svc, "throttle", 2.0) == (
        "no throttle for planner: no control endpoint or command configured for it"
    )
    assert executor_for(ServiceConfig(name="bare"), "resume", 2.0) == (
        "no resume for bare: no control endpoint or command configured for it"
    )
