"""What any Python dashboard that polls each endpoint itself must spend, measured on this machine.

Two floors that no code of ours is in:
- the HTTP floor: every health and metrics URL of a demo fleet fetched every 2 s with the least Python there is
  (all requests sent on open keep-alive sockets, then one epoll loop reading the answers, Content-Length only:
  no parsing, no timeouts, no state). Most of it is the kernel's loopback TCP (system time);
- an idle Textual app (one Static, no timers) in the same tmux size as the dashboard.

Their sum is the least CPU a Textual dashboard of that fleet can show at 2 s, before it parses a byte or draws a
row. benchmarks/compare.py prints both next to glances and btop.

    python benchmarks/floors.py [--services 49] [--rounds 20]
"""

from __future__ import annotations

import argparse
import select
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_cpu import demo_fleet
from peers import health_and_metrics_urls

IDLE_APP = """
from textual.app import App
from textual.widgets import Static


class Idle(App[None]):
    def compose(self):
        yield Static("idle")


Idle().run()
"""


def http_floor(cfg: Path, rounds: int = 20, interval: float = 2.0) -> tuple[float, int]:
    """(CPU % of one core at one round per `interval`, URLs) for bare keep-alive GETs of the fleet's URLs."""
    urls = health_and_metrics_urls(cfg)
    ep = select.epoll()
    conns: dict[int, tuple[socket.socket, bytes, tuple[str, int]]] = {}
    reopen: list[int] = []
    down: list[tuple[tuple[str, int], bytes]] = []  # refused (a demo agent restarting): tried again next round

    def connect(addr: tuple[str, int], request: bytes) -> None:
        try:
            sock = socket.create_connection(addr, timeout=1.0)
        except OSError:
            down.append((addr, request))
            return
        sock.setblocking(False)
        conns[sock.fileno()] = (sock, request, addr)
        ep.register(sock.fileno(), select.EPOLLIN)

    try:
        for url in urls:
            hostport, _, path = url.removeprefix("http://").partition("/")
            host, _, port = hostport.rpartition(":")
            connect((host, int(port)), f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\n\r\n".encode())

        def one_round() -> None:
            for fd in reopen:  # closed by the server (guide-agent answers each GET so): a new one, like a client's
                sock, request, addr = conns.pop(fd)
                sock.close()
                connect(addr, request)
            reopen.clear()
            retry = down.copy()
            down.clear()
            for addr, request in retry:
                connect(addr, request)
            pending = {}
            for fd, (sock, request, _) in conns.items():
                try:
                    sock.send(request)
                except OSError:  # reset by a restarting agent
                    ep.unregister(fd)
                    reopen.append(fd)
                    continue
                pending[fd] = bytearray()
            while pending:
                ready = ep.poll(5.0)
                if not ready:  # an agent that hangs: the round ends without it
                    break
                for fd, _ in ready:
                    try:
                        chunk = conns[fd][0].recv(65536)
                    except OSError:
                        chunk = b""
                    if not chunk:  # out of the poll at once, answered or not: a closed socket stays readable
                        pending.pop(fd, None)
                        ep.unregister(fd)
                        reopen.append(fd)
                        continue
                    buf = pending.get(fd)
                    if buf is None:
                        continue
                    buf += chunk
                    end = buf.find(b"\r\n\r\n")
                    at = buf.find(b"Content-Length: ", 0, end) if end >= 0 else -1
                    if at >= 0 and len(buf) >= end + 4 + int(buf[at + 16 : buf.find(b"\r\n", at)]):
                        del pending[fd]

        one_round()  # connections warm
        t0 = time.process_time()
        for _ in range(rounds):
            one_round()
            time.sleep(0.05)
        per_round = (time.process_time() - t0) / rounds
        return 100.0 * per_round / interval, len(urls)
    finally:
        for sock, _, _ in conns.values():
            sock.close()
        ep.close()


def idle_app_command(tmp: Path) -> str:
    """The shell command that runs an idle Textual app (written into `tmp`)."""
    script = tmp / "idle_textual.py"
    script.write_text(IDLE_APP)
    return f"{sys.executable} {script}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=49, help="demo agents (the model proxy makes one more)")
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="agentops-floor-") as tmp, demo_fleet(Path(tmp), args.services, 2.0) as cfg:
        pct, urls = http_floor(cfg, args.rounds)
    print(f"HTTP floor: {urls} URLs every 2 s = {pct:.3f}% of one core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
