"""The demo task queue: ``python -m agentops_tui.demo.taskqueue --port PORT --pidfile PATH``.

A stand-in for the Redis server of the deployment guide's stack, so the demo still needs nothing installed: it
speaks the Redis protocol (RESP) for the handful of commands a task queue uses (LPUSH, RPOP, LLEN, LINDEX, INCR,
GET, SET with EX, EXISTS, DEL, PING, CLIENT SETNAME/SETINFO/LIST), so the dashboard reads it with its real queue
probe and the real Redis client, exactly as it would read Redis. A producer thread enqueues JSON tasks
(`{"id", "type", "enqueued_at"}`) at a steady Poisson rate and bumps `demo:tasks:enqueued`; the agents take them
(RPOP, INCR `demo:tasks:dequeued`) each time they start a task, connected under their own client name, so the
row's workers are the agents that are up. When the scraper crash-loops or an agent is drained, tasks are taken
more slowly than they come and the backlog grows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from typing import Any, BinaryIO

from agentops_tui.demo.runtime import remove_pidfile, set_parent_death_signal, stop_on_signals, write_pidfile

NAME = "task-queue"
TASKS = "demo:tasks"
ENQUEUED = "demo:tasks:enqueued"
DEQUEUED = "demo:tasks:dequeued"
WORKER_PREFIX = "demo-agent-"
MAX_ARGS = 64
MAX_BULK = 64 * 1024
MAX_DEPTH = 100_000  # the producer stops here, so a long unattended demo cannot grow memory without bound
TASK_TYPES = ("plan", "research", "draft", "summarize", "scrape")

Reply = bytes | int | list[Any] | None | Exception


class Store:
    """Lists, strings with expiry and connected clients, behind one lock (handler threads share it)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.lists: dict[bytes, deque[bytes]] = {}
        self.strings: dict[bytes, tuple[bytes, float | None]] = {}
        self.clients: dict[int, dict[str, str]] = {}
        self._ids = iter(range(1, 1 << 62))

    def _get(self, key: bytes) -> bytes | None:
        hit = self.strings.get(key)
        if hit is None:
            return None
        if hit[1] is not None and hit[1] <= time.monotonic():
            del self.strings[key]
            return None
        return hit[0]

    def register(self, addr: str) -> int:
        with self.lock:
            cid = next(self._ids)
            self.clients[cid] = {"id": str(cid), "addr": addr, "name": ""}
            return cid

    def unregister(self, cid: int) -> None:
        with self.lock:
            self.clients.pop(cid, None)

    def run(self, cid: int, args: list[bytes]) -> Reply:
        """One command; errors are replies (RESP -ERR), never exceptions."""
        if not args:
            return ValueError("ERR empty command")
        cmd = args[0].upper()
        with self.lock:
            try:
                return self._run(cid, cmd, args[1:])
            except (IndexError, ValueError):
                return ValueError(f"ERR wrong arguments for '{cmd.decode(errors='replace').lower()}' command")

    def _run(self, cid: int, cmd: bytes, a: list[bytes]) -> Reply:
        if cmd == b"PING":
            return b"PONG"
        if cmd == b"LPUSH":
            pushed = self.lists.setdefault(a[0], deque())
            for item in a[1:]:
                pushed.appendleft(item)
            return len(pushed)
        if cmd == b"RPOP":
            popped = self.lists.get(a[0])
            return popped.pop() if popped else None
        if cmd == b"LLEN":
            return len(self.lists.get(a[0], ()))
        if cmd == b"LINDEX":
            lst = self.lists.get(a[0])
            i = int(a[1])
            return lst[i] if lst and -len(lst) <= i < len(lst) else None
        if cmd == b"INCR":
            count = int(self._get(a[0]) or b"0") + 1
            self.strings[a[0]] = (str(count).encode(), None)
            return count
        if cmd == b"GET":
            return self._get(a[0])
        if cmd == b"SET":
            ttl = float(a[3]) if len(a) >= 4 and a[2].upper() == b"EX" else None
            self.strings[a[0]] = (a[1], time.monotonic() + ttl if ttl is not None else None)
            return b"OK"
        if cmd == b"EXISTS":
            return sum(1 for k in a if k in self.lists or self._get(k) is not None)
        if cmd == b"DEL":
            return sum(1 for k in a if self.lists.pop(k, None) is not None or self.strings.pop(k, None) is not None)
        if cmd == b"CLIENT":
            return self._client(cid, a)
        return ValueError(f"ERR unknown command '{cmd.decode(errors='replace').lower()}'")

    def _client(self, cid: int, a: list[bytes]) -> Reply:
        sub = a[0].upper()
        if sub == b"SETNAME":
            self.clients[cid]["name"] = a[1].decode("utf-8", "replace")[:64]
            return b"OK"
        if sub == b"SETINFO":
            return b"OK"
        if sub == b"LIST":
            lines = [f"id={c['id']} addr={c['addr']} name={c['name']} cmd=client" for c in self.clients.values()]
            return ("\n".join(lines) + "\n").encode()
        return ValueError("ERR unknown CLIENT subcommand")


