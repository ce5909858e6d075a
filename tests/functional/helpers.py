"""Small helpers for driving the real app and real sockets in tests."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from textual.pilot import Pilot

from agentops_tui.demo import schedule
from agentops_tui.widgets.service_table import ServiceTable
from probes.model import Status
from tests.waiting import apoll

Script = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def upcoming_window(kind: str, epoch: float, cycle_s: float, lead_s: float = 4.0) -> tuple[float, float]:
    """(start, end) of the next window of a demo fault that starts at least `lead_s` from now.

    An app started inside the window (or just before it) has no scrape from before the fault began, so rates
    derived from its scrapes miss part of the fault: such a test waits for the next cycle's window instead."""
    start, end = schedule.next_window(kind, time.time(), epoch, cycle_s)
    if start < time.time() + lead_s:
        start, end = schedule.next_window(kind, end + 0.01, epoch, cycle_s)
    return start, end


async def wait_until(pilot: Pilot[object], cond: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    """waiting.apoll with the pilot's pause, so the app runs between looks; the caller asserts on the answer."""
    return bool(await apoll(cond, timeout, step=step, sleep=pilot.pause))


def row_status(table: ServiceTable, name: str) -> Status | None:
    shown = table.model.shown.get(name)
    return shown[0] if shown else None


def row_text(table: ServiceTable, name: str) -> dict[str, str]:
    """The row's cells as plain text by column key (status, name, p95, err, ..., reason)."""
    return dict(zip(table.column_keys, (cell.plain for cell in table.get_row(name)), strict=True))


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP server that accepts connections and never answers (a hung endpoint); yields its port."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)
            except OSError:
                continue

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()


@contextmanager
def serve(body: bytes, code: int = 200, content_type: str = "application/json") -> Iterator[int]:
    """A real HTTP server on loopback answering every GET with `body`; yields its port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            return None

    with serve_handler(Handler) as port:
        yield port


@contextmanager
def serve_handler(handler: type[BaseHTTPRequestHandler], backlog: int = 128) -> Iterator[int]:
    """A real threaded HTTP server on loopback with `handler`; yields its port. The backlog is raised: the default
    of 5 delays parallel polls by a SYN retry."""

    class Server(ThreadingHTTPServer):
        request_queue_size = backlog
        daemon_threads = True

    srv = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def raw(script: Script) -> AsyncIterator[str]:
    """A raw TCP server in this event loop running `script` per connection; yields its base URL."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await script(reader, writer)
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
