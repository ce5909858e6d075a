"""What every executor shares: the Executor protocol, the caps on outside text, and hiding credentials in URLs.

The executors (executors.py: HTTP and command; docker_exec, systemd_exec, launchd_exec, litellm_exec) import this
module and never the chooser (chooser.py), which imports them: no cycle between them.
"""

from __future__ import annotations

from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from agentops_tui.actions.model import ActionRequest, Operation, Outcome

MAX_OUTPUT = 64 * 1024  # bytes kept of a response body, or of a command's stdout and stderr
DETAIL_LEN = 300  # characters of outside text that reach an Outcome
REDACTED = "[redacted]"


class Executor(Protocol):
    """What the action layer needs from a way of acting on a service."""

    name: str

    def operation(self, request: ActionRequest) -> Operation:
        """Exactly what run() would do, worded for the confirmation dialog and the journal."""
        ...

    async def run(self, request: ActionRequest) -> Outcome:
        """Do it; never raises (except CancelledError)."""
        ...


def hide_userinfo(url: str) -> str:
    """The URL without user:password@, which must not reach the journal or the screen."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{REDACTED}@{host}"))
