"""Regenerate screenshots/ from the real demo fleet, through the same app factory the CLI uses.

Starts the demo fleet, waits until the scheduled faults and sparklines have something to show, then saves the
overview, one detail screen and the guide agent's log queried for errors as SVG (and PNG when rsvg-convert is
installed).

    python scripts/screenshots.py [--wait 45]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from agentops_tui.app import make_app
from agentops_tui.demo import schedule
from agentops_tui.demo.fleet import DemoFleet
from agentops_tui.demo.guide import FAILING
from agentops_tui.demo.roster import GUIDE_NAME
from agentops_tui.themes import DEFAULT
from agentops_tui.widgets.service_table import ServiceTable
from probes.config.load import load_config

OUT = Path(__file__).resolve().parents[1] / "screenshots"
SIZE = (120, 32)


async def shoot(cfg_path: Path, fleet: DemoFleet) -> list[Path]:
    cfg, _ = load_config(cfg_path)
    app = make_app(replace(cfg, theme=DEFAULT), badges=("DEMO",))  # not the theme this machine's user picked
    saved: list[Path] = []
    async with app.run_test(size=SIZE) as pilot:
        # The error burst on `writer`, with the latency spike on `researcher` just before it: both visible.
        start, end = schedule.next_window(schedule.ERROR_BURST, time.time(), fleet.epoch, fleet.cycle_s)
        await pilot.pause(max(20.0, start - time.time() + (end - start) * 0.6))
        table = app.screen.query_one(ServiceTable)  # worst first: writer is on top while it is CRIT, not always
        table.move_cursor(table.get_row_index("writer"))
        await pilot.pause(1.0)
        saved.append(Path(app.save_screenshot("overview.svg", str(OUT))))
        await pilot.press("enter")
        await pilot.pause(1.5)
        saved.append(Path(app.save_screenshot("detail.svg", str(OUT))))
        await pilot.press("escape")
        phase = ((time.time() - fleet.epoch) % fleet.cycle_s) / fleet.cycle_s  # into its provider's failing stretch
        await pilot.pause(((FAILING[0] + 0.1 - phase) % 1.0) * fleet.cycle_s)
        table.move_cursor(table.get_row_index(GUIDE_NAME))  # the guide's agent: its JSON log, queried
        await pilot.press("l")
        await pilot.pause(1.5)
        await pilot.press("slash", *"level=error")
        await pilot.pause(1.0)
        saved.append(Path(app.save_screenshot("logs.svg", str(OUT))))
    return saved


def main() -> int:
    argparse.ArgumentParser(description=__doc__).parse_args()
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agentops-shots-") as tmp:
        fleet = DemoFleet(Path(tmp), services=5, cycle_s=60.0, guide=True)
        fleet.start()
        try:
            cfg = Path(tmp) / "demo.yaml"
            fleet.write_config(cfg)
            saved = asyncio.run(shoot(cfg, fleet))
        finally:
            fleet.stop()
    for svg in saved:
        print(svg)
        if shutil.which("rsvg-convert"):
            png = svg.with_suffix(".png")
            subprocess.run(["rsvg-convert", "-w", "1400", str(svg), "-o", str(png)], check=True)
            print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
