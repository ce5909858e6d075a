"""Installing it as a user does: the wheel and sdist `python -m build` makes, the wheel in a clean venv with only
its declared dependencies (pip from the registry this machine is configured for, as `make setup` uses), and
`pipx install .` from the tree with PIPX_HOME and PIPX_BIN_DIR in a temporary directory.

One build and one venv per module; every command runs from a directory outside the tree, so nothing of the source
tree or the dev venv is importable and what answers is what was installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest

from agentops_tui.demo.taskqueue import TASKS, QueueServer, Store
from tests.functional.helpers import serve
from tests.testbed import missing

ROOT = Path(__file__).resolve().parents[2]
INSTALL_TIMEOUT = 900  # seconds: dependencies come from the registry, or pip's cache after the first time


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment less what would make the tree or the dev venv importable."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, **extra}


def run(args: list[str | Path], cwd: Path, timeout: float = 120, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=clean_env(**env)
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build`: the sdist, then the wheel built from that sdist (so the sdist must hold everything)."""
    out = tmp_path_factory.mktemp("dist")
    built = run([sys.executable, "-m", "build", "--outdir", out, ROOT], out, timeout=INSTALL_TIMEOUT)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (found,) = dist.glob("agentops_tui-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the wheel and only what it declares."""
    home = tmp_path_factory.mktemp("venv")
    made = run([sys.executable, "-m", "venv", home / "venv"], home)
    assert made.returncode == 0, made.stderr
    pip = run([home / "venv" / "bin" / "pip", "install", "--quiet", wheel], home, timeout=INSTALL_TIMEOUT)
    assert pip.returncode == 0, pip.stderr[-3000:]
    return home / "venv"


def test_the_wheel_holds_every_module_and_the_package_data(wheel: Path, dist: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    tree = {
        p.relative_to(ROOT).as_posix()
        for package in ("agentops_tui", "probes")
        for p in (ROOT / package).rglob("*")
        if p.is_file() and p.suffix in (".py", ".tcss", ".typed") and "__pycache__" not in p.parts
    }
    assert tree - names == set()
    assert {"agentops_tui/app.tcss", "agentops_tui/py.typed", "probes/py.typed"} <= names
    assert not any(n.startswith(("tests/", "benchmarks/", "scripts/")) for n in names)
    assert len(list(dist.glob("agentops_tui-*.tar.gz"))) == 1


def test_the_wheel_needs_the_redis_client_without_an_extra(wheel: Path) -> None:
    """The demo's task queue and every `queue:` service read Redis: a plain install must bring the client."""
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode())
    requires = meta.get_all("Requires-Dist") or []
    assert any(r.startswith("redis") and "extra ==" not in r for r in requires), requires


def test_version_and_the_app_import_in_the_clean_venv(venv: Path, tmp_path: Path) -> None:
    out = run([venv / "bin" / "agentops-tui", "--version"], tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("agentops-tui 0.1.0 (Textual "), out.stdout
    code = (
        "import agentops_tui.app, importlib.resources as r; "
        "print(agentops_tui.app.__file__); print(r.files('agentops_tui').joinpath('app.tcss').is_file())"
    )
    out = run([venv / "bin" / "python", "-c", code], tmp_path)
    assert out.returncode == 0, out.stderr
    module, tcss = out.stdout.split()
    assert Path(module).is_relative_to(venv) and tcss == "True", out.stdout


@pytest.fixture
def task_queue() -> Iterator[int]:
    """The demo's Redis-protocol stand-in on loopback with three tasks pending; yields its port."""
    store = Store()
    for n in range(3):
        store.run(0, [b"LPUSH", TASKS.encode(), json.dumps({"n": n}).encode()])
    server = QueueServer(0, store)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def fleet_yaml(tmp_path: Path, task_queue: int) -> Iterator[Path]:
    """A config of two services on loopback: `web` (a health endpoint answering ok) and `jobs` (the queue)."""
    with serve(b'{"status": "ok"}') as port:
        config = tmp_path / "fleet.yaml"
        config.write_text(
            "refresh_interval: 2\nservices:\n"
            f"  - name: web\n    health: {{url: 'http://127.0.0.1:{port}/health', timeout: 0.5}}\n"
            f"  - name: jobs\n    queue: {{redis_url: 'redis://127.0.0.1:{task_queue}/0', keys: ['{TASKS}'],"
            " timeout: 0.5}\n"
        )
        yield config


def check_json(script: Path, config: Path, cwd: Path) -> dict[str, dict[str, Any]]:
    """`agentops-tui check --json` run by `script`: the services by name."""
    out = run([script, "check", "--config", config, "--json", "--settle", "0.5"], cwd)
    assert out.returncode in (0, 1), out.stdout + out.stderr
    return {s["name"]: s for s in json.loads(out.stdout)["services"]}


def test_check_in_the_clean_venv_polls_a_health_endpoint_and_a_queue(
    venv: Path, tmp_path: Path, fleet_yaml: Path
) -> None:
    services = check_json(venv / "bin" / "agentops-tui", fleet_yaml, tmp_path)
    assert services["web"]["status"] == "OK", services["web"]
    assert services["jobs"]["active_tasks"] == 3 and services["jobs"]["reason"].startswith("depth "), services["jobs"]


def test_another_probes_on_the_path_is_named_by_the_installed_script(venv: Path, tmp_path: Path) -> None:
    other = tmp_path / "other" / "probes"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text('"""Not ours."""\n')
    out = run([venv / "bin" / "agentops-tui", "--version"], tmp_path, PYTHONPATH=str(other.parent))
    assert out.returncode == 3 and out.stdout == "", out.stdout + out.stderr
    assert str(other / "__init__.py") in out.stderr and len(out.stderr.splitlines()) == 1, out.stderr


def test_pipx_install_from_the_tree(tmp_path: Path, fleet_yaml: Path) -> None:
    """The README's way to install for use: `pipx install .` in a clone; its command runs from anywhere."""
    pipx = shutil.which("pipx")
    if pipx is None:
        missing("pipx is not installed (scripts/testbed-install installs it: apt-get install pipx)")
    home, bin_dir = tmp_path / "pipx", tmp_path / "bin"
    env = {"PIPX_HOME": str(home), "PIPX_BIN_DIR": str(bin_dir)}
    out = run([pipx, "install", ROOT], tmp_path, timeout=INSTALL_TIMEOUT, **env)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    version = run([bin_dir / "agentops-tui", "--version"], tmp_path)
    assert version.returncode == 0 and version.stdout.startswith("agentops-tui 0.1.0 "), version.stderr
    services = check_json(bin_dir / "agentops-tui", fleet_yaml, tmp_path)
    assert services["web"]["status"] == "OK" and services["jobs"]["active_tasks"] == 3, services
