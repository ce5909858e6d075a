"""A log file as a LogSource: tail -F through probes.files.logs; JSON lines shown as one readable line each."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from probes.files.logs import FileLogSource
from probes.model import DEFAULT_LINES
from probes.sources.logs.render import render


class TextLines(FileLogSource):
    """The file's lines as written (cleaned, bounded: FileLogSource)."""

    def __init__(self, path: str) -> None:
        super().__init__(path, None)

    async def raw(self, n: int = DEFAULT_LINES) -> list[str]:
        """The last `n` lines as written (cleaned), whatever the format: what a query reads."""
        return await FileLogSource.tail(self, n)


class JsonLines(TextLines):
    """The file's JSON lines as `time LEVEL event key=value ...`; a line that is not a JSON object stays as it is."""

    async def tail(self, n: int = DEFAULT_LINES) -> list[str]:
        return [shown(line) for line in await super().tail(n)]

    async def follow(self) -> AsyncIterator[str]:
        async for line in super().follow():
            yield shown(line)


def shown(line: str) -> str:
    """One line of a json-format log as the view shows it."""
    if not line.startswith("{"):
        return line
    try:
        entry = json.loads(line)
    except ValueError:
        return line
    return render(entry) if isinstance(entry, dict) else line
