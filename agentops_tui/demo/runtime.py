"""Process plumbing shared by agent and proxy processes: HTTP servers, pidfiles, READY line, clean exits.

The supervisor learns the ports from the single ``READY name=port ...`` stdout line; after it the process points
its stdout at stderr (the log file) so the supervisor can close the pipe. A process must never outlive the
fleet: it asks the kernel for SIGTERM when its parent dies and also polls getppid() against the parent pid it
was given, which covers a parent that died before prctl ran.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hmac
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import Any

from prometheus_client import disable_created_metrics

from agentops_tui.demo.metrics import CONTENT_TYPE
from agentops_tui.demo.service import SimService

MAX_BODY = 64 * 1024
TOKEN_ENV = "AGENTOPS_DEMO_TOKEN"  # the fleet's admin token reaches its children here, never on a command line
RESTART_DELAY_S = 0.3  # lets the 202 reach the caller before the process exits


class ProcessControl:
    """Process-wide flags the HTTP threads and signal handlers set and the main loop acts on."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.restart_at: float | None = None

    def request_restart(self) -> None:
        self.restart_at = time.time() + RESTART_DELAY_S


class DemoHTTPServer(ThreadingHTTPServer):
    """One service's listener; daemon threads so a stuck client never blocks exit."""

    daemon_threads = True
    block_on_close = False  # a keep-alive client (the dashboard) must not delay the exit
    allow_reuse_address = True

    def __init__(self, port: int, service: SimService, control: ProcessControl) -> None:
        self.service = service
        self.control = control
        self.admin_auth = f"Bearer {os.environ[TOKEN_ENV]}".encode() if os.environ.get(TOKEN_ENV) else None
        super().__init__(("127.0.0.1", port), Handler)


