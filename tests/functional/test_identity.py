"""Who is running, from the command line as an operator sees it: --version, the top-level --help, and another
project's `probes` package shadowing ours."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("agentops-tui")
"""The installed console script: run from a directory outside the tree, it imports what the venv resolves."""


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "agentops_tui.cli", *args], capture_output=True, text=True, timeout=60, cwd=cwd,
        env=env,
    )  # fmt: skip


def test_version_names_ours_textual_and_python() -> None:
    out = cli("--version")
    assert out.returncode == 0, out.stderr
    python = ".".join(str(n) for n in sys.version_info[:3])
    assert out.stdout == f"agentops-tui 0.1.0 (Textual {metadata.version('textual')}, Python {python})\n"


def test_version_loads_no_textual_module() -> None:
    """Textual's version comes from its metadata: asking for ours must not start importing the app."""
    code = textwrap.dedent(
        """
        import contextlib, io, sys
        from agentops_tui.cli import main
        with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
            main(["--version"])
        print(",".join(sorted(m for m in sys.modules if m.split(".")[0] == "textual")))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _environment_read_by_the_code() -> set[str]:
    """Every variable name the code reads literally (os.environ / getenv), less the demo's own children's."""
    names: set[str] = set()
    pattern = re.compile(r"""(?:environ\.get\(|environ\[|getenv\(|xdg_base\()\s*["']([A-Z][A-Z0-9_]+)["']""")
    for path in [*(ROOT / "probes").rglob("*.py"), *(ROOT / "agentops_tui").rglob("*.py")]:
        if "demo" in path.relative_to(ROOT).parts:
            continue
        names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_help_has_examples_lookup_order_environment_and_exit_codes() -> None:
    out = cli("--help")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for example in ("agentops-tui demo", "agentops-tui check --config", "agentops-tui logs "):
        assert example in text, example
    order = ["--config FILE", "$AGENTOPS_TUI_CONFIG", "$XDG_CONFIG_HOME/agentops-tui/config.yaml",
             "/etc/agentops-tui/config.yaml"]  # fmt: skip
    lookup = text[text.index("config lookup") :]
    assert [lookup.index(step) for step in order] == sorted(lookup.index(step) for step in order)
    environment = _environment_read_by_the_code()
    assert {"XDG_CONFIG_HOME", "XDG_STATE_HOME", "DOCKER_HOST"} <= environment  # the scan finds what it should
    for name in sorted(environment | {"AGENTOPS_TUI_CONFIG", "NO_COLOR"}):
        assert name in text[text.index("environment:") :], name
    codes = text[text.index("exit codes:") :]
    for code in ("0", "1", "2", "3", "130"):
        assert re.search(rf"^\s+{code}\s+\S", codes, re.M), code
    # the epilog keeps its own line breaks (RawDescriptionHelpFormatter), so the table stays a table
    assert "\n  1. --config FILE\n" in text


@pytest.fixture
def foreign_probes(tmp_path: Path) -> Path:
    """A directory holding an unrelated package named `probes`, as `pip install probes` would bring."""
    pkg = tmp_path / "elsewhere" / "probes"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""Some other project\'s probes."""\n__version__ = "0.0.1"\n')
    return pkg.parent


@pytest.mark.parametrize("args", [("check", "--config", "missing.yaml"), ("--version",), ()])
def test_another_projects_probes_first_on_the_path_is_named_in_one_line(
    foreign_probes: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    env = {**os.environ, "PYTHONPATH": str(foreign_probes)}
    out = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert out.returncode == 3, out.stderr
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert str(foreign_probes / "probes" / "__init__.py") in lines[0]
    assert "not agentops-tui's" in lines[0] and "PYTHONPATH" in lines[0]


def test_our_probes_says_it_is_ours(tmp_path: Path) -> None:
    """The marker the check reads, through the same script and path as the test above but without the other one."""
    out = subprocess.run([str(SCRIPT), "--version"], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("agentops-tui 0.1.0 ")
