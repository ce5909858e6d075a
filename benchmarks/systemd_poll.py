"""systemd benchmark: the time of one poll of 200 units over D-Bus (floor: under 100 ms).

    python benchmarks/systemd_poll.py [--units 200] [--polls 20]

Starts a real systemd in a container on the test dockerd (tests/testbed/systemd.py; root, builds the image once),
starts UNITS instances of a template unit (each a `sleep infinity`), and polls them as one service per unit (one
ListUnitsByNames call) and as one `unit_pattern` service (one ListUnitsByPatterns call), then with every unit's
properties read in the poll (a cold cache; steady polls re-read 50 running units in turn). Prints the median and
max wall time of a poll and its CPU time, then the medians as one JSON line. The container is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def measure(probe: object, polls: int, cold: bool = False) -> tuple[list[float], list[float], int]:
    walls, cpus = [], []
    await probe.collect()  # type: ignore[attr-defined]  # connect once, as the dashboard does
    units = 0
    for _ in range(polls):
        if cold:
            probe._cache = {}  # type: ignore[attr-defined]  # every unit's properties read again
        w0, c0 = time.perf_counter(), time.process_time()
        result = await probe.collect()  # type: ignore[attr-defined]
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        units = sum(len(r.units) for r in result.values())
        assert all(r.ok for r in result.values()), result
    return walls, cpus, units


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--polls", type=int, default=20)
    args = ap.parse_args()
    from probes.config import SystemdConfig
    from probes.sources.systemd.probe import SystemdProbe
    from tests.testbed.docker import DockerDaemon
    from tests.testbed.systemd import SystemdContainer

    daemon = DockerDaemon()
    daemon.start()
    c = SystemdContainer(daemon, "issue5-bench")
    c.start()
    try:
        c.write_unit("bench@.service", "[Service]\nExecStart=/bin/sleep infinity\n")
        c.reload()
        names = [f"bench@{i}.service" for i in range(args.units)]
        for i in range(0, len(names), 50):
            c.systemctl("start", *names[i : i + 50])
        by_name = SystemdProbe(c.address, {n: SystemdConfig(unit=n) for n in names}, 2.0, 1.0)
        by_pattern = SystemdProbe(c.address, {"all": SystemdConfig(unit_pattern="bench@*.service")}, 2.0, 1.0)
        runs = (("ListUnitsByNames, one service per unit", by_name, False),
                ("ListUnitsByPatterns, one service", by_pattern, False),
                ("cold (every unit's properties read, as on the first poll)", by_pattern, True))  # fmt: skip

        summary: dict[str, float] = {"units": args.units}

        async def all_runs() -> None:  # one event loop, as in the dashboard's poller
            for (label, probe, cold), key in zip(runs, ("by_name_ms", "by_pattern_ms", "cold_ms"), strict=True):
                walls, cpus, units = await measure(probe, args.polls, cold)
                summary[key] = statistics.median(walls) * 1000
                print(
                    f"{label}: {units} units, one poll: median {statistics.median(walls) * 1000:.1f} ms, "
                    f"max {max(walls) * 1000:.1f} ms, CPU median {statistics.median(cpus) * 1000:.1f} ms "
                    f"({args.polls} polls)"
                )

        asyncio.run(all_runs())
        print(json.dumps(summary))  # the last line, for benchmarks/compare.py
    finally:
        daemon.docker("rm", "-f", c.name, check=False)
        daemon.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
