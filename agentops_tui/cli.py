"""Command line: `agentops-tui` (dashboard), `agentops-tui demo`, `agentops-tui check`, `agentops-tui logs`.

Textual is imported only by the commands that draw, so `check` and `demo --fleet-only` start fast and run
where no terminal exists.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path

from probes.config import FleetConfig
from probes.config.load import ConfigError, find_config, load_config, xdg_config_path
from probes.config.trust import ALLOW_FLAG

MAX_DEMO_AGENTS = 1000
MAX_SETTLE_S = 600.0


def _positive(text: str) -> float:
    """A finite number above 0 (`nan` passes every `<= 0` check and would run a fleet on a schedule of nans)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number above 0, got {text!r}")
    return value


def _settle(text: str) -> float:
    """Seconds check waits between its two scrapes: `inf` waited forever."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= MAX_SETTLE_S:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to {MAX_SETTLE_S:g}, got {text!r}")
    return value


def _agents(text: str) -> int:
    if not (text.isdigit() and 1 <= int(text) <= MAX_DEMO_AGENTS):
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 to {MAX_DEMO_AGENTS}, got {text!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="agentops-tui",
        description="Terminal dashboard for LLM agents run as services. With no config, opens the built-in demo.",
    )
    p.add_argument("--config", help="config file (default: $AGENTOPS_TUI_CONFIG, then the XDG config path)")
    p.add_argument("--read-only", action="store_true", help="disable every action (restart, throttle, drain)")
    p.add_argument(
        "--allow-insecure-config",
        action="store_true",
        help="run the config's commands even when other users can change the file or its directory",
    )
    sub = p.add_subparsers(dest="command")
    d = sub.add_parser("demo", help="start the built-in demo fleet on loopback and open the dashboard on it")
    d.add_argument("--fleet-only", action="store_true", help="run only the fleet, until SIGTERM or Ctrl+C")
    d.add_argument("--write-config", metavar="PATH", help="write the fleet's config file here")
    d.add_argument("--services", type=_agents, default=5, help="number of agents (default 5, plus a model proxy)")
    d.add_argument("--cycle", type=_positive, default=120.0, help="seconds in one cycle of scheduled faults")
    d.add_argument("--base-port", type=int, default=0, help="first port (default: free ephemeral ports)")
    d.add_argument("--refresh", type=_positive, default=2.0, help="refresh interval written into the config")
    d.add_argument("--read-only", action="store_true", dest="demo_read_only", help="disable actions")
    c = sub.add_parser("check", help="poll everything once; print a table or JSON; exit 0/1/2/3 (Nagios)")
    c.add_argument("--config", dest="check_config", help="config file")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.add_argument("--settle", type=_settle, default=2.0, help="seconds between the two scrapes rates come from")
    c.add_argument("--ledger-time", type=_seconds, metavar="SECONDS",
                   help="most time to read each ledger (default 8); spend not read to the end is flagged")  # fmt: skip
    g = sub.add_parser("logs", help="print a service's recent log lines that meet a query (level=error since=1h word)")
    g.add_argument("service", help="the service's name")
    g.add_argument("query", nargs="*", help="field=value, field!=value, since=1h, until=10m, words")
    g.add_argument("--config", dest="logs_config", help="config file")
    g.add_argument("--json", action="store_true", help="print each line as one JSON object")
    g.add_argument("--lines", type=int, default=10_000, help="how many of the last lines to search (default 10000)")
    return p


def _seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < 3600:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds between 0 and 3600")
    return value


def _load(path: Path, allow_insecure_config: bool = False) -> FleetConfig:
    cfg, warnings = load_config(path)
    for w in warnings:
        print(f"agentops-tui: warning: {w}", file=sys.stderr)
    if cfg.untrusted and allow_insecure_config:
        print(f"agentops-tui: warning: running the commands of {path} anyway ({ALLOW_FLAG})", file=sys.stderr)
        cfg = replace(cfg, untrusted=None)
    if any(s.docker is not None and s.docker.compose_project and not s.docker.compose_service for s in cfg.services):
        from probes.sources.docker.compose import expand_compose

        cfg, notes = expand_compose(cfg)
        for n in notes:
            print(f"agentops-tui: note: {n}", file=sys.stderr)
    return cfg


def _run_dashboard(cfg: FleetConfig, badges: tuple[str, ...] = ()) -> int:
    from agentops_tui.app import make_app  # Textual only when drawing

    app = make_app(cfg, badges=badges)
    result = app.run()
    if app.return_code:  # an unhandled exception ended it (Textual printed it): a crash is never a clean quit
        return app.return_code
    return int(result or 0)


def _demo(args: argparse.Namespace, read_only: bool) -> int:
    from agentops_tui.demo.fleet import DemoFleet, run_fleet_only

    if args.fleet_only:
        out = Path(args.write_config) if args.write_config else None
        return run_fleet_only(None, out, args.services, args.cycle, args.base_port, args.refresh)
    # Its own temporary directory: removed on every way out, by a janitor process when this one is killed.
    fleet = DemoFleet(None, services=args.services, cycle_s=args.cycle, base_port=args.base_port,
                      refresh_interval=args.refresh, guide=True)  # fmt: skip
    print("starting the demo fleet…", file=sys.stderr)
    try:
        fleet.start()
        path = Path(args.write_config) if args.write_config else fleet.workdir / "demo.yaml"
        fleet.write_config(path)
        cfg = _load(path)
        if read_only:
            from dataclasses import replace

            cfg = replace(cfg, read_only=True)
        return _run_dashboard(cfg, badges=("DEMO",))
    finally:
        fleet.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args, args.read_only or args.demo_read_only)
        if args.command == "check":
            from agentops_tui.check import run_check

            path = find_config(args.check_config or args.config)
            if path is None:
                print(f"agentops-tui: no config (give --config, set AGENTOPS_TUI_CONFIG, or write {xdg_config_path()})",
                      file=sys.stderr)  # fmt: skip
                return 3
            out, code = run_check(_load(path, args.allow_insecure_config), args.json, args.settle, args.ledger_time)
            print(out)
            return code
        if args.command == "logs":
            from agentops_tui.logs_cmd import run_logs

            path = find_config(args.logs_config or args.config)
            if path is None:
                print("agentops-tui: no config (give --config or set AGENTOPS_TUI_CONFIG)", file=sys.stderr)
                return 3
            return run_logs(_load(path, args.allow_insecure_config), args.service, " ".join(args.query), args.json,
                            max(1, args.lines))  # fmt: skip
        path = find_config(args.config)
        if path is None:
            print(f"agentops-tui: no config at {xdg_config_path()}; opening the built-in demo fleet", file=sys.stderr)
            return _demo(_parser().parse_args(["demo"]), args.read_only)
        cfg = _load(path, args.allow_insecure_config)
        if args.read_only:
            cfg = replace(cfg, read_only=True)
        return _run_dashboard(cfg)
    except ConfigError as exc:
        print(f"agentops-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
