"""Redaction cost: microseconds per call of probes.text.redact on the text it sees, and the time to build a redactor.

    python benchmarks/redact_cost.py [--secrets 10] [--calls 20000]

Every row reason, last error, toast, journal line and log line shown passes the redactor, so a clean reason must
cost a few microseconds. Each figure is the best of seven runs of `--calls` calls (time.perf_counter).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from probes.text.redact import PLAIN, Redactor  # noqa: E402

SAMPLES = {
    "clean reason (89 chars)": "health: HTTP 500: upstream timed out after 3.0s while calling model gpt-4o "
    "(retry 2 of 3)",
    "ok reason (7 chars)": "healthy",
    "reason with a URL (71 chars)": "metrics: cannot connect: http://127.0.0.1:8101/metrics (refused) again",
    "echoed bearer (79 chars)": "health: HTTP 500: denied Authorization: Bearer ",
    "log line (400 chars)": "2026-01-01T00:00:00Z INFO worker=7 task=summarize model=gpt-4o tokens=1234 " * 5,
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--secrets", type=int, default=10, help="configured secrets (32 hex characters each)")
    ap.add_argument("--calls", type=int, default=20000)
    args = ap.parse_args()
    values = [secrets.token_hex(16) for _ in range(args.secrets)]
    t0 = time.perf_counter()
    redactor = Redactor({v: f"${{SECRET_{i}}}" for i, v in enumerate(values)})
    print(f"build with {args.secrets} secrets: {(time.perf_counter() - t0) * 1e3:.1f} ms")
    SAMPLES["echoed bearer (79 chars)"] += values[0]
    fields = {"db": True, "llm": True, "cache": "ok", "queue": {"depth": 3, "status": "ok"}, "version": "1.4.2",
              "model": "gpt-4o", "region": "eu-west-1"}  # fmt: skip
    best = min(timeit.repeat(lambda: redactor.value(fields), number=args.calls, repeat=7))
    print(f"{'health fields (7, one nested)':32}  config {best / args.calls * 1e6:6.2f} us")
    for name, text in SAMPLES.items():
        row = [f"{name:32}"]
        for label, r in (("config", redactor), ("shapes only", PLAIN)):
            best = min(timeit.repeat(lambda r=r, text=text: r(text), number=args.calls, repeat=7))  # type: ignore[misc]
            row.append(f"{label} {best / args.calls * 1e6:6.2f} us")
        print("  ".join(row))


if __name__ == "__main__":
    main()
