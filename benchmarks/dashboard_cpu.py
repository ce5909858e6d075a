"""Measure the dashboard's CPU (% of one core) and RSS from outside the process, as an operator's box sees it.

Starts the demo fleet (`agentops-tui demo --fleet-only`), opens the dashboard in a detached tmux session at a
fixed size, waits for a warm-up, then reads utime+stime and VmRSS from /proc/PID over the window. Prints a table.
Not a test: figures, not assertions.

    python benchmarks/dashboard_cpu.py [--services 5] [--seconds 60] [--refresh 2] [--runs 1] [--tree PATH ...]

`--tree` more than once: the dashboard of each checkout in turn (run by `python -m` from that directory) against
one fleet, windows interleaved: a before/after that a shared, loaded machine cannot skew toward either side.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK")
SIZE = (120, 40)  # the tmux size every benchmark draws in


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime, all threads


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def start_fleet(
    tmp: Path, services: int, refresh: float, cycle: float | None = None
) -> tuple[subprocess.Popen[bytes], Path]:
    cfg = tmp / "fleet.yaml"
    proc = subprocess.Popen(
        [sys.executable, "-m", "agentops_tui.cli", "demo", "--fleet-only", "--write-config", str(cfg),
         "--services", str(services), "--refresh", str(refresh), *(["--cycle", str(cycle)] if cycle else [])],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not cfg.exists():
        if time.monotonic() > deadline or proc.poll() is not None:
            raise SystemExit("the demo fleet did not start")
        time.sleep(0.2)
    time.sleep(1.0)
    return proc, cfg


@contextmanager
def demo_fleet(tmp: Path, services: int, refresh: float, cycle: float | None = None) -> Iterator[Path]:
    """The demo fleet running for the block (its config file yielded), stopped with its whole process group.

    `cycle`: seconds in one cycle of its scheduled faults (the demo's default when None)."""
    fleet, cfg = start_fleet(tmp, services, refresh, cycle)
    try:
        yield cfg
    finally:
        os.killpg(fleet.pid, signal.SIGTERM)
        fleet.wait(15)


class Tmux:
    """One detached tmux session running one program; `pid` is that program (started with exec)."""

    def __init__(self, command: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
        self.name = f"agentops-bench-{os.getpid()}-{time.monotonic_ns()}"
        envs = [a for k, v in (env or {}).items() for a in ("-e", f"{k}={v}")]
        argv = ["tmux", "new-session", "-d", "-s", self.name, "-x", str(SIZE[0]), "-y", str(SIZE[1]), *envs,
                *(["-c", str(cwd)] if cwd else []), f"exec {command}"]  # fmt: skip
        for _ in range(3):  # closing the last session stops the server; a new session may meet it exiting
            if subprocess.run(argv, capture_output=True).returncode == 0:
                break
            time.sleep(0.5)
        else:
            subprocess.run(argv, check=True)
        self.pid = int(subprocess.check_output(["tmux", "list-panes", "-t", self.name, "-F", "#{pane_pid}"]).split()[0])

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True, text=True).stdout

    def keys(self, *keys: str) -> None:
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False, capture_output=True)


def cpu_window(pid: int, seconds: float) -> tuple[float, float, float]:
    """(CPU % of one core, mean RSS MB, max RSS MB) of `pid` and its threads over `seconds`."""
    c0, t0 = cpu_seconds(pid), time.monotonic()
    samples = []
    while time.monotonic() - t0 < seconds:
        time.sleep(1.0)
        samples.append(rss_mb(pid))
    return 100.0 * (cpu_seconds(pid) - c0) / (time.monotonic() - t0), statistics.mean(samples), max(samples)


def measure(cfg: Path, seconds: float, warmup: float, tree: Path | None = None) -> tuple[float, float, float]:
    """One run: (cpu % of one core, mean RSS MB, max RSS MB) of the dashboard over `seconds`; `tree`: the
    checkout whose code runs (`python -m` puts its directory first on the path)."""
    exe = f"{sys.executable} -m agentops_tui.cli" if tree else shutil.which("agentops-tui")
    tm = Tmux(f"{exe or f'{sys.executable} -m agentops_tui.cli'} --config {cfg}", cwd=tree)
    try:
        time.sleep(warmup)
        return cpu_window(tm.pid, seconds)
    finally:
        tm.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=5, help="demo agents (plus the model proxy)")
    ap.add_argument("--seconds", type=float, default=60.0, help="measurement window per run")
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds after start before measuring")
    ap.add_argument("--refresh", type=float, default=2.0, help="poll interval written into the config")
    ap.add_argument("--runs", type=int, default=1, help="runs; the median is reported")
    ap.add_argument("--tree", action="append", type=Path, help="a checkout to run (more than once: interleaved)")
    args = ap.parse_args()
    if not shutil.which("tmux"):
        raise SystemExit("tmux is needed (apt-get install tmux)")
    with (
        tempfile.TemporaryDirectory(prefix="agentops-bench-") as tmp,
        demo_fleet(Path(tmp), args.services, args.refresh) as cfg,
    ):
        trees: list[Path | None] = list(args.tree or [None])
        got: dict[Path | None, list[tuple[float, float, float]]] = {t: [] for t in trees}
        for _ in range(args.runs):
            for tree in trees:
                got[tree].append(measure(cfg, args.seconds, args.warmup, tree))
    print(f"{args.services + 1} services, {args.refresh:g}s refresh, {args.seconds:g}s x{args.runs}")
    print(f"{'what':<44} {'CPU % of one core':>18} {'RSS MB (mean/max)':>18}  runs")
    for tree, runs in got.items():
        cpu = statistics.median(r[0] for r in runs)
        rss = statistics.median(r[1] for r in runs)
        peak = max(r[2] for r in runs)
        listed = " ".join(f"{r[0]:.2f}" for r in runs)
        print(f"{tree or 'agentops-tui'!s:<44} {cpu:>18.2f} {f'{rss:.1f} / {peak:.1f}':>18}  {listed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
