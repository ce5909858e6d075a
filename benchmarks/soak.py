"""Soak: the dashboard on the demo fleet (faults on) for a long run, RSS printed every minute.

Memory must stay flat: every buffer is bounded. The figure that matters is the growth after the first five
minutes (warm-up: imports, caches, the first histories filling). Not a test: it prints figures.

    python benchmarks/soak.py [--minutes 30] [--services 5] [--cycle 120]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_cpu import cpu_seconds, demo_fleet, rss_mb


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=int, default=30)
    ap.add_argument("--services", type=int, default=5)
    ap.add_argument("--refresh", type=float, default=2.0)
    args = ap.parse_args()

    session = f"agentops-soak-{os.getpid()}"
    exe = shutil.which("agentops-tui") or f"{sys.executable} -m agentops_tui.cli"
    with (
        tempfile.TemporaryDirectory(prefix="agentops-soak-") as tmp,
        demo_fleet(Path(tmp), args.services, args.refresh) as cfg,
    ):
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", f"exec {exe} --config {cfg}"],
            check=True,
        )
        try:
            pid = int(subprocess.check_output(["tmux", "list-panes", "-t", session, "-F", "#{pane_pid}"]).split()[0])
            start = time.monotonic()
            c0 = cpu_seconds(pid)
            rows: list[tuple[int, float, float]] = []
            print(f"{'minute':>6} {'RSS MB':>8} {'CPU % (last min)':>17}", flush=True)
            last_cpu, last_t = c0, start
            for minute in range(1, args.minutes + 1):
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
        finally:
            subprocess.run(["tmux", "kill-session", "-t", session], check=False)
    base = next((r[1] for r in rows if r[0] == 5), rows[0][1])
    final = rows[-1][1]
    print(f"RSS at minute 5: {base:.1f} MB; at minute {rows[-1][0]}: {final:.1f} MB; "
          f"growth after minute 5: {100 * (final - base) / base:+.1f}%")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