class Handler(BaseHTTPRequestHandler):
    """GET /health, GET /metrics, POST /admin/{drain,resume,throttle,restart} (with the fleet's token) and service
    POSTs."""

    protocol_version = "HTTP/1.1"  # keep-alive: the dashboard polls every couple of seconds
    timeout = 60
    server: DemoHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence per-request logging; the log files are for lifecycle events."""

    def _send(
        self, code: int, body: bytes, content_type: str = "application/json", extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    def _json(self, code: int, data: dict[str, Any], extra: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(data).encode(), extra=extra)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        service = self.server.service
        if path == "/health":
            code, data = service.health(time.time())
            self._json(code, data)
        elif path in ("/metrics", "/metrics/"):  # LiteLLM serves /metrics/ (and redirects /metrics there)
            self._send(200, service.metrics.render(), CONTENT_TYPE)
        else:
            answer = service.handle_get(path)
            if answer is None:
                self._json(404, {"ok": False, "error": f"no such endpoint: GET {path}"})
            else:
                self._send(*answer)

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        body = self._read_body()
        if body is None:
            return
        service = self.server.service
        if path.startswith("/admin/") and not self._admin_allowed():
            refusal = {"ok": False, "error": "a bearer token is needed (see the demo's config)"}
            self._json(401, refusal, {"WWW-Authenticate": "Bearer"})
        elif path == "/admin/drain":
            self._json(200, service.drain())
        elif path == "/admin/resume":
            self._json(200, service.resume())
        elif path == "/admin/throttle":
            self._json(*service.throttle(body))
        elif path == "/admin/restart":
            self._json(202, {"ok": True, "restarting": True, "pid": os.getpid()})
            self.server.control.request_restart()
        else:
            answer = service.handle_post(path, body)
            if answer is None:
                self._json(404, {"ok": False, "error": f"no such endpoint: POST {path}"})
            else:
                self._json(*answer)

    def _admin_allowed(self) -> bool:
        """Loopback is every local user's (and every page a browser opens): /admin/* needs the fleet's token."""
        expected = self.server.admin_auth
        given = (self.headers.get("Authorization") or "").encode()
        return expected is not None and hmac.compare_digest(given, expected)

    def _read_body(self) -> dict[str, Any] | None:
        """The JSON object body ({} when empty); answers 400/413 itself and returns None on a bad one."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True
            self._json(413 if length > MAX_BODY else 400, {"ok": False, "error": "bad Content-Length"})
            return None
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            self._json(400, {"ok": False, "error": "body must be a JSON object"})
            return None
        return data


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM, SIGINT and SIGHUP set `stop`, from a thread: the handler only writes a byte to a pipe.

    Event.set() in a handler takes the event's lock, which the code it interrupted may hold (Event.wait() between
    its acquire and release, or a first handler's set()): the child then hangs for good. Two SIGTERMs close
    together (the fleet's own, then the parent-death one) did that to about 1 child stop in 25."""
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(OSError):  # a full pipe already holds a wake-up
            os.write(write_fd, b"!")

    def relay() -> None:
        os.read(read_fd, 1)
        stop.set()

    threading.Thread(target=relay, name="stop-signals", daemon=True).start()
    for sig in STOP_SIGNALS:
        signal.signal(sig, on_signal)


def set_parent_death_signal() -> None:
    """Ask Linux to SIGTERM us when the spawning thread dies; silently skipped elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(1, int(signal.SIGTERM), 0, 0, 0)  # 1 = PR_SET_PDEATHSIG


def write_pidfile(path: str) -> None:
    Path(path).write_text(f"{os.getpid()}\n")


def remove_pidfile(path: str) -> None:
    """Remove the pidfile if it is still ours (a restarted successor may have rewritten it)."""
    with contextlib.suppress(OSError, ValueError):
        if int(Path(path).read_text().strip()) == os.getpid():
            os.unlink(path)


def run_process(
    hosted: list[tuple[SimService, int, str]],
    parent_pid: int | None,
    tick_s: float,
    crash_check: Callable[[float, float], bool] | None = None,
) -> int:
    """Serve (service, port, pidfile) triples and tick them until told to stop; returns the exit code.

    Exit codes: 0 on SIGTERM/SIGINT/SIGHUP, parent death or /admin/restart; 1 when a port cannot be bound or when
    ``crash_check(now, uptime_s)`` says the simulated crash is due.
    """
    set_parent_death_signal()
    disable_created_metrics()  # the *_created series only bloat scrapes
    started = time.time()
    control = ProcessControl()

    stop_on_signals(control.stop)
    servers: list[DemoHTTPServer] = []
    try:
        for service, port, _ in hosted:
            servers.append(DemoHTTPServer(port, service, control))
    except OSError as exc:
        print(f"cannot listen: {exc}", file=sys.stderr, flush=True)
        return 1
    for server in servers:
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 1.0}, daemon=True).start()
    for _, _, pidfile in hosted:
        write_pidfile(pidfile)
    ports = " ".join(f"{s.name}={srv.server_address[1]}" for (s, _, _), srv in zip(hosted, servers, strict=True))
    print(f"READY {ports}", flush=True)
    os.dup2(2, 1)  # later prints go to the log file; the supervisor closes its end of the pipe
    names = ",".join(s.name for s, _, _ in hosted)
    print(f"{time.strftime('%H:%M:%S')} pid {os.getpid()} serving {names}", file=sys.stderr, flush=True)
    code = _loop(hosted, control, parent_pid, tick_s, started, crash_check)
    for server in servers:
        server.server_close()
    if code == 0:
        for _, _, pidfile in hosted:
            remove_pidfile(pidfile)
    return code


def _loop(
    hosted: list[tuple[SimService, int, str]],
    control: ProcessControl,
    parent_pid: int | None,
    tick_s: float,
    started: float,
    crash_check: Callable[[float, float], bool] | None,
) -> int:
    while not control.stop.is_set():
        now = time.time()
        for service, _, _ in hosted:
            service.tick(now)
        if control.restart_at is not None and now >= control.restart_at:
            _log("restart requested over /admin/restart: exiting 0")
            return 0
        if crash_check is not None and crash_check(now, now - started):
            _log("simulated crash (crash_loop window): exiting 1")
            return 1
        if parent_pid is not None and os.getppid() != parent_pid:
            _log("parent is gone: exiting")
            return 0
        control.stop.wait(tick_s)
    _log("stop signal: exiting 0")
    return 0


def _log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} pid {os.getpid()} {message}", file=sys.stderr, flush=True)
