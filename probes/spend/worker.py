"""A ledger worker process (`python -m probes.spend.worker`, started by probes.spend.pool): chunks of JSON
lines in on stdin, their sums (probes.spend.fold) out on stdout, each length-prefixed; it imports almost nothing."""

from __future__ import annotations

import gc
import marshal
import struct
import sys
from typing import IO

from probes.spend.fold import fold
from probes.spend.hours import HourKeys

LEN = struct.Struct("<Q")


def read_exact(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if data is None or len(data) != n:
        raise EOFError("worker closed its pipe")
    return data


def serve(stdin: IO[bytes], stdout: IO[bytes], naive_utc: bool = False) -> None:
    """The worker's loop: length-prefixed chunks in, length-prefixed marshalled sums out, until stdin closes."""
    hours = HourKeys(naive_utc)
    gc.disable()  # summing makes no reference cycles; collections only cost time in a short-lived worker
    while True:
        head = stdin.read(LEN.size)
        if len(head) != LEN.size:
            return
        payload = marshal.dumps(fold(read_exact(stdin, LEN.unpack(head)[0]), hours))
        stdout.write(LEN.pack(len(payload)))
        stdout.write(payload)
        stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer, naive_utc="--naive-utc" in sys.argv[1:])
