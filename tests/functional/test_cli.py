"""The command line against real processes: check's JSON and exit codes, config errors, signals."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from agentops_tui.check import run_check
from agentops_tui.demo import schedule
from agentops_tui.demo.fleet import DemoFleet
from probes.config import FleetConfig
from tests.functional.helpers import free_port, serve, serve_handler, silent_server
from tests.waiting import Deadline

CLI = [sys.executable, "-m", "agentops_tui.cli"]


def one_service(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "one.yaml"
    path.write_text(f"refresh_interval: 2\nservices:\n  - name: solo\n    health: {{url: '{url}', timeout: 0.5}}\n")
    return path


def run_cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout)


def wait_outside(kind: str, fleet: DemoFleet, margin: float = 8.0) -> None:
    """Sleep until `kind`'s window is over (plus a margin), if it is on now or starts within the margin."""
    now = time.time()
    start, end = schedule.next_window(kind, now, fleet.epoch, fleet.cycle_s)
    in_window = kind in schedule.active_faults(schedule.FAULT_WINDOWS[kind].agent, now, fleet.epoch, fleet.cycle_s)
    if in_window or start - now < margin:
        time.sleep(max(0.0, end - now) + margin)


def test_check_json_lists_every_demo_service_with_numbers(demo_fleet: DemoFleet, demo_config_path: Path) -> None:
    wait_outside(schedule.CRASH_LOOP, demo_fleet)
    out = run_cli("check", "--config", str(demo_config_path), "--json")
    assert out.returncode in (0, 1, 2), out.stderr
    data = json.loads(out.stdout)
    names = [s["name"] for s in data["services"]]
    assert sorted(names) == sorted(demo_fleet.service_names())
    for s in data["services"]:
        assert set(s) >= {"name", "status", "reason", "latency_p95_s", "error_rate", "breakers", "active_tasks",
                          "spend_today_usd"}  # fmt: skip
        if s["name"] == "task-queue":  # a queue has depth and rates, no latency or error rate
            # its depth, or the queue_depth alert when a loaded machine lets the queue pass its limit of 25
            assert isinstance(s["active_tasks"], (int, float)), s
            assert s["reason"].startswith("depth ") or "queue depth" in s["reason"], s
            assert s["queue"]["depth"] == s["active_tasks"] and s["queue"]["workers"] >= 1, s
            continue
        assert isinstance(s["latency_p95_s"], float), s
        assert isinstance(s["error_rate"], float), s
    for a in data["alerts"]:  # the built-in rules' (an open breaker fires at once; most are pending in one poll)
        assert set(a) >= {"service", "name", "state", "severity", "source", "since", "value", "summary"}, a
    worst = {"OK": 0, "WARN": 1, "CRIT": 2, "UNKNOWN": 3}[data["status"]]
    assert out.returncode == worst


@pytest.mark.parametrize(
    ("kind", "agent", "statuses"),
    [
        (schedule.ERROR_BURST, "writer", {"WARN", "CRIT"}),
        (schedule.CRASH_LOOP, "scraper", {"CRIT"}),
    ],
)
def test_scheduled_faults_show_in_check_during_their_windows(
    demo_fleet: DemoFleet, demo_config: FleetConfig, kind: str, agent: str, statuses: set[str]
) -> None:
    start, end = schedule.next_window(kind, time.time(), demo_fleet.epoch, demo_fleet.cycle_s)
    time.sleep(max(0.0, start - time.time()))
    seen: list[str] = []
    while time.time() < end:
        out, code = run_check(demo_config, as_json=True, settle_s=1.0)
        status = next(s for s in json.loads(out)["services"] if s["name"] == agent)["status"]
        seen.append(status)
        if status in statuses:
            assert code >= 1
            return
    pytest.fail(f"{agent} never showed {statuses} during its {kind} window; saw {seen}")


@pytest.mark.parametrize(
    ("body", "code", "expected"),
    [
        (b'{"status": "healthy"}', 200, 0),
        (b'{"status": "degraded", "checks": {"db": false}}', 200, 1),
        (b'{"status": "unhealthy"}', 503, 2),
        (b"<html>oops</html>", 200, 3),
    ],
)
def test_check_exit_codes_follow_nagios(tmp_path: Path, body: bytes, code: int, expected: int) -> None:
    with serve(body, code) as port:
        out = run_cli("check", "--config", str(one_service(tmp_path, f"http://127.0.0.1:{port}/health")))
    assert out.returncode == expected, out.stdout + out.stderr


