"""HTTP/1.1 parse benchmark: microseconds per response in probes.http.wire.Conn, with no socket and no event loop turn.

    python benchmarks/http_parse.py [--responses 20000] [--runs 5]

Feeds canned responses (a ~300-byte JSON health answer, a ~3 KB Prometheus text body with Content-Length, the same
chunked in three pieces) into one Conn over a stub transport, one request and one answer after another as on a
keep-alive connection, and prints the best and median of `--runs` timings (time.process_time) per response. What it
measures is the parser and the Conn's bookkeeping, not the network: the per-request cost of the poller's fast path
that depends on how responses are parsed. Runs on any tree whose http_wire.Conn keeps this interface (the old
hand-written parser and the httptools one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from probes.http.wire import Conn, HostPool  # noqa: E402

JSON = json.dumps({"status": "healthy", "checks": {f"dep{i}": True for i in range(8)}, "uptime_s": 12345.6,
                   "breakers": {"llm": "closed"}, "active_tasks": 3}).encode()  # fmt: skip
TEXT = b"".join(b'agent_requests_total{route="/r%d",code="200"} %d\n' % (i, i * 7) for i in range(60))[:3000]
HEAD = b"HTTP/1.1 200 OK\r\nServer: uvicorn\r\nDate: Mon, 01 Jan 2026 00:00:00 GMT\r\nContent-Type: %s\r\n"


def responses() -> dict[str, bytes]:
    third = len(TEXT) // 3
    parts = (TEXT[:third], TEXT[third : 2 * third], TEXT[2 * third :])
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    return {
        "json ~300 B": HEAD % b"application/json" + b"Content-Length: %d\r\n\r\n" % len(JSON) + JSON,
        "text ~3 KB": HEAD % b"text/plain; version=0.0.4" + b"Content-Length: %d\r\n\r\n" % len(TEXT) + TEXT,
        "text ~3 KB chunked": HEAD % b"text/plain" + b"Transfer-Encoding: chunked\r\n\r\n" + chunked,
    }


class StubTransport(asyncio.Transport):
    """Takes the request bytes and drops them; never closes."""

    def write(self, data: Any) -> None:
        return None

    def is_closing(self) -> bool:
        return False

    def abort(self) -> None:
        raise AssertionError("the benchmark's connection was closed")


async def per_response(raw: bytes, n: int) -> float:
    """CPU us per response over n request/answer pairs on one Conn."""
    conn = Conn(HostPool("127.0.0.1", 80))
    conn.connection_made(StubTransport())
    request = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    for _ in range(200):  # warm up
        waiter = conn.start(request, 1 << 20)
        conn.data_received(raw)
        assert waiter.result()[0] == 200
    c0 = time.process_time()
    for _ in range(n):
        waiter = conn.start(request, 1 << 20)
        conn.data_received(raw)
        waiter.result()
    return (time.process_time() - c0) / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--responses", type=int, default=20000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    print(f"{args.responses} responses per run, {args.runs} runs; CPU us per response (best, median)")
    for name, raw in responses().items():
        times = [asyncio.run(per_response(raw, args.responses)) for _ in range(args.runs)]
        print(f"{name:22s}{min(times):8.2f}{statistics.median(times):8.2f}   ({len(raw)} bytes)")


if __name__ == "__main__":
    main()
