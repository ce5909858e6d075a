"""Command line: `agentops-tui` (dashboard), `agentops-tui demo`, `agentops-tui check`, `agentops-tui logs`.

Each subcommand is one module here with `add(sub)` (its parser; `set_defaults(run=...)`) and `run(args)`.
Textual is imported only by the commands that draw, so `check` and `demo --fleet-only` start fast and run
where no terminal exists.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace

from probes.config import FleetConfig
from probes.config.load import ConfigError, find_config, xdg_config_path


def parser() -> argparse.ArgumentParser:
    from agentops_tui.cli import check, completion, demo, help_cmd, logs

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
    p.add_argument("--theme", type=theme, help="Textual theme (wins over theme: in the config and the one last picked)")
    sub = p.add_subparsers(dest="command")
    for command in (demo, check, logs, help_cmd, completion):
        command.add(sub)
    return p


def theme(name: str) -> str:
    """--theme: one of Textual's themes (the list is loaded only when --theme is given)."""
    from agentops_tui.themes import theme_names, unknown

    if name not in theme_names():
        raise argparse.ArgumentTypeError(unknown(name))
    return name


def with_theme(cfg: FleetConfig, args: argparse.Namespace) -> FleetConfig:
    """--theme wins over the config's `theme:`."""
    return replace(cfg, theme=args.theme) if getattr(args, "theme", None) else cfg


def dashboard(args: argparse.Namespace) -> int:
    """No subcommand: the dashboard on the config found, else the demo fleet."""
    from agentops_tui.cli import demo
    from agentops_tui.cli.common import load, run_dashboard

    path = find_config(args.config)
    if path is None:
        print(f"agentops-tui: no config at {xdg_config_path()}; opening the built-in demo fleet", file=sys.stderr)
        return demo.run(parser().parse_args(["--read-only"] * args.read_only + ["demo"]))
    cfg = load(path, args.allow_insecure_config)
    if args.read_only:
        cfg = replace(cfg, read_only=True)
    return run_dashboard(with_theme(cfg, args))


def main(argv: list[str] | None = None) -> int:
    p = parser()
    if "_ARGCOMPLETE" in os.environ:  # the shell asks for completions (agentops-tui completion SHELL)
        from agentops_tui.cli.completion import complete

        complete(p)
    args = p.parse_args(argv)
    try:
        return int(args.run(args)) if hasattr(args, "run") else dashboard(args)
    except ConfigError as exc:
        print(f"agentops-tui: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
