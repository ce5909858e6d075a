"""Config errors name the file, the key path and the line; the example documents every key."""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from pathlib import Path

import pytest

from probes import config as models
from probes.config.load import ConfigError, load_config, parse_config
from probes.paths import find_config

ROOT = Path(__file__).resolve().parents[2]


def problems(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "fleet.yaml", env or {})
    return [f"{p.line}:{p.path}:{p.message}" for p in info.value.problems]


def test_example_config_loads_and_documents_every_key() -> None:
    cfg, warnings = parse_config((ROOT / "config.example.yaml").read_text(), "config.example.yaml", {})
    assert [s.name for s in cfg.services] == ["planner", "model-proxy"]
    assert warnings == []
    text = (ROOT / "config.example.yaml").read_text()
    seen: set[type] = set()

    def walk(cls: type) -> None:
        if cls in seen:
            return
        seen.add(cls)
        for f in dataclasses.fields(cls):
            if f.name in ("source", "expansions", "untrusted"):  # set by the loader, not keys of the file
                continue
            assert re.search(rf"\b{f.name}:", text), f"config.example.yaml does not explain {cls.__name__}.{f.name}"
            for arg in [typing.get_type_hints(cls)[f.name], *typing.get_args(typing.get_type_hints(cls)[f.name])]:
                for inner in [arg, *typing.get_args(arg)]:
                    if dataclasses.is_dataclass(inner) and isinstance(inner, type):
                        walk(inner)

    walk(models.FleetConfig)
    assert models.ControlEndpoint in seen and models.MetricNames in seen


def test_error_names_file_key_path_and_line() -> None:
    text = "refresh_interval: 2\nservices:\n  - name: a\n    health:\n      url: 12\n      timeout: soon\n"
    with pytest.raises(ConfigError) as info:
        parse_config(text, "fleet.yaml", {})
    msg = str(info.value)
    assert "fleet.yaml:6: services[0].health.timeout: expected a number, got 'soon'" in msg


def test_unknown_key_is_reported_with_a_suggestion() -> None:
    out = problems("services:\n  - name: a\n    helth: {url: http://x}\n")
    assert out == ["3:services[0].helth:unknown key (did you mean 'health'?)"]


def test_all_problems_are_reported_at_once() -> None:
    text = "refresh_interval: fast\nservices:\n  - name: a\n    metrics: [1]\n  - health: {url: http://x}\n"
    out = problems(text)
    assert "1:refresh_interval:expected a number, got 'fast'" in out
    assert "4:services[0].metrics:expected a mapping, got a list" in out
    assert "5:services[1].name:required key is missing" in out


def test_missing_env_var_is_an_error_naming_the_key() -> None:
    text = (
        "services:\n  - name: a\n    health:\n      url: http://x/health\n"
        "      headers: {Authorization: 'Bearer ${TOK}'}\n"
    )
    assert problems(text) == ["5:services[0].health.headers.Authorization:environment variable TOK is not set"]
    cfg, _ = parse_config(text, "f", {"TOK": "s3cret"})
    assert cfg.services[0].health is not None
    assert cfg.services[0].health.headers["Authorization"] == "Bearer s3cret"


def test_semantic_rules() -> None:
    text = (
        "refresh_interval: 2\nservices:\n"
        "  - name: a\n    health: {url: ftp://x, timeout: 5}\n"
        "  - name: a\n    process: {}\n"
    )
    out = problems(text)
    assert "4:services[0].health.url:must start with http:// or https://" in out
    assert any(p.startswith("4:services[0].health.timeout:must be > 0 and shorter than the interval") for p in out)
    assert "5:services[1].name:duplicate service name (also services[0])" in out
    assert "6:services[1].process:needs pidfile or pid" in out


def test_wrong_literal_and_bool() -> None:
    text = "read_only: maybe\nservices:\n  - name: a\n    thresholds: {breaker_open: explode}\n"
    out = problems(text)
    assert "1:read_only:expected true or false, got 'maybe'" in out
    assert "4:services[0].thresholds.breaker_open:must be one of 'ok', 'warn', 'crit', got 'explode'" in out


def test_yaml_syntax_error_has_a_line() -> None:
    out = problems("services:\n  - name: a\n    health: {url: http://x\n")
    assert len(out) == 1 and out[0].split(":")[0] in {"3", "4"} and "not valid YAML" in out[0]


def test_empty_file_and_empty_services() -> None:
    assert problems("") == ["1::the file is empty; at least `services:` is needed"]
    assert problems("services: []\n") == ["1:services:at least one service is needed"]


