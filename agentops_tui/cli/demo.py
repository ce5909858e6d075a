"""`agentops-tui demo`: the built-in fleet on loopback, with the dashboard on it or alone (`--fleet-only`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from agentops_tui.cli import args as types
from agentops_tui.cli.common import NO_TERMINAL_EXIT, load, run_dashboard, terminal_problem


def add(sub: Any) -> None:
    d = sub.add_parser("demo", help="start the built-in demo fleet on loopback and open the dashboard on it")
    d.add_argument("--fleet-only", action="store_true", help="run only the fleet, until SIGTERM or Ctrl+C")
    d.add_argument("--write-config", metavar="PATH", help="write the fleet's config file here")
    d.add_argument("--services", type=types.agents, default=5, help="number of agents (default 5, plus a model proxy)")
    d.add_argument("--cycle", type=types.positive, default=120.0, help="seconds in one cycle of scheduled faults")
    d.add_argument("--base-port", type=int, default=0, help="first port (default: free ephemeral ports)")
    d.add_argument("--refresh", type=types.positive, default=2.0, help="refresh interval written into the config")
    d.add_argument("--read-only", action="store_true", dest="demo_read_only", help="disable actions")
    d.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from agentops_tui.cli import with_theme
    from agentops_tui.demo.fleet import DemoFleet, run_fleet_only

    read_only = bool(args.read_only or getattr(args, "demo_read_only", False))
    if args.fleet_only:
        out = Path(args.write_config) if args.write_config else None
        return run_fleet_only(None, out, args.services, args.cycle, args.base_port, args.refresh)
    problem = terminal_problem()
    if problem:  # before starting the fleet: nothing to stop
        print(problem, file=sys.stderr)
        return NO_TERMINAL_EXIT
    # Its own temporary directory: removed on every way out, by a janitor process when this one is killed.
    fleet = DemoFleet(None, services=args.services, cycle_s=args.cycle, base_port=args.base_port,
                      refresh_interval=args.refresh, guide=True)  # fmt: skip
    print("starting the demo fleet…", file=sys.stderr)
    try:
        fleet.start()
        path = Path(args.write_config) if args.write_config else fleet.workdir / "demo.yaml"
        fleet.write_config(path)
        cfg = load(path)
        if read_only:
            cfg = replace(cfg, read_only=True)
        return run_dashboard(with_theme(cfg, args), badges=("DEMO",))
    finally:
        fleet.stop()
