"""A small bar chart of recent values, drawn once per change of data or width.

Textual's Sparkline makes a blended colour and a Style object per bar on every paint; the trend panel repaints on
every snapshot and every cursor move, so that showed up in the dashboard's idle CPU. Here bars are coloured from
eight precomputed shades between the low and high colours, and the rendered lines are kept until the data changes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip
from textual.widget import Widget

BARS = "▁▂▃▄▅▆▇█"
SHADES = 8


class Spark(Widget):
    """Bars scaled from the series' minimum to its maximum, newest on the right; `height` rows tall."""

    COMPONENT_CLASSES = {"spark--low", "spark--high"}
    DEFAULT_CSS = """
    Spark { height: 2; }
    Spark > .spark--low { color: $success; }
    Spark > .spark--high { color: $warning; }
    """

    def __init__(self, data: Sequence[float] = (), **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._data: tuple[float, ...] = tuple(data)
        self._lines: list[Strip] | None = None
        self._drawn_for = (0, 0)

    @property
    def data(self) -> tuple[float, ...]:
        return self._data

    @data.setter
    def data(self, values: Sequence[float]) -> None:
        values = tuple(values)
        if values != self._data:
            self._data = values
            self._lines = None
            self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines = None

    def render_line(self, y: int) -> Strip:
        width, height = self.size.width, self.size.height
        if self._lines is None or self._drawn_for != (width, height):
            self._drawn_for = (width, height)
            self._lines = self._draw(width, height)
        return self._lines[y] if 0 <= y < len(self._lines) else Strip.blank(width, self.rich_style)

    def _shades(self) -> list[Style]:
        low = self.get_component_rich_style("spark--low").color
        high = self.get_component_rich_style("spark--high").color
        base = self.rich_style
        if low is None or high is None:
            return [base] * SHADES
        a, b = Color.from_rich_color(low), Color.from_rich_color(high)
        return [base + Style(color=a.blend(b, i / (SHADES - 1)).rich_color) for i in range(SHADES)]

    def _draw(self, width: int, height: int) -> list[Strip]:
        """All rows, top first: each bar is the largest value of its share of the series."""
        if width <= 0 or height <= 0:
            return []
        data = self._data
        base = self.rich_style  # walks the ancestors: once per draw, never per bar
        shades = self._shades()
        if not data:
            blank = [Strip.blank(width, base) for _ in range(height - 1)]
            return [*blank, Strip([Segment(BARS[0] * width, shades[0])], width)]
        n = len(data)
        bars = [max(data[i * n // width : max(i * n // width + 1, (i + 1) * n // width)]) for i in range(width)]
        low, high = min(data), max(data)
        extent = (high - low) or 1.0
        steps = len(BARS) * height - 1
        ratios = [(v - low) / extent for v in bars]
        levels = [int(r * steps) for r in ratios]
        colours = [shades[min(SHADES - 1, int(r * SHADES))] for r in ratios]
        rows = []
        for row in reversed(range(height)):
            lo, hi = row * len(BARS), (row + 1) * len(BARS)
            segments: list[Segment] = []
            run, run_style = "", None
            for level, style in zip(levels, colours, strict=True):
                char = " " if level < lo else "█" if level >= hi else BARS[level % len(BARS)]
                st = base if char == " " else style
                if st is not run_style and run:
                    segments.append(Segment(run, run_style))
                    run = ""
                run_style = st
                run += char
            if run:
                segments.append(Segment(run, run_style))
            rows.append(Strip(segments, width))
        return rows
