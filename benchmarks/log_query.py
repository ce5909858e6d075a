"""How long a log query takes over 1,000,000 JSON lines (the guide's log() shape) held in memory, as the logs view
and `agentops-tui logs` hold them: figures, not assertions.

    python benchmarks/log_query.py [--lines 1000000] [--runs 5]

The best of the runs is the figure least moved by other work on the machine; the median is printed beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from probes.formats.jsonlog import decode
from probes.formats.logquery import parse_query, select

QUERIES = (
    "level=error",
    "level=error model=claude-opus since=1h",
    "level=error model=claude-opus since=1h timeout",
    "timeout",
    "since=10m",
)
MODELS = ("claude-haiku", "claude-sonnet", "claude-opus")


def lines(n: int, now: float) -> list[str]:
    """A day of an agent's log, oldest first: one error in ten, one warning in twenty."""
    out = []
    for i in range(n):
        at = dt.datetime.fromtimestamp(now - 86400 * (n - i) / n, dt.timezone.utc).isoformat()
        level, event = ("error", "tool_failed") if i % 10 == 3 else ("warn", "rate_limited") if i % 20 == 7 else \
            ("info", "task_completed")  # fmt: skip
        entry = {"timestamp": at, "level": level, "event": event, "agent_id": "a1", "task_id": f"t-{i}",
                 "model": MODELS[i % 3]}  # fmt: skip
        if level == "error":
            entry["error"] = "timeout after 30s" if i % 7 == 3 else "connection refused"
        out.append(json.dumps(entry))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    now = time.time()
    data = lines(args.lines, now)
    print(f"{args.lines:,} lines, {sum(map(len, data)) / 1e6:.0f} MB; {args.runs} runs\n")
    print("| query | matches | median s | best s |")
    print("| --- | --- | --- | --- |")
    for text in QUERIES:
        q = parse_query(text, now)
        times, found = [], 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            found = len(select(q, data, decode))
            times.append(time.perf_counter() - t0)
        print(f"| `{text}` | {found:,} | {statistics.median(times):.2f} | {min(times):.2f} |")


if __name__ == "__main__":
    main()
