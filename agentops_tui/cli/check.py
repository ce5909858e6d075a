"""`agentops-tui check`: poll once and exit with the Nagios code (the work is in agentops_tui.check).

A plugin answers every failure of its own with UNKNOWN (3) and one line on stdout, which is what Nagios shows: a
bad flag or value, a config that cannot be used, a service name the config does not have, a crash.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import traceback
from typing import Any, NoReturn

from agentops_tui.check_plugin import SCHEMA
from agentops_tui.cli import args as types
from agentops_tui.cli.check_help import EPILOG
from agentops_tui.cli.common import load
from agentops_tui.cli.completion import service_names
from agentops_tui.plugin_output import plugin_text
from probes.config.load import ConfigError
from probes.paths import find_config, user_config_path

UNKNOWN = 3


def add(sub: Any) -> None:
    c = sub.add_parser(
        "check",
        help="poll everything once; print a Nagios plugin's output or JSON; exit 0/1/2/3",
        description="Poll every service once and print a Nagios/Icinga plugin's output (or JSON).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    c.add_argument("--config", dest="check_config", metavar="FILE", help="config file")
    c.add_argument("--json", action="store_true", help="print JSON (schema 1) instead of the plugin output")
    c.add_argument("--service", action="append", default=[], metavar="NAME",
                   help="check only this service (repeatable): one Nagios service per agent"
                   ).completer = service_names  # argcomplete's hook  # fmt: skip
    c.add_argument("--settle", type=types.settle, default=2.0, help="seconds between the two scrapes rates come from")
    c.add_argument("--ledger-time", type=types.seconds, metavar="SECONDS",
                   help="most time to read each ledger (default 8); spend not read to the end is flagged")  # fmt: skip
    c.error = usage_error  # argparse's documented hook: a usage error is UNKNOWN, not argparse's 2
    c.set_defaults(run=run, usage_error=usage_error)


def usage_error(message: str) -> NoReturn:
    """A bad flag or value: one UNKNOWN line (a JSON error under --json), the usage on stderr. argparse calls this
    before the flags are known, so --json is looked for in the process's own arguments."""
    print("usage: agentops-tui check [--config FILE] [--service NAME ...] [--json] (see check --help)", file=sys.stderr)
    print(f"agentops-tui check: error: {message}", file=sys.stderr)
    sys.exit(unknown("--json" in sys.argv[1:], "usage", message))


def unknown(
    as_json: bool, kind: str, message: str, problems: list[dict[str, Any]] | None = None, line: str | None = None
) -> int:
    """Print the UNKNOWN answer (`AGENTOPS UNKNOWN - KIND error: ...` or `line`, or a JSON error object) and
    return 3."""
    message = plugin_text(message, 1000)
    if as_json:
        error = {"kind": kind, "message": message, **({"problems": problems} if problems is not None else {})}
        stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        print(json.dumps({"schema": SCHEMA, "status": "UNKNOWN", "timestamp": stamp, "error": error}, indent=2))
    else:
        print(f"AGENTOPS UNKNOWN - {plugin_text(line, 2000) if line else f'{kind} error: {message}'}")
    return UNKNOWN


def config_error(as_json: bool, exc: ConfigError) -> int:
    """The first problem on the line (`FILE line N key: message`), every one on stderr and in the JSON."""
    print(f"agentops-tui: {exc}", file=sys.stderr)
    problems = [{"file": exc.file, "line": p.line, "key": p.path, "message": p.message} for p in exc.problems]
    first = exc.problems[0]
    text = f"{exc.file} line {first.line}{f' {first.path}' if first.path else ''}: {first.message}"
    more = len(exc.problems) - 1
    return unknown(as_json, "config", text + (f" (+{more} more on stderr)" if more else ""), problems)


def run(args: argparse.Namespace) -> int:
    from agentops_tui.check import run_check

    path = find_config(args.check_config or args.config)
    if path is None:
        no_config = f"no config (give --config, set AGENTOPS_TUI_CONFIG, or write {user_config_path()})"
        return unknown(args.json, "config", no_config)
    try:
        cfg = load(path, args.allow_insecure_config)
    except ConfigError as exc:
        return config_error(args.json, exc)
    known = [s.name for s in cfg.services]
    missing = [n for n in args.service if n not in known]
    if missing:
        line = f"no service named {missing[0]!r} (known: {', '.join(known)})"
        return unknown(args.json, "service", f"no service named {missing[0]!r}", line=line)
    try:
        out, code = run_check(cfg, args.json, args.settle, args.ledger_time, tuple(args.service))
    except Exception as exc:  # a plugin that crashes must still say UNKNOWN, never exit 1 (WARNING) with a traceback
        traceback.print_exc()
        return unknown(args.json, "internal", f"{type(exc).__name__}: {exc}")
    print(out)
    return code
