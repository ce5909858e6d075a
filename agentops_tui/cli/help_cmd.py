"""`agentops-tui help keys`: the `?` help's key table on stdout, with the config's `keymap:` applied.

The same rows and the same binding lists as the help screen (agentops_tui.keyhelp, agentops_tui.bindings); only
`textual.binding` is loaded, never the app.
"""

from __future__ import annotations

import argparse
from typing import Any

from probes.config.load import load_config
from probes.paths import find_config


def add(sub: Any) -> None:
    h = sub.add_parser("help", help="print the dashboard's keys (with the config's keymap: applied)")
    h.add_argument("topic", choices=["keys"], help="what to print: keys")
    h.add_argument("--config", dest="help_config", help="config file whose keymap: to apply (default: the one found)")
    h.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from agentops_tui.bindings import bound_keys
    from agentops_tui.keyhelp import plain_table

    path = find_config(args.help_config or args.config)
    keymap = load_config(path)[0].keymap if path is not None else {}
    print(plain_table(bound_keys(keymap)))
    return 0
