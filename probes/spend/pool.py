"""Worker processes that sum chunks of a big JSON-lines backlog, so a first load uses every core.

Summing is CPU-bound Python (about 2.5 us a line), so threads would not help. A worker is a plain child process
(`python -m probes.spend.worker`), not multiprocessing: spawn would re-import the dashboard's `__main__` in each
worker and fork is unsafe in a process with threads. Chunks go in and sums come back over its pipes as
length-prefixed marshal data. Workers live only while a backlog is being read.

There is one worker per core and the caller only reads the file and applies sums: when the caller summed a share
itself, its applying and sending left the workers idle (3.3 s for a million lines against 2.3 s now). Each worker
has a feeder thread, so a second chunk is queued while it sums the first and it never waits for the caller.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import queue
import struct
import subprocess
import sys
import threading
from pathlib import Path

from probes.spend.fold import Folded
from probes.spend.worker import LEN as _LEN
from probes.spend.worker import read_exact as _read_exact

PARALLEL_MIN_BYTES = 64 * 1024 * 1024  # below this a backlog reads in well under a second on one core
MAX_WORKERS = 3
DEPTH = 2  # chunks queued per worker: one being summed, one waiting


class WorkerError(Exception):
    """A worker died or answered nonsense; the caller sums the chunk itself."""


class FoldWorker:
    """One child process summing the chunks it is sent, in order; a feeder thread writes them to its pipe."""

    def __init__(self, naive_utc: bool = False) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).resolve().parents[2]), *sys.path])}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "probes.spend.worker", *(["--naive-utc"] if naive_utc else [])],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True,
        )  # fmt: skip
        self.pending = 0  # chunks sent whose sums were not received yet
        self._chunks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._feeder = threading.Thread(target=self._feed, name="ledger-feeder", daemon=True)
        self._feeder.start()

    @property
    def busy(self) -> bool:
        return self.pending >= DEPTH

    def send(self, data: bytes) -> None:
        """Queue a chunk of complete lines for the worker (returns at once; the feeder thread writes it)."""
        self.pending += 1
        self._chunks.put(data)

    def _feed(self) -> None:
        stdin = self.proc.stdin
        assert stdin is not None
        while (data := self._chunks.get()) is not None:
            try:
                stdin.write(_LEN.pack(len(data)))
                stdin.write(data)
                stdin.flush()
            except (OSError, ValueError):  # the worker died: receive() sees its closed pipe
                return

    def receive(self) -> Folded:
        """The sums of the oldest chunk sent (blocks until the worker is done with it)."""
        assert self.proc.stdout is not None
        self.pending -= 1
        try:
            payload = _read_exact(self.proc.stdout, _LEN.unpack(_read_exact(self.proc.stdout, _LEN.size))[0])
            groups, tasks, other = marshal.loads(payload)
        except (OSError, EOFError, ValueError, TypeError, struct.error) as exc:
            raise WorkerError(str(exc)) from exc
        return groups, tasks, other

    def close(self) -> None:
        self._chunks.put(None)
        self._feeder.join(2)
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):  # a dead worker's stdin cannot take the rest of its buffer
                    pipe.close()
        try:
            self.proc.wait(2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class FoldPool:
    """One worker per core, up to MAX_WORKERS; none on a single core."""

    def __init__(self, workers: list[FoldWorker]) -> None:
        self.workers = workers

    @classmethod
    def start(cls, naive_utc: bool = False) -> FoldPool | None:
        """A pool, or None on a single core or where a process cannot be started."""
        cores = os.cpu_count() or 1
        if cores < 2 or getattr(sys, "frozen", False):  # a frozen app's executable is not a Python to run -m with
            return None
        try:
            return cls([FoldWorker(naive_utc) for _ in range(min(MAX_WORKERS, cores))])
        except OSError:
            return None

    def idle(self) -> FoldWorker | None:
        """The worker with the fewest chunks queued, if it can take another."""
        if not self.workers:
            return None
        w = min(self.workers, key=lambda w: w.pending)
        return None if w.busy else w

    def drop(self, worker: FoldWorker) -> None:
        """Stop sending to a worker that failed (its queued chunks then fail too and are summed by the caller)."""
        if worker in self.workers:
            self.workers.remove(worker)
            worker.close()

    def close(self) -> None:
        for w in self.workers:
            w.close()
