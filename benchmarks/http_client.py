"""HTTP client benchmark: CPU microseconds per GET, httpx against probes.http.fast, through probes.http.client.fetch.

    python benchmarks/http_client.py [--requests 2000] [--concurrency 50] [--tls]

Starts a keep-alive server in a subprocess (ThreadingHTTPServer, HTTP/1.1) serving a ~300-byte JSON body and a ~3 KB
text body, then times `--requests` sequential GETs and `--requests` GETs `--concurrency` at a time with each client,
in this process's CPU time (time.process_time), so the server's own CPU is not counted. With --tls the server speaks
https with a certificate made for the run by openssl, trusted through SSL_CERT_FILE (as the system's CA store).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SERVER = r"""
import json, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JSON = json.dumps({"status": "healthy", "checks": {f"dep{i}": True for i in range(12)}, "uptime_s": 12345.6,
                   "breakers": {"llm": "closed", "db": "closed"}, "active_tasks": 3, "draining": False}).encode()
TEXT = b"".join(b'agent_requests_total{route="/r%d",code="200"} %d\n' % (i, i * 7) for i in range(60))[:3000]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        body, ctype = (JSON, b"application/json") if self.path == "/json" else (TEXT, b"text/plain; version=0.0.4")
        head = b"HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
        self.wfile.write(head % (ctype, len(body)) + body)  # one segment, as a real server sends it

class S(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True

srv = S(("127.0.0.1", 0), H)
if len(sys.argv) > 2:  # cert and key: https
    import ssl
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print(srv.server_address[1], len(JSON), len(TEXT), flush=True)
srv.serve_forever()
"""


class _NoFast:
    """Stands in for FastHTTP so every request takes the httpx path (what the fast client leaves to it)."""

    async def get(self, *args: object) -> None:
        return None

    def close(self) -> None:
        return None


async def measure(base: str, fast: bool, requests: int, concurrency: int) -> dict[str, float]:
    """CPU us per request for each body, sequential and concurrent."""
    from probes.http.client import fetch, make_client

    out: dict[str, float] = {}
    async with make_client(100) as client:
        if not fast:
            client.fast = _NoFast()  # type: ignore[assignment]
        for path in ("/json", "/text"):
            url = base + path
            await asyncio.gather(*(fetch(client, url, {}, 5.0, 1 << 20) for _ in range(concurrency)))  # warm up
            c0 = time.process_time()
            for _ in range(requests):
                status, _, _ = await fetch(client, url, {}, 5.0, 1 << 20)
                assert status == 200
            out[f"{path} sequential"] = (time.process_time() - c0) / requests * 1e6
            sem = asyncio.Semaphore(concurrency)

            async def one(url: str = url, sem: asyncio.Semaphore = sem) -> None:
                async with sem:
                    await fetch(client, url, {}, 5.0, 1 << 20)

            c0 = time.process_time()
            await asyncio.gather(*(one() for _ in range(requests)))
            out[f"{path} concurrent"] = (time.process_time() - c0) / requests * 1e6
        if fast:
            out["connections opened"] = client.fast.connections_opened
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--tls", action="store_true", help="https, with a certificate made for the run")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="agentops-bench-tls-")
    pem = [str(Path(tmp.name) / "cert.pem"), str(Path(tmp.name) / "key.pem")] if args.tls else []
    if pem:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", pem[1], "-out", pem[0], "-days", "1", "-subj", "/CN=bench",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True,
        )  # fmt: skip
        os.environ["SSL_CERT_FILE"] = pem[0]
    server = subprocess.Popen([sys.executable, "-c", SERVER, *pem], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port, json_len, text_len = server.stdout.readline().split()
        print(f"server: /json {json_len} bytes, /text {text_len} bytes; {args.requests} GETs each, "
              f"concurrent {args.concurrency} at a time; CPU us per request in this process")  # fmt: skip
        base = f"{'https' if pem else 'http'}://127.0.0.1:{port}"
        got = {name: asyncio.run(measure(base, name == "fast", args.requests, args.concurrency))
               for name in ("general", "fast")}  # fmt: skip
        general = next(name for name in ("httpx", "aiohttp") if name in sys.modules)  # this tree's, or an older one's
        print(f"{'':24s}{general:>10s}{'fast':>10s}{'ratio':>8s}")
        for key in got["general"]:
            a, f = got["general"][key], got["fast"][key]
            print(f"{key:24s}{a:10.1f}{f:10.1f}{a / f:7.1f}x")
        print(f"fast client connections opened: {got['fast']['connections opened']:.0f}")
    finally:
        server.terminate()
        server.wait()
        tmp.cleanup()


if __name__ == "__main__":
    main()
