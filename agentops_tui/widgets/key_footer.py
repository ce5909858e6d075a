"""The key bar, fitted to its width so that `q Quit` and `? Help` are always on it.

Textual's Footer lays the keys out in binding order and cuts whatever passes the right edge: at 80 columns that
was the app's own keys, quit and help. This one goes compact when the keys do not fit, then leaves out the keys
named in `drop`, in that order, then others from the right; the app's keys are never left out.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

PALETTE = "command_palette"
"""Stands for the command palette's key in `drop`."""

Shown = tuple[Binding, bool, str, bool]
"""(binding, enabled, tooltip, the app's own)"""


def key_width(key: str, description: str, compact: bool) -> int:
    """Cells one key takes in Textual's footer styles (padding around the key, a margin when compact)."""
    return len(key) + 1 + len(description) + (1 if compact else 2)


class KeyFooter(Footer):
    """A Footer that never cuts the app's keys; `drop` lists actions (and PALETTE) that may go first."""

    def __init__(self, *, drop: Iterable[str] = (), id: str | None = None) -> None:
        super().__init__(id=id)
        self.drop = tuple(drop)
        self._fitted_for = -1

    def _keys(self) -> list[Shown]:
        """One entry per action, as Textual's footer shows them."""
        seen: dict[str, Shown] = {}
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in seen:
                seen[binding.action] = (binding, enabled, tooltip, node is self.app)
        return list(seen.values())

    def _palette(self) -> tuple[Binding, bool, str] | None:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        return None if found is None else (found[1], found[2], found[3])

    def _width(self, shown: list[Shown], hidden: set[str], compact: bool) -> int:
        display = self.app.get_key_display
        keys = sum(key_width(display(b), b.description, compact) for b, *_ in shown if b.action not in hidden)
        found = self._palette()
        if found is None or PALETTE in hidden:
            return keys
        return keys + key_width(display(found[0]), found[0].description, compact) + 2  # and its border

    def fit(self, width: int) -> tuple[list[Shown], bool, bool]:
        """(the keys to show, the palette key or not, compact or not) for `width` cells."""
        shown = self._keys()
        hidden: list[str] = []
        if self._width(shown, set(), compact=False) <= width:
            return shown, self._palette() is not None, False
        optional = [*self.drop, PALETTE, *reversed([s[0].action for s in shown if not s[3]])]
        for action in optional:
            if self._width(shown, set(hidden), compact=True) <= width:
                break
            if action not in hidden:
                hidden.append(action)
        for action in reversed(hidden[:]):  # one left out early may fit after later ones went
            if self._width(shown, set(hidden) - {action}, compact=True) <= width:
                hidden.remove(action)
        return (
            [s for s in shown if s[0].action not in hidden],
            self._palette() is not None and PALETTE not in hidden,
            True,
        )

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        width = self.size.width or self.app.size.width
        self._fitted_for = width
        shown, palette, compact = self.fit(width)
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact")
        for binding, enabled, tooltip, _ in shown:
            key = FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            disabled=not enabled, tooltip=tooltip)  # fmt: skip
            yield key.data_bind(compact=Footer.compact)
        found = self._palette()
        if palette and found is not None:
            binding, enabled, tooltip = found
            yield FooterKey(binding.key, self.app.get_key_display(binding), binding.description, binding.action,
                            classes="-command-palette", disabled=not enabled,
                            tooltip=binding.tooltip or binding.description)  # fmt: skip

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and event.size.width != self._fitted_for:
            self.call_after_refresh(self.recompose)
