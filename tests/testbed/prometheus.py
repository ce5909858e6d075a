"""A real Prometheus server for the tests: its own port and tsdb dir, scraping given targets every second.

Each target is its own job named after the service, so `job` maps series to services as the app's default
`label` expects. Stop and start again (same port, same data) to test an outage and the recovery.
"""

from __future__ import annotations

import socket
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from tests.testbed import binary, spawn, stop, wait_for


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrometheusServer:
    """`prometheus` on 127.0.0.1:PORT with scrape_interval 1s; start(), use `url`, stop() (by PID)."""

    def __init__(self, workdir: Path, targets: dict[str, str], rules: str | None = None) -> None:
        self.workdir = Path(workdir)
        self.targets = targets
        """job (service name) -> metrics URL."""
        self.rules = rules
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def _write_config(self) -> Path:
        jobs = []
        for job, url in self.targets.items():
            parts = urlsplit(url)
            jobs.append({"job_name": job, "metrics_path": parts.path or "/metrics",
                         "static_configs": [{"targets": [parts.netloc]}]})  # fmt: skip
        cfg: dict[str, object] = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "900ms"},
            "scrape_configs": jobs,
        }
        if self.rules is not None:
            rules = self.workdir / "rules.yml"
            rules.write_text(self.rules)
            cfg["rule_files"] = [str(rules)]
        path = self.workdir / "prometheus.yml"
        path.write_text(yaml.safe_dump(cfg, sort_keys=False))
        return path

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def start(self) -> None:
        exe = binary("prometheus")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        argv = [exe, f"--config.file={config}", f"--storage.tsdb.path={self.workdir / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}", "--storage.tsdb.retention.time=1h"]  # fmt: skip
        self.proc = spawn(argv, self.workdir / "prometheus.log")
        wait_for(self.ready, 30, "prometheus", self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc)
            self.proc = None
