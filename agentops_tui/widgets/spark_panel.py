"""The selected service's trend: p95 latency, error rate and spend sparklines with their latest values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from agentops_tui.presentation import Palette, fmt_duration, fmt_money, fmt_rate, fmt_seconds
from agentops_tui.presentation.overview import trend_title
from agentops_tui.widgets.spark import Spark
from probes.config import Thresholds
from probes.model import Status
from probes.view import HISTORY, ServiceView


@dataclass(frozen=True)
class Series:
    """One sparkline: which history, its names (long, short), how its values are written, its scale's floor."""

    key: str
    name: str
    short: str
    fmt: Callable[[float | None], str]
    top: Callable[[Thresholds], float]


SERIES = (
    Series("latency", "p95 latency", "p95", fmt_seconds, lambda t: t.latency_p95_warn_s),
    Series("errors", "error rate", "err", fmt_rate, lambda t: t.error_rate_warn),
    Series("spend", "spend", "spend", fmt_money, lambda t: 0.0),
)


def spark_label(s: Series, latest: str, values: tuple[float, ...], span_s: float | None, width: int) -> str:
    """`p95 latency 1.83s  min 1.7s max 1.91s  last 2m`, shortened to fit `width` (the scale is on the chart)."""
    if not values:
        return f"{s.name} {latest}"
    lo, hi = s.fmt(min(values)), s.fmt(max(values))
    span = fmt_duration(span_s) if span_s is not None else "–"
    for text in (
        f"{s.name} {latest}  min {lo} max {hi}  last {span}",
        f"{s.short} {latest}  min {lo} max {hi}  {span}",
        f"{s.short} {latest}  {lo}–{hi}  {span}",
        f"{s.short} {latest}  {span}",
    ):
        if len(text) <= width:
            return text
    return f"{s.short} {latest}"


class SparkPanel(Vertical):
    """Shows one service; `show()` is cheap when the same view object is passed again."""

    def __init__(self, palette: Palette, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.palette = palette
        self._view: ServiceView | None = None
        self._status: tuple[Status, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="spark-title")
        with Horizontal(id="spark-row"):
            for series in SERIES:
                with Vertical(classes="spark-box"):
                    yield Static("", id=f"spark-label-{series.key}", classes="spark-label")
                    yield Spark(id=f"spark-{series.key}")

    def show(self, view: ServiceView | None, status: tuple[Status, str] | None) -> None:
        if view is self._view and status == self._status:
            return
        self._view, self._status = view, status
        title = self.query_one("#spark-title", Static)
        if view is None or status is None:
            title.update(Text("no service selected", style=self.palette.dim), layout=False)
            return
        title.update(trend_title(view, *status, self.palette), layout=False)  # one-line boxes: no re-layout
        latest = {
            "latency": view.latency_p95_s,
            "errors": view.error_rate,
            "spend": view.spend_today_usd,
        }
        est = view.spend_estimate if view.spend_today_usd is None else None  # no ledger: the estimate, marked
        for series in SERIES:
            data = view.series(series.key)
            value = series.fmt(latest[series.key]) + (" today" if series.key == "spend" else "")
            if series.key == "spend" and est is not None:
                value = f"≈{series.fmt(est.usd)} today est."
            label = self.query_one(f"#spark-label-{series.key}", Static)
            text = spark_label(series, value, data, view.span(series.key), label.size.width or 80)
            label.update(Text(text), layout=False)
            top = max(series.top(view.thresholds), max(data, default=0.0))
            # Zeros in front: the scale starts at 0 and a young series grows in from the right, as in btop.
            self.query_one(f"#spark-{series.key}", Spark).show(
                [0.0] * (HISTORY - len(data)) + list(data), top, (series.fmt(top) if top else "", "0")
            )

    def on_resize(self) -> None:
        """The labels are shortened to their width: write them again at the new one."""
        view, status = self._view, self._status
        self._view = None
        self.show(view, status)
