"""The poller alone: its CPU (% of one core) on the demo fleet, without the dashboard drawing anything.

Starts the demo fleet (`agentops-tui demo --fleet-only`), then in a fresh process per run polls its config with
probes.runtime.scheduler.Scheduler (the same code the dashboard runs on its poller thread, snapshots published to
nothing) and reads that process's CPU time over the window after a warm-up. Runs of two trees can be interleaved
against one fleet (`--tree` more than once), which is how a before/after is fair on a shared, loaded machine.

    python benchmarks/poller_cpu.py [--services 50] [--seconds 30] [--warmup 8] [--runs 3] [--tree PATH ...]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from dashboard_cpu import demo_fleet  # noqa: E402

RUN = r"""
import asyncio, sys, time
from pathlib import Path
from probes.config.load import load_config
from probes.runtime.scheduler import Scheduler

cfg, _ = load_config(Path(sys.argv[1]))
warmup, seconds = float(sys.argv[2]), float(sys.argv[3])

async def main():
    sched = Scheduler(cfg, lambda snap: None)
    task = asyncio.create_task(sched.run())
    await asyncio.sleep(warmup)
    c0, t0 = time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    c1, t1 = time.process_time(), time.monotonic()
    sched.stop()
    await asyncio.wait_for(task, 10)
    print(100.0 * (c1 - c0) / (t1 - t0))

asyncio.run(main())
"""


def one_run(tree: Path, python: Path, cfg: Path, warmup: float, seconds: float) -> float:
    out = subprocess.run(
        [str(python), "-c", RUN, str(cfg), str(warmup), str(seconds)],
        cwd=tree, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(out.stdout.split()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=50, help="demo agents (plus the model proxy)")
    ap.add_argument("--seconds", type=float, default=30.0, help="measurement window per run")
    ap.add_argument("--warmup", type=float, default=8.0, help="seconds of polling before the window")
    ap.add_argument("--refresh", type=float, default=2.0, help="poll interval written into the config")
    ap.add_argument("--runs", type=int, default=3, help="runs per tree, interleaved")
    ap.add_argument("--tree", action="append", type=Path, help="a checkout with its own .venv (default: this one)")
    args = ap.parse_args()
    trees = args.tree or [ROOT]
    got: dict[Path, list[float]] = {tree: [] for tree in trees}
    with tempfile.TemporaryDirectory(prefix="agentops-poller-") as tmp, demo_fleet(Path(tmp), args.services,
                                                                                   args.refresh) as cfg:  # fmt: skip
        for _ in range(args.runs):
            for tree in trees:
                python = tree / ".venv" / "bin" / "python"
                got[tree].append(one_run(tree, python if python.exists() else Path(sys.executable), cfg,
                                         args.warmup, args.seconds))  # fmt: skip
    print(f"poller CPU % of one core, {args.services + 1} services, {args.refresh:g}s refresh, "
          f"{args.seconds:g}s windows, runs interleaved")  # fmt: skip
    for tree, runs in got.items():
        listed = " ".join(f"{r:.2f}" for r in runs)
        stats = f"median {statistics.median(runs):6.2f}  range {min(runs):.2f}-{max(runs):.2f}"
        print(f"{tree!s:<40} {stats}  ({listed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
