"""`agentops-tui check`: poll once and exit with the Nagios code (the work is in agentops_tui.check)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from agentops_tui.cli import args as types
from agentops_tui.cli.common import load
from probes.config.load import find_config, xdg_config_path


def add(sub: Any) -> None:
    c = sub.add_parser("check", help="poll everything once; print a table or JSON; exit 0/1/2/3 (Nagios)")
    c.add_argument("--config", dest="check_config", help="config file")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.add_argument("--settle", type=types.settle, default=2.0, help="seconds between the two scrapes rates come from")
    c.add_argument("--ledger-time", type=types.seconds, metavar="SECONDS",
                   help="most time to read each ledger (default 8); spend not read to the end is flagged")  # fmt: skip
    c.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from agentops_tui.check import run_check

    path = find_config(args.check_config or args.config)
    if path is None:
        print(f"agentops-tui: no config (give --config, set AGENTOPS_TUI_CONFIG, or write {xdg_config_path()})",
              file=sys.stderr)  # fmt: skip
        return 3
    out, code = run_check(load(path, args.allow_insecure_config), args.json, args.settle, args.ledger_time)
    print(out)
    return code
