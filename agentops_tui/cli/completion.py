"""`agentops-tui completion bash|zsh|fish`: the shell's completion script, printed for the shell to load.

argcomplete, not shtab: it serves all three shells (fish matters to operators), and its answers come from the
real parser at completion time, so `logs <TAB>` can offer the config's service names. It costs nothing on an
ordinary run: `main` imports it only when the shell asks for completions (`_ARGCOMPLETE` in the environment).
"""

from __future__ import annotations

import argparse
from typing import Any

SHELLS = ("bash", "zsh", "fish")


def add(sub: Any) -> None:
    c = sub.add_parser("completion", help="print the shell completion script (bash, zsh or fish)",
                       description="Load it with: source <(agentops-tui completion bash) (in ~/.bashrc); "
                       "agentops-tui completion zsh > ~/.zfunc/_agentops-tui; "
                       "agentops-tui completion fish > ~/.config/fish/completions/agentops-tui.fish")  # fmt: skip
    c.add_argument("shell", choices=SHELLS)
    c.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import argcomplete

    print(argcomplete.shellcode(["agentops-tui"], shell=args.shell))
    return 0


def service_names(prefix: str, parsed_args: argparse.Namespace, **_: object) -> list[str]:
    """The services of the config the command line names (or the one found): completions for a service name."""
    from probes.config.load import ConfigError, load_config
    from probes.paths import find_config

    given = (
        getattr(parsed_args, "logs_config", None)
        or getattr(parsed_args, "check_config", None)
        or getattr(parsed_args, "config", None)
    )
    try:
        path = find_config(given)
        names = [s.name for s in load_config(path)[0].services] if path is not None else []
    except (ConfigError, OSError):
        return []
    return [n for n in names if n.startswith(prefix)]


def complete(parser: argparse.ArgumentParser) -> None:
    """Answer the shell's completion request and exit (argcomplete does), when this run is one."""
    import argcomplete

    argcomplete.autocomplete(parser)
