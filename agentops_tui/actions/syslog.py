"""Every audit journal line also sent to syslog (journald reads /dev/log too), when `actions.syslog: true`.

The file journal stays the record the actions depend on (no action without its line there); syslog is a copy for
the box's central logging, so a copy that cannot be sent never stops an action: the reason goes to the app log.
What is sent is the journal's own line, already redacted by the action layer. Facility authpriv: audit of
privileged actions, kept where auth logs are (readable by root and adm, not by every user).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import socket
import sys
from typing import Any

log = logging.getLogger("agentops_tui.actions")
IDENT = "agentops-tui: "


class _Handler(logging.handlers.SysLogHandler):
    """A SysLogHandler that keeps its failure instead of printing a traceback over the dashboard."""

    failure: str | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        self.failure = str(sys.exc_info()[1] or "unknown error")


def _address(text: str) -> str | tuple[str, int]:
    """/dev/log (a unix socket path) or host:port (UDP)."""
    if text.startswith("/"):
        return text
    host, _, port = text.rpartition(":")
    return (host or "localhost", int(port) if port.isdigit() else logging.handlers.SYSLOG_UDP_PORT)


class SyslogForward:
    """Sends journal records to one syslog address; never raises."""

    def __init__(self, address: str) -> None:
        self.address = address
        self._handler: _Handler | None = None
        self._warned = False

    def _open(self) -> _Handler | None:
        if self._handler is None:
            try:
                self._handler = _Handler(_address(self.address), logging.handlers.SysLogHandler.LOG_AUTHPRIV,
                                         socket.SOCK_DGRAM)  # fmt: skip
            except (OSError, ValueError) as exc:
                self._fail(str(exc))
                return None
            self._handler.ident = IDENT
        return self._handler

    def _fail(self, reason: str) -> None:
        if not self._warned:  # once: a missing /dev/log would otherwise fill the app log
            log.warning("syslog: cannot send the journal to %s: %s", self.address, reason)
            self._warned = True

    def send(self, record: dict[str, Any]) -> None:
        handler = self._open()
        if handler is None:
            return
        level = logging.WARNING if record.get("phase") == "failed" else logging.INFO
        text = json.dumps(record, ensure_ascii=True, default=str)
        handler.failure = None
        handler.emit(logging.LogRecord("agentops_tui.journal", level, __file__, 0, text, None, None))
        if handler.failure:
            self._fail(handler.failure)
            handler.close()
            self._handler = None  # reconnect next time (syslogd restarted, /dev/log came back)

    def close(self) -> None:
        if self._handler is not None:
            self._handler.close()
