"""Nothing of the demo outlives the dashboard: its children end and its temporary directory goes, however it ends.

Real processes throughout: the demo's own children started as the fleet starts them, `demo --fleet-only` under
each signal, and `agentops-tui demo` in a tmux session closed every way an operator closes it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from agentops_tui.demo import runtime
from tests.waiting import wait_for

CLI = [sys.executable, "-m", "agentops_tui.cli"]
ROOT = Path(__file__).resolve().parents[2]


def processes_of(marker: str) -> list[psutil.Process]:
    """Live processes whose command line mentions `marker` (a demo's work directory)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        with contextlib.suppress(psutil.Error):
            if marker in " ".join(proc.info["cmdline"] or ()) and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
    return found


def kill_all(marker: str) -> None:
    for proc in processes_of(marker):
        with contextlib.suppress(psutil.Error):
            proc.kill()


def spawn_child(module: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A demo child started the way the supervisor starts it; returns it and the port from its READY line."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "--port", "0", "--pidfile", str(tmp_path / "child.pid")],
        stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, start_new_session=True,
    )  # fmt: skip
    assert proc.stdout is not None
    line = proc.stdout.readline().decode()
    assert line.startswith("READY "), line
    return proc, int(line.split("=")[-1])


@pytest.mark.parametrize("module", ["agentops_tui.demo.taskqueue", "agentops_tui.demo.proxy"])
def test_a_child_ends_on_sigterm_while_a_client_holds_a_connection(tmp_path: Path, module: str) -> None:
    """The review's orphan: the queue's server_close() joined the thread serving an idle client, forever."""
    proc, port = spawn_child(module, tmp_path)
    try:
        with socket.create_connection(("127.0.0.1", port)) as held:
            if module.endswith("taskqueue"):
                held.sendall(b"PING\r\n")
                assert held.recv(64) == b"+PONG\r\n"
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=15) == 0  # a hang here is the defect; the bound is not a timing goal
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_stop_signals_never_take_a_lock_the_interrupted_code_holds() -> None:
    """A signal handler that calls Event.set() needs the event's lock; when it interrupts code holding that lock
    (Event.wait() between its acquire and release) the child deadlocks for good: seen as a demo child that
    survived its fleet with three nested handlers stuck in Event.set(). Runs in a subprocess: a deadlock there
    is a timeout here, not a hung test run."""
    script = (
        "import signal, threading\n"
        "from agentops_tui.demo import runtime\n"
        "stop = threading.Event()\n"
        "runtime.stop_on_signals(stop)\n"
        "with stop._cond:\n"  # the state the signal interrupted: inside the event's lock
        "    signal.raise_signal(signal.SIGTERM)\n"
        "    signal.raise_signal(signal.SIGHUP)\n"
        "print('stopped' if stop.wait(10) else 'not stopped', flush=True)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert out.stdout.strip() == "stopped", out.stderr
    assert runtime.STOP_SIGNALS == (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def demo_dirs(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("agentops-demo-*"))


@contextlib.contextmanager
def fleet_only(tmp_path: Path, *extra: str) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    """`agentops-tui demo --fleet-only` with its temporary directory under tmp_path (TMPDIR); yields it running."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(
        [*CLI, "demo", "--fleet-only", "--services", "1", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        stdout = proc.stdout
        assert stdout is not None
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")), daemon=True).start()
        wait_for(lambda: any(line.startswith("running;") for line in lines) or proc.poll() is not None, 60, "fleet")
        yield proc, demo_dirs(tmp_path)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        for d in demo_dirs(tmp_path):
            kill_all(str(d))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL])
def test_fleet_only_leaves_nothing_behind(tmp_path: Path, sig: signal.Signals) -> None:
    with fleet_only(tmp_path) as (proc, workdir):
        assert (workdir / "ledger.jsonl").exists()
        children = processes_of(str(workdir))
        assert len(children) >= 3, children  # planner, model-proxy, task-queue (and the janitor)
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
        wait_for(lambda: not processes_of(str(workdir)) and not workdir.exists(), 30, "the demo to be gone")
    assert code == (-9 if sig is signal.SIGKILL else 0)
    assert demo_dirs(tmp_path) == []


def test_fleet_only_that_fails_to_start_leaves_nothing_behind(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, "TMPDIR": str(tmp_path)}
        out = subprocess.run(
            [*CLI, "demo", "--fleet-only", "--services", "1", "--base-port", str(port)],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
        )  # fmt: skip
    assert out.returncode == 1 and "failed to start" in out.stderr
    wait_for(lambda: not demo_dirs(tmp_path), 30, "the work directory to go")


class Tmux:
    """A tmux server of this test's own (-L), so nothing else's sessions are touched."""

    def __init__(self, tmp_path: Path) -> None:
        self.socket = f"agentops-exit-{os.getpid()}-{tmp_path.name}"
        self.env = {**os.environ, "TMPDIR": str(tmp_path), "TERM": "xterm-256color"}

    def __call__(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env)
        return out.stdout

    def pane_pid(self) -> int:
        return int(self("list-panes", "-t", "demo", "-F", "#{pane_pid}").split()[0])


def _quit(tmux: Tmux, how: str) -> None:
    if how == "q":
        tmux("send-keys", "-t", "demo", "q")
    elif how == "ctrl+q":
        tmux("send-keys", "-t", "demo", "C-q")
    elif how == "kill-session":
        tmux("kill-session", "-t", "demo")
    else:
        os.kill(tmux.pane_pid(), signal.Signals[how])


@pytest.mark.skipif(not (sys.platform.startswith("linux") and shutil.which("tmux")), reason="needs Linux and tmux")
@pytest.mark.parametrize("how", ["q", "ctrl+q", "SIGINT", "SIGTERM", "SIGHUP", "kill-session", "SIGKILL"])
def test_the_demo_in_a_terminal_leaves_nothing_behind(tmp_path: Path, how: str) -> None:
    """`agentops-tui demo` in tmux, closed each way: no process of the demo and no temporary directory remain.
    (Ctrl+C is a key in the dashboard, which says how to quit; SIGINT is what `kill -INT` sends.)"""
    tmux = Tmux(tmp_path)
    command = shlex.join([*CLI, "demo", "--services", "1"])
    tmux("new-session", "-d", "-s", "demo", "-x", "120", "-y", "30", f"cd {shlex.quote(str(ROOT))} && exec {command}")
    try:
        wait_for(lambda: "planner" in tmux("capture-pane", "-p", "-t", "demo"), 60, "the dashboard")
        (workdir,) = demo_dirs(tmp_path)
        dashboard = tmux.pane_pid()
        demo = processes_of(str(workdir))
        assert len(demo) >= 3, demo  # planner, model-proxy, task-queue (and the janitor)
        wait_for(lambda: "/s out" in tmux("capture-pane", "-p", "-t", "demo"), 30, "the queue probe connected")
        _quit(tmux, how)
        wait_for(lambda: not psutil.pid_exists(dashboard), 30, "the dashboard to end")
        wait_for(lambda: not processes_of(str(workdir)), 30, "the demo's processes to end")
        wait_for(lambda: not workdir.exists(), 30, "the work directory to go")
    finally:
        tmux("kill-server")
        for d in demo_dirs(tmp_path):
            kill_all(str(d))
    assert demo_dirs(tmp_path) == []


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--cycle", "nan"], "argument --cycle: must be a finite number above 0, got 'nan'"),
        (["--refresh", "inf"], "argument --refresh: must be a finite number above 0, got 'inf'"),
        (["--refresh", "-2"], "argument --refresh: must be a finite number above 0, got '-2'"),
        (["--services", "0"], "argument --services: must be a whole number from 1 to 1000, got '0'"),
    ],
)
def test_senseless_demo_numbers_stop_it_before_anything_starts(tmp_path: Path, args: list[str], error: str) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    out = subprocess.run(
        [*CLI, "demo", "--fleet-only", *args], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.splitlines()[-1] == f"agentops-tui demo: error: {error}"
    assert demo_dirs(tmp_path) == []
