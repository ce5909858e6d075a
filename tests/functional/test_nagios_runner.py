"""`check` under a real plugin runner: Nagios Core 4 runs it as a service's check_command and status.dat says what
Nagios made of it: the state from the exit code, the status line, the long output and the perfdata, each where
the plugin guidelines put it. A missing nagios4 skips here and fails under CI=true (scripts/testbed-install)."""

from __future__ import annotations

import sys
from pathlib import Path

from agentops_tui.cli.check_help import EPILOG
from tests.fixtures.plugin_fleet import plugin_fleet
from tests.testbed.nagios import Nagios

CHECK = [sys.executable, "-m", "agentops_tui.cli", "check", "--settle", "1"]


def documented_definitions(tmp_path: Path, cfg: Path) -> str:
    """The Nagios command and service that `check --help` shows, with this test's program, config and host."""
    program = tmp_path / "agentops-tui"
    program.write_text(f'#!/bin/sh\nexec {sys.executable} -m agentops_tui.cli "$@"\n')
    program.chmod(0o755)
    text = EPILOG.split("\nNagios ", 1)[1].split("\nIcinga 2:", 1)[0].split("\n", 1)[1]
    assert "define command" in text and "define service" in text, text
    return (
        text.replace("/usr/local/bin/agentops-tui", str(program))
        .replace("/etc/agentops-tui/config.yaml", str(cfg))
        .replace("agents-01", "agents")
    )


def test_nagios_reads_state_status_line_long_output_and_perfdata(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("services:\n  - name: x\n    health: {url: 'http://127.0.0.1:1/h', timeout: soon}\n")
    with plugin_fleet(tmp_path) as cfg:
        nagios = Nagios(tmp_path / "nagios", {
            "agents-all": [*CHECK, "--config", str(cfg)],
            "agent-writer": [*CHECK, "--config", str(cfg), "--service", "writer"],
            "agent-idle": [*CHECK, "--config", str(cfg), "--service", "idle"],
            "agent-typo": [*CHECK, "--config", str(cfg), "--service", "writre"],
            "bad-config": [*CHECK, "--config", str(bad)],
        }, documented_definitions(tmp_path, cfg), ("agent writer",))  # fmt: skip
        nagios.start()
        try:
            status = nagios.checked(timeout=120)
        finally:
            nagios.stop()
    states = {name: s["current_state"] for name, s in status.items()}
    assert states == {"agents-all": "2", "agent-writer": "1", "agent-idle": "0", "agent-typo": "3", "bad-config": "3",
                      "agent writer": "1"}  # fmt: skip
    fleet = status["agents-all"]
    assert fleet["plugin_output"].startswith("AGENTOPS CRITICAL - 1 crit, 1 warn of 3: reader unhealthy"), fleet
    assert "db ¦ down" in fleet["plugin_output"]  # the reader's own `|` did not cut the status text short
    perf = fleet["performance_data"].split()
    assert "writer_err=24%;10;50;0;100" in perf and "writer_p95=1.9s;10;30;0" in perf, fleet
    assert "spend_today=8.5;8;10;0" in perf, fleet
    assert all("=" in p for p in perf), fleet  # nothing of the long output leaked into the perfdata
    long_output = fleet["long_plugin_output"].split("\\n")  # status.dat writes the newlines escaped
    assert long_output[0].split()[:2] == ["SERVICE", "STATUS"], fleet
    assert any(line.startswith("thresholds: writer: p95 warn 10s crit 30s") for line in long_output), fleet
    writer = status["agent-writer"]
    assert status["agent writer"]["plugin_output"] == writer["plugin_output"]  # check --help's definitions work
    assert writer["plugin_output"] == "AGENTOPS WARNING - 0 crit, 1 warn of 1: writer error rate 24% >= 10%"
    assert "spend_today" not in writer["performance_data"] and "idle" not in writer["performance_data"]
    assert status["agent-idle"]["plugin_output"] == "AGENTOPS OK - 0 crit, 0 warn of 1"
    assert status["agent-idle"]["performance_data"] == "idle_tasks=2;;;0"
    assert status["agent-typo"]["plugin_output"] == (
        "AGENTOPS UNKNOWN - no service named 'writre' (known: writer, reader, idle)"
    )
    assert status["bad-config"]["plugin_output"] == (
        f"AGENTOPS UNKNOWN - config error: {bad} line 3 services[0].health.timeout: expected a number, got 'soon'"
    )
