"""Large answers are parsed on a worker thread, so the poller's event loop never stops for long.

A metrics body of the maximum size (1 MiB of small sample lines of ours) takes 0.2-0.4 s to parse here; on the
poller's loop that holds every other answer and deadline of the round, and 15 such services turned healthy rows
STALE. A body up to INLINE_MAX bytes parses within a few ms and stays inline (the demo's scrapes are 2.6 KB); a
larger one goes to one worker thread: one, because parsing holds the GIL, and a single worker leaves the loop its
turn every switch interval. A probe never polls twice at once, so its own state (a metrics window) is touched by
one thread at a time; the parsers' shared caches (probes.formats.promtext) only get, set and clear dicts.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

INLINE_MAX = 16384  # bytes of a body parsed on the loop: a few ms at worst
T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agentops-parse")
        return _pool


async def parse(size: int, fn: Callable[..., T], *args: Any) -> T:
    """fn(*args): inline for a body of `size` bytes up to INLINE_MAX, else on the parse thread."""
    if size <= INLINE_MAX:
        return fn(*args)
    return await asyncio.get_running_loop().run_in_executor(_executor(), fn, *args)
