"""A real demo fleet on loopback: the health/metrics conventions, the ledger, control endpoints, supervision."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from agentops_tui.demo.fleet import DemoFleet
from agentops_tui.demo.metrics import METRIC_NAMES
from agentops_tui.demo.roster import PROXY_NAME, QUEUE_NAME
from tests import waiting

HEALTH_KEYS = {"status", "checks", "uptime_s", "breakers", "active_tasks", "draining", "max_requests_per_minute"}
LEDGER_KEYS = {"timestamp", "service", "model", "input_tokens", "output_tokens", "cost_usd", "task_id", "task_type"}


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoFleet]:
    demo = DemoFleet(tmp_path_factory.mktemp("demo"), services=6, cycle_s=30.0)
    demo.start(timeout=30)
    try:
        yield demo
    finally:
        demo.stop()


def url(fleet: DemoFleet, name: str, path: str) -> str:
    return f"http://127.0.0.1:{fleet.port_of(name)}{path}"


# connection errors (an agent restarting) count as "not yet"; generous bounds, since CI machines are slow
wait_for = functools.partial(waiting.wait_for, timeout=15.0, ignore=(httpx.HTTPError,))


def http_services(fleet: DemoFleet) -> list[str]:
    """The agents and the proxy (the task queue speaks the Redis protocol, not HTTP)."""
    return [n for n in fleet.service_names() if n != QUEUE_NAME]


def health(client: httpx.Client, fleet: DemoFleet, name: str) -> dict[str, Any]:
    resp = client.get(url(fleet, name, "/health"))
    body: dict[str, Any] = resp.json()
    assert resp.status_code == (503 if body["status"] == "unhealthy" else 200)
    return body


def test_every_service_follows_the_health_convention(fleet: DemoFleet, client: httpx.Client) -> None:
    named = ["planner", "researcher", "writer", "summarizer", "scraper"]
    assert fleet.service_names() == [*named, "agent-006", PROXY_NAME, QUEUE_NAME]
    for name in http_services(fleet):  # the scraper may be between crash-loop restarts: retry
        body = wait_for(functools.partial(health, client, fleet, name), what=f"{name} health")
        assert body.keys() >= HEALTH_KEYS
        assert body["status"] in {"healthy", "degraded", "unhealthy"}
        assert isinstance(body["draining"], bool) and isinstance(body["active_tasks"], int)
        assert {"last_inference_age_s", "queue"} <= body["checks"].keys()
        assert set(body["breakers"].values()) <= {"closed", "half_open", "open"}
        if name != PROXY_NAME:
            assert set(body["breakers"]) == {"anthropic", "openai", "model_proxy"}
            assert {"ok", "latency_ms"} <= body["checks"]["model_proxy"].keys()


def test_every_service_exposes_the_metric_names(fleet: DemoFleet, client: httpx.Client) -> None:
    def names(name: str) -> set[str] | None:
        resp = client.get(url(fleet, name, "/metrics"))
        assert resp.headers["content-type"].startswith("text/plain")
        found: set[str] = set()
        for family in text_string_to_metric_families(resp.text):
            found.add(family.name)
            found.update(sample.name for sample in family.samples)
        return found if set(METRIC_NAMES) <= found else None  # labelled series appear with the first call

    for name in http_services(fleet):
        wait_for(functools.partial(names, name), what=f"{name} metrics")


def test_ledger_is_seeded_and_grows_with_valid_lines(fleet: DemoFleet) -> None:
    def records() -> list[dict[str, Any]]:
        return [json.loads(line) for line in fleet.ledger_path.read_text().splitlines()]

    first = records()
    seeded = [r for r in first if r["task_id"].startswith("seed-")]
    assert 0 < len(seeded) <= 2000
    assert 0.55 <= sum(r["cost_usd"] for r in seeded) / fleet.daily_budget_usd <= 0.62
    wait_for(lambda: len(records()) > len(first) + 5, what="live ledger lines")
    midnight = dt.datetime.fromtimestamp(fleet.epoch).astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    for rec in records():
        assert rec.keys() >= LEDGER_KEYS
        when = dt.datetime.fromisoformat(rec["timestamp"])
        assert when.utcoffset() == dt.timedelta(0)
        assert when >= midnight  # seeded spend counts as today's
        if rec["task_id"].startswith("seed-"):
            assert when.timestamp() <= fleet.epoch
        else:
            assert when.timestamp() >= fleet.epoch - 1
        assert rec["service"] in fleet.service_names() and rec["service"] != PROXY_NAME
        assert rec["cost_usd"] >= 0 and rec["input_tokens"] >= 0


def test_drain_then_resume(fleet: DemoFleet, client: httpx.Client) -> None:
    resp = client.post(url(fleet, "planner", "/admin/drain"), json={}, headers=fleet.admin_headers())
    assert resp.status_code == 200 and resp.json()["draining"] is True
    body = wait_for(lambda: (h := health(client, fleet, "planner"))["active_tasks"] == 0 and h, what="planner drained")
    assert body["draining"] is True and body["status"] != "healthy"
    resp = client.post(url(fleet, "planner", "/admin/resume"), headers=fleet.admin_headers())
    assert resp.status_code == 200 and resp.json()["draining"] is False
    assert health(client, fleet, "planner")["draining"] is False
    wait_for(lambda: health(client, fleet, "planner")["active_tasks"] > 0, what="planner working again")


def test_throttle_reports_old_and_new_limit(fleet: DemoFleet, client: httpx.Client) -> None:
    target = url(fleet, "summarizer", "/admin/throttle")
    auth = fleet.admin_headers()
    resp = client.post(target, json={"max_requests_per_minute": 30}, headers=auth)
    assert resp.status_code == 200
    assert resp.json()["old"] is None and resp.json()["new"] == 30
    assert health(client, fleet, "summarizer")["max_requests_per_minute"] == 30
    resp = client.post(target, json={"max_requests_per_minute": None}, headers=auth)
    assert resp.json()["old"] == 30 and resp.json()["max_requests_per_minute"] is None
    assert client.post(target, json={"max_requests_per_minute": "fast"}, headers=auth).status_code == 400
    assert client.post(target, json={"max_requests_per_minute": 10**23}, headers=auth).status_code == 400
    assert health(client, fleet, "summarizer")["max_requests_per_minute"] is None


@pytest.mark.parametrize("action", ["drain", "resume", "throttle", "restart"])
@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic x", "bearer"])
def test_admin_endpoints_refuse_whoever_lacks_the_fleets_token(
    fleet: DemoFleet, client: httpx.Client, action: str, auth: str | None
) -> None:
    """Loopback is shared by every local user and every page a browser opens: the token is the fleet's own."""
    pid = fleet.pid_of("researcher")
    headers = {} if auth is None else {"Authorization": auth}
    resp = client.post(
        url(fleet, "researcher", f"/admin/{action}"), json={"max_requests_per_minute": 1}, headers=headers
    )
    assert resp.status_code == 401, resp.text
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert resp.json() == {"ok": False, "error": "a bearer token is needed (see the demo's config)"}
    body = health(client, fleet, "researcher")
    assert body["draining"] is False and body["max_requests_per_minute"] is None
    assert fleet.pid_of("researcher") == pid


