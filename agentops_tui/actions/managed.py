"""A drain through a service manager, for an agent with no drain endpoint that drains on SIGTERM (the deployment
guide's agents): what the dialog says will happen, and the watch while it stops.

While it stops, the service's own log is followed (its unit's journal, its container's logs or its `logs:` file)
for the guide's `shutdown_requested` and `shutdown_complete`, and its active tasks are read from its view, so the
journal can say what was seen: "shutdown_complete logged after 1.4 s", or that it exited without one (killed?).
A plain process (no manager, a pidfile) is drained the same way, its "manager" the PID the dialog named
(managers.ProcessManager, process_exec): SIGTERM and no SIGKILL.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agentops_tui.actions.managers import Ended, Manager, ProcessManager
from probes.config import ServiceConfig
from probes.formats.jsonlog import decode, timestamp
from probes.model import LogSource
from probes.registry import log_source
from probes.text.sanitize import clean
from probes.view import ServiceView

EVENTS = ("shutdown_requested", "completing_current_task", "shutdown_complete")
TAIL_LINES = 500  # read back when the watch ends: lines the follow missed (it starts as the stop is sent)
SLACK_S = 10.0  # waited beyond the grace for the manager to report the stop


def drains_through_manager(service: ServiceConfig | None, executor: str | None) -> bool:
    """A drain that can only stop the service: a manager's drain with no drain endpoint to call first."""
    if service is None or executor not in ("systemd", "docker", "launchd", "process"):
        return False
    return service.control is None or service.control.drain is None


def _s(value: float) -> str:
    return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"


@dataclass(frozen=True)
class StopPlan:
    """How the manager will stop the service, as the dialog says it before anything runs."""

    manager: str
    target: str
    grace_s: float | None
    grace_read: bool  # read from the manager; False: its default, the service's own setting unknown
    log: str = ""  # the log followed for the shutdown events ("" when the service has none)
    wait_s: float | None = None  # how long the wait lasts when nothing kills the service (a plain process)
    expect: dict[str, Any] = field(default_factory=dict)  # what the stop must still find (a process's PID, start)

    def grace(self) -> str:
        if self.manager == "process":
            return "no SIGKILL: it is not killed if it does not exit"
        if self.grace_s is None:
            if self.manager == "launchd":
                return "no SIGKILL from launchctl kill (a KeepAlive job is relaunched)"
            return "no SIGKILL (no stop timeout)"
        when = f"SIGKILL after {self.grace_s:g} s"
        return when if self.grace_read else f"{when} (systemd's default TimeoutStopSec; the unit's was not read)"

    def summary(self, then: str) -> str:
        """ "stops guide-agent via systemd: SIGTERM, it finishes its current task, SIGKILL after 90 s; then ..."."""
        target = clean(self.target, 120)
        if self.manager == "process":
            text = f"stops {target} with SIGTERM: it finishes its current task; {self.grace()}"
        else:
            text = f"stops {target} via {self.manager}: SIGTERM, it finishes its current task, {self.grace()}"
        if then == "restart":
            text += "; then starts it and waits for healthy"
        else:
            text += "; it stays stopped"
        return text

    def watch(self) -> str:
        """What the wait watches, for the dialog's step list."""
        log = f" and {clean(self.log, 120)} (shutdown_requested, shutdown_complete)" if self.log else ""
        if self.wait_s is not None:  # nothing kills it (the summary says so): the wait's own limit is what to know
            return f"waits at most {self.wait_s:g} s; watching active tasks{log}"
        return f"{self.grace()}; watching active tasks{log}"

    def how(self) -> str:
        """How it was drained, for the workflow's result: "through systemd", "with SIGTERM"."""
        return "with SIGTERM" if self.manager == "process" else f"through {self.manager}"

    def limit(self) -> float:
        """Seconds the wait for the stop lasts: the grace and some, or `wait_s` where nothing kills it."""
        if self.wait_s is not None:
            return self.wait_s
        return (self.grace_s if self.grace_s is not None else 0.0) + SLACK_S


async def stop_plan(service: ServiceConfig, manager: Manager) -> StopPlan:
    grace_s, read = await manager.grace()
    source = log_source(service)
    label = source.label if source is not None and not isinstance(source, str) else ""
    if isinstance(manager, ProcessManager):
        return StopPlan(manager.name, manager.target, None, True, label, manager.wait_s, manager.expect())
    return StopPlan(manager.name, manager.target, grace_s, read, label)


