"""`d`: drain a service, choosing what happens after it is idle, and watch the workflow step by step."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, RadioButton, RadioSet, Static

from agentops_tui.actions.model import Step
from agentops_tui.presentation import answer_summary
from agentops_tui.screens.dialog import Dialog
from probes.text.sanitize import clean

THEN_CHOICES: tuple[tuple[str, str], ...] = (
    ("stay", "stay drained (maintenance)"),
    ("resume", "resume when idle"),
    ("restart", "restart when idle, wait until healthy, resume"),
)
STEP_LABELS = {
    "drain": "drain",
    "wait_idle": "wait for active tasks to reach 0",
    "restart": "restart",
    "wait_healthy": "wait until healthy",
    "resume": "resume",
}
STATE_STYLE = {
    "pending": ("·", "dim"),
    "running": ("▶", "bold"),
    "done": ("✓", "green"),
    "failed": ("✖", "bold red"),
    "skipped": ("–", "dim"),
    "cancelled": ("⊘", "yellow"),
}


class DrainScreen(Dialog[str | None]):
    """Returns the chosen follow-up ("stay", "resume", "restart") or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="drain.cancel"),
        Binding("y", "confirm", "Confirm", id="drain.yes"),
    ]

    def __init__(self, service: str, executor: str, preview: Callable[[str], list[tuple[str, str]]]) -> None:
        super().__init__()
        self.service = service
        self.executor = executor
        self.preview = preview
        self.then = "stay"

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Drain {clean(self.service, 80)}", style="bold"), id="dialog-title")
            with RadioSet(id="then"):
                for i, (_, label) in enumerate(THEN_CHOICES):
                    yield RadioButton(label, value=i == 0)
            yield Static("", id="steps")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Drain", id="confirm", variant="error")

    def on_mount(self) -> None:
        self._show_steps()
        self.set_focus(self.query_one("#then", RadioSet))

    def _show_steps(self) -> None:
        lines = Text()
        for i, (step, operation) in enumerate(self.preview(self.then), start=1):
            lines.append(f"{i}. ", style="dim")
            lines.append(STEP_LABELS.get(step, step))
            if operation:
                lines.append(f"\n   {clean(operation, 200)}", style="dim")
            lines.append("\n")
        self.query_one("#steps", Static).update(lines)

    @on(RadioSet.Changed, "#then")
    def _changed(self, event: RadioSet.Changed) -> None:
        self.then = THEN_CHOICES[event.radio_set.pressed_index][0]
        self._show_steps()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(self.then)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class WorkflowScreen(Dialog[None]):
    """Live progress of a drain workflow. Esc cancels while it runs and closes once it is over."""

    BINDINGS = [
        Binding("escape", "close", "Cancel / close", id="workflow.close"),
        Binding("q,ctrl+c", "app.quit", "Quit", id="workflow.quit"),  # asks first while the workflow runs
    ]

    def __init__(self, service: str, on_cancel: Callable[[], None]) -> None:
        super().__init__()
        self.service = service
        self.on_cancel = on_cancel
        self.finished = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Draining {clean(self.service, 80)}", style="bold"), id="dialog-title")
            yield Static("", id="progress")
            yield Static(Text("Esc cancels", style="dim"), id="result")

    def show_steps(self, steps: Sequence[Step]) -> None:
        if not self.is_mounted:
            return
        table = Table.grid(padding=(0, 1))
        for step in steps:
            glyph, style = STATE_STYLE.get(step.state, ("?", ""))
            table.add_row(
                Text(glyph, style=style), Text(STEP_LABELS.get(step.name, step.name), style=style),
                Text(clean(answer_summary(step.detail), 200), style="dim"),
            )  # fmt: skip
        self.query_one("#progress", Static).update(table)

    def show_result(self, ok: bool, detail: str) -> None:
        self.finished = True
        if self.is_mounted:
            style = "bold green" if ok else "bold red"
            self.query_one("#result", Static).update(
                Text.assemble(
                    (("done: " if ok else "stopped: ") + clean(answer_summary(detail), 200), style),
                    ("  Esc closes", "dim"),
                )
            )

    def action_close(self) -> None:
        if self.finished:
            self.dismiss(None)
        else:
            self.on_cancel()