def read_command(rfile: BinaryIO) -> list[bytes] | None:
    """One RESP array of bulk strings (what clients send); None at EOF. Raises ValueError on anything else."""
    line = rfile.readline(128)
    if not line:
        return None
    if not line.startswith(b"*"):
        return line.strip().split()  # inline command (telnet, redis-cli ping)
    n = int(line[1:])
    if not 0 <= n <= MAX_ARGS:
        raise ValueError("too many arguments")
    args = []
    for _ in range(n):
        head = rfile.readline(32)
        if not head.startswith(b"$"):
            raise ValueError("expected a bulk string")
        size = int(head[1:])
        if not 0 <= size <= MAX_BULK:
            raise ValueError("bulk string too long")
        data = rfile.read(size + 2)
        args.append(data[:size])
    return args


def encode(reply: Reply) -> bytes:
    if reply is None:
        return b"$-1\r\n"
    if isinstance(reply, Exception):
        return b"-" + str(reply).encode() + b"\r\n"
    if isinstance(reply, int):
        return b":%d\r\n" % reply
    if isinstance(reply, list):
        return b"*%d\r\n" % len(reply) + b"".join(encode(r) for r in reply)
    if reply in (b"OK", b"PONG"):
        return b"+" + reply + b"\r\n"
    return b"$%d\r\n%s\r\n" % (len(reply), reply)


class QueueServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False  # server_close() must not wait for clients (agents, the dashboard) that stay connected
    allow_reuse_address = True

    def __init__(self, port: int, store: Store) -> None:
        self.store = store
        super().__init__(("127.0.0.1", port), _Handler)


class _Handler(socketserver.StreamRequestHandler):
    server: QueueServer

    def handle(self) -> None:
        store = self.server.store
        cid = store.register(f"{self.client_address[0]}:{self.client_address[1]}")
        try:
            while True:
                try:
                    args = read_command(self.rfile)  # type: ignore[arg-type]
                except ValueError as exc:
                    self.wfile.write(encode(ValueError(f"ERR protocol error: {exc}")))
                    return
                if args is None:
                    return
                self.wfile.write(encode(store.run(cid, args)))
        except OSError:
            return
        finally:
            store.unregister(cid)


class QueueClient:
    """The agents' side: one connection, a few commands, short timeouts; every failure is just "no task"."""

    def __init__(self, port: int, name: str, timeout: float = 0.3) -> None:
        self.port, self.name, self.timeout = port, name, timeout
        self.sock: socket.socket | None = None
        self.rfile: BinaryIO | None = None

    def _connect(self) -> None:
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self.rfile = self.sock.makefile("rb")
        self.call(b"CLIENT", b"SETNAME", f"{WORKER_PREFIX}{self.name}".encode())

    def call(self, *args: bytes) -> Any:
        if self.sock is None:
            self._connect()
        assert self.sock is not None and self.rfile is not None
        self.sock.sendall(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
        return _read_reply(self.rfile)

    def take(self) -> dict[str, Any] | None:
        """RPOP one task and count it; None when the queue is empty or unreachable."""
        try:
            raw = self.call(b"RPOP", TASKS.encode())
            if raw is None:
                return None
            self.call(b"INCR", DEQUEUED.encode())
            task = json.loads(raw)
            return task if isinstance(task, dict) else None
        except (OSError, ValueError):
            self.close()
            return None

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock = self.rfile = None


def _read_reply(rfile: BinaryIO) -> Any:
    line = rfile.readline(256)
    if not line:
        raise OSError("connection closed")
    kind, rest = line[:1], line[1:].rstrip(b"\r\n")
    if kind == b"+":
        return rest
    if kind == b"-":
        raise ValueError(rest.decode("utf-8", "replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        size = int(rest)
        return None if size < 0 else rfile.read(size + 2)[:size]
    raise ValueError("unexpected reply")


def produce(store: Store, rate: float, stop: threading.Event) -> None:
    """Enqueue tasks at `rate` per second (Poisson arrivals), as a front end handing work to the agents would."""
    rng = random.Random()
    n = 0
    while not stop.wait(rng.expovariate(rate) if rate > 0 else 1.0):
        if rate <= 0:
            continue
        n += 1
        task = {"id": f"task-{n}", "type": rng.choice(TASK_TYPES), "enqueued_at": round(time.time(), 3)}
        with store.lock:
            if len(store.lists.get(TASKS.encode(), ())) >= MAX_DEPTH:
                continue
        store.run(0, [b"LPUSH", TASKS.encode(), json.dumps(task).encode()])
        store.run(0, [b"INCR", ENQUEUED.encode()])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m agentops_tui.demo.taskqueue", description=__doc__)
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--pidfile", required=True)
    p.add_argument("--rate", type=float, default=3.0, help="tasks enqueued per second")
    p.add_argument("--parent-pid", type=int, default=None, help="exit when this process is no longer our parent")
    args = p.parse_args(argv)
    set_parent_death_signal()
    stop = threading.Event()
    stop_on_signals(stop)
    store = Store()
    try:
        server = QueueServer(args.port, store)
    except OSError as exc:
        print(f"cannot listen: {exc}", file=sys.stderr, flush=True)
        return 1
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True).start()
    threading.Thread(target=produce, args=(store, args.rate, stop), daemon=True).start()
    write_pidfile(args.pidfile)
    print(f"READY {NAME}={server.server_address[1]}", flush=True)
    os.dup2(2, 1)
    while not stop.wait(0.5):
        if args.parent_pid is not None and os.getppid() != args.parent_pid:
            break
    stop.set()
    server.shutdown()
    server.server_close()
    remove_pidfile(args.pidfile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
