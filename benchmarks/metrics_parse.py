"""Worst cases of the metrics parser: time and peak memory of one parse of a hostile or maximum-size body.

    python benchmarks/metrics_parse.py [--tree PATH] [--repeat 5]

Bodies (each at most the default 1 MiB read cap): one valid line with a 1,040,000-character label value, 1 MiB of
small sample lines of ours (requests counters; histogram buckets), 1 MiB of other metrics' lines, and the demo's
2.6 KB scrape. Each case runs in a fresh process (`--tree` imports `probes` from another checkout, e.g. an export
of an older commit, to compare): `cold` is the best of `--repeat` parses with the parser's caches emptied, `warm` a
parse right after one of the same body (series cached), `peak` what one cold parse allocates (tracemalloc).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAP = 1_048_576

CASE = r"""
import json, sys, time, tracemalloc
sys.path.insert(0, sys.argv[1])
import probes.formats.promtext as pt
from probes.config import MetricsConfig

CAP, name, repeat = 1_048_576, sys.argv[2], int(sys.argv[3])

def fill(make):
    out, size, i = [], 0, 0
    while True:
        line = make(i)
        if size + len(line) > CAP:
            return "".join(out)
        out.append(line)
        size += len(line)
        i += 1

BODIES = {
    "huge_label": lambda: 'agent_requests_total{status="' + "a" * 1_040_000 + '"} 1\n',
    "small_ours": lambda: fill(lambda i: f'agent_requests_total{{status="success",worker="w{i}"}} {i}\n'),
    "small_buckets": lambda: fill(lambda i: f'agent_request_duration_seconds_bucket{{m="m{i}",le="{i % 7}.5"}} {i}\n'),
    "small_others": lambda: fill(lambda i: f'go_gc{{id="{i}"}} {i}\n'),
    "demo": lambda: "".join(
        f'agent_requests_total{{model="m{m}",status="{s}"}} {n}\n'
        for m in range(4) for s, n in (("success", 90), ("error", 3))
    ) + "".join(
        f'agent_request_duration_seconds_bucket{{model="m{m}",le="{le}"}} {i * 10}\n'
        for m in range(4) for i, le in enumerate(("0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "60.0", "+Inf"))
    ) + "# HELP go_gc x\n" + "".join(f'go_gc{{id="{i}"}} {i}\n' for i in range(40)),
}
text = BODIES[name]()
cfg = MetricsConfig(url="http://x/metrics")

def parse():
    try:
        pt.parse_exposition(text, cfg, 0.0)
    except ValueError:
        pass

def clear():
    pt._SERIES_CACHE.clear(); pt._LABEL_CACHE.clear(); pt._READERS.clear()

cold = []
for _ in range(repeat):
    clear()
    t = time.perf_counter(); parse(); cold.append(time.perf_counter() - t)
t = time.perf_counter(); parse(); warm = time.perf_counter() - t
clear()
tracemalloc.start(); parse(); peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
print(json.dumps({"case": name, "bytes": len(text), "lines": text.count("\n"), "cold_ms": min(cold) * 1e3,
                  "warm_ms": warm * 1e3, "peak_mb": peak / 1e6}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tree", default=str(ROOT), help="the checkout whose probes package is measured")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'case':14} {'bytes':>9} {'lines':>6} {'cold ms':>8} {'warm ms':>8} {'peak MB':>8}")
    for name in ("huge_label", "small_ours", "small_buckets", "small_others", "demo"):
        out = subprocess.run(
            [sys.executable, "-c", CASE, args.tree, name, str(args.repeat)], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout)
        print(f"{name:14} {r['bytes']:9} {r['lines']:6} {r['cold_ms']:8.2f} {r['warm_ms']:8.2f} {r['peak_mb']:8.1f}")


if __name__ == "__main__":
    main()
