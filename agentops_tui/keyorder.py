"""Keys are handled one at a time, each in the state the key before it left.

Textual forwards a key to the focused widget the moment it arrives and resolves its binding only once the key has
bubbled back up to the app. Keys that arrive together (a paste, `tmux send-keys`, a fast typist) were all forwarded
to the table before the first was resolved: `/writer` opened the filter, but `r`, `i` and `t` were already on
their way to the table and ran the overview's restart and throttle. Here a key is forwarded only once the one
before it has been through every widget on its path. Keys that arrive while an action is opening its dialog, or
before a dialog has been drawn, are dropped: nobody has seen the question they would answer.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events
from textual.app import App, ScreenStackError
from textual.message_pump import MessagePump

STUCK_S = 1.0
"""A key whose path was torn down under it (its screen closed) releases the next one after this long anyway."""


class KeyOrder:
    """Holds the keys that arrive while one is in flight and releases them in order."""

    def __init__(
        self,
        app: App[Any],
        deliver: Callable[[events.Key], Awaitable[None]],
        blocked: Callable[[events.Key], bool],
    ) -> None:
        self.app = app
        self.deliver = deliver  # Textual's own handling of a raw key: priority bindings, then forward
        self.blocked = blocked  # True while keys must be dropped (a dialog is on its way, or not drawn yet)
        self.held: deque[events.Key] = deque()
        self.in_flight: object | None = None
        self._stuck: asyncio.TimerHandle | None = None

    async def arrive(self, key: events.Key) -> None:
        self.held.append(key)
        if self.in_flight is None:
            await self._release()

    async def _release(self) -> None:
        app = self.app
        while self.held and self.in_flight is None:
            try:
                screen = app.screen
            except ScreenStackError:  # shutting down: nothing left to type into
                self.held.clear()
                return
            if not screen.is_mounted:  # just pushed: its widgets (and what takes focus) are not there yet
                self._follow(screen, self._start())
                return
            key = self.held.popleft()
            if self.blocked(key):
                continue
            target = app.focused or screen
            await self.deliver(key)
            if key.is_forwarded:  # not taken by a priority binding: it travels target -> ... -> app
                self._follow(target, self._start())

    def _start(self) -> object:
        token = object()
        self.in_flight = token
        self._stuck = asyncio.get_running_loop().call_later(STUCK_S, self.app.call_later, self._done, token)
        return token

    def _follow(self, node: MessagePump, token: object) -> None:
        """Calls `_done` once `node` and then each of its ancestors has handled what was queued to it before.

        A key bubbles up one message queue at a time; this callback walks the same queues behind it."""
        app = self.app
        if node is app:
            if not app.call_later(self._done, token):
                self._finish(token)
            return
        parent = getattr(node, "parent", None) or app
        if not node.call_later(self._follow, parent, token):  # closed: nothing left to wait for there
            self._follow(parent, token)

    def _finish(self, token: object) -> bool:
        if self.in_flight is not token:
            return False
        self.in_flight = None
        if self._stuck is not None:
            self._stuck.cancel()
            self._stuck = None
        return True

    async def _done(self, token: object) -> None:
        if self._finish(token):
            await self._release()
