"""The systemd journal of one unit as a LogSource: `journalctl -u UNIT -o json`, bounded and cleaned.

On a VPS the dashboard runs next to the journal, so the default is plain `journalctl` (reading the system journal
needs the adm or systemd-journal group, as `journalctl` itself does). `program` may be replaced by any argv that
ends in a journalctl, e.g. `ssh host journalctl` or `docker exec CONTAINER journalctl` (the tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence

from probes.model import DEFAULT_LINES
from probes.text.sanitize import clean

MAX_LINES = 10_000
MAX_BYTES = 8 * 1024 * 1024  # read from one `journalctl -n` call
LINE_LIMIT = 256 * 1024  # one journal entry as JSON; longer ones are skipped
LINE_LEN = 4096  # characters kept of one message


def message(raw: bytes) -> str | None:
    """The cleaned MESSAGE of one `-o json` line (a string, or bytes as a list of ints); None for garbage."""
    try:
        entry = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(entry, dict):
        return None
    msg = entry.get("MESSAGE")
    if isinstance(msg, list) and all(isinstance(b, int) and 0 <= b < 256 for b in msg[:LINE_LIMIT]):
        msg = bytes(msg[:LINE_LIMIT]).decode("utf-8", "replace")
    if not isinstance(msg, str):
        return None
    return clean(msg, LINE_LEN)


class JournalLogSource:
    """`journalctl` for one unit: `tail()` runs it once with -n, `follow()` keeps one -f process (killed on close)."""

    def __init__(self, unit: str, *, user: bool = False, program: Sequence[str] = ("journalctl",),
                 timeout: float = 5.0) -> None:  # fmt: skip
        self.unit = unit
        self.program = list(program)
        self.selector = ["--user-unit" if user else "-u", unit]
        self.timeout = timeout
        self.label = f"journalctl {'--user-unit' if user else '-u'} {clean(unit, 200)}"
        self._procs: set[asyncio.subprocess.Process] = set()

    def _argv(self, *extra: str) -> list[str]:
        return [*self.program, *self.selector, "-o", "json", "--no-pager", *extra]

    async def _spawn(self, *extra: str) -> asyncio.subprocess.Process:
        proc = await asyncio.create_subprocess_exec(
            *self._argv(*extra), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, limit=LINE_LIMIT, start_new_session=True,
        )  # fmt: skip
        self._procs.add(proc)
        return proc

    async def _stop(self, proc: asyncio.subprocess.Process) -> None:
        self._procs.discard(proc)
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
        with contextlib.suppress(asyncio.TimeoutError, ProcessLookupError):
            await asyncio.wait_for(proc.wait(), 5.0)

    async def tail(self, n: int = DEFAULT_LINES) -> list[str]:
        try:
            proc = await self._spawn("-n", str(max(1, min(n, MAX_LINES))))
        except OSError as exc:
            return [clean(f"(cannot run journalctl: {exc})", 300)]
        out: list[str] = []

        async def collect() -> None:
            read = 0
            async for line in _lines(proc.stdout):
                read += len(line)
                if read > MAX_BYTES:
                    return
                msg = message(line)
                if msg is not None:
                    out.append(msg)

        try:
            await asyncio.wait_for(collect(), self.timeout)
        except asyncio.TimeoutError:
            out.append(f"(journalctl gave no more within {self.timeout:g}s)")
        finally:
            await self._stop(proc)
        return out[-n:]

    async def follow(self) -> AsyncIterator[str]:
        proc = await self._spawn("-f", "-n", "0")
        try:
            async for line in _lines(proc.stdout):
                msg = message(line)
                if msg is not None:
                    yield msg
        finally:
            await self._stop(proc)

    async def close(self) -> None:
        for proc in list(self._procs):
            await self._stop(proc)


async def _lines(stream: asyncio.StreamReader | None) -> AsyncIterator[bytes]:
    """Lines of a pipe; a line over the reader's limit is skipped."""
    if stream is None:
        return
    while True:
        try:
            line = await stream.readline()
        except ValueError:  # over the limit: asyncio dropped it (its tail comes next, as garbage that is skipped)
            continue
        if not line:
            return
        yield line
