"""The guide's reference agent under the managers the guide runs it with: its unit file in a real systemd, and a
Docker container with its healthcheck. No `logs:` block: its events come from the unit's journal or the
container's logs, as a user who configured only the unit or the container would have it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from agentops_tui.app import make_app
from agentops_tui.check import run_check
from agentops_tui.screens.logs import LogsScreen
from probes.config.load import parse_config
from tests.fixtures.guide import Provider, ledger_usd, polling
from tests.functional.helpers import free_port, wait_until
from tests.functional.test_actions_ui import SIZE
from tests.functional.test_cli import run_cli
from tests.testbed.docker import DockerDaemon
from tests.testbed.guide import GuideSystemd, run_container
from tests.waiting import wait_for

pytestmark = pytest.mark.timeout(600)
UNIT = "ai-agent.service"
CONTAINER = "guide-agent-test"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    p = Provider()
    yield p
    p.server.shutdown()


@pytest.fixture(scope="module")
def as_unit(
    docker_daemon: DockerDaemon, provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, Callable[[], str]]]:
    """The agent as the guide's unit; yields the service's config block, its records and its log as read."""
    work = tmp_path_factory.mktemp("guide-unit")
    c = GuideSystemd(docker_daemon, "guide-systemd", work)
    port = free_port()
    try:
        c.start()
        c.install(UNIT, port, provider.url)
        block = (
            f"    health: {{url: 'http://127.0.0.1:{port}/health'}}\n"
            f"    metrics: {{url: 'http://127.0.0.1:{port}/metrics'}}\n"
            f"    ledger: {{path: '{work / 'data' / 'costs.jsonl'}'}}\n"
            f"    systemd: {{unit: {UNIT}, bus_address: '{c.address}', journal_directory: '{c.journal}'}}\n"
        )

        def log() -> str:
            argv = ["journalctl", f"--directory={c.journal}", "-u", UNIT, "-o", "cat", "--no-pager"]
            return subprocess.run(argv, capture_output=True, text=True, check=False).stdout

        yield block, work / "data" / "costs.jsonl", log
    finally:
        c.remove()


@pytest.fixture(scope="module")
def as_container(
    docker_daemon: DockerDaemon, provider: Provider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path, Callable[[], str]]]:
    """The agent as a Docker container with the guide's healthcheck; as `as_unit`."""
    work = tmp_path_factory.mktemp("guide-container")
    port = free_port()
    try:
        run_container(docker_daemon, CONTAINER, work, port, provider.url)
        block = (
            f"    health: {{url: 'http://127.0.0.1:{port}/health'}}\n"
            f"    metrics: {{url: 'http://127.0.0.1:{port}/metrics'}}\n"
            f"    ledger: {{path: '{work / 'data' / 'costs.jsonl'}'}}\n"
            f"    docker: {{container: {CONTAINER}, host: '{docker_daemon.host}'}}\n"
        )

        def log() -> str:
            out = docker_daemon.docker("logs", CONTAINER, check=False)
            return out.stdout + out.stderr

        yield block, work / "data" / "costs.jsonl", log
    finally:
        docker_daemon.docker("rm", "-f", CONTAINER, check=False)


def config_text(block: str) -> str:
    return "refresh_interval: 1.0\nservices:\n  - name: guide\n" + block


def lights_up(block: str, ledger: Path, log: Callable[[], str], provider: Provider) -> None:
    """Numbers, spend to the cent, the breaker the log names within two polls, rate limits counted."""
    provider.mode = "ok"
    cfg, _ = parse_config(config_text(block), "guide.yaml", {})
    try:
        with polling(cfg) as polled:
            v = wait_for(lambda: polled.numbers("OK"), 60, "p95, error rate, spend and OK from the guide agent")
            assert v.latency_p95_s is not None and v.latency_p95_s > 0
            provider.mode = "fail"
            wait_for(lambda: polled.spend() == round(ledger_usd(ledger), 2), 20, "spend today equal to the records")
            seen = wait_for(lambda: time.time() if '"circuit_opened"' in log() else None, 30, "circuit_opened logged")
            wait_for(lambda: polled.breakers().get("anthropic") == "open", 15, "the breaker open on the row")
            after = [at for at, _ in polled.snaps if at > seen]  # two polls, and the one in flight when it was read
            assert len(after) <= 3, f"{len(after)} polls after the line before the breaker showed"
            provider.mode = "limit"
            limits = wait_for(lambda: polled.log_events().get("rate limited (5 min)"), 30, "rate limits counted")
            assert limits.startswith("anthropic x"), limits
    finally:
        provider.mode = "ok"