def test_the_token_is_in_the_config_and_not_on_any_command_line(fleet: DemoFleet, tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    fleet.write_config(path)
    assert path.stat().st_mode & 0o077 == 0  # the token is a secret: only its owner reads the file
    token = fleet.admin_headers()["Authorization"].removeprefix("Bearer ")
    assert len(token) >= 32
    for svc in yaml.safe_load(path.read_text())["services"]:
        if "control" in svc:
            assert svc["control"]["headers"] == {"Authorization": f"Bearer {token}"}
    for pid in fleet.child_pids():
        with contextlib.suppress(psutil.Error):
            assert token not in " ".join(psutil.Process(pid).cmdline())


def test_restart_endpoint_gives_a_new_pid(fleet: DemoFleet, client: httpx.Client) -> None:
    old = fleet.pid_of("summarizer")
    assert old is not None
    resp = client.post(url(fleet, "summarizer", "/admin/restart"), headers=fleet.admin_headers())
    assert resp.status_code == 202
    new = wait_for(lambda: (p := fleet.pid_of("summarizer")) not in (None, old) and p, what="new pid")
    wait_for(lambda: health(client, fleet, "summarizer")["uptime_s"] < 10, what="summarizer back")
    wait_for(lambda: fleet.pidfile("summarizer").read_text().strip() == str(new), what="new pidfile")
    assert not psutil.pid_exists(old)


def test_proxy_answers_openai_shaped_completions(fleet: DemoFleet, client: httpx.Client) -> None:
    resp = client.post(
        url(fleet, PROXY_NAME, "/v1/chat/completions"),
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 7},
    )
    assert resp.status_code == 200
    usage = resp.json()["usage"]
    assert usage["completion_tokens"] == 7
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_config_points_at_the_fleet(fleet: DemoFleet, tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    fleet.write_config(path)
    config = yaml.safe_load(path.read_text())
    assert config == fleet.config_dict()
    assert set(config) == {"refresh_interval", "daily_budget_usd", "services"}
    assert config["daily_budget_usd"] > 0
    by_name = {svc["name"]: svc for svc in config["services"]}
    assert list(by_name) == fleet.service_names()
    queue = by_name.pop(QUEUE_NAME)
    assert (
        queue["kind"] == "queue" and queue["queue"]["redis_url"] == f"redis://127.0.0.1:{fleet.port_of(QUEUE_NAME)}/0"
    )
    for name, svc in by_name.items():
        port = fleet.port_of(name)
        if name == PROXY_NAME:  # the stand-in is read as a LiteLLM proxy
            assert svc["litellm"] == {"url": f"http://127.0.0.1:{port}", "spend": False, "timeout": 1.0}
        else:
            assert svc["health"]["url"] == f"http://127.0.0.1:{port}/health"
        assert svc["control"]["base_url"] == f"http://127.0.0.1:{port}"
        assert svc["control"]["restart"] == {"method": "POST", "path": "/admin/restart"}
        assert Path(svc["process"]["pidfile"]).is_absolute()
        assert svc["kind"] == ("proxy" if name == PROXY_NAME else "agent")
        assert ("ledger" in svc) == (name != PROXY_NAME)


def test_dead_proxy_opens_the_agents_breaker_until_it_is_back(fleet: DemoFleet, client: httpx.Client) -> None:
    fleet.kill(PROXY_NAME)
    body = wait_for(
        lambda: (h := health(client, fleet, "planner"))["breakers"]["model_proxy"] == "open" and h,
        what="planner's model_proxy breaker to open",
    )
    assert body["checks"]["model_proxy"]["ok"] is False
    assert body["status"] == "degraded"
    fleet.kill(PROXY_NAME, restart=True)  # brings a stopped service back
    wait_for(lambda: health(client, fleet, PROXY_NAME), what="proxy back")
    wait_for(
        lambda: health(client, fleet, "planner")["breakers"]["model_proxy"] == "closed",
        what="planner's model_proxy breaker to close",
    )


def test_killed_service_stays_down(fleet: DemoFleet, client: httpx.Client) -> None:
    pid = fleet.pid_of("writer")
    assert pid is not None
    fleet.kill("writer")
    wait_for(lambda: fleet.pid_of("writer") is None, what="writer gone")
    for _ in range(4):  # longer than the first restart backoff
        with pytest.raises(httpx.ConnectError):
            client.get(url(fleet, "writer", "/health"))
        time.sleep(0.8)
    assert fleet.pid_of("writer") is None


def test_stop_leaves_no_child_alive(fleet: DemoFleet) -> None:
    pids = fleet.child_pids()
    assert len(pids) >= len(fleet.service_names())
    fleet.stop()
    fleet.stop()  # idempotent
    assert [pid for pid in pids if psutil.pid_exists(pid)] == []
    mine = str(fleet.workdir)  # other fleets (e.g. a session fixture) may legitimately be running
    assert [p for p in psutil.Process().children(recursive=True) if mine in _cmdline(p)] == []


def _cmdline(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:  # exited meanwhile
        return ""


def _dead(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_children_exit_when_the_fleet_process_dies(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from agentops_tui.demo.fleet import DemoFleet
        fleet = DemoFleet(Path({str(tmp_path)!r}), services=1)
        fleet.start()
        print(*fleet.child_pids(), flush=True)
        os._exit(1)  # no atexit, no stop(): only the children's own parent watch can clean up
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    pids = [int(p) for p in out.stdout.split()]
    assert len(pids) == 3, out.stderr  # planner, model-proxy, task-queue
    try:
        wait_for(lambda: all(_dead(p) for p in pids), timeout=10, what="orphans to exit")
    finally:
        for pid in pids:
            if not _dead(pid):
                os.kill(pid, 9)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _busy_between_free_ports() -> socket.socket:
    """A listening socket whose port's neighbours are free: only the model proxy (the middle child) can fail."""
    for _ in range(50):
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        if _free(port - 1) and _free(port + 1):
            busy.listen()
            return busy
        busy.close()
    raise AssertionError("no port with free neighbours")


def test_start_failure_names_the_child_and_shows_its_log(tmp_path: Path) -> None:
    with _busy_between_free_ports() as busy:
        port = busy.getsockname()[1]
        fleet = DemoFleet(tmp_path, services=1, base_port=port - 1)  # planner, then model-proxy on `port`
        with pytest.raises(RuntimeError, match="model-proxy") as info:
            fleet.start(timeout=20)
    assert "cannot listen" in str(info.value)
    assert [pid for pid in fleet.child_pids() if psutil.pid_exists(pid)] == []
