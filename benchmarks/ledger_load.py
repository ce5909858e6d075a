"""Ledger benchmark: initial load of a big JSON-lines ledger, then a batch of appends; prints time and peak RSS.

    python benchmarks/ledger_load.py [--records 1000000] [--append 1000]

Each size runs in a fresh child process so its peak RSS is its own. Floors (issue 7): load under 3 s, a
1,000-record batch under 20 ms, RSS independent of the record count (compare the sizes printed).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVICES = ("planner", "researcher", "writer", "summarizer", "scraper")
MODELS = ("claude-sonnet-4", "claude-haiku-3.5", "gpt-4o", "gpt-4o-mini")


def lines(n: int, start: float, seq: int = 0) -> bytes:
    """Demo-shaped records spread over the last `n` seconds up to `start`, oldest first."""
    out = []
    for i in range(n):
        ts = start - (n - i) * (min(80_000, n) / n)
        task = (i + seq) // 7
        svc = SERVICES[task % 5]
        rec = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{i % 1000:03d}+00:00",
            "service": svc, "model": MODELS[(i + seq) % 4], "input_tokens": 200 + i % 300,
            "output_tokens": 40 + i % 60, "cost_usd": round(0.0001 + (i % 97) * 1e-5, 6),
            "task_id": f"{svc}-{task:08x}", "task_type": "summarize" if svc == "summarizer" else "plan",
        }  # fmt: skip
        out.append(json.dumps(rec, separators=(",", ":")))
    return ("\n".join(out) + "\n").encode()


def child(records: int, append: int) -> None:
    from probes.sources.ledger.probe import LedgerProbe

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.jsonl"
        now = time.time()
        with path.open("wb") as fh:
            for start in range(0, records, 100_000):
                n = min(100_000, records - start)
                fh.write(lines(n, now - 80_000 * (records - start - n) / max(records, 1), start))
        size = path.stat().st_size
        probe = LedgerProbe(str(path), 2.0, 1.0)
        probe.read_budget_s = 3600  # the benchmark measures the whole load in one go
        t0 = time.perf_counter()
        r = probe.read()
        load_s = time.perf_counter() - t0
        assert r.records == records and r.bad_lines == 0 and not r.backlog, (r.records, r.bad_lines)
        batch = lines(append, time.time(), records)
        times = []
        for _ in range(5):
            with path.open("ab") as fh:
                fh.write(batch)
            t0 = time.perf_counter()
            r = probe.read()
            times.append(time.perf_counter() - t0)
        assert r.records == records + 5 * append
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"records": records, "file_mb": round(size / 2**20, 1), "load_s": round(load_s, 3),
                          "append_ms_median": round(sorted(times)[2] * 1000, 2),
                          "append_ms_max": round(max(times) * 1000, 2), "peak_rss_mb": round(rss_mb, 1)}))  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--append", type=int, default=1000)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        child(args.records, args.append)
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus")
    for n in sorted({args.records // 10, args.records}):
        cmd = [sys.executable, __file__, "--child", "--records", str(n), "--append", str(args.append)]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
