"""A fleet whose names and answers are markup: the service names, their health fields, breakers, control replies,
control paths and ledger values all carry `[/nope]` (a closing tag that opens nothing: a MarkupError when parsed),
`[@click=app.quit]` (an action run on click) or `[b]` (a style). Each must be drawn as written."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.functional.helpers import serve_handler

NAMES = ("bad[/nope]markup", "[@click=app.quit]clickme", "[b]bold")
DEP = "[b]dep[/nope]"  # an open breaker: the row's reason and a firing alert carry it
REPLY = "[/nope]done [@click=app.quit]ok"  # what every control call answers (the toast shows it)
HEALTH = {
    "status": "healthy",
    "max_requests_per_minute": "[/nope]60",  # the throttle dialog's "current"
    "version": "[@click=app.quit]v1",
    "breakers": {DEP: "open"},
    "checks": {"[/nope]check": True},
}


class _Handler(BaseHTTPRequestHandler):
    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(json.dumps(HEALTH).encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._answer(REPLY.encode())

    def log_message(self, *args: object) -> None:
        return None


@contextmanager
def hostile_server() -> Iterator[int]:
    """Health and control for every hostile service, on one loopback port."""
    with serve_handler(_Handler) as port:
        yield port


def write_config(tmp: Path, port: int) -> Path:
    """A config with the three names, each with health, a control block (its restart path is markup too) and a
    ledger whose model and task type are markup; the journal in `tmp`."""
    ledger = tmp / "ledger.jsonl"
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    with ledger.open("w") as f:
        for i, name in enumerate(NAMES):
            f.write(json.dumps({"timestamp": now, "service": name, "model": "[/nope]model", "cost_usd": 0.5 + i,
                                "task_id": f"[@click=app.quit]t{i}", "task_type": "[b]type"}) + "\n")  # fmt: skip
    lines = [f"refresh_interval: 1\nactions: {{journal: '{tmp / 'journal.jsonl'}'}}\nservices:"]
    for name in NAMES:
        lines.append(
            f"  - name: '{name}'\n"
            f"    health: {{url: 'http://127.0.0.1:{port}/health', timeout: 0.5}}\n"
            f"    ledger: {{path: '{ledger}'}}\n"
            f"    control:\n"
            f"      base_url: 'http://127.0.0.1:{port}'\n"
            f"      restart: {{path: '/r/[/nope]'}}\n"
            f"      throttle: {{path: /t}}\n"
            f"      drain: {{path: /d}}\n"
            f"      resume: {{path: /u}}"
        )
    path = tmp / "hostile.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path
