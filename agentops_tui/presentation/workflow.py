"""The dialogs' text: a confirmation's lines, a drain's planned steps, a running workflow's progress."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from agentops_tui.presentation.answers import answer_summary
from probes.text.sanitize import clean

if TYPE_CHECKING:
    from agentops_tui.actions.model import Step

STEP_LABELS = {
    "drain": "drain",
    "wait_idle": "wait for active tasks to reach 0",
    "restart": "restart",
    "wait_healthy": "wait until healthy",
    "resume": "resume",
    "stop": "stop (SIGTERM)",
    "wait_stopped": "wait until stopped",
    "start": "start",
}
STATE_STYLE = {
    "pending": ("·", "dim"),
    "running": ("▶", "bold"),
    "done": ("✓", "green"),
    "failed": ("✖", "bold red"),
    "skipped": ("–", "dim"),
    "cancelled": ("⊘", "yellow"),
}


def step_label(name: str) -> str:
    return STEP_LABELS.get(name, name)


def confirm_body(lines: list[tuple[str, str]]) -> Text:
    """`label   value` lines, the labels dimmed and padded to one column."""
    body = Text()
    width = max((len(label) for label, _ in lines), default=8) + 2
    for label, value in lines:
        body.append(clean(label, 40).ljust(width), style="dim")
        body.append(clean(value, 300) + "\n")
    return body


def plan_text(steps: list[tuple[str, str]]) -> Text:
    """A drain's steps before it runs, numbered, each with the operation it will send."""
    lines = Text()
    for i, (step, operation) in enumerate(steps, start=1):
        if i > 1:
            lines.append("\n")  # between steps only: a trailing blank line costs a row an 80x24 dialog lacks
        lines.append(f"{i}. ", style="dim")
        lines.append(step_label(step))
        if operation:
            lines.append(f"\n   {clean(operation, 200)}", style="dim")
    return lines


def steps_table(steps: Sequence[Step]) -> Table:
    """A running workflow: each step's state and what its answer said."""
    table = Table.grid(padding=(0, 1))
    for step in steps:
        glyph, style = STATE_STYLE.get(step.state, ("?", ""))
        table.add_row(
            Text(glyph, style=style), Text(step_label(step.name), style=style),
            Text(clean(answer_summary(step.detail), 200), style="dim"),
        )  # fmt: skip
    return table


def result_text(ok: bool, detail: str) -> Text:
    return Text.assemble(
        (("done: " if ok else "stopped: ") + clean(answer_summary(detail), 200), "bold green" if ok else "bold red"),
        ("  Esc closes", "dim"),
    )
