"""`agentops-tui help keys` and the shell completion scripts, run for real: the CLI in a subprocess, the bash and
fish completion loaded into the real shells (zsh, when installed, at least parses its script)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent  # the venv's bin: agentops-tui is installed there
CLI = [sys.executable, "-m", "agentops_tui.cli"]
CONFIG = "keymap: {overview.restart: x}\nservices:\n  - name: writer\n    process: {pid: 1}\n" \
         "  - name: planner\n    process: {pid: 1}\n"  # fmt: skip


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AGENTOPS_TUI", "_ARC", "COMP_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return {**env, **extra}


def key_of(out: str, words: str) -> str:
    line = next(line for line in out.splitlines() if words in line)
    return line.split(words)[0].strip()


def test_help_keys_prints_the_default_keys_without_loading_the_app() -> None:
    app = ("textual.app", "textual.widget", "agentops_tui.app", "agentops_tui.screens")
    # Whole module names: agentops_tui.applog (the log set up in main) is not agentops_tui.app
    code = (
        f"import sys; from agentops_tui.cli import main; main(['help', 'keys']); "
        f"print(sorted(m for m in sys.modules if any(m == a or m.startswith(a + '.') for a in {app!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env_with(), check=True)
    assert key_of(out.stdout, "restart the selected") == "r"
    assert key_of(out.stdout, "spend: runaway tasks") == "$"
    assert key_of(out.stdout, "this help") == "?"
    assert out.stdout.strip().splitlines()[-1] == "[]"  # nothing of the app was imported


def test_help_keys_shows_the_config_keymap(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(CONFIG)
    out = subprocess.run([*CLI, "help", "keys", "--config", str(cfg)], capture_output=True, text=True,
                         env=env_with(), check=True)  # fmt: skip
    assert key_of(out.stdout, "restart the selected") == "x"


def bash_complete(line: str, env: dict[str, str]) -> list[str]:
    """What bash offers for `line` (the cursor at its end) with the completion from `completion bash` loaded."""
    script = (
        "source <(agentops-tui completion bash)\n"
        'COMP_LINE="$LINE"; COMP_POINT=${#COMP_LINE}; read -r -a COMP_WORDS <<< "$COMP_LINE"\n'
        '[[ "$COMP_LINE" == *" " ]] && COMP_WORDS+=("")\n'
        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        '$(complete -p agentops-tui | sed -E "s/.*-F ([^ ]+).*/\\1/") agentops-tui\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env={**env, "LINE": line},
                         timeout=60, check=True)  # fmt: skip
    return sorted(w.strip() for w in out.stdout.splitlines() if w.strip())


def words(offered: list[str]) -> list[str]:
    """The offers that are not options (argcomplete offers a command's options too when nothing is typed)."""
    return [w for w in offered if not w.startswith("-")]


def test_bash_completes_subcommands_options_and_service_names(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(CONFIG)
    env = env_with(AGENTOPS_TUI_CONFIG=str(cfg))
    assert "help" in bash_complete("agentops-tui he", env)
    assert words(bash_complete("agentops-tui completion ", env)) == ["bash", "fish", "zsh"]
    assert words(bash_complete("agentops-tui logs ", env)) == ["planner", "writer"]
    assert bash_complete("agentops-tui logs wr", env) == ["writer"]
    assert "--json" in bash_complete("agentops-tui check --j", env)
    assert bash_complete("agentops-tui check --service wr", env) == ["writer"]
    named = env_with(AGENTOPS_TUI_CONFIG=str(tmp_path / "none.yaml"))  # check's own --config names the file
    assert bash_complete(f"agentops-tui check --config {cfg} --service pl", named) == ["planner"]


@pytest.mark.skipif(
    shutil.which("fish") is None and not os.environ.get("CI"), reason="fish is not installed (scripts/testbed-install)"
)
def test_fish_completes_subcommands_and_service_names(tmp_path: Path) -> None:
    cfg = tmp_path / "c.yaml"
    cfg.write_text(CONFIG)
    env = env_with(AGENTOPS_TUI_CONFIG=str(cfg), HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))

    def fish(line: str) -> list[str]:
        script = f"agentops-tui completion fish | source; complete -C '{line}'"
        out = subprocess.run(["fish", "--no-config", "-c", script], capture_output=True, text=True, env=env,
                             timeout=60, check=True)  # fmt: skip
        return sorted(w.split("\t")[0] for w in out.stdout.splitlines() if w.strip())

    assert "help" in fish("agentops-tui he")
    assert words(fish("agentops-tui logs ")) == ["planner", "writer"]


@pytest.mark.skipif(
    shutil.which("zsh") is None and not os.environ.get("CI"), reason="zsh is not installed (scripts/testbed-install)"
)
def test_zsh_script_parses() -> None:
    script = subprocess.run([*CLI, "completion", "zsh"], capture_output=True, text=True, env=env_with(), check=True)
    assert "agentops-tui" in script.stdout
    subprocess.run(["zsh", "-n"], input=script.stdout, text=True, check=True, timeout=60)
