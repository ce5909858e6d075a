"""A small bar chart of recent values on a fixed scale, drawn once per change of data or width.

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
    """Bars on a fixed scale from 0 to `top` (raised to the series' maximum), newest on the right; `height` rows
    tall. A flat series draws as high as it is on that scale, not full height. The scale's ends are written at the
    right end (`axis`), where there is room."""

    COMPONENT_CLASSES = {"spark--low", "spark--high", "spark--axis"}
    DEFAULT_CSS = """
    Spark { height: 2; }
    Spark > .spark--low { color: $success; }
    Spark > .spark--high { color: $warning; }
    Spark > .spark--axis { color: $text-muted; }
    """

    def __init__(self, data: Sequence[float] = (), **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._data: tuple[float, ...] = tuple(data)
        self._top = 0.0
        self._axis: tuple[str, str] = ("", "")
        self._lines: list[Strip] | None = None
        self._drawn_for = (0, 0)

    @property
    def data(self) -> tuple[float, ...]:
        return self._data

    @data.setter
    def data(self, values: Sequence[float]) -> None:
        self.show(values, self._top, self._axis)

    def show(self, values: Sequence[float], top: float = 0.0, axis: tuple[str, str] = ("", "")) -> None:
        """New data, the scale's top (0: the series' maximum) and the labels of its top and bottom."""
        values = tuple(values)
        if (values, top, axis) != (self._data, self._top, self._axis):
            self._data, self._top, self._axis = values, top, axis
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
        """All rows, top first, each ending in its axis label."""
        if width <= 0 or height <= 0:
            return []
        base = self.rich_style  # walks the ancestors: once per draw, never per bar
        axis_w = max(len(a) for a in self._axis) + 1 if any(self._axis) else 0
        if width - axis_w < 8:
            axis_w = 0  # too narrow: the bars matter more than their scale
        rows = bar_rows(self._data, width - axis_w, height, self._top, self._shades(), base)
        if axis_w:
            axis_style = base + self.get_component_rich_style("spark--axis")
            labels = [self._axis[0], *[""] * (height - 2), self._axis[1]] if height > 1 else [self._axis[0]]
            rows = [[*segs, Segment(label.rjust(axis_w), axis_style)] for segs, label in zip(rows, labels, strict=True)]
        return [Strip(segs, width) for segs in rows]


def levels(data: Sequence[float], width: int, top: float) -> list[float]:
    """Each bar's height as a share of the scale 0..max(top, the largest value): the largest value of its part of
    the series."""
    n = len(data)
    if not n or width <= 0:
        return []
    bars = [max(data[i * n // width : max(i * n // width + 1, (i + 1) * n // width)]) for i in range(width)]
    high = max(top, max(data)) or 1.0
    return [min(1.0, max(0.0, v / high)) for v in bars]


def bar_rows(
    data: Sequence[float], width: int, height: int, top: float, shades: list[Style], base: Style
) -> list[list[Segment]]:
    """The bars as segments, top row first; coloured by how high they reach on the scale."""
    if not data:
        blank = [[Segment(" " * width, base)] for _ in range(height - 1)]
        return [*blank, [Segment(BARS[0] * width, shades[0])]]
    ratios = levels(data, width, top)
    steps = len(BARS) * height - 1
    lvls = [int(r * steps) for r in ratios]
    colours = [shades[min(SHADES - 1, int(r * SHADES))] for r in ratios]
    rows = []
    for row in reversed(range(height)):
        lo, hi = row * len(BARS), (row + 1) * len(BARS)
        segments: list[Segment] = []
        run, run_style = "", None
        for level, style in zip(lvls, colours, strict=True):
            char = " " if level < lo else "█" if level >= hi else BARS[level % len(BARS)]
            st = base if char == " " else style
            if st is not run_style and run:
                segments.append(Segment(run, run_style))
                run = ""
            run_style = st
            run += char
        if run:
            segments.append(Segment(run, run_style))
        rows.append(segments)
    return rows