def test_literal_secret_in_world_readable_file_warns(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("services:\n  - name: a\n    health:\n      url: http://x\n"
                    "      headers: {Authorization: Bearer abcdefghijklmnop}\n")  # fmt: skip
    os.chmod(path, 0o644)
    _, warnings = load_config(path, {})
    assert any("literal secret" in w for w in warnings)
    assert any("readable by other users" in w for w in warnings)


def test_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "missing.yaml")
    assert "missing.yaml:1" in str(info.value)


def test_find_config_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("AGENTOPS_TUI_CONFIG", raising=False)
    assert find_config(None) is None
    xdg = tmp_path / "agentops-tui" / "config.yaml"
    xdg.parent.mkdir()
    xdg.write_text("services: []\n")
    assert find_config(None) == xdg
    monkeypatch.setenv("AGENTOPS_TUI_CONFIG", "/env.yaml")
    assert find_config(None) == Path("/env.yaml")
    assert find_config("/flag.yaml") == Path("/flag.yaml")


@pytest.mark.parametrize(
    ("text", "path", "line"),
    [
        ("- a\n- b\n", "<top>", 1),
        ("just a string\n", "<top>", 1),
        ("services: {name: a}\n", "services", 1),
        ("services:\n  - just-a-name\n", "services[0]", 2),
        ("services:\n  - name: [a, b]\n", "services[0].name", 2),
        ("services:\n  - name: a\n    health: http://x\n", "services[0].health", 3),
        (
            "services:\n  - name: a\n    health:\n      url: http://x\n      headers: [x]\n",
            "services[0].health.headers",
            5,
        ),
        (
            "services:\n  - name: a\n    metrics:\n      url: http://x\n      names: {requests: [1]}\n",
            "services[0].metrics.names.requests",
            5,
        ),
        ("services:\n  - name: a\n    command: {restart: 'systemctl restart a'}\n", "services[0].command.restart", 3),
        ("services:\n  - name: a\n    process: {pid: 1.5}\n", "services[0].process.pid", 3),
        ("actions: {max_bulk: many}\nservices:\n  - name: a\n", "actions.max_bulk", 1),
        ("keymap: [q]\nservices:\n  - name: a\n", "keymap", 1),
        (
            "services:\n  - name: a\n    control: {base_url: 'http://x', drain: {path: /d, method: YELL}}\n",
            "services[0].control.drain.method",
            3,
        ),
        (
            "services:\n  - name: a\n    thresholds: {error_rate_warn: true}\n",
            "services[0].thresholds.error_rate_warn",
            3,
        ),
    ],
)
def test_every_invalid_shape_names_file_key_and_line(text: str, path: str, line: int) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, "shapes.yaml", {})
    rendered = str(info.value)
    assert f"shapes.yaml:{line}: {path}: " in rendered, rendered


@pytest.mark.parametrize(
    ("text", "line", "path", "tag"),
    [
        ("services:\n  - name: !!python/name:os.system a\n", 2, "services[0].name", "!!python/name:os.system"),
        ("services:\n  - name: a\n    kind: !foo bar\n", 3, "services[0].kind", "!foo"),
        ("refresh_interval: !!python/object/apply:os.system [id]\nservices:\n  - name: a\n", 1, "refresh_interval",
         "!!python/object/apply:os.system"),
        ("services:\n  - name: a\n    health: !thing {url: 'http://x'}\n", 3, "services[0].health", "!thing"),
        ("services:\n  - !svc {name: a}\n", 2, "services[0]", "!svc"),
        ("services:\n  - name: a\n    !k kind: agent\n", 3, "services[0].kind", "!k"),
        ("keymap: {!x a: b}\nservices:\n  - name: a\n", 1, "keymap.a", "!x"),
    ],
)  # fmt: skip
def test_yaml_tags_are_config_errors_with_file_and_line(text: str, line: int, path: str, tag: str) -> None:
    """The safe loader constructs no Python objects, but a tag must be a config error, not a ConstructorError."""
    assert problems(text) == [f"{line}:{path}:YAML tag {tag} is not supported here"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("!!int abc", "cannot read !!int value 'abc'"),
        ("!!bool maybe", "cannot read !!bool value 'maybe'"),
        ("!!float x", "cannot read !!float value 'x'"),
        ("!!timestamp soon", "cannot read !!timestamp value 'soon'"),
    ],
)
def test_a_standard_tag_with_a_bad_value_is_a_config_error(value: str, expected: str) -> None:
    assert problems(f"refresh_interval: {value}\nservices:\n  - name: a\n") == [f"1:refresh_interval:{expected}"]


