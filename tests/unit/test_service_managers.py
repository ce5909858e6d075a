"""systemd and launchd status rules, the systemd refresh plan, and the detail page's service-manager table."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from agentops_tui.presentation import Palette
from agentops_tui.presentation.detail import detail_renderable
from probes.config import FleetConfig, LaunchdConfig, ServiceConfig, SystemdConfig
from probes.fleet.state import FleetState
from probes.model import LaunchdResult, ProbeError, Status
from probes.sources.launchd.parse import parse_print
from probes.sources.systemd.probe import REFRESH_STEADY, SystemdProbe, SystemdResult, SystemdUnit
from probes.sources.systemd.status import systemd_verdict

FIXTURES = Path(__file__).parents[1] / "fixtures" / "launchd"


def unit(**kw: object) -> SystemdUnit:
    base: dict[str, object] = {"name": "agent.service", "load_state": "loaded", "active_state": "active",
                               "sub_state": "running"}  # fmt: skip
    base.update(kw)
    return SystemdUnit(**base)  # type: ignore[arg-type]


def v(*units: SystemdUnit) -> tuple[Status, str]:
    verdict = systemd_verdict(SystemdResult(0.0, units))
    return verdict.status, verdict.reason


def test_systemd_rules() -> None:
    assert v(unit()) == (Status.OK, "active (running)")
    assert v(unit(n_restarts=2)) == (Status.OK, "active (running), 2 restarts")
    assert v(unit(active_state="failed", sub_state="failed", result="exit-code", exec_main_status=3)) == (
        Status.CRIT, "failed (exit-code, status 3)",
    )  # fmt: skip
    assert v(unit(active_state="activating", sub_state="auto-restart", n_restarts=5)) == (
        Status.CRIT, "crash loop (auto-restart, 5 restarts)",
    )  # fmt: skip
    assert v(unit(active_state="failed", result="start-limit-hit", n_restarts=3)) == (
        Status.CRIT, "start limit hit, 3 restarts",
    )  # fmt: skip
    # systemd 252: an automatic restart refused by the limit keeps the last run's Result
    assert v(unit(active_state="failed", result="exit-code", restart="always"))[1] == "start limit hit"
    assert v(unit(active_state="failed", result="exit-code", restart="on-abnormal"))[1].startswith("failed")
    assert v(unit(active_state="inactive", sub_state="dead")) == (Status.CRIT, "inactive (dead)")
    assert v(unit(load_state="not-found", active_state="inactive")) == (Status.CRIT, "unit not found")
    assert v(unit(active_state="activating", sub_state="start")) == (Status.WARN, "activating (start)")
    assert v(unit(memory_current=95, memory_max=100)) == (Status.WARN, "memory 95% of MemoryMax")
    assert v(unit(memory_current=50, memory_max=100, memory_high=52)) == (Status.WARN, "memory 96% of MemoryHigh")
    assert v(unit(), unit(name="b.service")) == (Status.OK, "2 units active")
    two = v(unit(), unit(name="b.service", active_state="failed", result="signal"))
    assert two == (Status.CRIT, "b.service: failed (signal)")
    bus = SystemdResult(0.0, error=ProbeError("timeout", "D-Bus at unix:path=/x: no answer within 2s"))
    assert systemd_verdict(bus) == systemd_verdict(bus) and systemd_verdict(bus).status is Status.UNKNOWN


def row(name: str, active: str = "active", sub: str = "running") -> tuple[str, ...]:
    return (name, "", "loaded", active, sub, "", f"/org/freedesktop/systemd1/unit/{name}", 0, "", "/")


def test_refresh_plan_reads_changed_units_and_steady_ones_in_turn() -> None:
    probe = SystemdProbe("unix:path=/nowhere", {"all": SystemdConfig(unit_pattern="a*")}, 2.0, 1.0)
    rows = {f"a{i}.service": row(f"a{i}.service") for i in range(120)}
    assert all(refresh for _, refresh in probe._plan(rows))  # nothing cached yet: read every unit
    probe._cache = {n: unit(name=n) for n in rows}
    rows["a7.service"] = row("a7.service", "failed", "failed")
    seen: set[str] = set()
    for _ in range(3):
        plan = probe._plan(rows)
        read = {r[0] for r, refresh in plan if refresh}
        assert "a7.service" in read  # not running: every poll
        assert len(read) == REFRESH_STEADY + 1
        seen |= read
    assert len(seen) == 120  # every steady unit within ceil(119 / 50) polls


def test_detail_page_shows_the_service_manager_masked() -> None:
    cfg = FleetConfig(services=[ServiceConfig(name="planner", launchd=LaunchdConfig(label="com.example.planner"))])
    state = FleetState(cfg)
    job = parse_print((FIXTURES / "print-planner-running.txt").read_text(), "com.example.planner", "gui/501/x")
    state.apply("launchd", {"planner": LaunchdResult(0.0, (job,))})
    view = state.services["planner"].view
    console = Console(width=200, record=True, color_system=None)
    console.print(detail_renderable(view, view.status, view.reason, Palette()))
    text = console.export_text()
    assert "Service manager" in text and "ANTHROPIC_API_KEY=********" in text and "17611" in text
    assert "sk-ant" not in text and "leak" not in text


def test_config_needs_a_unit_or_a_label() -> None:
    import pytest

    from probes.config.load import ConfigError, parse_config

    text = "services:\n  - name: a\n    systemd: {bus: system}\n  - name: b\n    launchd: {domain: gui}\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "fleet.yaml", {})
    assert [(p.line, p.path, p.message) for p in info.value.problems] == [
        (3, "services[0].systemd", "needs unit or unit_pattern"),
        (5, "services[1].launchd", "needs label or label_prefix"),
    ]
    cfg, _ = parse_config("services:\n  - name: a\n    launchd: {label_prefix: com.example.}\n", "f.yaml", {})
    assert cfg.services[0].launchd == LaunchdConfig(label_prefix="com.example.")


def test_cpu_percent_from_cpu_time_between_polls() -> None:
    cfg = FleetConfig(services=[ServiceConfig(name="a", systemd=SystemdConfig(unit="agent.service"))])
    state = FleetState(cfg)
    first = unit(main_pid=7, cpu_usage_nsec=1_000_000_000, read_at=100.0)
    state.apply("systemd:x", {"a": SystemdResult(100.0, (first,))})
    assert state.services["a"].view.cpu_percent is None
    state.apply(
        "systemd:x", {"a": SystemdResult(102.0, (unit(main_pid=7, cpu_usage_nsec=1_500_000_000, read_at=102.0),))}
    )
    assert state.services["a"].view.cpu_percent == 25.0
    state.apply(
        "systemd:x", {"a": SystemdResult(104.0, (unit(main_pid=7, cpu_usage_nsec=1_500_000_000, read_at=102.0),))}
    )
    assert state.services["a"].view.cpu_percent == 25.0  # kept from an earlier poll: the last figure stays
    state.apply("systemd:x", {"a": SystemdResult(106.0, (unit(main_pid=8, cpu_usage_nsec=10_000_000, read_at=106.0),))})
    assert state.services["a"].view.cpu_percent is None  # restarted: a new baseline
    assert state.services["a"].view.pid == 8


def test_systemd_throttle_values() -> None:
    from agentops_tui.actions.model import ActionRequest
    from agentops_tui.actions.systemd_exec import throttle_values

    cfg = SystemdConfig(unit="a.service", throttle_memory_high=256 << 20)
    assert throttle_values(cfg, ActionRequest("a", "throttle", {"max_requests_per_minute": 5})) == (500_000, 256 << 20)
    assert throttle_values(cfg, ActionRequest("a", "throttle", {"cpus": 0.25, "memory_bytes": 1 << 30})) == (
        250_000, 1 << 30,
    )  # fmt: skip
    assert throttle_values(SystemdConfig(unit="a"), ActionRequest("a", "throttle", {"cpu_quota_percent": 150})) == (
        1_500_000, None,
    )  # fmt: skip


def test_memory_limit_feeds_the_memory_alert_rule() -> None:
    cfg = FleetConfig(services=[ServiceConfig(name="a", systemd=SystemdConfig(unit="agent.service"))])
    state = FleetState(cfg)
    state.apply("systemd:x", {"a": SystemdResult(1.0, (unit(main_pid=7, memory_current=85, memory_max=100),))})
    view = state.services["a"].view
    assert (view.rss_bytes, view.memory_limit_bytes) == (85, 100)
    from probes.fleet.alerts import _memory_share

    assert _memory_share(view) == (0.85, "memory 85% of its limit")


def test_logs_key_picks_the_service_managers_source() -> None:
    from agentops_tui.logsource import log_source_for
    from probes.files.logs import FileLogSource
    from probes.sources.systemd.logs import JournalLogSource

    unit_svc = ServiceConfig(name="a", systemd=SystemdConfig(unit="agent.service"))
    assert isinstance(log_source_for(unit_svc), JournalLogSource)
    job = ServiceConfig(name="b", launchd=LaunchdConfig(label="com.example.b"))
    assert log_source_for(job).startswith("no logs for b yet")  # type: ignore[union-attr]
    assert isinstance(log_source_for(job, (("stdout", "/tmp/b.out"),)), FileLogSource)
