"""`d`: drain a service, choosing what happens after it is idle, and watch the workflow step by step."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, RadioButton, RadioSet, Static

from agentops_tui.actions.model import Step
from agentops_tui.presentation.workflow import plan_text, result_text, steps_table
from agentops_tui.screens.dialog import Dialog
from probes.text.sanitize import clean

THEN_CHOICES: tuple[tuple[str, str], ...] = (
    ("stay", "stay drained (maintenance)"),
    ("resume", "resume when idle"),
    ("restart", "restart when idle, wait until healthy, resume"),
)
MANAGED_CHOICES: tuple[tuple[str, str], ...] = (
    ("stay", "stay stopped (maintenance)"),
    ("restart", "start it again, wait until healthy"),
)
"""With no drain endpoint the service manager stops the agent (it drains on SIGTERM); nothing resumes it but a
start."""


class DrainScreen(Dialog[str | None]):
    """Returns the chosen follow-up ("stay", "resume", "restart") or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="drain.cancel"),
        Binding("y", "confirm", "Confirm", id="drain.yes"),
    ]

    def __init__(
        self,
        service: str,
        executor: str,
        preview: Callable[[str], list[tuple[str, str]]],
        *,
        choices: tuple[tuple[str, str], ...] = THEN_CHOICES,
        summary: Callable[[str], str] | None = None,
    ) -> None:
        """`summary`, for a drain through a service manager: what will happen in one sentence (target, manager,
        grace period), shown above the steps."""
        super().__init__()
        self.service = service
        self.executor = executor
        self.preview = preview
        self.choices = choices
        self.summary = summary
        self.then = choices[0][0]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(f"Drain {clean(self.service, 80)}", style="bold"), id="dialog-title")
            with RadioSet(id="then"):
                for i, (_, label) in enumerate(self.choices):
                    yield RadioButton(label, value=i == 0)
            if self.summary is not None:
                yield Static("", id="drain-summary")
            yield Static("", id="steps")
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Drain", id="confirm", variant="error")

    def on_mount(self) -> None:
        self._show_steps()
        self.set_focus(self.query_one("#then", RadioSet))

    def _show_steps(self) -> None:
        if self.summary is not None:
            self.query_one("#drain-summary", Static).update(Text(clean(self.summary(self.then), 400)))
        self.query_one("#steps", Static).update(plan_text(self.preview(self.then)))

    @on(RadioSet.Changed, "#then")
    def _changed(self, event: RadioSet.Changed) -> None:
        self.then = self.choices[event.radio_set.pressed_index][0]
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
        self.query_one("#progress", Static).update(steps_table(steps))

    def show_result(self, ok: bool, detail: str) -> None:
        self.finished = True
        if self.is_mounted:
            self.query_one("#result", Static).update(result_text(ok, detail))

    def action_close(self) -> None:
        if self.finished:
            self.dismiss(None)
        else:
            self.on_cancel()
