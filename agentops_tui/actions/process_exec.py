"""The process executor: a plain process (no drain endpoint, no service manager) drained with SIGTERM to the PID the
dashboard knows (`process: {pidfile: ...}` or `pid:`), never with SIGKILL.

The PID is read when the action runs, not when the dashboard started: a pidfile is rewritten on every restart.
Before the signal the process must still be the one the operator confirmed, the same PID with the same start time
(a PID is reused once its process is gone), and ours to signal. On Linux the signal goes through a pidfd opened
before that last check, so no reuse can slip in between the check and the signal.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psutil

from agentops_tui.actions.base import DETAIL_LEN, Executor
from agentops_tui.actions.model import ActionKind, ActionRequest, Operation, Outcome
from probes.config import ProcessConfig, ServiceConfig
from probes.sources.process.probe import read_pid
from probes.text.sanitize import clean

SAME_START_S = 1e-3  # start times are whole clock ticks (10 ms): closer than this is the same process


@dataclass(frozen=True)
class Target:
    """One process: with its start time a PID names it even after the PID is reused."""

    pid: int
    started: float  # psutil's create_time (seconds since the epoch)
    name: str

    def expect(self) -> dict[str, Any]:
        """What the operator confirmed, carried in the request (and journaled with it)."""
        return {"pid": self.pid, "started": self.started}


def source(cfg: ProcessConfig) -> str:
    return f"its pidfile {clean(cfg.pidfile, 200)}" if cfg.pidfile else "its pid:"


def _started(pid: int) -> tuple[float, str] | None:
    """Start time and name of a live process, None when it is gone or has exited (a zombie)."""
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc.create_time(), clean(proc.name(), 60)
    except psutil.NoSuchProcess:
        return None


def identify(cfg: ProcessConfig) -> Target | str:
    """The process the config names now, or why it is not one to signal."""
    found = read_pid(cfg)
    if not isinstance(found, int):
        missing = found.message == "no readable pidfile"
        return f"{source(cfg)} is missing or unreadable" if missing else f"{source(cfg)}: {found.message}"
    pid = found
    if pid <= 1 or pid == os.getpid():
        return f"{source(cfg)} names PID {pid}, which the dashboard never signals"
    try:
        alive = _started(pid)
    except psutil.Error as exc:
        return clean(f"PID {pid}: {type(exc).__name__}: {exc}", DETAIL_LEN)
    stale = f"{source(cfg)} is stale: PID {pid} is not running" if cfg.pidfile else f"PID {pid} is not running"
    if alive is None:
        return stale
    try:
        os.kill(pid, 0)  # sends nothing: only asks whether we may signal it
    except ProcessLookupError:
        return stale
    except PermissionError:
        return f"PID {pid} ({alive[1]}) runs as another user: not ours to signal"
    return Target(pid, alive[0], alive[1])


def _pidfd(pid: int) -> int | None:
    """A handle on exactly this process (Linux 5.3+), None where there is none."""
    if not hasattr(os, "pidfd_open") or not hasattr(signal, "pidfd_send_signal"):
        return None
    try:
        return os.pidfd_open(pid)
    except OSError:
        return None


def terminate(cfg: ProcessConfig, expect: Mapping[str, Any]) -> Outcome:
    """SIGTERM to the process the config names now, if it is the one in `expect` (when given)."""
    now = identify(cfg)
    if isinstance(now, str):
        return Outcome(False, f"not signalled: {now}", "not_found")
    want = expect.get("pid")
    if want is not None and now.pid != want:
        return Outcome(False, f"not signalled: {source(cfg)} now names PID {now.pid}, not PID {want} as confirmed")
    started = expect.get("started", now.started)
    fd = _pidfd(now.pid)
    try:
        alive = _started(now.pid)  # after the pidfd: the process it holds is the one checked here
        if alive is None:
            return Outcome(False, f"not signalled: PID {now.pid} exited before the signal", "not_found")
        if not isinstance(started, (int, float)) or abs(alive[0] - started) > SAME_START_S:
            return Outcome(False, f"not signalled: PID {now.pid} is another process now ({alive[1]}, started "
                           "after the one confirmed): the PID was reused")  # fmt: skip
        if fd is not None:
            signal.pidfd_send_signal(fd, signal.SIGTERM)
        else:
            os.kill(now.pid, signal.SIGTERM)
    except ProcessLookupError:
        return Outcome(False, f"not signalled: PID {now.pid} exited before the signal", "not_found")
    except PermissionError:
        return Outcome(False, f"PID {now.pid}: permission denied: not ours to signal", "permission")
    except (OSError, psutil.Error) as exc:
        return Outcome(False, clean(f"PID {now.pid}: {type(exc).__name__}: {exc}", DETAIL_LEN), "error")
    finally:
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
    return Outcome(True, f"SIGTERM sent to PID {now.pid} ({now.name})")


class ProcessExecutor:
    """Drain = SIGTERM to the PID read at the moment of the action; nothing else (no restart, no start)."""

    name = "process"

    def __init__(self, cfg: ProcessConfig, target: Target) -> None:
        self.cfg = cfg
        self.target = target

    def operation(self, request: ActionRequest) -> Operation:
        t = self.target
        text = f"SIGTERM to PID {t.pid} ({t.name}, from {source(self.cfg)})"  # no SIGKILL: the summary says so
        return Operation(self.name, clean(text, DETAIL_LEN + 200))

    async def run(self, request: ActionRequest) -> Outcome:
        return terminate(self.cfg, request.params)


def offer(
    service: ServiceConfig, kind: ActionKind, timeout_s: float, environ: Mapping[str, str] | None = None
) -> Executor | str | None:
    """The process executor for a drain, or why the process cannot be signalled, or None (not a drain, no
    process: section)."""
    if service.process is None or kind != "drain":
        return None
    target = identify(service.process)
    if isinstance(target, str):
        return f"no drain for {clean(service.name, 120)}: {target}"
    return ProcessExecutor(service.process, target)
