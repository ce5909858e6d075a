"""A real redis-server for the tests: its own loopback port and directory, no persistence, stopped by PID."""

from __future__ import annotations

import importlib
import socket
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.testbed import IN_CI, binary, spawn, stop, wait_for


def redis_module() -> Any:
    """The Redis client package (the `redis` extra): a skip where it is missing, an import error under CI=true."""
    if IN_CI:
        return importlib.import_module("redis")
    return pytest.importorskip("redis", reason="testbed: the redis package is not installed (pip install -e '.[dev]')")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """`redis-server` on 127.0.0.1:PORT (`--save '' --appendonly no`); start(), use `url`, stop()."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen[bytes] | None = None

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self, timeout: float = 10.0) -> None:
        """Start the server (foreground process, so we hold its PID) and wait until it answers PING."""
        server = binary("redis-server")
        self.workdir.mkdir(parents=True, exist_ok=True)
        argv = [
            server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(self.workdir), "--daemonize", "no", "--protected-mode", "yes",
        ]  # fmt: skip
        self.proc = spawn(argv, self.workdir / f"redis-{self.port}.log")
        wait_for(self.ping, timeout, f"redis-server ({self.workdir})", self.proc)

    def stop(self) -> None:
        """Stop the server by PID (SIGTERM, then SIGKILL)."""
        if self.proc is not None:
            stop(self.proc, grace=5.0)
            self.proc = None
