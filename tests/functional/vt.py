"""A tiny terminal screen for pty tests: enough of VT100 to read back what a Textual app drew.

Textual draws with absolute cursor moves (CSI row;col H), SGR colours and plain text; the rest (modes, queries,
OSC titles) changes nothing on the grid and is skipped.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

_CSI = re.compile(r"\x1b\[([0-9;?<>=$]*)([ -/]*)([@-~])")
_OSC = re.compile(r"\x1b[\]P_^].*?(?:\x07|\x1b\\)", re.S)


class Screen:
    """A grid of cells fed with the bytes a program writes to its terminal."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.grid = [[" "] * columns for _ in range(rows)]
        self.x = self.y = 0
        self._pending = ""

    def feed(self, data: bytes) -> None:
        text = self._pending + data.decode("utf-8", "replace")
        self._pending = ""
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "\x1b":
                end = self._escape(text, i)
                if end is None:  # cut in the middle of a sequence: wait for the rest
                    self._pending = text[i:]
                    return
                i = end
                continue
            self._char(ch)
            i += 1

    def _escape(self, text: str, i: int) -> int | None:
        if i + 1 >= len(text):
            return None
        if text[i + 1] == "[":
            m = _CSI.match(text, i)
            if m is None:
                return None if len(text) - i < 32 else i + 2
            self._csi(m.group(1), m.group(3))
            return m.end()
        if text[i + 1] in "]P_^":
            m = _OSC.match(text, i)
            return m.end() if m else None
        return i + (3 if text[i + 1] in "()#" else 2)

    def _csi(self, params: str, final: str) -> None:
        if params.startswith(("?", ">", "<", "=")):
            return
        nums = [int(p) if p.isdigit() else 0 for p in params.split(";")] if params else []
        if final in "Hf":
            row = nums[0] if nums and nums[0] else 1
            col = nums[1] if len(nums) > 1 and nums[1] else 1
            self.y, self.x = min(row, self.rows) - 1, min(col, self.columns) - 1
        elif final == "J" and nums[:1] == [2]:
            self.grid = [[" "] * self.columns for _ in range(self.rows)]
        elif final == "K":
            self.grid[self.y][self.x :] = [" "] * (self.columns - self.x)

    def _char(self, ch: str) -> None:
        if ch == "\r":
            self.x = 0
        elif ch == "\n":
            self.y = min(self.y + 1, self.rows - 1)
        elif ch == "\b":
            self.x = max(0, self.x - 1)
        elif ch >= " ":
            width = cell_len(ch)
            if width and self.x + width <= self.columns:
                self.grid[self.y][self.x] = ch
                if width == 2:
                    self.grid[self.y][self.x + 1] = ""
                self.x += width

    def lines(self) -> list[str]:
        return ["".join(row).rstrip() for row in self.grid]

    def text(self) -> str:
        return "\n".join(self.lines())