def test_check_refused_is_crit_and_hung_is_unknown(tmp_path: Path) -> None:
    out = run_cli("check", "--config", str(one_service(tmp_path, f"http://127.0.0.1:{free_port()}/h")), "--json")
    assert out.returncode == 2
    assert json.loads(out.stdout)["services"][0]["reason"] == "health: connection refused"
    with silent_server() as port:
        t0 = time.monotonic()
        out = run_cli("check", "--config", str(one_service(tmp_path, f"http://127.0.0.1:{port}/h")), "--json")
        elapsed = time.monotonic() - t0
    assert out.returncode == 3
    assert "no answer within 0.5s" in json.loads(out.stdout)["services"][0]["reason"]
    assert elapsed < 10


def test_check_reports_the_fleet_budget_and_a_blown_one_is_crit(tmp_path: Path) -> None:
    ledger = tmp_path / "spend.jsonl"
    now = dt.datetime.now().astimezone().isoformat()
    rec = {"timestamp": now, "service": "solo", "model": "gpt-4o", "input_tokens": 10, "output_tokens": 5}
    ledger.write_text("".join(json.dumps({**rec, "cost_usd": c}) + "\n" for c in (4.0, 4.5)))
    with serve(b'{"status": "healthy"}', 200) as port:
        cfg = one_service(tmp_path, f"http://127.0.0.1:{port}/health")
        base = cfg.read_text()
        for daily, code, status in ((100, 0, "OK"), (10, 1, "WARN"), (8, 2, "CRIT")):
            cfg.write_text(f"budgets: {{daily_usd: {daily}}}\n{base}    ledger: {{path: '{ledger}'}}\n")
            out = run_cli("check", "--config", str(cfg), "--json")
            budget = json.loads(out.stdout)["budget"]
            assert (out.returncode, budget["status"]) == (code, status), out.stdout + out.stderr
            assert budget["today_usd"] == 8.5 and budget["daily_usd"] == daily
        table = run_cli("check", "--config", str(cfg))
    assert "budget: CRIT: daily budget 106% ($8.50 of $8.00)" in table.stdout


