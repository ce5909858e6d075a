"""`t` on a Docker service: shows the containers' current CPU and memory limits, asks new ones (`docker update`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from agentops_tui.actions.docker_exec import MIN_MEMORY, parse_memory, throttle_params_problem
from agentops_tui.screens.dialog import Dialog
from probes.text.sanitize import clean


def parse_limits(cpus_text: str, memory_text: str) -> dict[str, Any] | str:
    """The update parameters from the two fields (either may be empty), or why they are not usable."""
    params: dict[str, Any] = {}
    if cpus_text.strip():
        try:
            params["cpus"] = float(cpus_text)
        except ValueError:
            return "CPUs: a number of cores such as 0.5"
    if memory_text.strip():
        mem = parse_memory(memory_text)
        if mem is None:
            return "memory: a size such as 256m or 1g"
        params["memory_bytes"] = mem
    if not params:
        return f"new CPUs, memory, or both (memory at least {MIN_MEMORY >> 20}m)"
    return throttle_params_problem(params) or params


class DockerThrottleScreen(Dialog[dict[str, Any] | None]):
    """Returns {"cpus": float, "memory_bytes": int} (either or both), or None when cancelled."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="docker_throttle.cancel")]

    def __init__(self, service: str, current: str, describe: Callable[[dict[str, Any]], str]) -> None:
        super().__init__()
        self.service = service
        self.current = current
        self.describe = describe

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Throttle {clean(self.service, 80)} (docker update)", style="bold"), id="dialog-title")
            yield Static(Text.assemble(("current   ", "dim"), clean(self.current, 300)), id="current")
            yield Input(placeholder="CPUs, e.g. 0.5 (empty: unchanged)", id="cpus")
            yield Input(placeholder="memory, e.g. 256m (empty: unchanged)", id="memory")
            yield Static("", id="operation")
            yield Static("", id="error")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Throttle", id="confirm", variant="error", disabled=True)

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#cpus", Input))

    def _value(self) -> dict[str, Any] | str:
        return parse_limits(self.query_one("#cpus", Input).value, self.query_one("#memory", Input).value)

    @on(Input.Changed)
    def _changed(self) -> None:
        value = self._value()
        self.query_one("#confirm", Button).disabled = isinstance(value, str)
        op = self.query_one("#operation", Static)
        self.query_one("#error", Static).update("")  # said on Enter; typing on takes it back
        if isinstance(value, str):
            op.update(Text(value, style="dim"))
        else:
            op.update(Text.assemble(("operation ", "dim"), clean(self.describe(value), 300)))

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        value = self._value()
        if isinstance(value, dict):
            self.dismiss(value)
        else:
            self.query_one("#error", Static).update(Text(value))

    @on(Button.Pressed, "#cancel")
    def _cancel_button(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
