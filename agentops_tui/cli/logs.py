"""`agentops-tui logs SERVICE [QUERY]`: the lines the logs view shows for a query (the work is in logs_cmd)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from agentops_tui.cli.common import load
from agentops_tui.cli.completion import service_names
from probes.paths import find_config


def add(sub: Any) -> None:
    g = sub.add_parser("logs", help="print a service's recent log lines that meet a query (level=error since=1h word)")
    g.add_argument("service", help="the service's name").completer = service_names  # argcomplete's hook
    g.add_argument("query", nargs="*", help="field=value, field!=value, since=1h, until=10m, words")
    g.add_argument("--config", dest="logs_config", help="config file")
    g.add_argument("--json", action="store_true", help="print each line as one JSON object")
    g.add_argument("--lines", type=int, default=10_000, help="how many of the last lines to search (default 10000)")
    g.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from agentops_tui.logs_cmd import run_logs

    path = find_config(args.logs_config or args.config)
    if path is None:
        print("agentops-tui: no config (give --config or set AGENTOPS_TUI_CONFIG)", file=sys.stderr)
        return 3
    return run_logs(load(path, args.allow_insecure_config), args.service, " ".join(args.query), args.json,
                    max(1, args.lines))  # fmt: skip
