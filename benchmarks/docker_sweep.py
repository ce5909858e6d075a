"""Measure the Docker backend on 50 running containers: one full probe sweep, and dockerd's extra CPU.

Starts a private dockerd (tests.testbed DockerDaemon "issue4-bench", needs root), runs N busybox `sleep`
containers on it, then prints:
- the time of one full sweep of the probe (cold: every container inspected; warm: the median of 10 sweeps), and
  of the background stats round it starts (one one-shot stats request per running container),
- dockerd + its containerd CPU (% of one core, utime+stime from /proc/PID/stat) over a window with no dashboard,
  over the same window with the dashboard (in tmux, 2 s refresh, one row per container), and again without it;
  the extra is the dashboard window minus the mean of the two quiet windows. Also the dashboard's own CPU.
The last line repeats the figures as JSON. Not a test: figures, not assertions. Everything it starts is stopped
by PID at the end.

    python benchmarks/docker_sweep.py [--containers 50] [--seconds 60] [--refresh 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from probes.config import DockerConfig
from probes.sources.docker.probe import DockerProbe
from tests.testbed.docker import BUSYBOX_IMAGE, DockerDaemon

CLK_TCK = os.sysconf("SC_CLK_TCK")
PREFIX = "i4-bench-"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def children(pid: int, comm: str) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
        except OSError:
            continue
        name, rest = stat.split("(", 1)[1].rsplit(")", 1)
        if name == comm and int(rest.split()[1]) == pid:
            out.append(int(d.name))
    return out


def engine_cpu(pids: list[int], seconds: float) -> float:
    c0, t0 = sum(cpu_seconds(p) for p in pids), time.monotonic()
    time.sleep(seconds)
    return 100.0 * (sum(cpu_seconds(p) for p in pids) - c0) / (time.monotonic() - t0)


async def sweeps(host: str, names: list[str], refresh: float, rounds: list[float]) -> tuple[float, float, float, bool]:
    probe = DockerProbe(host, {n: DockerConfig(container=n) for n in names}, refresh, refresh / 2)
    try:
        t = time.perf_counter()
        first = await probe.collect()
        cold = time.perf_counter() - t
        bad = [r.error for r in first.values() if not (r.ok and r.containers)]
        assert not bad, f"not every container was seen: {bad[:3]}"
        warm, cpu = [], []
        for _ in range(10):
            await asyncio.sleep(refresh)
            t, c = time.perf_counter(), time.process_time()
            await probe.collect()
            warm.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            rounds.append(probe._stats.last_round_s or 0.0)
        rounds.append(probe._stats.last_round_s or 0.0)
        return cold, statistics.median(warm), statistics.median(cpu), probe._stats.engine
    finally:
        probe.close()


def write_config(path: Path, host: str, names: list[str], refresh: float) -> None:
    lines = [f"refresh_interval: {refresh}", "services:"]
    for n in names:
        lines += [f"  - name: {n}", "    docker:", f"      container: {n}", f"      host: {host}"]
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--containers", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--refresh", type=float, default=2.0)
    args = ap.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    daemon = DockerDaemon("issue4-bench")
    daemon.start()
    names = [f"{PREFIX}{i:02d}" for i in range(args.containers)]
    session = f"agentops-docker-bench-{os.getpid()}"
    try:
        daemon.ensure_busybox()
        for n in names:
            daemon.docker("rm", "-f", n, check=False)
            daemon.docker("run", "-d", "--name", n, "--network", "host", "--memory", "64m", BUSYBOX_IMAGE,
                          "sleep", "3600")  # fmt: skip
        dockerd = daemon.proc.pid if daemon.proc else int((daemon.dir / "dockerd.pid").read_text())
        engine = [dockerd, *children(dockerd, "containerd")]
        rounds: list[float] = []
        cold, warm, warm_cpu, engine_stats = asyncio.run(sweeps(daemon.host, names, args.refresh, rounds))
        time.sleep(5)
        quiet1 = engine_cpu(engine, args.seconds)
        with tempfile.TemporaryDirectory(prefix="agentops-docker-bench-") as tmp:
            cfg = Path(tmp) / "docker.yaml"
            write_config(cfg, daemon.host, names, args.refresh)
            exe = shutil.which("agentops-tui") or f"{sys.executable} -m agentops_tui.cli"
            subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "60",
                            f"exec {exe} --config {cfg}"], check=True)  # fmt: skip
            pane = int(subprocess.check_output(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"]).split()[0])
            time.sleep(10)  # warm-up: first sweeps, events stream connected
            d0 = cpu_seconds(pane)
            t0 = time.monotonic()
            busy = engine_cpu(engine, args.seconds)
            dash = 100.0 * (cpu_seconds(pane) - d0) / (time.monotonic() - t0)
            subprocess.run(["tmux", "kill-session", "-t", session], check=False)
        time.sleep(5)
        quiet2 = engine_cpu(engine, args.seconds)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], check=False, capture_output=True)
        for n in names:
            daemon.docker("rm", "-f", n, check=False)
        daemon.stop()
    quiet = (quiet1 + quiet2) / 2
    source = "engine one-shot stats" if engine_stats else "cgroup files (the engine's stats were empty here)"
    print(f"containers: {args.containers} running, refresh {args.refresh:g}s, CPU/memory from {source}")
    print(f"one full sweep: cold {cold * 1000:.0f} ms (all inspected), warm {warm * 1000:.0f} ms (median of 10), "
          f"our CPU per warm sweep {warm_cpu * 1000:.0f} ms (incl. the stats round it starts)")  # fmt: skip
    rounds = [r for r in rounds if r] or [0.0]
    print(f"background stats round over all running containers: median {statistics.median(rounds) * 1000:.0f} ms, "
          f"max {max(rounds) * 1000:.0f} ms (the sweep does not wait for it)")  # fmt: skip
    print(f"dockerd+containerd CPU, % of one core over {args.seconds:g}s: quiet {quiet1:.2f} / {quiet2:.2f}, "
          f"with the dashboard {busy:.2f}; extra {busy - quiet:.2f}")  # fmt: skip
    print(f"the dashboard itself: {dash:.2f}% of one core")
    summary = {"containers": args.containers, "cold_ms": cold * 1000, "warm_ms": warm * 1000,
               "engine_extra_pct": busy - quiet, "dashboard_pct": dash}  # fmt: skip
    print(json.dumps(summary))  # the last line, for benchmarks/compare.py
    return 0


if __name__ == "__main__":
    sys.exit(main())
