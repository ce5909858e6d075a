"""What the launchd backend reports: a service's jobs as `launchctl print` describes them."""

from __future__ import annotations

from dataclasses import dataclass

from probes.model.results import ProbeError


@dataclass(frozen=True)
class LaunchdJob:
    """One launchd job as `launchctl print` describes it; `loaded` is False when launchctl said exit 113."""

    label: str
    target: str
    loaded: bool = True
    state: str = ""
    pid: int | None = None
    runs: int | None = None
    last_exit: int | None = None
    """Last exit code; None when it never exited or was killed by a signal."""
    last_signal: int | None = None
    """Signal that ended the last run (a negative status in `launchctl list`)."""
    never_exited: bool = False
    program: str = ""
    arguments: tuple[str, ...] = ()
    stdout_path: str | None = None
    stderr_path: str | None = None
    keepalive: bool = False
    environment: tuple[tuple[str, str], ...] = ()
    """Variable names of the job's environment with their values masked (they hold API keys)."""

    @property
    def last_exit_text(self) -> str:
        """'exit 1', 'killed by signal 15', 'never exited', or '' when launchctl did not say."""
        if self.last_signal is not None:
            return f"killed by signal {self.last_signal}"
        if self.never_exited:
            return "never exited"
        return f"exit {self.last_exit}" if self.last_exit is not None else ""


@dataclass(frozen=True)
class LaunchdResult:
    """The jobs of one service (one for `label`, every match for `label_prefix`)."""

    at: float
    jobs: tuple[LaunchdJob, ...] = ()
    error: ProbeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
