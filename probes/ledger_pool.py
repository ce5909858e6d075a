"""Worker processes that sum chunks of a big JSON-lines backlog, so a first load uses every core.

Summing is CPU-bound Python (about 2.5 us a line), so threads would not help. A worker is a plain child process
(`python -m probes.ledger_fold`), not multiprocessing: spawn would re-import the dashboard's `__main__` in each
worker and fork is unsafe in a process with threads. Chunks go in and sums come back over its pipes as
length-prefixed marshal data. Workers live only while a backlog is being read.
"""

from __future__ import annotations

import marshal
import os
import struct
import subprocess
import sys
from pathlib import Path
from typing import IO

from probes.ledger_fold import Folded

PARALLEL_MIN_BYTES = 64 * 1024 * 1024  # below this a backlog reads in well under a second on one core
MAX_WORKERS = 3
_LEN = struct.Struct("<Q")


class WorkerError(Exception):
    """A worker died or answered nonsense; the caller sums the chunk itself."""


class FoldWorker:
    """One child process summing the chunks it is sent, one at a time."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[1]), *sys.path])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "probes.ledger_fold"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True,
        )  # fmt: skip
        self.busy = False

    def send(self, data: bytes) -> None:
        """Hand a chunk of complete lines to the worker (returns once the pipe took it)."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(_LEN.pack(len(data)))
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except OSError as exc:
            raise WorkerError(str(exc)) from exc
        self.busy = True

    def receive(self) -> Folded:
        """The sums of the last chunk sent (blocks until the worker is done)."""
        assert self.proc.stdout is not None
        self.busy = False
        try:
            payload = _read_exact(self.proc.stdout, _LEN.unpack(_read_exact(self.proc.stdout, _LEN.size))[0])
            groups, tasks, other = marshal.loads(payload)
        except (OSError, EOFError, ValueError, TypeError, struct.error) as exc:
            raise WorkerError(str(exc)) from exc
        return groups, tasks, other

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class FoldPool:
    """(cores - 1) workers, up to MAX_WORKERS."""

    def __init__(self, workers: list[FoldWorker]) -> None:
        self.workers = workers

    @classmethod
    def start(cls) -> FoldPool | None:
        """A pool, or None on a single core or where a process cannot be started."""
        n = min(MAX_WORKERS, (os.cpu_count() or 1) - 1)
        if n < 1 or getattr(sys, "frozen", False):  # a frozen app's executable is not a Python to run -m with
            return None
        try:
            return cls([FoldWorker() for _ in range(n)])
        except OSError:
            return None

    def idle(self) -> FoldWorker | None:
        return next((w for w in self.workers if not w.busy), None)

    def close(self) -> None:
        for w in self.workers:
            w.close()


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise EOFError("worker closed its pipe")
    return data


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The worker's loop: length-prefixed chunks in, length-prefixed marshalled sums out, until stdin closes."""
    from probes.ledger_fold import fold

    while True:
        head = stdin.read(_LEN.size)
        if len(head) != _LEN.size:
            return
        payload = marshal.dumps(fold(_read_exact(stdin, _LEN.unpack(head)[0])))
        stdout.write(_LEN.pack(len(payload)))
        stdout.write(payload)
        stdout.flush()