def one_shot_knows_recent_events(block: str) -> None:
    """`check` reads the journal's recent window back: the breaker its log opened shows, and no journalctl is left
    behind when it returns."""
    cfg, _ = parse_config(config_text(block), "guide.yaml", {})
    row = json.loads(run_check(cfg, as_json=True, settle_s=0.5)[0])["services"][0]
    assert row["breakers"].get("anthropic") in ("open", "half_open"), row
    assert "tools failed (5 min)" in row["log_events"], row
    left = [p.name() for p in psutil.Process().children(recursive=True)]
    assert "journalctl" not in left, left


def errors_only(block: str, tmp_path: Path) -> list[str]:
    """`agentops-tui logs guide level=error` prints only error lines (at least one); returns them."""
    cfg = tmp_path / "guide.yaml"
    cfg.write_text(config_text(block))
    out = run_cli("logs", "guide", "level=error", "--lines", "5000", "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines and all(" ERROR " in line for line in lines), lines[:5]
    return lines


async def screen_shows_errors_only(block: str, tmp_path: Path) -> None:
    """The logs screen with `level=error` shows only error lines, as the CLI does."""
    cfg, _ = parse_config(config_text(block), str(tmp_path / "guide.yaml"))
    app = make_app(cfg)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert await wait_until(pilot, lambda: isinstance(app.screen, LogsScreen) and app.screen.received > 0, 20)
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        await pilot.press("slash", *"level=error", "enter")

        def shown() -> list[str]:
            return [strip.text.rstrip() for strip in screen.log_view.lines]

        assert await wait_until(pilot, lambda: len(shown()) > 0, 10), shown()
        assert all(" ERROR " in s for s in shown() if s), shown()


def test_the_guide_unit_lights_up(as_unit: tuple[str, Path, Callable[[], str]], provider: Provider) -> None:
    lights_up(*as_unit, provider)


def test_the_guide_container_lights_up(as_container: tuple[str, Path, Callable[[], str]], provider: Provider) -> None:
    lights_up(*as_container, provider)


async def test_level_error_from_the_units_journal(
    as_unit: tuple[str, Path, Callable[[], str]], provider: Provider, tmp_path: Path
) -> None:
    provider.mode = "fail"
    wait_for(lambda: '"circuit_opened"' in as_unit[2](), 30, "circuit_opened in the journal")
    provider.mode = "ok"
    await asyncio.to_thread(one_shot_knows_recent_events, as_unit[0])  # check runs its own event loop
    errors_only(as_unit[0], tmp_path)
    await screen_shows_errors_only(as_unit[0], tmp_path)


async def test_level_error_from_the_containers_logs(
    as_container: tuple[str, Path, Callable[[], str]], provider: Provider, tmp_path: Path
) -> None:
    provider.mode = "fail"
    wait_for(lambda: '"level": "error"' in as_container[2](), 30, "an error line in the container's logs")
    provider.mode = "ok"
    errors_only(as_container[0], tmp_path)
    await screen_shows_errors_only(as_container[0], tmp_path)


def test_events_go_on_after_the_container_restarts(
    as_container: tuple[str, Path, Callable[[], str]], provider: Provider, docker_daemon: DockerDaemon
) -> None:
    """A restart ends the container's log stream: it is followed again, and what the new container logs counts."""
    provider.mode = "ok"
    cfg, _ = parse_config(config_text(as_container[0]), "guide.yaml", {})
    try:
        with polling(cfg) as polled:
            wait_for(lambda: len(polled.snaps) >= 2, 30, "two polls")
            before = polled.view().rate_limits_5m  # type: ignore[union-attr]
            docker_daemon.docker("restart", "-t", "10", CONTAINER)
            log = as_container[2]
            wait_for(lambda: '"agent_started"' in log().rsplit("shutdown_complete", 1)[-1], 30, "restarted")
            provider.mode = "limit"
            wait_for(lambda: polled.view().rate_limits_5m > before, 30, "rate limits after the restart")  # type: ignore[union-attr]
    finally:
        provider.mode = "ok"
