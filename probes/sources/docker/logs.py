"""`docker logs` as a LogSource: the last N lines, then new lines as the container writes them.

The container is looked up when the view opens (a name, or the first running container of a Compose service).
Lines are split, cleaned of control sequences and cut to `LINE_MAX` characters before they leave this module.
Following is one streaming request on a worker thread feeding a bounded queue; when the queue is full (the view
is not keeping up) lines are dropped and counted, never buffered without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator
from typing import Any

from probes.config import DockerConfig
from probes.model import DEFAULT_LINES
from probes.sources.docker.client import docker_error, make_api, resolve_host
from probes.sources.docker.probe import matches
from probes.text.sanitize import clean

LINE_MAX = 2000  # characters kept of one log line
QUEUE_MAX = 5000  # lines waiting for the view before new ones are dropped
TIMEOUT_S = 5.0


def split_lines(data: bytes, carry: bytes = b"") -> tuple[list[str], bytes]:
    """Complete lines of `carry + data`, cleaned, and the unfinished rest."""
    buf = carry + data
    *lines, rest = buf.split(b"\n")
    if len(rest) > LINE_MAX * 4:  # a line without end: show it in pieces rather than hold it forever
        lines.append(rest)
        rest = b""
    return [clean(line.decode("utf-8", "replace").rstrip("\r"), LINE_MAX) for line in lines], rest


class DockerLogSource:
    """One service's container log on its Docker host."""

    def __init__(self, cfg: DockerConfig) -> None:
        self.cfg = cfg
        self.host = resolve_host(cfg.host)
        target = cfg.container or f"{cfg.compose_project}/{cfg.compose_service or '*'}"
        self.label = clean(f"docker logs {target}", 200)
        self.dropped = 0
        self._stream: Any = None
        self._closed = threading.Event()

    def _container(self, api: Any) -> str:
        listed = [c for c in api.containers(all=True) if matches(self.cfg, c)]
        if not listed:
            raise LookupError("no container found")
        running = [c for c in listed if c.get("State") == "running"]
        return str((running or listed)[0]["Id"])

    def _tail(self, n: int) -> list[str]:
        api = make_api(self.host, TIMEOUT_S, pool=1)
        try:
            raw = api.logs(self._container(api), tail=max(0, n), stream=False)
        finally:
            api.close()
        lines, rest = split_lines(raw if isinstance(raw, bytes) else b"")
        if rest:
            lines.append(clean(rest.decode("utf-8", "replace"), LINE_MAX))
        return lines[-n:] if n else []

    async def tail(self, n: int = DEFAULT_LINES) -> list[str]:
        try:
            return await asyncio.wait_for(asyncio.to_thread(self._tail, n), TIMEOUT_S * 2)
        except asyncio.TimeoutError:
            return ["[docker logs: no answer in time]"]
        except LookupError as exc:
            return [f"[docker logs: {exc}]"]
        except Exception as exc:
            return [f"[docker logs: {docker_error(exc).message}]"]

    async def follow(self) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[str | None] = asyncio.Queue()

        def put(item: str | None) -> None:
            if item is not None and queue.qsize() >= QUEUE_MAX:
                self.dropped += 1
                return
            queue.put_nowait(item)

        def reader() -> None:
            try:
                api = make_api(self.host, TIMEOUT_S, pool=1)
                cid = self._container(api)
                api.timeout = None  # a quiet container is not an error: wait for its next line as long as it takes
                self._stream = api.logs(cid, stream=True, follow=True, tail=0)
                carry = b""
                for chunk in self._stream:
                    if self._closed.is_set():
                        break
                    lines, carry = split_lines(chunk, carry)
                    for line in lines:
                        loop.call_soon_threadsafe(put, line)
                if not self._closed.is_set():
                    loop.call_soon_threadsafe(put, "[docker logs: the log ended (the container stopped)]")
            except Exception as exc:
                if not self._closed.is_set():
                    msg = str(exc) if isinstance(exc, LookupError) else docker_error(exc).message
                    with contextlib.suppress(RuntimeError):
                        loop.call_soon_threadsafe(put, f"[docker logs: {msg}]")
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(put, None)

        threading.Thread(target=reader, name="docker-logs", daemon=True).start()
        while True:
            line = await queue.get()
            if line is None:
                return
            yield line

    async def close(self) -> None:
        self._closed.set()
        stream = self._stream
        if stream is not None:
            with contextlib.suppress(Exception):
                await asyncio.to_thread(stream.close)
