"""The base of every dialog: a modal screen that shows its own keys, and answers keys only once it is drawn.

Without its own key bar the bar under a dialog is the overview's (`r Restart`, `q Quit`...), none of which work
while the dialog is up. And a `y` typed before the question was visible is not an answer to it.
"""

from __future__ import annotations

from typing import TypeVar

from textual.screen import ModalScreen

from agentops_tui.widgets.key_footer import KeyFooter

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A confirmation, a throttle or drain question, the workflow progress; subclasses compose their box.

    `shown` turns true after the first frame with the dialog on it; until then the app drops keys (see
    `AgentOpsApp._keys_blocked`). The key bar is added on mount (Textual calls every class's `on_mount`).
    """

    shown = False

    def on_mount(self) -> None:
        self.mount(KeyFooter(id="dialog-keys"))
        self.call_after_refresh(self._drawn)

    def _drawn(self) -> None:
        self.shown = True
