"""Executors: the two ways an action reaches a service, an HTTP control endpoint or a command (argv, no shell).

An executor turns an `ActionRequest` into an `Operation` (exactly what will be done, for the confirmation dialog
and the journal) and runs it into an `Outcome`. `run()` never raises: whatever goes wrong becomes a failed
outcome with a short, cleaned detail, so one bad endpoint cannot take the dashboard down. Tokens are read from
the environment at run time and never appear in an operation or an outcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shlex
import signal
import ssl
from collections.abc import Mapping
from typing import Any

from agentops_tui.actions.base import DETAIL_LEN, MAX_OUTPUT, REDACTED, hide_userinfo
from agentops_tui.actions.model import ACTION_KINDS, ActionKind, ActionRequest, ErrorKind, Operation, Outcome
from probes.config import CommandConfig, ControlConfig, ControlEndpoint
from probes.http.redirects import REDIRECTS, not_followed
from probes.text.sanitize import clean

PLACEHOLDER = "{max_requests_per_minute}"
BASE_ENV = ("PATH", "HOME", "LANG", "TZ", "USER", "LOGNAME", "XDG_RUNTIME_DIR")
"""What a command gets of the dashboard's environment (and LC_*); XDG_RUNTIME_DIR lets `systemctl --user` find
its bus. Everything else, API keys and tokens first, stays out unless the config's command.env passes it."""


def _seconds(value: float) -> str:
    return f"{value:g}s"


def _head(raw: bytes) -> str:
    """The start of a response body as one safe short line."""
    return clean(raw.decode("utf-8", errors="replace").strip(), DETAIL_LEN)


def _tail(raw: bytes) -> str:
    """The end of a command's output as one safe short line (errors are usually printed last)."""
    text = clean(raw.decode("utf-8", errors="replace"), MAX_OUTPUT + 1).strip()
    return text if len(text) <= DETAIL_LEN else "…" + text[-(DETAIL_LEN - 1) :]


def throttle_body(request: ActionRequest) -> dict[str, Any]:
    """The JSON body of a control call: the limit for throttle, an empty object otherwise."""
    if request.kind == "throttle":
        return {"max_requests_per_minute": request.params.get("max_requests_per_minute")}
    return {}


_PROBE_KINDS: dict[str, ErrorKind] = {"refused": "refused", "timeout": "timeout"}


