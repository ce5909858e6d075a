"""Soak: the dashboard on the demo fleet (faults on) for a long run, RSS printed every minute.

Memory must stay flat: every buffer is bounded (README, "Memory over a working day"). Two figures matter: the
growth after the first five minutes (warm-up: imports, caches, the first histories filling) and what the second
half of the run adds (for a 2 h run, minute 60 -> 120: "last hour adds X%"), with its slope in MB a minute. A
shorter `--cycle` packs more of the demo's faults, restarts and tasks into the run. Not a test: it prints figures.

    python benchmarks/soak.py [--minutes 30] [--services 5] [--cycle 120]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_cpu import Tmux, cpu_seconds, demo_fleet, rss_mb

Row = tuple[int, float, float]  # minute, RSS MB, CPU % over that minute


def sample(pid: int, minutes: int) -> list[Row]:
    """RSS and CPU of `pid` at the end of each minute, printed as they come."""
    start = time.monotonic()
    last_cpu, last_t = cpu_seconds(pid), start
    rows: list[Row] = []
    print(f"{'minute':>6} {'RSS MB':>8} {'CPU % (last min)':>17}", flush=True)
    for minute in range(1, minutes + 1):
        time.sleep(max(0.0, start + 60 * minute - time.monotonic()))
        if not Path(f"/proc/{pid}").exists():
            print(f"the dashboard (pid {pid}) is gone after {minute - 1} minutes", flush=True)
            break
        now, cpu = time.monotonic(), cpu_seconds(pid)
        rss = rss_mb(pid)
        pct = 100 * (cpu - last_cpu) / (now - last_t)
        last_cpu, last_t = cpu, now
        rows.append((minute, rss, pct))
        print(f"{minute:>6} {rss:>8.1f} {pct:>17.2f}", flush=True)
    return rows


def slope(rows: list[Row]) -> float:
    """Least-squares MB per minute over `rows` (0 for fewer than two)."""
    if len(rows) < 2:
        return 0.0
    xs, ys = [r[0] for r in rows], [r[1] for r in rows]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def summary(rows: list[Row]) -> list[str]:
    """The growth after minute 5, and what the second half of the run adds (the last hour of a 2 h run)."""
    if not rows:
        return ["no samples"]
    rss = {m: r for m, r, _ in rows}
    end = rows[-1][0]
    base = rss.get(5, rows[0][1])
    mid = max(1, end // 2)
    half = [r for r in rows if r[0] >= mid]
    span = "last hour" if end - mid == 60 else f"last {end - mid} minutes"
    return [
        f"RSS at minute 5: {base:.1f} MB; at minute {end}: {rss[end]:.1f} MB; "
        f"growth after minute 5: {100 * (rss[end] - base) / base:+.1f}%",
        f"{span} (minute {mid} -> {end}) adds {100 * (rss[end] - rss[mid]) / rss[mid]:+.1f}%, "
        f"slope {slope(half):+.3f} MB/min",
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=int, default=30)
    ap.add_argument("--services", type=int, default=5)
    ap.add_argument("--refresh", type=float, default=2.0)
    ap.add_argument("--cycle", type=float, default=None, help="seconds in one cycle of the demo's faults")
    args = ap.parse_args()

    exe = shutil.which("agentops-tui") or f"{sys.executable} -m agentops_tui.cli"
    with (
        tempfile.TemporaryDirectory(prefix="agentops-soak-") as tmp,
        demo_fleet(Path(tmp), args.services, args.refresh, args.cycle) as cfg,
    ):
        tm = Tmux(f"{exe} --config {cfg}")
        try:
            rows = sample(tm.pid, args.minutes)
        finally:
            tm.close()
    print("\n".join(summary(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
