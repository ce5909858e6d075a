"""The application log (`--log-file PATH`, `--debug`): what an operator reads after the fact, beside the journal.

What goes there: every status change of a service with its reason (probe errors, breakers, budgets), every audit
journal line in one line of words (action results), and the app's own troubles (syslog unreachable). With
--debug also each poll's counts and every service not OK. Never secrets: the reasons and journal lines are
already redacted, and every message passes the credential-shape redactor again. No file unless asked: the
dashboard owns the terminal, so the log never goes to stderr (Textual's devtools log is separate).
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from pathlib import Path

from probes.text.redact import PLAIN
from probes.view import FleetSnapshot

LOGGERS = ("agentops_tui", "probes")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
log = logging.getLogger("agentops_tui.status")


class _Redact(logging.Filter):
    """The message with credential shapes masked, whatever a caller passed."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = PLAIN(record.getMessage()), None
        return True


def setup(path: Path | None, debug: bool) -> None:
    """Send our loggers to `path` (created 0600 in a 0700 directory), or nowhere; raises OSError."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for h in list(logger.handlers):
            logger.removeHandler(h)
            h.close()
        if path is None:
            logger.addHandler(logging.NullHandler())  # not Python's last resort: stderr is the dashboard's
            logger.setLevel(logging.NOTSET)
            logger.propagate = True  # to whatever the embedding program set up (pytest's capture, say)
            continue
        logger.setLevel(logging.DEBUG if debug else logging.INFO)
        logger.propagate = False
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o600))  # the file's mode
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(_Redact())
    for name in LOGGERS:
        logging.getLogger(name).addHandler(handler)


class StatusLog:
    """Logs each service's status changes from one snapshot to the next (and, at debug, every poll)."""

    def __init__(self) -> None:
        self._last: dict[str, str] = {}

    def observe(self, snap: FleetSnapshot) -> None:
        for view in snap.services:
            status = view.status.value
            before = self._last.get(view.name)
            self._last[view.name] = status
            if before != status and (before is not None or status != "OK"):
                level = logging.INFO if status == "OK" else logging.WARNING
                log.log(level, "%s: %s -> %s: %s", view.name, before or "start", status, view.reason)
        if log.isEnabledFor(logging.DEBUG):
            counts = Counter(v.status.value for v in snap.services)
            log.debug("poll: %s", ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
            for view in snap.services:
                if view.status.value != "OK":
                    log.debug("%s %s: %s", view.name, view.status.value, view.reason)
