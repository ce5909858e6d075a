"""LiteLLM's spend logs API (`GET /spend/logs`, `/spend/logs/v2`) into ledger records: one record per proxied call.

Where the proxy has a database, these rows add what its metrics cannot: each call's key alias, session (task) and
call type. `/spend/logs` answers a JSON array of SpendLogs rows; `/spend/logs/v2` pages them as
`{"data": [...], "total": n, "page": p, ...}`. The rows have the columns `LITELLM_COLUMNS` maps (`spend`, `model`,
`prompt_tokens`, `completion_tokens`, `startTime`, `metadata` as an object or a JSON string, `session_id`,
`call_type`); `startTime` without an offset is UTC, as the proxy stores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from probes.spend.book import SpendBook
from probes.spend.records import LITELLM_COLUMNS, RecordSink

MAX_ROWS = 10_000  # the proxy itself caps /spend/logs at 10,000 rows per answer


def spend_log_rows(payload: Any) -> list[Any]:
    """The rows of either answer shape; anything else has none."""
    if isinstance(payload, list):
        return payload[:MAX_ROWS]
    if isinstance(payload, Mapping) and isinstance(payload.get("data"), list):
        return list(payload["data"][:MAX_ROWS])
    return []


def read_spend_logs(payload: Any, book: SpendBook, columns: Mapping[str, str] | None = None) -> tuple[int, int]:
    """Add the rows of one answer to `book`; returns (records taken, rows that were not usable records)."""
    sink = RecordSink(book, {**LITELLM_COLUMNS, **(columns or {})}, naive_utc=True)
    for row in spend_log_rows(payload):
        sink.add_mapping(row)
    return sink.records, sink.bad
