"""The guide's reference agent (agentops_tui/demo/guide.py) in the test bed, run the two ways the deployment guide
runs agents besides a plain process: as a systemd unit (its unit file, hardening included) and as a Docker
container (its healthcheck, `restart: unless-stopped`).

The images carry no Python of their own. The host's interpreter, its site-packages and our packages are mounted
read-only and laid out as the guide's /opt/agent with a venv in it, so the unit's ExecStart keeps the guide's
shape (`/opt/agent/venv/bin/python -m ...`). /opt/agent/data is a host directory: the agent's cost records land
where the dashboard reads them.
"""

from __future__ import annotations

import shutil
import sys
import sysconfig
from pathlib import Path

from tests.testbed.docker import DockerDaemon
from tests.testbed.systemd import SystemdContainer, ensure_image

ROOT = Path(__file__).resolve().parents[2]
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"
AGENT = "/opt/agent"
SECRET = "sk-ant-test-0123456789abcdef"  # in the unit's EnvironmentFile: it must never reach the screen


def agent_argv(port: int, provider: str, *, recovery: float = 5.0) -> list[str]:
    """The agent's command line inside the image: the guide's venv python, records under the data directory."""
    return [f"{AGENT}/venv/bin/python", "-m", "agentops_tui.demo.guide", "--port", str(port), "--provider", provider,
            "--ledger", f"{AGENT}/data/costs.jsonl", "--interval", "0.1", "--recovery", str(recovery)]  # fmt: skip


def mounts(work: Path) -> list[str]:
    """`docker run` volume options giving the image the host's Python as /opt/agent/venv, our packages and a
    writable /opt/agent/data (work/data on the host). Creates work/venv and work/data."""
    venv = work / "venv"
    (venv / "bin").mkdir(parents=True, exist_ok=True)
    link = venv / "bin" / "python"
    if not link.is_symlink():
        link.symlink_to(f"/opt/python/bin/{PY}")
    (venv / "pyvenv.cfg").write_text("home = /opt/python/bin\ninclude-system-site-packages = false\n")
    data = work / "data"
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o777)  # the unit runs as the image's `agent` user, the container as nobody
    site = sysconfig.get_paths()["purelib"]
    out = ["-v", f"{sys.base_prefix}:/opt/python:ro", "-v", f"{venv / 'bin'}:{AGENT}/venv/bin:ro",
           "-v", f"{venv / 'pyvenv.cfg'}:{AGENT}/venv/pyvenv.cfg:ro",
           "-v", f"{site}:{AGENT}/venv/lib/{PY}/site-packages:ro",
           "-v", f"{ROOT / 'agentops_tui'}:{AGENT}/agentops_tui:ro", "-v", f"{ROOT / 'probes'}:{AGENT}/probes:ro",
           "-v", f"{data}:{AGENT}/data"]  # fmt: skip
    if sysconfig.get_config_var("Py_ENABLE_SHARED"):  # its libpython is found by an absolute rpath on the host
        lib = Path(str(sysconfig.get_config_var("LIBDIR"))) / str(sysconfig.get_config_var("INSTSONAME"))
        out += ["-v", f"{lib.resolve()}:/usr/lib/x86_64-linux-gnu/{lib.name}:ro"]
    return out


def unit_file(port: int, provider: str) -> str:
    """The guide's unit file for its agent, with our agent's command line."""
    return f"""[Unit]
Description=AI Agent Service
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=300
StartLimitBurst=5

[Service]
Type=simple
User=agent
Group=agent
WorkingDirectory={AGENT}
ExecStart={" ".join(agent_argv(port, provider))}
Restart=always
RestartSec=10
EnvironmentFile={AGENT}/.env
MemoryMax=2G
CPUQuota=200%
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=yes
ReadWritePaths={AGENT}/data
StandardOutput=journal
StandardError=journal"""


class GuideSystemd(SystemdContainer):
    """A systemd container with the agent's files mounted and its journal kept in a host directory (`journal`),
    which the host's journalctl reads with --directory."""

    def __init__(self, daemon: DockerDaemon, name: str, work: Path) -> None:
        super().__init__(daemon, name)
        self.work = work
        self.journal = work / "journal"

    def start(self, timeout: float = 60.0) -> None:
        shutil.rmtree(self.journal, ignore_errors=True)
        self.journal.mkdir(parents=True)
        self.extra = [*mounts(self.work), "-v", f"{self.journal}:/var/log/journal"]
        super().start(timeout)
        self.exec("sh", "-c", "id agent >/dev/null 2>&1 || useradd --system --user-group agent")
        self.exec("sh", "-c", f"umask 077 && echo 'ANTHROPIC_API_KEY={SECRET}' > {AGENT}/.env")
        self.exec("systemctl", "restart", "systemd-journald")  # now it keeps the journal in /var/log/journal

    def install(self, unit: str, port: int, provider: str) -> None:
        self.write_unit(unit, unit_file(port, provider))
        self.reload()
        self.systemctl("start", unit)


def run_container(daemon: DockerDaemon, name: str, work: Path, port: int, provider: str) -> None:
    """The agent as a Docker container: the guide's healthcheck (curl -f on /health; busybox wget -q fails the
    same way on a non-2xx answer), restart unless-stopped, a 30 s stop grace for the task in hand."""
    daemon.docker("rm", "-f", name, check=False)
    health = f"busybox wget -q -O /dev/null http://127.0.0.1:{port}/health || exit 1"
    daemon.docker(
        "run", "-d", "--name", name, "--network", "host", "--user", "65534:65534", "-w", AGENT,
        *mounts(work), "-v", f"{shutil.which('busybox') or '/bin/busybox'}:/usr/local/bin/busybox:ro",
        "--health-cmd", health, "--health-interval", "1s", "--health-timeout", "1s", "--health-retries", "3",
        "--restart", "unless-stopped", "--stop-timeout", "30", ensure_image(daemon), *agent_argv(port, provider),
    )  # fmt: skip