def test_bad_config_stops_the_dashboard_with_2_and_check_with_unknown(tmp_path: Path) -> None:
    """The dashboard exits 2; check is a plugin: 3 (UNKNOWN) and one line on stdout that Nagios shows."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("services:\n  - name: x\n    health:\n      url: http://127.0.0.1:1/h\n      timeout: soon\n")
    for args, code in ((["check", "--config", str(bad)], 3), (["--config", str(bad)], 2)):
        out = run_cli(*args)
        assert out.returncode == code
        assert f"{bad}:5: services[0].health.timeout: expected a number, got 'soon'" in out.stderr
        assert out.stdout == ("" if code == 2 else f"AGENTOPS UNKNOWN - config error: {bad} line 5 "
                              "services[0].health.timeout: expected a number, got 'soon'\n")  # fmt: skip


@pytest.mark.parametrize(
    ("service", "line", "problem"),
    [
        ("kind: !!python/name:os.system echo", 6,
         "services[0].kind: YAML tag !!python/name:os.system is not supported here"),
        ("kind: !foo bar", 6, "services[0].kind: YAML tag !foo is not supported here"),
        ("health: {url: 'URL', timeout: .nan}", 6, "services[0].health.timeout: must be a finite number, got .nan"),
        ("health: {url: 'URL', interval: .inf}", 6, "services[0].health.interval: must be a finite number, got .inf"),
        ("health: {url: 'URL', interval: -2}", 6, "services[0].health.interval: must be > 0"),
        ("command: {restart: [touch, MARK], timeout: -.inf}", 6,
         "services[0].command.timeout: must be a finite number, got -.inf"),
    ],
)  # fmt: skip
def test_tags_and_senseless_numbers_stop_the_cli_before_anything_runs(
    tmp_path: Path, service: str, line: int, problem: str
) -> None:
    """Both entries poll nothing and print one FILE:LINE: key: problem line on stderr; the dashboard exits 2,
    check 3 (UNKNOWN) with the problem on stdout too (its line, or a JSON error)."""
    hits: list[str] = []

    class Counting(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

    with serve_handler(Counting) as port:
        url = f"http://127.0.0.1:{port}/health"
        bad = tmp_path / "bad.yaml"
        bad.write_text(
            "refresh_interval: 2\n# a comment line\nservices:\n  - name: x\n"
            f"    metrics: {{url: '{url}'}}\n    {service.replace('URL', url)}\n"
        )
        for args in (
            ["check", "--config", str(bad)],
            ["--config", str(bad)],
            ["check", "--config", str(bad), "--json"],
        ):
            out = run_cli(*args)
            assert out.returncode == (3 if args[0] == "check" else 2), out.stdout + out.stderr
            assert out.stderr == f"agentops-tui: invalid config:\n  {bad}:{line}: {problem}\n", out.stderr
            key, message = problem.split(": ", 1)
            if args[-1] == "--json":
                assert json.loads(out.stdout)["error"]["problems"][0]["message"] == message
            else:
                shown = f"AGENTOPS UNKNOWN - config error: {bad} line {line} {key}: {message}\n"
                assert out.stdout == ("" if args[0] != "check" else shown)
    assert hits == []
    assert not (tmp_path / "MARK").exists()


@pytest.mark.parametrize("settle", ["inf", "nan", "-1", "soon"])
def test_check_refuses_a_settle_time_that_makes_no_sense(tmp_path: Path, settle: str) -> None:
    """`--settle inf` waited forever between the two scrapes."""
    out = run_cli("check", "--config", str(one_service(tmp_path, "http://127.0.0.1:1/h")), "--settle", settle)
    message = f"argument --settle: must be a number of seconds from 0 to 600, got {settle!r}"
    assert (out.returncode, out.stdout) == (3, f"AGENTOPS UNKNOWN - usage error: {message}\n")  # a plugin's UNKNOWN
    assert out.stderr.splitlines()[-1] == f"agentops-tui check: error: {message}"


def test_hangup_after_the_terminal_is_gone_still_exits(tmp_path: Path) -> None:
    """A killed tmux pane or dropped SSH session: the pty is closed, then SIGHUP. The dashboard must not live on."""
    with serve(b'{"status": "healthy"}') as port:
        cfg = one_service(tmp_path, f"http://127.0.0.1:{port}/health")
        pid, fd = pty.fork()
        if pid == 0:
            os.environ["TERM"] = "xterm-256color"
            os.execv(sys.executable, [*CLI, "--config", str(cfg)])
        try:
            assert b"solo" in _read_until(fd, b"solo", 20)
            os.close(fd)  # the terminal goes away first
            fd = -1
            os.kill(pid, signal.SIGHUP)
            deadline = Deadline(15)
            done = 0
            while deadline and not done:
                done, _ = os.waitpid(pid, os.WNOHANG)
                time.sleep(0.1)
            assert done, "the dashboard kept running after its terminal went away"
        finally:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            if fd >= 0:
                os.close(fd)


def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    buf = b""
    deadline = Deadline(timeout)
    while deadline and needle not in buf:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                buf += os.read(fd, 65536)
            except OSError:
                break
    return buf


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_signal_exits_and_restores_the_terminal(tmp_path: Path, sig: signal.Signals) -> None:
    with serve(b'{"status": "healthy"}') as port:
        cfg = one_service(tmp_path, f"http://127.0.0.1:{port}/health")
        pid, fd = pty.fork()
        if pid == 0:  # child: the dashboard on a real pseudo-terminal
            os.environ["TERM"] = "xterm-256color"
            os.execv(sys.executable, [*CLI, "--config", str(cfg)])
        try:
            first = _read_until(fd, b"solo", 20)
            assert b"solo" in first, first[-500:]
            os.kill(pid, sig)
            rest = _read_until(fd, b"\x1b[?1049l", 10)
            _, status = os.waitpid(pid, 0)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            os.close(fd)
    assert b"\x1b[?1049l" in rest  # left the alternate screen: the terminal is restored
    assert os.WIFEXITED(status)
