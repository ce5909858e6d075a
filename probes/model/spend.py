"""Spend results: a ledger's poll, the aggregates of spend (a ledger's, a proxy's, the fleet's) and budgets."""

from __future__ import annotations

from dataclasses import dataclass, field

from probes.model.results import ProbeError, Status

BURN_WINDOW = "last hour"
"""What the burn rate is, as the screens name it: the ledgers' spend over the last 60 minutes (this hour so far and
the share of the previous hour still inside the window), per hour. The Spend screen, the budgets' "reached in" and
the cost alerts all read this one number."""


@dataclass(frozen=True)
class SpendRow:
    """Spend of one service, model, task type or tier."""

    name: str
    usd: float = 0.0
    reported_usd: float = 0.0
    computed_usd: float = 0.0
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    unpriced_calls: int = 0
    month_usd: float = 0.0
    burn_usd_per_h: float = 0.0
    avg7_usd: float | None = None
    tier: str = ""


@dataclass(frozen=True)
class Runaway:
    """A task far above the median cost or call count of its task type, today."""

    task_id: str
    service: str
    task_type: str
    usd: float
    calls: int
    cost_factor: float
    calls_factor: float


@dataclass(frozen=True)
class SpendSummary:
    """Today's spend at `now` (epoch seconds): what the Spend screen, the budget bar and budgets read."""

    day: str = ""
    now: float = 0.0
    today: SpendRow = field(default_factory=lambda: SpendRow("today"))
    month_usd: float = 0.0
    burn_usd_per_h: float = 0.0
    projected_usd: float = 0.0
    avg7_usd: float | None = None
    hourly: tuple[float, ...] = ()
    services: tuple[SpendRow, ...] = ()
    models: tuple[SpendRow, ...] = ()
    task_types: tuple[SpendRow, ...] = ()
    tiers: tuple[SpendRow, ...] = ()
    runaways: tuple[Runaway, ...] = ()

    def service(self, name: str) -> SpendRow | None:
        return next((r for r in self.services if r.name == name), None)

    @property
    def above_average(self) -> bool:
        """The guide's alert: today projected at twice the 7-day daily average or more."""
        return self.avg7_usd is not None and self.avg7_usd > 0 and self.projected_usd >= 2 * self.avg7_usd


@dataclass(frozen=True)
class BudgetState:
    """Spend against budgets at one moment; `status`/`reason` name the worst budget."""

    status: Status = Status.OK
    reason: str = ""
    daily_usd: float | None = None
    monthly_usd: float | None = None
    today_usd: float = 0.0
    month_usd: float = 0.0
    burn_usd_per_h: float = 0.0
    exhausted_in_s: float | None = None
    """Seconds until the daily budget is reached at the current burn rate (0 once it is; None if never today)."""
    estimated_usd: float = 0.0
    """The part of `today_usd` estimated from token counters (services no ledger reads), shown as an estimate."""


@dataclass(frozen=True)
class LedgerResult:
    """Today's spend per ledger `service` value, from one cost ledger file."""

    at: float
    spend_today: dict[str, float] = field(default_factory=dict)
    calls_today: dict[str, int] = field(default_factory=dict)
    records: int = 0
    bad_lines: int = 0
    error: ProbeError | None = None
    summary: SpendSummary | None = None
    """Aggregates of the whole ledger (by hour, day, service, model, task type; runaways), None before any read."""
    backlog: bool = False
    """True while an initial load or a burst is still being read over several polls."""
    progress: tuple[int, int] | None = None
    """While `backlog`: (bytes read, bytes in the files being read); None for SQLite."""
    read_s: float = 0.0
    """Seconds spent reading the ledger so far, all polls together."""
    notes: tuple[str, ...] = ()
    """What was read besides the ledger file (the files it was rotated into earlier today)."""
    unread: tuple[str, ...] = ()
    """Files with spend of today that could not be read (a compressed rotated file): the spend is incomplete."""

    @property
    def ok(self) -> bool:
        return self.error is None

    def gap(self) -> str | None:
        """What the spend read so far leaves out (the reading is not finished, a file of today could not be read),
        or None when nothing is missing."""
        parts = list(self.unread)
        if self.backlog and self.progress is not None:
            parts.insert(
                0, f"read {size_text(self.progress[0])} of {size_text(self.progress[1])} in {self.read_s:.1f}s"
            )
        elif self.backlog:
            parts.insert(0, f"still reading after {self.read_s:.1f}s")
        return "; ".join(parts) if parts else None


def size_text(n: int) -> str:
    """Bytes for a reason: 812 KB, 512 MB, 2.0 GB (binary multiples)."""
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    if n >= 1024**2:
        return f"{n / 1024**2:.0f} MB"
    return f"{n / 1024:.0f} KB"
