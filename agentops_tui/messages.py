"""Messages that carry probe data to the screen (posted from the poller thread; post_message is thread-safe)."""

from __future__ import annotations

from textual.message import Message

from probes.view import FleetSnapshot


class FleetUpdated(Message):
    """A new fleet snapshot. A newer one replaces an unprocessed older one, so a busy screen never lags behind."""

    def __init__(self, snapshot: FleetSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, FleetUpdated)
