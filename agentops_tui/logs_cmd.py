"""`agentops-tui logs SERVICE [QUERY]`: a service's recent log lines that meet a query, plain or as JSON lines.

The same lines and the same query (probes.formats.logquery) as the logs screen, without Textual: for a script,
a pipe, or a terminal where the dashboard is not open. Exit 0 with matches, 1 without, 2 for a bad query or an
unknown service, 3 when the service has no log.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from probes.config import FleetConfig
from probes.formats.jsonlog import decode, render
from probes.formats.logquery import QueryError, parse_query, select
from probes.model import LogSource
from probes.registry import log_source
from probes.text.sanitize import clean


async def _lines(source: LogSource, n: int) -> list[str]:
    try:
        return await source.tail(n)
    finally:
        await source.close()


def run_logs(cfg: FleetConfig, service: str, query: str, as_json: bool, n: int) -> int:
    svc = next((s for s in cfg.services if s.name == service), None)
    if svc is None:
        names = ", ".join(clean(s.name, 40) for s in cfg.services[:20])
        print(f"agentops-tui: no service {clean(service, 80)!r} in the config ({names})", file=sys.stderr)
        return 2
    try:
        q = parse_query(query, time.time())
    except QueryError as exc:
        print(f"agentops-tui: bad query: {exc}", file=sys.stderr)
        return 2
    source = log_source(svc)
    if source is None or isinstance(source, str):
        print(f"agentops-tui: {source or f'no logs for {svc.name}'}", file=sys.stderr)
        return 3
    lines = asyncio.run(_lines(source, n))
    decoded: dict[str, dict[str, Any] | None] = {}  # the lines select() decoded, so none is decoded again to print

    def decode_once(line: str) -> dict[str, Any] | None:
        entry = decoded[line] = decode(line)
        return entry

    hits = select(q, lines, decode_once)
    for line in (lines[i] for i in hits):
        entry = decoded[line] if line in decoded else decode(line)
        if as_json:
            print(json.dumps(entry if entry is not None else {"line": line}, ensure_ascii=True))
        else:
            print(render(entry) if entry is not None else line)
    print(f"{len(hits)} matching line(s) of the last {n} from {clean(source.label, 200)}", file=sys.stderr)
    return 0 if hits else 1
