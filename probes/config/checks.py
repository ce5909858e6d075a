"""Rules of a config that its types cannot say: unique names, timeouts below intervals, URLs that are URLs, one
of each pair of keys. Found after the YAML is converted (probes.config.load), located by key path and line."""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from typing import Protocol

import yaml

from probes.config import FleetConfig, PrometheusConfig, ServiceConfig, timeout_for
from probes.config.values import out_of_range

_SECRET_HINT = re.compile(r"(?i)(bearer\s+[a-z0-9._\-]{8,}|sk-[a-z0-9_\-]{8,}|api[_-]?key)")


@dataclasses.dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with the file, located by key path and line."""

    path: str
    line: int
    message: str


class Found(Protocol):
    """Where the problems and warnings go (the loader's converter)."""

    problems: list[ConfigProblem]
    warnings: list[str]


def check_semantics(conv: Found, cfg: FleetConfig, root: yaml.MappingNode) -> None:
    """Rules the types cannot say: unique names, timeouts below intervals, URLs that are URLs."""
    lines = _LineIndex(root)
    conv.problems += [ConfigProblem(path, lines.of(path), message) for path, message in out_of_range(cfg)]
    if cfg.refresh_interval <= 0:
        conv.problems.append(ConfigProblem("refresh_interval", lines.of("refresh_interval"), "must be > 0"))
    if cfg.max_read_bytes < 1024:
        conv.problems.append(ConfigProblem("max_read_bytes", lines.of("max_read_bytes"), "must be >= 1024"))
    if cfg.concurrency < 1:
        conv.problems.append(ConfigProblem("concurrency", lines.of("concurrency"), "must be >= 1"))
    if not cfg.services:
        conv.problems.append(ConfigProblem("services", lines.of("services"), "at least one service is needed"))
    if cfg.prometheus is not None:
        _check_prometheus(conv, cfg, cfg.prometheus, "prometheus", lines, fleet=True)
    seen: dict[str, int] = {}
    for i, svc in enumerate(cfg.services):
        base = f"services[{i}]"
        if not svc.name.strip():
            conv.problems.append(ConfigProblem(f"{base}.name", lines.of(f"{base}.name"), "must not be empty"))
        if svc.name in seen:
            conv.problems.append(
                ConfigProblem(
                    f"{base}.name",
                    lines.of(f"{base}.name"),
                    f"duplicate service name (also services[{seen[svc.name]}])",
                )
            )
        seen.setdefault(svc.name, i)
        _check_service(conv, cfg, svc, base, lines)


def _check_service(conv: Found, cfg: FleetConfig, svc: ServiceConfig, base: str, lines: _LineIndex) -> None:
    for part in ("health", "metrics"):
        if getattr(svc, part) is not None:
            _check_endpoint(conv, cfg, svc, f"{base}.{part}", lines)
    if svc.control is not None and not re.match(r"^https?://", svc.control.base_url):
        conv.problems.append(
            ConfigProblem(
                f"{base}.control.base_url",
                lines.of(f"{base}.control.base_url"),
                "must start with http:// or https://",
            )
        )
    if svc.prometheus is not None:
        _check_prometheus(conv, cfg, svc.prometheus, f"{base}.prometheus", lines, fleet=False)
    _check_queue_and_proxy(conv, cfg, svc, base, lines)
    if svc.process is not None and svc.process.pid is None and svc.process.pidfile is None:
        conv.problems.append(ConfigProblem(f"{base}.process", lines.of(f"{base}.process"), "needs pidfile or pid"))
    if svc.launchd is not None and not (svc.launchd.label or svc.launchd.label_prefix):
        conv.problems.append(
            ConfigProblem(f"{base}.launchd", lines.of(f"{base}.launchd"), "needs label or label_prefix")
        )
    if svc.systemd is not None and not (svc.systemd.unit or svc.systemd.unit_pattern):
        conv.problems.append(
            ConfigProblem(f"{base}.systemd", lines.of(f"{base}.systemd"), "needs unit or unit_pattern")
        )
    if svc.docker is not None:
        _check_docker(conv, svc, base, lines)


def _check_endpoint(conv: Found, cfg: FleetConfig, svc: ServiceConfig, path: str, lines: _LineIndex) -> None:
    """A health or metrics block: an http(s) URL, a timeout below the interval, no literal secret in a header."""
    src = getattr(svc, path.rsplit(".", 1)[1])
    if not re.match(r"^https?://", src.url):
        conv.problems.append(
            ConfigProblem(
                f"{path}.url",
                lines.of(f"{path}.url"),
                "must start with http:// or https://",
            )
        )
    interval = cfg.interval_of(src.interval)
    if interval <= 0:
        conv.problems.append(ConfigProblem(f"{path}.interval", lines.of(f"{path}.interval"), "must be > 0"))
    timeout = timeout_for(src.timeout, interval)
    if interval > 0 and (timeout <= 0 or timeout >= interval):  # else the interval's line says it all
        conv.problems.append(
            ConfigProblem(
                f"{path}.timeout",
                lines.of(f"{path}.timeout"),
                f"must be > 0 and shorter than the interval ({interval:g}s), got {timeout:g}s",
            )
        )
    for header, value in src.headers.items():
        if _SECRET_HINT.search(value) and f"{path}.headers.{header}" in lines.literal_secrets:
            conv.warnings.append(
                f"{path}.headers.{header} holds a literal secret; use ${{ENV_VAR}} or token_env instead"
            )


def _check_docker(conv: Found, svc: ServiceConfig, base: str, lines: _LineIndex) -> None:
    d = svc.docker
    assert d is not None
    path = f"{base}.docker"

    def problem(key: str, message: str) -> None:
        conv.problems.append(ConfigProblem(f"{path}{key}", lines.of(f"{path}{key}"), message))

    if (d.container is None) == (d.compose_project is None):
        problem("", "needs exactly one of container or compose_project")
    if d.compose_service is not None and d.compose_project is None:
        problem(".compose_service", "needs compose_project")
    if d.stop_timeout < 0:
        problem(".stop_timeout", "must be >= 0")
    if d.stats_interval <= 0:
        problem(".stats_interval", "must be > 0")
    if d.compose_project is not None and d.compose_service is None:
        others = [k for k in ("health", "metrics", "process", "ledger", "control", "command") if getattr(svc, k)]
        if others:
            problem(".compose_project", f"a whole project becomes one row per Compose service; put {', '.join(others)} "
                    "on an entry with compose_service")  # fmt: skip


_PROM_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def _check_prometheus(
    conv: Found, cfg: FleetConfig, prom: PrometheusConfig, base: str, lines: _LineIndex, fleet: bool
) -> None:
    """A Prometheus block needs a URL (a service's may use the fleet's), a PromQL window and a sane timeout."""

    def problem(key: str, message: str) -> None:
        conv.problems.append(ConfigProblem(f"{base}.{key}", lines.of(f"{base}.{key}"), message))

    if prom.url is None:
        if fleet or cfg.prometheus is None:
            problem("url", "required here (there is no fleet-wide prometheus.url to use)")
    elif not re.match(r"^https?://", prom.url):
        problem("url", "must start with http:// or https://")
    if fleet and prom.value is not None:
        problem("value", "only a service's prometheus block names its own value")
    if not _PROM_DURATION.match(prom.window):
        problem("window", f"must be a PromQL duration such as 30s or 5m, got {prom.window!r}")
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", prom.label):
        problem("label", f"must be a Prometheus label name, got {prom.label!r}")
    interval = cfg.interval_of(prom.interval)
    timeout = timeout_for(prom.timeout, interval)
    if interval <= 0 or timeout <= 0 or timeout >= interval:
        problem("timeout", f"must be > 0 and shorter than the interval ({interval:g}s), got {timeout:g}s")


def _check_queue_and_proxy(conv: Found, cfg: FleetConfig, svc: ServiceConfig, base: str, lines: _LineIndex) -> None:
    """queue: needs the Redis client (a dependency, missing only from a broken install) and a redis:// URL; both
    sources keep timeouts below intervals."""

    def problem(key: str, message: str) -> None:
        conv.problems.append(ConfigProblem(f"{base}.{key}", lines.of(f"{base}.{key}"), message))

    if svc.queue is not None:
        q = svc.queue
        if not re.match(r"^(redis|rediss|unix)://", q.redis_url):
            problem("queue.redis_url", "must start with redis://, rediss:// or unix://")
        if not q.keys:
            problem("queue.keys", "at least one list key is needed")
        if importlib.util.find_spec("redis") is None:
            problem("queue", "needs the Redis client (redis-py), a dependency missing here: reinstall agentops-tui")
    if svc.litellm is not None and not re.match(r"^https?://", svc.litellm.url):
        problem("litellm.url", "must start with http:// or https://")
    for part in ("queue", "litellm"):
        src = getattr(svc, part)
        if src is None:
            continue
        interval = cfg.interval_of(src.interval)
        timeout = timeout_for(src.timeout, interval)
        if interval <= 0:
            problem(f"{part}.interval", "must be > 0")
        elif timeout <= 0 or timeout >= interval:
            problem(f"{part}.timeout", f"must be > 0 and shorter than the interval ({interval:g}s), got {timeout:g}s")


class _LineIndex:
    """Key path -> line, for problems found after conversion."""

    def __init__(self, root: yaml.Node) -> None:
        self.lines: dict[str, int] = {}
        self.literal_secrets: set[str] = set()
        self._walk(root, "")

    def _walk(self, node: yaml.Node, path: str) -> None:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                sub = f"{path}.{k.value}" if path else str(k.value)
                self.lines[sub] = k.start_mark.line + 1
                self._walk(v, sub)
                self.lines[sub] = k.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, f"{path}[{i}]")
        elif isinstance(node, yaml.ScalarNode) and "${" not in str(node.value):
            self.literal_secrets.add(path)

    def of(self, path: str) -> int:
        while path and path not in self.lines:
            path = path.rsplit(".", 1)[0] if "." in path else ""
        return self.lines.get(path, 1)
