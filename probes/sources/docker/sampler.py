"""CPU and memory of a host's running containers, sampled in the background so a slow stats answer never holds
up a sweep.

dockerd publishes container stats from a collector that ticks once a second, and even a one-shot request
(`stream=False, one_shot=True`) waits for the next tick; so a stats round runs beside the sweep on its own thread,
at most one round at a time, at most `WORKERS` requests in flight, and each sweep attaches the newest figures.
CPU % is the delta against OUR previous sample of the same container. Where the engine answers with empty stats
(containerd logging "no metrics received"), a local daemon's cgroup files are read instead.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from probes.sources.docker.client import ClientCache, docker_error
from probes.sources.docker.stats import StatSample, cgroup_sample, cpu_percent, engine_sample

WORKERS = 32  # stats requests in flight at once per host (they mostly wait for the collector's tick)
CALL_TIMEOUT_S = 3.0  # one stats request; the collector ticks every second


class StatsSampler:
    """Background stats rounds for one Docker host."""

    def __init__(self, host: str, workers: int = WORKERS) -> None:
        self.host = host
        self._api = ClientCache(CALL_TIMEOUT_S, pool=workers)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="docker-stats")
        self._lock = threading.Lock()
        self._busy = False
        self._samples: dict[str, StatSample] = {}
        self._figures: dict[str, tuple[float | None, int | None, float]] = {}  # id -> (cpu %, memory, when)
        self.engine = True  # False once the engine answered empty stats and the cgroup files had them
        self.last_round_s: float | None = None

    def request(self, ids: list[str]) -> None:
        """Start a round over these containers, unless the previous one is still running."""
        with self._lock:
            if self._busy or not ids:
                return
            self._busy = True
        threading.Thread(target=self._round, args=(list(ids),), name="docker-stats-round", daemon=True).start()

    def latest(self, cid: str, max_age_s: float) -> tuple[float | None, int | None] | None:
        """The newest (cpu %, memory bytes) of a container, if sampled within `max_age_s`."""
        with self._lock:
            fig = self._figures.get(cid)
        if fig is None or time.monotonic() - fig[2] > max_age_s:
            return None
        return fig[0], fig[1]

    def forget(self, keep: set[str]) -> None:
        """Drop what we hold about containers no longer watched."""
        with self._lock:
            for cid in set(self._figures) - keep:
                self._figures.pop(cid, None)
                self._samples.pop(cid, None)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._api.drop(self.host)

    def _round(self, ids: list[str]) -> None:
        start = time.monotonic()
        try:
            for cid, sample in zip(ids, self._pool.map(self._sample, ids), strict=True):
                if sample is None:
                    continue
                with self._lock:
                    prev = self._samples.get(cid)
                    self._samples[cid] = sample
                    self._figures[cid] = (cpu_percent(prev, sample), sample.mem_bytes, time.monotonic())
        except Exception:  # the pool shut down (probe closed) or the daemon went away mid-round
            pass
        finally:
            self.last_round_s = time.monotonic() - start
            with self._lock:
                self._busy = False

    def _sample(self, cid: str) -> StatSample | None:
        if self.engine:
            try:
                sample = engine_sample(self._api.get(self.host).stats(cid, stream=False, one_shot=True))
            except Exception as exc:  # a slow or failed answer costs this container its numbers this round
                if docker_error(exc).kind == "refused":
                    self._api.drop(self.host)
                return None
            if sample is not None:
                return sample
            local = cgroup_sample(cid, time.monotonic_ns())
            if local is not None:
                self.engine = False  # the engine has nothing; our own reads cost it nothing
            return local
        return cgroup_sample(cid, time.monotonic_ns())


def with_figures(info: Any, figures: tuple[float | None, int | None] | None) -> Any:
    """`info` (a ContainerInfo) with the sampler's figures, or unchanged without them."""
    if figures is None:
        return info
    return type(info)(**{**info.__dict__, "cpu_percent": figures[0], "mem_bytes": figures[1]})
