"""The peers compare.py runs against the dashboard, each given exactly the dashboard's work.

- Prometheus (Debian's `prometheus`): scrapes the /metrics URLs the dashboard's config scrapes, one job per
  interval, at the dashboard's own metrics interval (never a shorter one for the dashboard than for it), timeout
  as the dashboard's. Run as a plain process (it needs no terminal), stopped with SIGTERM (SIGHUP only reloads).
- glances with only its `ports` plugin (`--disable-plugin all --enable-plugin ports`), in tmux like the dashboard,
  sending a HEAD to the dashboard's health and metrics URLs every refresh. glances reads at most 255 URLs
  (web_1 .. web_255): a fleet with more gets the first 255, and the row says so.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
GLANCES_MAX_URLS = 255


def metrics_jobs(cfg: Path) -> dict[float, list[tuple[str, float]]]:
    """{interval: [(metrics URL, timeout)]}: what the dashboard scrapes, grouped by how often."""
    from probes.config.load import load_config
    from probes.config.models import timeout_for

    conf = load_config(cfg)[0]
    jobs: dict[float, list[tuple[str, float]]] = defaultdict(list)
    for svc in conf.services:
        if svc.metrics is not None:
            every = conf.interval_of(svc.metrics.interval)
            jobs[every].append((svc.metrics.url, timeout_for(svc.metrics.timeout, every)))
    return dict(jobs)


def health_and_metrics_urls(cfg: Path) -> list[str]:
    """Every health and metrics URL the dashboard polls, in config order."""
    from probes.config.load import load_config

    urls = []
    for svc in load_config(cfg)[0].services:
        urls += [src.url for src in (svc.health, svc.metrics) if src is not None]
    return urls


def metrics_only_config(cfg: Path, out: Path) -> Path:
    """The fleet's config cut down to Prometheus's work: each service's metrics URL, interval and timeout, and
    nothing else (no health URL, ledger, process, logs or actions); a service without metrics is left out."""
    data = yaml.safe_load(cfg.read_text())
    services = [{"name": s["name"], "kind": s.get("kind", "agent"), "metrics": s["metrics"]}
                for s in data["services"] if s.get("metrics")]  # fmt: skip
    out.write_text(yaml.safe_dump({"refresh_interval": data.get("refresh_interval", 2.0), "services": services}))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prometheus_config(jobs: dict[float, list[tuple[str, float]]]) -> str:
    """One scrape job per interval; each target keeps its path (a job's metrics_path is per target here)."""
    lines = ["global:", "  evaluation_interval: 1h", "scrape_configs:"]
    for n, (every, targets) in enumerate(sorted(jobs.items())):
        timeout = min(t for _, t in targets)
        lines += [f"  - job_name: dash{n}", f"    scrape_interval: {every:g}s", f"    scrape_timeout: {timeout:g}s",
                  "    static_configs:"]  # fmt: skip
        for url in (u for u, _ in targets):
            host, _, path = url.removeprefix("http://").partition("/")
            lines += [f"      - targets: ['{host}']", f"        labels: {{__metrics_path__: '/{path}'}}"]
    return "\n".join(lines) + "\n"


class Prometheus:
    """A real Prometheus scraping what the dashboard scrapes; `pid` for /proc figures."""

    def __init__(self, cfg: Path, workdir: Path) -> None:
        exe = shutil.which("prometheus")
        if exe is None:
            raise RuntimeError("prometheus is not installed (apt-get install prometheus)")
        self.jobs = metrics_jobs(cfg)
        workdir.mkdir(parents=True, exist_ok=True)
        conf = workdir / "prometheus.yml"
        conf.write_text(prometheus_config(self.jobs))
        self.port = free_port()
        self.proc = subprocess.Popen(
            [exe, f"--config.file={conf}", f"--storage.tsdb.path={workdir / 'data'}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.pid = self.proc.pid

    @property
    def targets(self) -> int:
        return sum(len(t) for t in self.jobs.values())

    def up(self) -> int:
        """How many targets answered their last scrape (asked of its API: the scrapes really happen)."""
        import httpx

        q = httpx.get(f"http://127.0.0.1:{self.port}/api/v1/query", params={"query": "sum(up)"}, timeout=5)
        result = q.json()["data"]["result"]
        return int(float(result[0]["value"][1])) if result else 0

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def glances_exe(given: str | None) -> str | None:
    for cand in (given, shutil.which("glances"), str(ROOT / "benchmarks" / ".peers" / "bin" / "glances")):
        if cand and os.path.exists(cand):
            return cand
    return None


def glances_ports_command(exe: str, cfg: Path, workdir: Path, refresh: float) -> tuple[str, int, int]:
    """(command, URLs given, URLs wanted): glances with only the ports plugin, on the dashboard's URLs."""
    urls = health_and_metrics_urls(cfg)
    given = urls[:GLANCES_MAX_URLS]
    lines = ["[ports]", "disable=False", f"refresh={refresh:g}", "timeout=1", "port_default_gateway=False"]
    for i, url in enumerate(given, 1):
        lines += [f"web_{i}_url={url}", f"web_{i}_description=u{i}"]
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "glances.conf"
    conf.write_text("\n".join(lines) + "\n")
    command = f"{exe} -C {conf} -t {refresh:g} --disable-plugin all --enable-plugin ports --disable-check-update"
    return command, len(given), len(urls)


def wait_until(ok: Callable[[], bool], timeout: float) -> bool:
    """Poll a zero-argument callable until it is true (exceptions count as not yet)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ok():
                return True
        except Exception:  # not up yet
            pass
        time.sleep(0.5)
    return False