class HttpExecutor:
    """Calls the service's control endpoint (method + base_url + path) with a JSON body."""

    name = "http"

    def __init__(self, control: ControlConfig, timeout_s: float, environ: Mapping[str, str] | None = None) -> None:
        self.control = control
        self.timeout_s = timeout_s
        self._environ = environ

    def _endpoint(self, kind: ActionKind) -> ControlEndpoint:
        endpoint: ControlEndpoint | None = getattr(self.control, kind, None) if kind in ACTION_KINDS else None
        if not isinstance(endpoint, ControlEndpoint):
            raise LookupError(f"no control endpoint for {kind}")
        return endpoint

    def _url(self, endpoint: ControlEndpoint) -> str:
        return self.control.base_url.rstrip("/") + "/" + endpoint.path.lstrip("/")

    def _token(self) -> str | None:
        if not self.control.token_env:
            return None
        environ = self._environ if self._environ is not None else os.environ
        return environ.get(self.control.token_env) or None

    def operation(self, request: ActionRequest) -> Operation:
        endpoint = self._endpoint(request.kind)
        description = f"{endpoint.method} {hide_userinfo(self._url(endpoint))}"
        if request.kind == "throttle":
            description += " " + json.dumps(throttle_body(request))
        return Operation(self.name, clean(description, DETAIL_LEN))

    async def run(self, request: ActionRequest) -> Outcome:
        token = self._token()
        try:
            outcome = await self._run(request, token)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let one endpoint's oddity escape into the UI
            outcome = Outcome(False, clean(f"{type(exc).__name__}: {exc}", DETAIL_LEN), "error")
        for secret in (token, *self.control.headers.values()):  # e.g. a server that echoes its request headers
            if secret and len(secret) >= 8 and secret in outcome.detail:
                outcome = Outcome(outcome.ok, outcome.detail.replace(secret, REDACTED), outcome.error_kind)
        return outcome

    async def _run(self, request: ActionRequest, token: str | None) -> Outcome:
        try:
            endpoint = self._endpoint(request.kind)
        except LookupError as exc:
            return Outcome(False, str(exc), "error")
        headers = {**self.control.headers, "Content-Type": "application/json", "Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        content = json.dumps(throttle_body(request)).encode()
        import httpx  # imported when an action first runs, not while the dashboard starts

        from probes.http.client import classify

        try:
            status, raw, location = await asyncio.wait_for(
                self._send(endpoint.method, self._url(endpoint), content, headers), self.timeout_s
            )
        except asyncio.TimeoutError:
            return Outcome(False, f"timed out after {_seconds(self.timeout_s)}", "timeout")
        except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
            err = classify(exc)
            if err.kind == "timeout":
                return Outcome(False, f"timed out after {_seconds(self.timeout_s)}", "timeout")
            return Outcome(False, err.message, _PROBE_KINDS.get(err.kind, "error"))
        if status in REDIRECTS:
            return Outcome(False, not_followed(status, self._url(endpoint), location), "http")
        body = _head(raw)
        if 200 <= status < 300:
            return Outcome(True, body or f"HTTP {status}")
        detail = f"HTTP {status}: {body}" if body else f"HTTP {status}"
        if status in (401, 403):
            if self.control.token_env and token is None:
                detail += f" ({self.control.token_env} is not set)"
            return Outcome(False, detail, "permission")
        return Outcome(False, detail, "http")

    async def _send(
        self, method: str, url: str, content: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes, str | None]:
        """One request: status, at most MAX_OUTPUT bytes of the answer (the rest is dropped, not an error), and
        its Location header."""
        import httpx

        from probes.http.tls import verifying_context

        timeout = httpx.Timeout(self.timeout_s)
        # No proxies from the environment and no redirects: a control call goes exactly where the config says;
        # https verified as the poller verifies it (the system's CA store, not httpx's own bundle).
        async with (
            httpx.AsyncClient(
                timeout=timeout, trust_env=False, follow_redirects=False, verify=verifying_context()
            ) as client,
            client.stream(method, url, content=content, headers=headers) as resp,
        ):
            chunks: list[bytes] = []
            size = 0
            async for chunk in resp.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_OUTPUT:
                    break
            return resp.status_code, b"".join(chunks)[:MAX_OUTPUT], resp.headers.get("Location")


class DrainFirst:
    """The HTTP drain a service manager's drain calls before it stops the service (systemd, launchd, Docker),
    when the service has a drain endpoint; a failed drain leaves the service running."""

    def __init__(self, control: ControlConfig | None, timeout_s: float, environ: Mapping[str, str] | None = None):
        self.http = HttpExecutor(control, timeout_s, environ) if control is not None and control.drain else None

    def describe(self, request: ActionRequest, stop: str) -> str:
        """The confirmation text of a drain: the HTTP call first, then `stop`."""
        return f"{self.http.operation(request).description}, then {stop}" if self.http is not None else stop

    async def run(self, request: ActionRequest, failed: str) -> Outcome | None:
        """Call the drain endpoint on a drain; None to go on with the stop, else the outcome `failed: why`."""
        if request.kind != "drain" or self.http is None:
            return None
        drained = await self.http.run(request)
        return None if drained.ok else Outcome(False, f"{failed}: {drained.detail}", drained.error_kind)


async def _read_tail(stream: asyncio.StreamReader | None) -> bytes:
    """Drain a pipe to its end (so the child never blocks on it), keeping only the last MAX_OUTPUT bytes."""
    if stream is None:
        return b""
    buf = bytearray()
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return bytes(buf)
        buf += chunk
        if len(buf) > MAX_OUTPUT:
            del buf[: len(buf) - MAX_OUTPUT]


def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the command and anything it started (it leads its own session, so its group is its own)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def command_env(extra: Mapping[str, str], environ: Mapping[str, str]) -> dict[str, str]:
    """A command's environment: BASE_ENV and LC_* from `environ`, then the config's command.env."""
    env = {k: v for k, v in environ.items() if k in BASE_ENV or k.startswith("LC_")}
    env.setdefault("PATH", os.defpath)
    env.update(extra)
    return env


class CommandExecutor:
    """Runs the configured argv (never through a shell), killing it after command.timeout seconds."""

    name = "command"

    def __init__(self, command: CommandConfig, environ: Mapping[str, str] | None = None) -> None:
        self.command = command
        self._environ = environ

    def argv(self, request: ActionRequest) -> list[str]:
        """The argv for a request; the throttle limit replaces the placeholder inside any argument."""
        argv: list[str] | None = getattr(self.command, request.kind, None) if request.kind in ACTION_KINDS else None
        if not isinstance(argv, list) or not argv:
            return []
        if request.kind != "throttle":
            return list(argv)
        limit = str(request.params.get("max_requests_per_minute"))
        return [arg.replace(PLACEHOLDER, limit) for arg in argv]

    def operation(self, request: ActionRequest) -> Operation:
        return Operation(self.name, clean("run: " + shlex.join(self.argv(request)), DETAIL_LEN))

    async def run(self, request: ActionRequest) -> Outcome:
        argv = self.argv(request)
        if not argv:
            return Outcome(False, f"no command configured for {request.kind}", "error")
        program = clean(argv[0], 120)
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                env=command_env(self.command.env, os.environ if self._environ is None else self._environ),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError:
            return Outcome(False, f"{program}: command not found", "not_found")
        except PermissionError:
            return Outcome(False, f"{program}: permission denied", "permission")
        except (OSError, ValueError) as exc:
            return Outcome(False, clean(f"{program}: {exc}", DETAIL_LEN), "error")
        try:
            out, err = await asyncio.wait_for(self._collect(proc), self.command.timeout)
        except asyncio.TimeoutError:
            await self._reap(proc)
            return Outcome(False, f"timed out after {_seconds(self.command.timeout)}", "timeout")
        except asyncio.CancelledError:
            _kill_group(proc)
            raise
        except Exception as exc:
            await self._reap(proc)
            return Outcome(False, clean(f"{type(exc).__name__}: {exc}", DETAIL_LEN), "error")
        code = proc.returncode
        if code == 0:
            return Outcome(True, _tail(out) or "exit 0")
        text = _tail(err) or _tail(out)
        if code is not None and code < 0:
            head = f"killed by {signal.Signals(-code).name}" if -code in signal.valid_signals() else f"exit {code}"
        else:
            head = f"exit {code}"
        return Outcome(False, f"{head}: {text}" if text else head, "error")

    async def _collect(self, proc: asyncio.subprocess.Process) -> tuple[bytes, bytes]:
        out, err = await asyncio.gather(_read_tail(proc.stdout), _read_tail(proc.stderr))
        await proc.wait()
        return out, err

    async def _reap(self, proc: asyncio.subprocess.Process) -> None:
        _kill_group(proc)
        with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
            await asyncio.wait_for(proc.wait(), 5.0)
