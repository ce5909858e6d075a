"""Redis task queues: depth, in-flight and dead-letter lists, rates, oldest task age and live workers.

Every read of a poll goes to Redis as one pipeline (one round trip per poll per server): LLEN of every list, the
oldest task (LINDEX) where tasks carry a timestamp, the optional counters, EXISTS of each heartbeat key and CLIENT
LIST. Rates come from the counters where configured, else from depth deltas: tasks taken = tasks added - growth of
the pending lists, so one counter gives the other rate too. Redis going away makes the service UNKNOWN ("redis
unreachable") and the client reconnects by itself on a later poll. The Redis client is an optional extra.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from probes.config import QueueConfig
from probes.model import ProbeError, QueueResult
from probes.text.sanitize import clean

MISSING_CLIENT = "the Redis client (redis-py, a dependency) is not installed: reinstall agentops-tui"
MAX_CLIENTS_READ = 4 * 1024 * 1024  # CLIENT LIST replies larger than this are not parsed (10k+ clients)


@dataclass
class _Point:
    at: float
    depth: int
    enqueued: float | None
    dequeued: float | None


@dataclass
class _Stall:
    """When a dequeue was last seen and the depth then."""

    since: float | None = None
    depth: int = 0
    last: _Point | None = field(default=None)


def _increase(new: float | None, old: float | None) -> float | None:
    """Counter increase; a drop means the counter was reset (Redis restarted, key deleted): count the new value."""
    if new is None or old is None:
        return None
    return new - old if new >= old else new


def _task_time(raw: Any, field_name: str) -> float | None:
    """The enqueue time in a task: a JSON object field holding epoch seconds (or ms) or ISO 8601 text."""
    if raw is None:
        return None
    try:
        task = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    value = task.get(field_name) if isinstance(task, dict) else None
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        ts = float(value)
        return ts / 1000.0 if ts > 1e11 else ts
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.timestamp()
    return None


def _counter(raw: Any) -> float | None:
    if raw is None:
        return 0.0  # a counter nobody has bumped yet
    try:
        return float(raw)
    except (TypeError, ValueError):
        return None


def _named_clients(raw: Any, prefix: str) -> int | None:
    """Clients whose name starts with `prefix`, from CLIENT LIST (text or redis-py's parsed list)."""
    if isinstance(raw, list):
        return sum(1 for c in raw if isinstance(c, dict) and str(c.get("name", "")).startswith(prefix))
    if isinstance(raw, (bytes, str)):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        if len(text) > MAX_CLIENTS_READ:
            return None
        count = 0
        for line in text.splitlines():
            for part in line.split(" "):
                if part.startswith("name=") and part[5:].startswith(prefix):
                    count += 1
        return count
    return None


def _workers(cfg: QueueConfig, take: Callable[[str], Any]) -> int | None:
    """Live workers: heartbeat keys present plus named clients (the pipeline's last replies, read by `take`)."""
    workers: int | None = None
    if cfg.heartbeat_keys:
        workers = sum(1 for k in cfg.heartbeat_keys if take(f"EXISTS {k}"))
    if cfg.worker_client_prefix:
        named = _named_clients(take("CLIENT LIST"), cfg.worker_client_prefix)
        if named is not None:
            workers = (workers or 0) + named
    return workers


class QueueProbe:
    """Polls one service's queues on one Redis server with one pipeline per poll."""

    def __init__(self, service: str, cfg: QueueConfig, interval: float, timeout: float) -> None:
        self.key = f"queue:{service}"
        self.service = service
        self.cfg = cfg
        self.interval = interval
        self.timeout = timeout
        self.points: collections.deque[_Point] = collections.deque(maxlen=1024)
        self.stall = _Stall()
        self._client: Any = None

    def _redis(self) -> Any:
        """The client, made on first use inside the poller's event loop; it reconnects by itself."""
        if self._client is None:
            try:
                from redis import asyncio as aioredis
            except ImportError:
                raise RuntimeError(MISSING_CLIENT) from None
            password = os.environ.get(self.cfg.password_env) if self.cfg.password_env else None
            self._client = aioredis.Redis.from_url(
                self.cfg.redis_url,
                password=password or None,
                socket_timeout=self.timeout,
                socket_connect_timeout=self.timeout,
                max_connections=2,
                protocol=2,  # RESP2: every Redis since 1.2 speaks it (HELLO/RESP3 needs 6+)
                retry_on_timeout=False,
                health_check_interval=0,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connection pool (the scheduler calls this when it stops)."""
        if self._client is not None:
            client, self._client = self._client, None
            try:
                await client.aclose()
            except Exception:  # closing a broken connection must not raise into the scheduler
                return

    async def collect(self) -> QueueResult:
        start = time.monotonic()
        at = time.time()
        cfg = self.cfg
        try:
            client = self._redis()
        except RuntimeError as exc:
            return self.failed(ProbeError("error", str(exc)), at, 0.0)
        oldest_index = -1 if cfg.oldest_end == "right" else 0
        pipe = client.pipeline(transaction=False)
        lists = [*cfg.keys, *cfg.inflight_keys, *cfg.dead_letter_keys]
        for key in lists:
            pipe.llen(key)
        if cfg.timestamp_field:
            for key in cfg.keys:
                pipe.lindex(key, oldest_index)
        counters = [k for k in (cfg.enqueued_counter, cfg.dequeued_counter) if k]
        for key in counters:
            pipe.get(key)
        for key in cfg.heartbeat_keys:
            pipe.exists(key)
        if cfg.worker_client_prefix:
            pipe.client_list()
        try:
            replies = await pipe.execute(raise_on_error=False)
        except Exception as exc:  # connection refused, reset, timeout, auth: the server is not usable now
            await self._reset()
            return self.failed(_unreachable(exc), at, time.monotonic() - start)
        return self._result(replies, at, time.monotonic() - start, time.monotonic())

    async def _reset(self) -> None:
        """Drop the pool after a failure so the next poll reconnects from scratch."""
        await self.aclose()

    def _result(self, replies: list[Any], at: float, elapsed_s: float, now: float) -> QueueResult:
        cfg = self.cfg
        it = iter(replies)
        notes: list[str] = []

        def take(what: str) -> Any:
            value = next(it)
            if isinstance(value, Exception):
                notes.append(f"{what}: {clean(str(value), 120)}")
                return None
            return value

        lengths = {key: take(f"LLEN {key}") for key in [*cfg.keys, *cfg.inflight_keys, *cfg.dead_letter_keys]}
        if all(lengths[k] is None for k in cfg.keys):  # not one pending list could be read
            return self.failed(ProbeError("error", "; ".join(notes)[:300]), at, elapsed_s)
        depths = tuple((clean(k, 80), int(lengths[k] or 0)) for k in cfg.keys)
        depth = sum(n for _, n in depths)
        inflight = sum(int(lengths[k] or 0) for k in cfg.inflight_keys) if cfg.inflight_keys else None
        dead = sum(int(lengths[k] or 0) for k in cfg.dead_letter_keys) if cfg.dead_letter_keys else None
        oldest: float | None = None
        if cfg.timestamp_field:
            stamps = [_task_time(take(f"LINDEX {k}"), cfg.timestamp_field) for k in cfg.keys]
            known = [s for s in stamps if s is not None]
            oldest = max(0.0, time.time() - min(known)) if known else None
        enq = _counter(take("GET enqueued")) if cfg.enqueued_counter else None
        deq = _counter(take("GET dequeued")) if cfg.dequeued_counter else None
        workers = _workers(cfg, take)
        point = _Point(now, depth, enq, deq)
        rates = self._rates(point)
        stalled = self._stalled(point)
        return QueueResult(
            at=at,
            elapsed_s=elapsed_s,
            depth=depth,
            depths=depths,
            inflight=inflight,
            dead=dead,
            oldest_age_s=oldest,
            workers=workers,
            enqueue_per_s=rates[0],
            dequeue_per_s=rates[1],
            net_per_s=rates[2],
            window_s=rates[3],
            stalled_s=stalled,
            notes=tuple(notes),
        )

    def _rates(self, point: _Point) -> tuple[float | None, float | None, float | None, float]:
        """(enqueue/s, dequeue/s, net/s, window) against the oldest poll inside the window."""
        while self.points and point.at - self.points[0].at > self.cfg.window_s:
            self.points.popleft()
        base = self.points[0] if self.points else None
        self.points.append(point)
        if base is None or point.at <= base.at:
            return None, None, None, 0.0
        dt_s = point.at - base.at
        growth = point.depth - base.depth
        enq = _increase(point.enqueued, base.enqueued)
        deq = _increase(point.dequeued, base.dequeued)
        if enq is None and deq is not None:
            enq = max(0.0, growth + deq)
        elif deq is None and enq is not None:
            deq = max(0.0, enq - growth)
        return (
            enq / dt_s if enq is not None else None,
            deq / dt_s if deq is not None else None,
            growth / dt_s,
            dt_s,
        )

    def _stalled(self, point: _Point) -> float | None:
        """Seconds without a dequeue while the depth grew since the last one (a counter, else a depth drop)."""
        st = self.stall
        last = st.last
        st.last = point
        if last is None or st.since is None:
            st.since, st.depth = point.at, point.depth
            return None
        deq = _increase(point.dequeued, last.dequeued)
        dequeued = deq > 0 if deq is not None else point.depth < last.depth
        if dequeued or point.depth == 0:
            st.since, st.depth = point.at, point.depth
            return None
        if point.depth <= st.depth:
            return None
        return point.at - st.since

    def failed(self, error: ProbeError, at: float, elapsed_s: float) -> QueueResult:
        return QueueResult(at=at, elapsed_s=elapsed_s, error=error)


def _unreachable(exc: BaseException) -> ProbeError:
    text = clean(str(exc) or type(exc).__name__, 200)
    name = type(exc).__name__
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return ProbeError("timeout", "redis unreachable: timed out")
    if "Authentication" in name or "NOAUTH" in text or "WRONGPASS" in text:
        return ProbeError("error", f"redis refused the credentials: {text}")
    if "Connection" in name or isinstance(exc, OSError):
        return ProbeError("refused", f"redis unreachable: {text}")
    return ProbeError("error", f"redis: {name}: {text}")