class StopWatch:
    """The log and the manager watched from just before the stop until the service has stopped."""

    def __init__(self, service: ServiceConfig, manager: Manager, plan: StopPlan) -> None:
        self.service = service
        self.manager = manager
        self.plan = plan
        self.since = time.time()
        self.seen: dict[str, tuple[float, dict[str, Any]]] = {}
        self.tasks: float | None = None  # active tasks last reported
        self._source: LogSource | None = None
        self._follow: asyncio.Task[None] | None = None

    async def begin(self) -> None:
        """Before the SIGTERM: note the time, follow the log, and let the manager note what runs now."""
        self.since = time.time()
        source = log_source(self.service)
        if source is not None and not isinstance(source, str):
            self._source = source
            self._follow = asyncio.create_task(self._read(source))
        with contextlib.suppress(Exception):
            await self.manager.state()

    async def _read(self, source: LogSource) -> None:
        with contextlib.suppress(Exception):
            async for line in source.follow():
                self.take(line)

    def take(self, line: str) -> None:
        """Keep the first of each shutdown event logged since the watch began."""
        entry = decode(line)
        event = entry.get("event") if entry is not None else None
        if entry is None or event not in EVENTS or event in self.seen:
            return
        at = timestamp(entry.get("timestamp")) or time.time()
        if at >= self.since:
            self.seen[str(event)] = (at, entry)

    async def close(self) -> None:
        """Stop following and read the log's end once more (a follow starts as the stop is sent, so it can miss
        the first lines), then let the source go."""
        if self._follow is not None:
            self._follow.cancel()
            with contextlib.suppress(BaseException):
                await self._follow
            self._follow = None
        source, self._source = self._source, None
        if source is None:
            return
        try:
            for line in await asyncio.wait_for(source.tail(TAIL_LINES), 10.0):
                self.take(line)
        except Exception:  # the events already seen stand
            pass
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(source.close(), 5.0)

    def progress(self, ended: Ended | None) -> str:
        parts = [f"{self.tasks:g} active tasks"] if self.tasks is not None else []
        parts += [f"{name} after {_s(at - self.since)}" for name, (at, _) in self.seen.items()]
        if ended is not None and ended.note:
            parts.append(ended.note)
        return "; ".join(parts)

    def result(self, ended: Ended, after_s: float) -> str:
        """What the journal keeps of the stop: when it stopped, how, and what the log said."""
        text = f"stopped after {_s(after_s)}" + (f" ({ended.note})" if ended.note else "")
        if "shutdown_complete" in self.seen:
            at, _ = self.seen["shutdown_complete"]
            text += f"; shutdown_complete logged after {_s(at - self.since)}"
            task = self.seen.get("completing_current_task", (0.0, {}))[1].get("task_id")
            if isinstance(task, str) and task:
                text += f"; {clean(task, 60)} finished first"
        elif not self.plan.log:
            text += "; no log to watch for shutdown_complete"
        else:
            asked = "shutdown_requested logged, but " if "shutdown_requested" in self.seen else ""
            killed = f"killed after {self.plan.grace_s:g} s?" if self.plan.grace_s is not None else "killed?"
            text += f"; {asked}exited without shutdown_complete: {killed}"
        return text

    def _unkilled(self) -> str:
        return " (not killed: no SIGKILL)" if self.plan.manager == "process" else ""

    async def wait(self, view: Callable[[], ServiceView | None], report: Callable[[str], None],
                   poll_s: float) -> str:  # fmt: skip
        """Until the manager says it stopped; raises TimeoutError past the grace plus SLACK_S."""
        limit = self.plan.limit()
        while True:
            ended = await self.manager.state()
            current = view()
            if current is not None and current.active_tasks is not None and not ended.stopped:
                self.tasks = current.active_tasks
            report(self.progress(ended))
            if ended.stopped:
                after = time.time() - self.since
                await self.close()
                return self.result(ended, after)
            if time.time() - self.since > limit:
                who = f"{self.manager.name} still reports it"
                if self.plan.manager == "process":
                    who = f"{clean(self.plan.target, 120)} still"
                raise TimeoutError(f"{who} running after {limit:g} s{self._unkilled()}; "
                                   f"{self.progress(ended)}")  # fmt: skip
            await asyncio.sleep(poll_s)
