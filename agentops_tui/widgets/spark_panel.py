"""The selected service's trend: p95 latency, error rate and spend sparklines with their latest values."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from agentops_tui.presentation import Palette, docker_summary, fmt_money, fmt_rate, fmt_seconds, status_cell
from agentops_tui.widgets.spark import Spark
from probes.fleet import HISTORY, ServiceView
from probes.model import Status
from probes.sanitize import clean

_SERIES = (("latency", "p95 latency", fmt_seconds), ("errors", "error rate", fmt_rate), ("spend", "spend", fmt_money))


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
            for key, _, _ in _SERIES:
                with Vertical(classes="spark-box"):
                    yield Static("", id=f"spark-label-{key}", classes="spark-label")
                    yield Spark(id=f"spark-{key}")

    def show(self, view: ServiceView | None, status: tuple[Status, str] | None) -> None:
        if view is self._view and status == self._status:
            return
        self._view, self._status = view, status
        title = self.query_one("#spark-title", Static)
        if view is None or status is None:
            title.update(Text("no service selected", style=self.palette.dim), layout=False)
            return
        st, reason = status
        line = Text.assemble(status_cell(st, self.palette), "  ", (clean(view.name, 64), "bold"), "  ")
        line.append(clean(reason, 200), style=self.palette.of(st) if st is not Status.OK else self.palette.dim)
        docker = docker_summary(view)
        if docker:
            line.append(f"  [{docker}]", style=self.palette.dim)
        title.update(line, layout=False)  # fixed one-line boxes: skip the screen re-layout
        latest = {
            "latency": view.latency_p95_s,
            "errors": view.error_rate,
            "spend": view.spend_today_usd,
        }
        for key, label, fmt in _SERIES:
            data = view.series(key)
            value = fmt(latest[key])
            suffix = " today" if key == "spend" else ""
            self.query_one(f"#spark-label-{key}", Static).update(Text(f"{label}  {value}{suffix}"), layout=False)
            # Zeros in front: the scale starts at 0 and a young series grows in from the right, as in btop.
            self.query_one(f"#spark-{key}", Spark).data = [0.0] * (HISTORY - len(data)) + list(data)
