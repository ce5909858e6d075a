"""What the systemd probe reports (no D-Bus import here: the screen and the status rules use these types alone)."""

from __future__ import annotations

from dataclasses import dataclass

from probes.model.results import ProbeError

UNSET = 2**64 - 1  # systemd's "infinity" / "not available" for uint64 properties
_BAD = ("exit-code", "signal", "core-dump", "timeout", "watchdog")
RESTARTS_ON: dict[str, tuple[str, ...]] = {
    "always": ("success", *_BAD),
    "on-success": ("success",),
    "on-failure": _BAD,
    "on-abnormal": ("signal", "core-dump", "timeout", "watchdog"),
    "on-abort": ("signal", "core-dump"),
    "on-watchdog": ("watchdog",),
}
"""Results after which each Restart= policy restarts the unit (systemd.service(5))."""


@dataclass(frozen=True)
class SystemdUnit:
    """The facts about one unit that decide its status and fill its row."""

    name: str
    description: str = ""
    load_state: str = ""
    active_state: str = ""
    sub_state: str = ""
    main_pid: int | None = None
    n_restarts: int | None = None
    result: str = ""
    """How the last run ended: success, exit-code, signal, timeout, core-dump, start-limit-hit..."""
    exec_main_status: int | None = None
    memory_current: int | None = None
    memory_max: int | None = None
    memory_high: int | None = None
    cpu_usage_nsec: int | None = None
    cpu_quota_per_sec_usec: int | None = None
    started_usec: int | None = None
    """ExecMainStartTimestamp: when the main process started, microseconds since the epoch."""
    restart: str = ""
    """The unit's Restart= policy (no, always, on-failure...)."""
    read_at: float = 0.0
    """When these properties were read (time.time()); older than the poll when kept from an earlier one."""

    @property
    def start_limit_hit(self) -> bool:
        """Refused a start for its start limit. A manual start says so in Result; an automatic restart refused by
        the limit leaves the last run's Result (systemd 252), so: failed although Restart= would have restarted it."""
        if self.result == "start-limit-hit":
            return True
        return self.active_state == "failed" and self.result in RESTARTS_ON.get(self.restart, ())


@dataclass(frozen=True)
class SystemdResult:
    """The units of one service (one for `unit`, every match for `unit_pattern`)."""

    at: float
    units: tuple[SystemdUnit, ...] = ()
    error: ProbeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