@pytest.mark.parametrize("value", [".nan", ".NaN", ".inf", "-.inf", "+.inf", "1.0e+400", "-1.0e+400"])
def test_non_finite_numbers_are_refused_everywhere(value: str) -> None:
    text = (
        f"refresh_interval: {value}\nservices:\n  - name: a\n    health: {{url: 'http://x/h', timeout: {value}}}\n"
        f"    thresholds: {{latency_p95_warn_s: {value}}}\n"
    )
    assert problems(text) == [
        f"1:refresh_interval:must be a finite number, got {value}",
        f"4:services[0].health.timeout:must be a finite number, got {value}",
        f"5:services[0].thresholds.latency_p95_warn_s:must be a finite number, got {value}",
    ]


def test_an_integer_too_large_for_a_float_is_refused() -> None:
    big = "1" + "0" * 400
    assert problems(f"refresh_interval: {big}\nservices:\n  - name: a\n") == [
        f"1:refresh_interval:must be a finite number, got {big[:20]}…"
    ]


@pytest.mark.parametrize(
    ("yaml_text", "path", "rule"),
    [
        ("daily_budget_usd: 0", "daily_budget_usd", "must be > 0"),
        ("budgets: {daily_usd: -5}", "budgets.daily_usd", "must be > 0"),
        ("budgets: {monthly_usd: 0}", "budgets.monthly_usd", "must be > 0"),
        ("budgets: {warn_at: 0}", "budgets.warn_at", "must be > 0"),
        ("budgets: {crit_at: -1}", "budgets.crit_at", "must be > 0"),
        ("actions: {timeout_s: 0}", "actions.timeout_s", "must be > 0"),
        ("actions: {drain_timeout_s: -1}", "actions.drain_timeout_s", "must be > 0"),
        ("actions: {healthy_timeout_s: 0}", "actions.healthy_timeout_s", "must be > 0"),
        ("actions: {restart_window_s: 0}", "actions.restart_window_s", "must be > 0"),
        ("actions: {max_bulk: 0}", "actions.max_bulk", "must be >= 1"),
        ("actions: {restart_limit: -1}", "actions.restart_limit", "must be >= 0"),
        ("thresholds: {error_rate_warn: -0.1}", "thresholds.error_rate_warn", "must be >= 0"),
        ("thresholds: {latency_p95_crit_s: -3}", "thresholds.latency_p95_crit_s", "must be >= 0"),
        ("alerts: {latency_p95: {for_s: -1}}", "alerts.latency_p95.for_s", "must be >= 0"),
        ("alerts: {error_rate: {window_s: -60}}", "alerts.error_rate.window_s", "must be >= 0"),
        ("alerts: {cost_hourly: {threshold: -2}}", "alerts.cost_hourly.threshold", "must be >= 0"),
        ("prometheus: {url: 'http://p', sparkline_s: 0}", "prometheus.sparkline_s", "must be > 0"),
    ],
)
def test_numbers_that_make_no_sense_below_a_bound_are_refused(yaml_text: str, path: str, rule: str) -> None:
    assert problems(f"{yaml_text}\nservices:\n  - name: a\n") == [f"1:{path}:{rule}"]


@pytest.mark.parametrize(
    ("block", "path", "rule"),
    [
        ("command: {restart: [/bin/true], timeout: 0}", "command.timeout", "must be > 0"),
        ("process: {pid: 0}", "process.pid", "must be >= 1"),
        ("systemd: {unit: a.service, throttle_cpu_percent: 0}", "systemd.throttle_cpu_percent", "must be > 0"),
        ("systemd: {unit: a.service, throttle_memory_high: -1}", "systemd.throttle_memory_high", "must be >= 1"),
        ("ledger: {path: l, prices: {m: {input_per_mtok: -1}}}", "ledger.prices.m.input_per_mtok", "must be >= 0"),
        ("queue: {redis_url: 'redis://h', keys: [q], window_s: 0}", "queue.window_s", "must be > 0"),
        ("queue: {redis_url: 'redis://h', keys: [q], depth_limit: 0}", "queue.depth_limit", "must be >= 1"),
        ("queue: {redis_url: 'redis://h', keys: [q], depth_crit: -4}", "queue.depth_crit", "must be >= 1"),
        ("health: {url: 'http://x', interval: -2}", "health.interval", "must be > 0"),
        ("metrics: {url: 'http://x', interval: 0}", "metrics.interval", "must be > 0"),
    ],
)  # fmt: skip
def test_service_numbers_that_make_no_sense_are_refused(block: str, path: str, rule: str) -> None:
    assert f"3:services[0].{path}:{rule}" in problems(f"services:\n  - name: a\n    {block}\n")


def test_the_nan_timeout_of_the_review_is_refused_with_its_line() -> None:
    text = "services:\n  - name: a\n    health:\n      url: http://x/h\n      interval: 5\n      timeout: .nan\n"
    assert problems(text) == ["6:services[0].health.timeout:must be a finite number, got .nan"]
