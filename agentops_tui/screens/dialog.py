"""The base of every dialog: a modal screen that shows its own keys at the bottom.

Without it the key bar under a dialog is the overview's (`r Restart`, `q Quit`...), none of which work while the
dialog is up; a dialog's keys (`y Confirm`, `esc Cancel`) were shown nowhere.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from agentops_tui.widgets.key_footer import KeyFooter

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """Subclasses compose their box; the key bar is added on mount (Textual calls every class's `on_mount`)."""

    def on_mount(self) -> None:
        self.mount(KeyFooter(id="dialog-keys"))
