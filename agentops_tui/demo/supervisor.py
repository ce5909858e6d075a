"""Child-process supervisor of the demo fleet.

One daemon thread owns every Popen: it spawns, reads READY lines, reaps and restarts. Spawning only from that
long-lived thread matters because the children ask for PR_SET_PDEATHSIG, which Linux fires when the *thread*
that forked them exits; a child spawned from a short-lived caller thread would be killed with it.

Restart policy: exit 0 (from /admin/restart) restarts at once; any other exit waits a backoff of 2 s doubling up
to 30 s, reset once a child has stayed up 30 s. A child killed with restart=False stays down, and a child that
never got to READY on its first launch is reported as a start failure instead of being retried.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agentops_tui.demo.roster import ProcSpec

BACKOFF_START_S = 2.0
BACKOFF_MAX_S = 30.0
STABLE_UPTIME_S = 30.0
TERM_GRACE_S = 3.0
POLL_S = 0.05


@dataclass
class Child:
    """Supervisor-side state of one child process."""

    spec: ProcSpec
    log: Path
    popen: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    ready: bool = False
    ready_once: bool = False
    failed: str | None = None  # why the first launch never became ready
    keep: bool = True  # restart when it exits
    restart_at: float | None = None
    backoff: float = BACKOFF_START_S
    restarts: int = 0
    buf: bytes = b""
    pids: list[int] = field(default_factory=list)


class Supervisor:
    """Runs the children described by ProcSpecs; all methods are safe to call from any thread."""

    def __init__(
        self, children: dict[str, Child], argv: Callable[[ProcSpec], list[str]], env: dict[str, str], log: Path
    ) -> None:
        self.children = children
        self.log = log
        self.argv = argv
        self.env = env
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.stopping = threading.Event()
        self._commands: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="demo-fleet-supervisor", daemon=True)
        self._thread.start()

    # --- API --------------------------------------------------------------------------------------------------
    def launch(self, keys: list[str]) -> None:
        """Ask the supervisor thread to spawn these children now."""
        for key in keys:
            self._commands.put(key)

    def wait_ready(self, keys: list[str], timeout: float) -> None:
        """Block until every child in keys printed READY; RuntimeError names a failed or slow child."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while True:
                for key in keys:
                    child = self.children[key]
                    if child.failed:
                        raise RuntimeError(f"demo child {key!r} failed to start: {child.failed}\n{tail(child.log)}")
                if all(self.children[k].ready for k in keys):
                    return
                left = deadline - time.monotonic()
                if left <= 0:
                    slow = [k for k in keys if not self.children[k].ready]
                    first = self.children[slow[0]]
                    raise RuntimeError(f"demo child {slow[0]!r} not ready after {timeout:.0f} s\n{tail(first.log)}")
                self.changed.wait(min(left, 0.5))

    def kill(self, key: str, restart: bool) -> None:
        """SIGKILL a child; it comes back (policy above) only with restart=True."""
        with self.lock:
            child = self.children[key]
            child.keep = restart
            if child.popen is not None and child.popen.poll() is None:
                child.popen.send_signal(signal.SIGKILL)
            elif restart and child.restart_at is None:
                child.restart_at = time.time()

    def pid(self, key: str) -> int | None:
        with self.lock:
            popen = self.children[key].popen
            return popen.pid if popen is not None and popen.returncode is None else None

    def stop(self) -> None:
        """Stop restarting, then SIGTERM every child and SIGKILL what is left after TERM_GRACE_S."""
        self.stopping.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        live = [c.popen for c in self.children.values() if c.popen is not None and c.popen.poll() is None]
        for popen in live:
            popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + TERM_GRACE_S
        for popen in live:
            try:
                popen.wait(timeout=max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
        for child in self.children.values():
            if child.popen is not None and child.popen.stdout is not None:
                child.popen.stdout.close()

    # --- supervisor thread ------------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._step()
            except Exception as exc:  # keep supervising: the children die with this thread (PDEATHSIG)
                _note(self.log, f"supervisor error: {exc!r}")
            self.stopping.wait(POLL_S)

    def _step(self) -> None:
        while True:
            try:
                key = self._commands.get_nowait()
            except queue.Empty:
                break
            self._spawn(self.children[key])
        now = time.time()
        for child in self.children.values():
            if child.popen is not None and child.popen.returncode is None:
                self._read_ready(child)
                code = child.popen.poll()
                if code is not None:
                    self._exited(child, code, now)
            elif child.restart_at is not None and now >= child.restart_at and not self.stopping.is_set():
                with self.lock:
                    child.restart_at = None
                    if not child.keep:
                        continue
                child.restarts += 1
                self._spawn(child)

    def _spawn(self, child: Child) -> None:
        if self.stopping.is_set():
            return
        with open(child.log, "ab") as log:
            popen = subprocess.Popen(
                self.argv(child.spec),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                env=self.env,
                start_new_session=True,  # terminal Ctrl-C goes to the fleet, which then stops children in order
            )
        assert popen.stdout is not None
        os.set_blocking(popen.stdout.fileno(), False)
        with self.changed:
            child.popen = popen
            child.started_at = time.time()
            child.ready = False
            child.buf = b""
            child.pids.append(popen.pid)
            self.changed.notify_all()

    def _read_ready(self, child: Child) -> None:
        popen = child.popen
        if child.ready or popen is None or popen.stdout is None or popen.stdout.closed:
            return
        try:
            chunk = os.read(popen.stdout.fileno(), 4096)
        except BlockingIOError:
            return
        child.buf += chunk
        line, sep, _ = child.buf.partition(b"\n")
        if not sep:
            if not chunk:  # EOF without READY: the exit is handled by the caller
                popen.stdout.close()
            return
        popen.stdout.close()
        words = line.decode(errors="replace").split()
        if not words or words[0] != "READY":
            _note(child.log, f"supervisor: unexpected first line {line[:200]!r}")
            return
        ports = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        with self.changed:
            for name, port in ports.items():
                if name in child.spec.ports:
                    child.spec.ports[name] = int(port)
            child.ready = child.ready_once = True
            self.changed.notify_all()

    def _exited(self, child: Child, code: int, now: float) -> None:
        with self.changed:
            child.ready = False
            uptime = now - child.started_at
            if self.stopping.is_set():
                return
            if not child.ready_once:
                child.failed = f"exited with code {code} before READY"
            elif not child.keep:
                _note(child.log, f"supervisor: exited with code {code}; killed, left down")
            else:
                if uptime >= STABLE_UPTIME_S:
                    child.backoff = BACKOFF_START_S
                delay = 0.0 if code == 0 else child.backoff
                if code != 0:
                    child.backoff = min(BACKOFF_MAX_S, child.backoff * 2)
                child.restart_at = now + delay
                _note(child.log, f"supervisor: exited with code {code} after {uptime:.1f} s; restart in {delay:.0f} s")
            self.changed.notify_all()


def tail(path: Path, lines: int = 20) -> str:
    """Last lines of a child's log, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"


def _note(path: Path, message: str) -> None:
    with open(path, "a") as fh:
        fh.write(f"{time.strftime('%H:%M:%S')} {message}\n")
