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
