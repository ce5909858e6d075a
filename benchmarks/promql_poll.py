"""PromQL benchmark: the cost of one poll of the whole fleet through Prometheus against scraping each service.

    python benchmarks/promql_poll.py [--services 50] [--polls 20]

Starts the demo fleet (`--services` agents plus the proxy) and a real Prometheus scraping it every second, waits
35 s, then times `--polls` polls of one PromQLProbe (seven queries + alerts for every service; sparkline
query_range every 15th poll) and of the direct MetricsProbes of every service, in this process's CPU time and
wall time. Needs `prometheus` installed (scripts/testbed-install).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def measure(cfg_path: Path, prom_url: str, polls: int) -> None:
    from probes.config import PrometheusConfig
    from probes.config.load import load_config
    from probes.http.client import make_client
    from probes.sources.metrics.probe import MetricsProbe
    from probes.sources.prometheus.probe import PromQLProbe

    cfg, _ = load_config(cfg_path)
    names = {s.name: s.name for s in cfg.services}
    async with make_client(100) as client:
        promql = PromQLProbe("b", PrometheusConfig(url=prom_url, window="30s"), names, client, 2.0, 1.0, 1 << 22)
        direct = [MetricsProbe(s.name, s.metrics, client, 2.0, 1.0, 1 << 20) for s in cfg.services if s.metrics]
        for label, run in (
            ("promql (1 probe, whole fleet)", lambda: promql.collect()),
            (f"direct ({len(direct)} scrapes)", lambda: asyncio.gather(*(p.collect() for p in direct))),
        ):
            cpu, wall = [], []
            for _ in range(polls):
                c0, w0 = time.process_time(), time.perf_counter()
                await run()
                cpu.append((time.process_time() - c0) * 1000)
                wall.append((time.perf_counter() - w0) * 1000)
                await asyncio.sleep(0.5)
            print(f"{label:34s} CPU ms/poll median {statistics.median(cpu):6.2f} max {max(cpu):6.2f}   "
                  f"wall ms median {statistics.median(wall):6.2f} max {max(wall):6.2f}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--services", type=int, default=50)
    ap.add_argument("--polls", type=int, default=20)
    args = ap.parse_args()

    from agentops_tui.demo.fleet import DemoFleet
    from tests.testbed.prometheus import PrometheusServer

    with tempfile.TemporaryDirectory() as tmp:
        fleet = DemoFleet(Path(tmp) / "fleet", services=args.services, cycle_s=120)
        fleet.start()
        server = None
        try:
            cfg_path = Path(tmp) / "fleet.yaml"
            fleet.write_config(cfg_path)
            targets = {s["name"]: s["metrics"]["url"] for s in fleet.config_dict()["services"]}
            server = PrometheusServer(Path(tmp) / "prom", targets)
            server.start()
            print(f"{len(targets)} services; Prometheus at {server.url}; waiting 35 s for a full 30 s window")
            time.sleep(35)
            asyncio.run(measure(cfg_path, server.url, args.polls))
        finally:
            if server is not None:
                server.stop()
            fleet.stop()


if __name__ == "__main__":
    main()
