"""Pure parts of the Docker backend: inspect parsing, stats arithmetic, status rules, log lines, limits."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentops_tui.actions.docker_exec import fmt_memory, parse_memory, throttle_params_problem
from agentops_tui.presentation.overview import docker_summary
from agentops_tui.screens.docker_throttle import parse_limits
from probes.config import DockerConfig, FleetConfig, ServiceConfig
from probes.config.load import ConfigError, parse_config
from probes.fleet.state import FleetState
from probes.model import ContainerInfo, DockerResult, ProbeError, Status
from probes.sources.docker.logs import split_lines
from probes.sources.docker.probe import _epoch, from_inspect, matches, state_key
from probes.sources.docker.stats import StatSample, cgroup_sample, cpu_percent, engine_sample
from probes.sources.docker.status import container_verdict, docker_verdict

WGET_404 = "wget: server returned error: HTTP/1.1 404 Not Found"
# The shape of `docker inspect` on this machine's engine (20.10, API 1.41), trimmed; hostile text added.
INSPECT = {
    "Id": "fa25a38a9f32b926dbc1ec34bd3b002cfb19c3a1d56f286331bbc281b90277ee",
    "Name": "/agent-\x1b[2J1",
    "RestartCount": 4,
    "State": {
        "Status": "running", "Running": True, "OOMKilled": False, "ExitCode": 0,
        "StartedAt": "2026-11-26T09:20:58.851890583Z", "FinishedAt": "0001-01-01T00:00:00Z",
        "Health": {"Status": "unhealthy", "FailingStreak": 3,
                   "Log": [{"ExitCode": 1, "Output": f"{WGET_404}\n\x1b]52;c;eA==\x07"}]},
    },
    "HostConfig": {"Memory": 67108864, "NanoCpus": 500000000, "CpuQuota": 0, "RestartPolicy": {"Name": "always"}},
    "Config": {"Labels": {"com.docker.compose.service": "agent"}, "Env": ["OPENAI_API_KEY=sk-live-secret"]},
}  # fmt: skip


def test_inspect_fields_and_outside_text_cleaned() -> None:
    c = from_inspect(INSPECT)
    assert c.name == "agent-1" and c.service == "agent" and c.state == "running"
    assert c.health == "unhealthy" and c.failing_streak == 3 and c.restart_count == 4
    assert c.health_output == "wget: server returned error: HTTP/1.1 404 Not Found"
    assert c.mem_limit == 64 << 20 and c.cpus_limit == 0.5 and c.restart_policy == "always"
    assert "sk-live-secret" not in repr(c)  # the environment is never read, so it can never be shown
    assert c.started_at is not None and abs(c.started_at - 1795684858.851890) < 1e-3
    assert _epoch("0001-01-01T00:00:00Z") is None and _epoch("garbage") is None and _epoch(None) is None
    odd = from_inspect({"Id": "x", "State": None, "HostConfig": {"Memory": "lots"}})
    assert odd.state == "unknown" and odd.mem_limit is None and odd.health is None


def test_matching_by_name_id_and_compose_labels() -> None:
    s = {"Id": "abcdef0123456789", "Names": ["/web"], "Labels": {"com.docker.compose.project": "p",
                                                                 "com.docker.compose.service": "api"}}  # fmt: skip
    assert matches(DockerConfig(container="web"), s)
    assert matches(DockerConfig(container="abcdef012345"), s)
    assert not matches(DockerConfig(container="abc"), s)  # short ID prefixes are too ambiguous
    assert matches(DockerConfig(compose_project="p"), s)
    assert matches(DockerConfig(compose_project="p", compose_service="api"), s)
    assert not matches(DockerConfig(compose_project="p", compose_service="db"), s)


def test_cpu_from_our_previous_sample_and_memory_without_cache() -> None:
    stats = {
        "cpu_stats": {"cpu_usage": {"total_usage": 2_000_000_000}, "system_cpu_usage": 100_000_000_000,
                      "online_cpus": 2},
        "memory_stats": {"usage": 50 << 20, "stats": {"total_inactive_file": 10 << 20}},
    }  # fmt: skip
    first = engine_sample(stats)
    assert first is not None and first.mem_bytes == 40 << 20 and first.cpus == 2
    later = StatSample(2_500_000_000, 102_000_000_000, 2, 40 << 20)  # 0.5 s of CPU over 1 s wall on 2 CPUs
    assert cpu_percent(None, first) is None
    assert cpu_percent(first, later) == 50.0
    assert engine_sample({"cpu_stats": {"cpu_usage": {"total_usage": 0}}, "memory_stats": {}}) is None  # empty
    assert engine_sample("nope") is None


def test_cgroup_v1_fallback(tmp_path: Path) -> None:
    cid = "ab12" * 16
    (tmp_path / "cpuacct" / "docker" / cid).mkdir(parents=True)
    (tmp_path / "memory" / "docker" / cid).mkdir(parents=True)
    (tmp_path / "cpuacct" / "docker" / cid / "cpuacct.usage").write_text("3000000000\n")
    (tmp_path / "memory" / "docker" / cid / "memory.usage_in_bytes").write_text(str(30 << 20))
    (tmp_path / "memory" / "docker" / cid / "memory.stat").write_text(f"cache 1\ntotal_inactive_file {10 << 20}\n")
    s = cgroup_sample(cid, 1_000_000_000, tmp_path)
    assert s is not None and s.cpu_ns == 3_000_000_000 and s.mem_bytes == 20 << 20
    assert cgroup_sample("../../etc", 0, tmp_path) is None
    assert cgroup_sample("cd34" * 16, 0, tmp_path) is None


def test_status_rules() -> None:
    base = ContainerInfo(id="1", name="a", state="running")
    assert container_verdict(base).status is Status.OK
    assert container_verdict(
        ContainerInfo(id="1", name="a", state="exited", exit_code=137, oom_killed=True)
    ) == container_verdict(ContainerInfo(id="1", name="a", state="exited", exit_code=137, oom_killed=True))
    exited = container_verdict(ContainerInfo(id="1", name="a", state="exited", exit_code=137, oom_killed=True))
    assert exited.status is Status.CRIT and exited.reason == "a exited (code 137, OOMKilled)"
    assert container_verdict(ContainerInfo(id="1", name="a", state="restarting")).status is Status.CRIT
    assert container_verdict(ContainerInfo(id="1", name="a", state="running", health="unhealthy")).status is Status.CRIT
    assert container_verdict(ContainerInfo(id="1", name="a", state="running", health="starting")).status is Status.WARN
    hot = ContainerInfo(id="1", name="a", state="running", mem_bytes=55 << 20, mem_limit=64 << 20)
    assert container_verdict(hot).status is Status.WARN and "memory 86% of limit" in container_verdict(hot).reason
    fine = ContainerInfo(id="1", name="a", state="running", mem_bytes=50 << 20, mem_limit=64 << 20)
    assert container_verdict(fine).status is Status.OK
    gone = docker_verdict(DockerResult(at=0, error=ProbeError("refused", "docker daemon unreachable")))
    assert gone.status is Status.UNKNOWN and gone.reason == "docker daemon unreachable"
    assert docker_verdict(DockerResult(at=0)).status is Status.CRIT
    assert docker_verdict(DockerResult(at=0, containers=(base,)), restarts_recent=2).status is Status.WARN


def test_restart_growth_over_the_window() -> None:
    cfg = FleetConfig(services=[ServiceConfig(name="s", docker=DockerConfig(container="a"))])
    state = FleetState(cfg)
    for t, n in ((1000.0, 3), (1010.0, 4), (1020.0, 6)):
        c = ContainerInfo(id="1", name="a", state="running", restart_count=n)
        state.apply("docker:h", {"s": DockerResult(at=t, containers=(c,))})
    view = state.snapshot().services[0]
    assert view.restarts_recent == 3 and view.status is Status.WARN and "3 restarts in 5m" in view.reason
    c = ContainerInfo(id="1", name="a", state="running", restart_count=6)
    state.apply("docker:h", {"s": DockerResult(at=1020.0 + 400, containers=(c,))})
    assert state.snapshot().services[0].restarts_recent == 0  # older marks left the window


def test_log_lines_split_cleaned_and_bounded() -> None:
    lines, rest = split_lines(b"one \x1b[31mred\x1b[0m\r\ntwo\x07\npart", b"")
    assert lines == ["one red", "two"] and rest == b"part"
    lines, rest = split_lines(b"ial\n", rest)
    assert lines == ["partial"] and rest == b""
    lines, rest = split_lines(b"x" * 10000)
    assert len(lines) == 1 and len(lines[0]) <= 2000 and rest == b""


def test_limits_parsing() -> None:
    assert parse_memory("256m") == 256 << 20 and parse_memory("1g") == 1 << 30 and parse_memory("bad") is None
    assert fmt_memory(64 << 20) == "64m" and fmt_memory(None) == "no limit"
    assert parse_limits("0.5", "") == {"cpus": 0.5}
    assert parse_limits("", "1m") == f"memory_bytes must be a whole number >= {6 << 20} (got {1 << 20})"
    assert isinstance(parse_limits("", ""), str) and isinstance(parse_limits("fast", ""), str)
    assert throttle_params_problem({"cpus": True}) is not None


def test_docker_config_rules() -> None:
    text = """services:
  - name: both
    docker: {container: a, compose_project: p}
  - name: orphan
    docker: {compose_service: s, container: b}
  - name: whole
    docker: {compose_project: p}
    health: {url: http://127.0.0.1:1/health}
  - name: fine
    docker: {compose_project: p, compose_service: s, stop_timeout: 3, stats: false}
"""
    with pytest.raises(ConfigError) as err:
        parse_config(text, "f.yaml", env={})
    shown = str(err.value)
    assert "f.yaml:3: services[0].docker: needs exactly one of container or compose_project" in shown
    assert "f.yaml:5: services[1].docker.compose_service: needs compose_project" in shown
    assert "services[2].docker.compose_project: a whole project becomes one row per Compose service" in shown
    assert "services[3]" not in shown


def test_overview_panel_line_shows_memory_share_and_restart_growth() -> None:
    cfg = FleetConfig(services=[ServiceConfig(name="s", docker=DockerConfig(container="a"))])
    state = FleetState(cfg)
    c = ContainerInfo(id="1", name="a", state="running", mem_bytes=48 << 20, mem_limit=64 << 20)
    state.apply("docker:h", {"s": DockerResult(at=1.0, containers=(c,))})
    assert docker_summary(state.snapshot().services[0]) == "1 container · memory 75% of limit · 0 restarts in 5m"
    assert docker_summary(FleetState(cfg).snapshot().services[0]) == ""


def test_state_key_ignores_time_phrases() -> None:
    def key(state: str, status: str) -> str:
        return state_key({"State": state, "Status": status})

    assert key("running", "Up 5 seconds (healthy)") == key("running", "Up 2 minutes (healthy)")
    assert key("running", "Up 5 seconds (healthy)") != key("running", "Up 5 seconds (unhealthy)")
    assert key("exited", "Exited (3) 1 second ago") != key("exited", "Exited (0) 1 second ago")
    assert key("restarting", "Restarting (1) 2 seconds ago") != key("restarting", "Restarting (2) 2 seconds ago")


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"cpus": 1e23}, "cpus must be from 0.01 to 1024 (got 1e+23)"),
        ({"cpus": float("inf")}, "cpus must be from 0.01 to 1024 (got inf)"),
        ({"cpus": float("nan")}, "cpus must be a number of cores above 0 (got nan)"),
        ({"cpus": 0.001}, "cpus must be from 0.01 to 1024 (got 0.001)"),
        ({"memory_bytes": 1 << 70}, f"memory_bytes must be at most {1 << 50} (1 PiB) (got {1 << 70})"),
    ],
)
def test_docker_throttle_values_are_bounded(params: dict[str, float], problem: str) -> None:
    assert throttle_params_problem(params) == problem


def test_docker_throttle_dialog_values_are_bounded() -> None:
    assert parse_memory("inf") is None and parse_memory("1e30g") is None  # `inf` raised OverflowError
    assert parse_limits("1e23", "") == "cpus must be from 0.01 to 1024 (got 1e+23)"
    assert parse_limits("", "1e30g") == "memory: a size such as 256m or 1g"


def test_a_local_docker_host_bounds_cpus_by_this_machine(tmp_path: Path) -> None:
    """The engine refuses more CPUs than its host has; for the local engine the layer says so before asking."""
    from agentops_tui.actions.journal import Journal
    from agentops_tui.actions.layer import ActionLayer
    from agentops_tui.actions.model import ActionRequest, Plan, Refusal

    cfg, _ = parse_config(
        "services:\n  - name: local\n    docker: {container: c, host: 'unix:///var/run/docker.sock'}\n"
        "  - name: remote\n    docker: {container: c, host: 'tcp://10.0.0.9:2376'}\n",
        "d.yaml",
        {},
    )
    layer = ActionLayer(cfg, Journal(tmp_path / "audit.jsonl"), lambda name: None)
    cores = os.cpu_count() or 1
    refusal = layer.plan(ActionRequest("local", "throttle", {"cpus": cores + 1}))
    assert isinstance(refusal, Refusal) and refusal.reason == f"cpus must be from 0.01 to {cores} (got {cores + 1})"
    assert isinstance(layer.plan(ActionRequest("local", "throttle", {"cpus": cores})), Plan)
    assert isinstance(layer.plan(ActionRequest("remote", "throttle", {"cpus": cores + 1})), Plan)
    refusal = layer.plan(ActionRequest("remote", "throttle", {"cpus": 1e23}))
    assert isinstance(refusal, Refusal) and refusal.reason == "cpus must be from 0.01 to 1024 (got 1e+23)"
