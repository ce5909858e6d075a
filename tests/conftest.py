"""Shared fixtures: deterministic screens, no user config, and one real demo fleet per test session."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentops_tui.demo.fleet import DemoFleet
from probes import paths
from probes.config import FleetConfig
from probes.config.load import load_config
from tests.testbed import missing
from tests.testbed.docker import DockerDaemon
from tests.testbed.systemd import SystemdContainer

FLEET_CYCLE_S = 40.0


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No config from $HOME, no cursor blink; tests see only what they set up."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.delenv("AGENTOPS_TUI_CONFIG", raising=False)
    monkeypatch.delenv("SUDO_USER", raising=False)  # under sudo the journal's default is system-wide
    monkeypatch.setattr(paths, "ETC_DIR", home / "etc")  # no server-wide config or journal of the test machine
    monkeypatch.setattr(paths, "SYSTEM_STATE_DIR", home / "var-lib")
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


@pytest.fixture(scope="session")
def demo_fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoFleet]:
    """The real built-in demo fleet (agents and proxy as processes on loopback), started once."""
    fleet = DemoFleet(tmp_path_factory.mktemp("fleet"), services=5, cycle_s=FLEET_CYCLE_S)
    fleet.start()
    try:
        yield fleet
    finally:
        fleet.stop()


@pytest.fixture(scope="session")
def demo_config_path(demo_fleet: DemoFleet) -> Path:
    path = demo_fleet.workdir / "agentops.yaml"
    demo_fleet.write_config(path)
    os.chmod(path, 0o600)
    return path


@pytest.fixture
def demo_config(demo_config_path: Path) -> FleetConfig:
    cfg, warnings = load_config(demo_config_path)
    assert warnings == []
    return cfg


@pytest.fixture(scope="session")
def docker_daemon() -> Iterator[DockerDaemon]:
    """The shared real dockerd with the busybox image; started here (and stopped at the end) unless already up."""
    daemon = DockerDaemon()
    daemon.start()
    daemon.ensure_busybox()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="session")
def systemd_container(docker_daemon: DockerDaemon) -> Iterator[SystemdContainer]:
    """A real systemd (PID 1 in a container on the shared dockerd); its D-Bus system bus is `.address` on the host.

    The image is built with debootstrap on first use (cached under /tmp/agentops-testbed); the container is removed
    at the end of the session."""
    container = SystemdContainer(docker_daemon, "issue5-systemd")
    try:
        container.start()
    except (RuntimeError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        container.remove()
        detail = exc.stderr if isinstance(exc, subprocess.CalledProcessError) else exc
        missing(f"systemd container did not start: {detail}")
    try:
        yield container
    finally:
        container.remove()
