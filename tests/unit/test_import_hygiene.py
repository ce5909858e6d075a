"""probes/ and the check command never import Textual (they run where there is no terminal)."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_probes_and_check_do_not_import_textual() -> None:
    code = textwrap.dedent(
        """
        import sys, pkgutil, importlib, probes
        for m in pkgutil.walk_packages(probes.__path__, "probes."):
            importlib.import_module(m.name)
        import agentops_tui.check, agentops_tui.cli, agentops_tui.demo.fleet
        bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
        print(",".join(bad))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _loaded_by(module: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with one of `prefixes` that importing `module` loads, in a fresh interpreter."""
    code = textwrap.dedent(
        f"""
        import sys, {module}
        print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in {prefixes!r})))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


CLIENTS = ("aiohttp", "httpx", "httpcore", "docker", "dbus_fast", "redis")
"""The HTTP clients and backends' libraries: the poller thread loads them after the first frame (probes.runtime)."""


def test_the_app_loads_no_http_client_or_backend_library_before_the_first_frame() -> None:
    assert _loaded_by("agentops_tui.app", CLIENTS) == []


def test_presentation_and_the_view_types_load_no_collector() -> None:
    for module in ("agentops_tui.presentation", "probes.view", "probes.model"):
        assert _loaded_by(module, CLIENTS) == [], module
        loaded = _loaded_by(module, ("probes",))
        collectors = [m for m in loaded if m.startswith(("probes.sources", "probes.http", "probes.runtime"))]
        assert collectors == [], module
