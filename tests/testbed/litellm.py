"""The real LiteLLM proxy (from PyPI, in its own venv) in front of a local OpenAI-compatible stand-in; no network.

The venv (`litellm[proxy]==1.106.12`, ~740 MB) lives at ROOT/litellm-venv and is kept between sessions; a marker
file says it finished installing. `scripts/testbed-install` creates it under CI=true; elsewhere a missing venv
skips the tests with the command that makes it. The proxy starts in ~7 s and is stopped by PID.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.testbed import missing, spawn, stop, wait_for
from tests.testbed.docker import ROOT
from tests.testbed.redis import free_port

VENV = ROOT / "litellm-venv"
READY_MARKER = VENV / ".agentops-ready"
VERSION = "1.106.12"
INSTALL = (
    f"python3 -m venv {VENV} && {VENV}/bin/pip install 'litellm[proxy]=={VERSION}' prometheus-client "
    f"&& touch {READY_MARKER}"
)
MASTER_KEY = "sk-agentops-test-master"
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def litellm_binary() -> Path:
    """The proxy's entry point in its venv, or `missing()` with the command that installs it."""
    exe = VENV / "bin" / "litellm"
    if not READY_MARKER.exists() or not exe.exists():
        missing(f"the LiteLLM venv is not installed (run: {INSTALL})")
    return exe


class Upstream:
    """An OpenAI-compatible model on loopback: every chat completion uses 100 input and 20 output tokens.

    `failing = True` makes it answer 500s, as a provider outage would."""

    def __init__(self, prompt_tokens: int = 100, completion_tokens: int = 20) -> None:
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = completion_tokens
        self.failing = False
        self.calls = 0
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                upstream.calls += 1
                if upstream.failing:
                    self._json(500, {"error": {"message": "upstream down (test)", "type": "server_error"}})
                    return
                p, c = upstream.prompt_tokens, upstream.completion_tokens
                self._json(200, {
                    "id": f"chatcmpl-test-{upstream.calls}", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "gpt-4o-mini"),
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
                })  # fmt: skip

            def _json(self, code: int, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class LiteLLMProxy:
    """`litellm --config FILE --host 127.0.0.1 --port PORT` with one deployment (`agent-default`) on `upstream`."""

    def __init__(self, workdir: Path, upstream: Upstream, model: str = "gpt-4o-mini") -> None:
        self.workdir = Path(workdir)
        self.upstream = upstream
        self.model = model
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def config_text(self) -> str:
        return json.dumps({  # JSON is YAML
            "model_list": [{"model_name": "agent-default", "litellm_params": {
                "model": f"openai/{self.model}", "api_base": f"http://127.0.0.1:{self.upstream.port}/v1",
                "api_key": "x"}}],
            "litellm_settings": {"callbacks": ["prometheus"], "require_auth_for_metrics_endpoint": False},
            "general_settings": {"master_key": MASTER_KEY},
        }, indent=1)  # fmt: skip

    def alive(self) -> bool:
        try:
            with _NO_PROXY.open(f"{self.url}/health/liveliness", timeout=1.0) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def start(self, timeout: float = 60.0) -> None:
        exe = litellm_binary()
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "litellm.yaml"
        config.write_text(self.config_text())
        argv = [str(exe), "--config", str(config), "--host", "127.0.0.1", "--port", str(self.port)]
        self.proc = spawn(argv, self.workdir / "litellm.log")
        wait_for(self.alive, timeout, f"litellm proxy ({self.workdir / 'litellm.log'})", self.proc)

    def stop(self) -> None:
        if self.proc is not None:
            stop(self.proc, grace=10.0)
            self.proc = None

    def chat(self, n: int = 1, key: str = MASTER_KEY) -> list[int]:
        """Make `n` chat completions through the proxy; returns their HTTP codes."""
        codes = []
        body = json.dumps({"model": "agent-default", "messages": [{"role": "user", "content": "hi"}]}).encode()
        for _ in range(n):
            req = urllib.request.Request(
                f"{self.url}/v1/chat/completions", data=body, method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
            )  # fmt: skip
            try:
                with _NO_PROXY.open(req, timeout=30) as resp:
                    codes.append(resp.status)
            except urllib.error.HTTPError as exc:
                codes.append(exc.code)
        return codes


@contextmanager
def running_proxy(workdir: Path) -> Iterator[LiteLLMProxy]:
    """An upstream stand-in and a real proxy in front of it, both stopped at the end."""
    upstream = Upstream()
    upstream.start()
    proxy = LiteLLMProxy(workdir, upstream)
    try:
        proxy.start()
        yield proxy
    finally:
        proxy.stop()
        upstream.stop()
