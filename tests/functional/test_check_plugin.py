"""`agentops-tui check` as a Nagios/Icinga plugin: the status line first, perfdata after `|`, the table as long
output, `--service`, exit 3 with one line for every usage or config error, and the JSON's schema, timestamp and
thresholds. Real HTTP servers on loopback, the real command in a subprocess."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.plugin_fleet import plugin_fleet
from tests.functional.helpers import serve

CLI = [sys.executable, "-m", "agentops_tui.cli"]


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Path]:
    with plugin_fleet(tmp_path) as cfg:
        yield cfg


def check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "check", "--settle", "1", *args], capture_output=True, text=True, timeout=60)


def test_the_first_line_is_the_status_then_perfdata_then_the_table(fleet: Path) -> None:
    out = check("--config", str(fleet))
    assert out.returncode == 2, out.stdout + out.stderr
    first, *long_output = out.stdout.splitlines()
    text, perf = first.split(" | ")
    # worst first; the reader's `|` cannot end the text; the fleet budget (85% of $10) is a reason too
    assert text == (
        "AGENTOPS CRITICAL - 1 crit, 1 warn of 3: reader unhealthy (HTTP 500; db ¦ down); "
        "writer error rate 24% >= 10%; budget: daily budget 85% ($8.50 of $10.00)"
    ), first
    metrics = perf.split(" ")
    assert "writer_p95=1.9s;10;30;0" in metrics and "writer_err=24%;10;50;0;100" in metrics, perf
    assert "idle_tasks=2;;;0" in metrics and "writer_spend=8.5;;;0" in metrics, perf
    assert "spend_today=8.5;8;10;0" in metrics, perf  # the fleet budget: warn at 80%, crit at 100%
    assert not any(m.startswith(("reader_p95", "idle_p95")) for m in metrics), perf  # no data: left out
    assert long_output[0].split()[:2] == ["SERVICE", "STATUS"]
    assert not any("|" in line for line in long_output), out.stdout  # a | in long output would start perfdata
    assert "thresholds: writer: p95 warn 10s crit 30s, error rate warn 10% crit 50%, open breaker warn" in long_output
    assert "budget thresholds: daily $10.00 (warn at 80% = $8.00, crit at 100% = $10.00)" in long_output


def test_one_service_is_checked_alone_and_an_unknown_name_is_unknown(fleet: Path) -> None:
    out = check("--config", str(fleet), "--service", "writer")
    assert out.returncode == 1, out.stdout + out.stderr
    first = out.stdout.splitlines()[0]
    assert first.startswith("AGENTOPS WARNING - 0 crit, 1 warn of 1: writer error rate 24% >= 10% | "), first
    assert "spend_today" not in first and "reader" not in out.stdout and "idle" not in out.stdout
    assert "fleet spend and budget are not checked with --service" in out.stdout
    two = check("--config", str(fleet), "--service", "writer", "--service", "idle", "--json")
    data = json.loads(two.stdout)
    assert [s["name"] for s in data["services"]] == ["writer", "idle"] and data["budget"] is None
    assert set(data["thresholds"]["services"]) == {"writer", "idle"}
    bad = check("--config", str(fleet), "--service", "nope")
    assert bad.returncode == 3
    assert bad.stdout == "AGENTOPS UNKNOWN - no service named 'nope' (known: writer, reader, idle)\n"


def test_json_carries_a_schema_a_timestamp_and_the_thresholds(fleet: Path) -> None:
    out = check("--config", str(fleet), "--json")
    data = json.loads(out.stdout)
    assert data["schema"] == 1 and data["status"] == "CRIT"
    stamp = dt.datetime.fromisoformat(data["timestamp"])
    assert stamp.utcoffset() == dt.timedelta(0)
    assert abs((dt.datetime.now(dt.timezone.utc) - stamp).total_seconds()) < 600
    writer = data["thresholds"]["services"]["writer"]
    assert writer == {"error_rate_warn": 0.1, "error_rate_crit": 0.5, "latency_p95_warn_s": 10.0,
                      "latency_p95_crit_s": 30.0, "breaker_open": "warn", "budget": None}  # fmt: skip
    assert data["thresholds"]["services"]["idle"]["error_rate_warn"] == 0.05  # the fleet's defaults
    assert data["thresholds"]["budget"] == {"daily_usd": 10.0, "monthly_usd": None, "warn_at": 0.8, "crit_at": 1.0}


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--bogus"], "AGENTOPS UNKNOWN - usage error: unrecognized arguments: --bogus"),
        (["--settle", "soon"],
         "AGENTOPS UNKNOWN - usage error: argument --settle: must be a number of seconds from 0 to 600, got 'soon'"),
        (["--config", "/nonexistent/agentops.yaml"],
         "AGENTOPS UNKNOWN - config error: /nonexistent/agentops.yaml line 1: cannot read the file: [Errno 2] No such "
         "file or directory: '/nonexistent/agentops.yaml'"),
    ],
)  # fmt: skip
def test_usage_and_config_errors_are_unknown_with_one_line(args: list[str], line: str) -> None:
    out = subprocess.run([*CLI, "check", *args], capture_output=True, text=True, timeout=30)
    assert (out.returncode, out.stdout) == (3, line + "\n"), out.stderr


def test_a_bad_config_is_unknown_naming_file_line_and_key_and_a_json_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("services:\n  - name: x\n    health:\n      url: http://127.0.0.1:1/h\n      timeout: soon\n")
    out = subprocess.run([*CLI, "check", "--config", str(bad)], capture_output=True, text=True, timeout=30)
    assert out.returncode == 3
    assert out.stdout == (
        f"AGENTOPS UNKNOWN - config error: {bad} line 5 services[0].health.timeout: expected a number, got 'soon'\n"
    )
    assert f"{bad}:5: services[0].health.timeout" in out.stderr  # the whole list, as other commands print it
    js = subprocess.run([*CLI, "check", "--config", str(bad), "--json"], capture_output=True, text=True, timeout=30)
    assert js.returncode == 3
    data = json.loads(js.stdout)
    assert (data["schema"], data["status"], data["error"]["kind"]) == (1, "UNKNOWN", "config")
    assert data["error"]["problems"] == [
        {"file": str(bad), "line": 5, "key": "services[0].health.timeout", "message": "expected a number, got 'soon'"}
    ]
    usage = subprocess.run([*CLI, "check", "--json", "--bogus"], capture_output=True, text=True, timeout=30)
    assert usage.returncode == 3
    assert json.loads(usage.stdout)["error"] == {"kind": "usage", "message": "unrecognized arguments: --bogus"}


def test_other_commands_keep_their_codes(tmp_path: Path) -> None:
    out = subprocess.run([*CLI, "--bogus"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and out.stdout == ""


def test_check_help_explains_the_output_codes_and_the_runner_config() -> None:
    out = subprocess.run([*CLI, "check", "--help"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0
    for needle in ("perfdata", "long output", "0 OK", "3 UNKNOWN", "define command", "define service",
                   "object CheckCommand", "--service"):  # fmt: skip
        assert needle in out.stdout, needle
    assert re.search(r"AGENTOPS CRITICAL - 1 crit, \d+ warn of \d+", out.stdout)


def test_a_name_with_quote_space_equals_and_pipe_is_one_quoted_label(tmp_path: Path) -> None:
    with serve(b'{"status": "healthy", "active_tasks": 2}') as port:
        cfg = tmp_path / "odd.yaml"
        cfg.write_text(f"services:\n  - name: \"it's a=b|c\"\n    health: {{url: 'http://127.0.0.1:{port}/h'}}\n")
        out = check("--config", str(cfg), "--settle", "0")
    first, *long_output = out.stdout.splitlines()
    assert first == "AGENTOPS OK - 0 crit, 0 warn of 1 | 'it''s a=b¦c_tasks'=2;;;0", out.stdout
    assert (
        "thresholds: it's a=b¦c: p95 warn 10s crit 30s, error rate warn 5% crit 25%, open breaker warn" in long_output
    )


def test_a_spend_known_incomplete_is_undetermined_not_a_low_number(tmp_path: Path) -> None:
    with serve(b'{"status": "healthy"}') as port:
        cfg = tmp_path / "c.yaml"
        cfg.write_text(f"services:\n  - name: a\n    health: {{url: 'http://127.0.0.1:{port}/h'}}\n"
                       f"    ledger: {{path: '{tmp_path / 'missing.jsonl'}'}}\n"
                       "budgets: {daily_usd: 50}\n")  # fmt: skip
        out = check("--config", str(cfg), "--settle", "0")
    perf = out.stdout.splitlines()[0].split(" | ")[1].split(" ")
    assert "spend_today=U;40;50;0" in perf and not any(m.startswith("a_spend=0") for m in perf), out.stdout
