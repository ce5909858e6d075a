"""The fleet's shared cost ledger (JSON lines): appending from many processes, and seeding earlier spend.

Every process opens the file with O_APPEND and writes each whole line with one os.write; lines are far below
PIPE_BUF-sized limits (4 KiB), so concurrent writers never interleave inside a line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path
from typing import Any

from agentops_tui.demo.pricing import cost_usd, profile_for

MAX_LINE = 4096
MAX_SEED_LINES = 2000


def iso_utc(ts: float) -> str:
    """ISO 8601 UTC with milliseconds, e.g. 2026-11-26T07:01:02.123+00:00."""
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="milliseconds")


def ledger_record(
    ts: float, service: str, model: str, input_tokens: int, output_tokens: int, task_id: str, task_type: str
) -> dict[str, Any]:
    """One ledger line; the cost comes from the demo price table."""
    return {
        "timestamp": iso_utc(ts),
        "service": service,
        "model": model,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cost_usd": cost_usd(model, input_tokens, output_tokens),
        "task_id": task_id,
        "task_type": task_type,
    }


def encode(record: dict[str, Any]) -> bytes:
    line = (json.dumps(record, separators=(",", ":")) + "\n").encode()
    if len(line) > MAX_LINE:
        raise ValueError("ledger line too long for an atomic append")
    return line


class LedgerWriter:
    """Appends records to the shared ledger, one os.write per line."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict[str, Any]) -> None:
        os.write(self.fd, encode(record))

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def today_start(now: float) -> float:
    """Start of "today" that both a local-time and a UTC-time reader agree on: the later of the two midnights."""
    local = dt.datetime.fromtimestamp(now).astimezone()
    local_midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    utc = dt.datetime.fromtimestamp(now, dt.timezone.utc)
    utc_midnight = utc.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    return max(local_midnight, utc_midnight)


def seed_records(
    services: list[str], target_usd: float, now: float, rng: random.Random, max_lines: int = MAX_SEED_LINES
) -> list[dict[str, Any]]:
    """Earlier-today records (batch-sized calls) summing to about ``target_usd``, oldest first."""
    if not services or target_usd <= 0:
        return []
    weights = [3.0 if name == "summarizer" else 1.0 for name in services]
    plans: list[tuple[str, str, int, int, str]] = []
    total = 0.0
    while total < target_usd and len(plans) < max_lines:
        service = rng.choices(services, weights=weights)[0]
        profile = profile_for(service)
        model = profile.pick_model(rng)
        n_in, n_out = profile.tokens(rng, multiplier=20.0)  # a day's tasks were long multi-step batches
        plans.append((service, model, n_in, n_out, rng.choice(profile.task_types)))
        total += cost_usd(model, n_in, n_out)
    start, end = today_start(now), now - 1.0
    stamps = sorted(rng.uniform(start, max(start, end)) for _ in plans)
    return [
        ledger_record(ts, svc, model, n_in, n_out, f"seed-{i:05d}", task_type)
        for i, (ts, (svc, model, n_in, n_out, task_type)) in enumerate(zip(stamps, plans, strict=True))
    ]


def seed_ledger(path: Path, services: list[str], target_usd: float, now: float, seed: int | None = None) -> float:
    """Start a fresh ledger holding today's earlier spend; returns the seeded total in USD."""
    records = seed_records(services, target_usd, now, random.Random(seed))
    path.write_bytes(b"".join(encode(r) for r in records))
    return sum(r["cost_usd"] for r in records)
