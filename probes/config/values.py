"""What a config value may be: YAML tags the safe loader knows, and numbers above their floor.

A tag such as `!!python/name:os.system` or `!foo` makes the safe constructor raise; the loader reports it as a
config error with its line instead. Intervals and the probes' timeouts are checked in `probes.config.load` (they
depend on each other); every other number with a floor is listed here by model and field, so a negative budget
or a zero timeout is an error, not a quiet oddity. Non-finite floats (.nan, .inf) are refused by the loader.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator

import yaml

from probes import config as c

_KNOWN_TAGS = frozenset(t for t in yaml.constructor.SafeConstructor.yaml_constructors if t is not None)
_CORE_TAG = "tag:yaml.org,2002:"

# (model, field) -> (bound, inclusive): the value must be > bound, or >= bound when inclusive.
_ABOVE_ZERO = (0.0, False)
_NOT_NEGATIVE = (0.0, True)
_AT_LEAST_ONE = (1.0, True)

BOUNDS: dict[tuple[type, str], tuple[float, bool]] = {
    (c.FleetConfig, "daily_budget_usd"): _ABOVE_ZERO,
    (c.BudgetConfig, "daily_usd"): _ABOVE_ZERO,
    (c.BudgetConfig, "monthly_usd"): _ABOVE_ZERO,
    (c.BudgetConfig, "warn_at"): _ABOVE_ZERO,
    (c.BudgetConfig, "crit_at"): _ABOVE_ZERO,
    (c.ActionsConfig, "max_bulk"): _AT_LEAST_ONE,
    (c.ActionsConfig, "restart_limit"): _NOT_NEGATIVE,  # 0: no restarts at all
    (c.ActionsConfig, "restart_window_s"): _ABOVE_ZERO,
    (c.ActionsConfig, "timeout_s"): _ABOVE_ZERO,
    (c.ActionsConfig, "drain_timeout_s"): _ABOVE_ZERO,
    (c.ActionsConfig, "healthy_timeout_s"): _ABOVE_ZERO,
    (c.Thresholds, "error_rate_warn"): _NOT_NEGATIVE,
    (c.Thresholds, "error_rate_crit"): _NOT_NEGATIVE,
    (c.Thresholds, "latency_p95_warn_s"): _NOT_NEGATIVE,
    (c.Thresholds, "latency_p95_crit_s"): _NOT_NEGATIVE,
    (c.AlertRule, "threshold"): _NOT_NEGATIVE,
    (c.AlertRule, "for_s"): _NOT_NEGATIVE,
    (c.AlertRule, "window_s"): _NOT_NEGATIVE,
    (c.PrometheusConfig, "sparkline_s"): _ABOVE_ZERO,
    (c.CommandConfig, "timeout"): _ABOVE_ZERO,
    (c.ProcessConfig, "pid"): _AT_LEAST_ONE,
    (c.SystemdConfig, "throttle_cpu_percent"): _ABOVE_ZERO,
    (c.SystemdConfig, "throttle_memory_high"): _AT_LEAST_ONE,
    (c.ModelPrice, "input_per_mtok"): _NOT_NEGATIVE,
    (c.ModelPrice, "output_per_mtok"): _NOT_NEGATIVE,
    (c.QueueConfig, "window_s"): _ABOVE_ZERO,
    (c.QueueConfig, "depth_limit"): _AT_LEAST_ONE,
    (c.QueueConfig, "depth_crit"): _AT_LEAST_ONE,
}


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, tuple[float, bool] | None], ...]:
    return tuple((f.name, BOUNDS.get((cls, f.name))) for f in dataclasses.fields(cls))


def out_of_range(value: object, path: str = "") -> Iterator[tuple[str, str]]:
    """(key path, message) for every number in a loaded config below its floor, walking nested models."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from out_of_range(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from out_of_range(item, f"{path}[{i}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for name, bound in _fields(type(value)):
            item = getattr(value, name)
            if item is None or isinstance(item, (str, bool)):
                continue
            sub = f"{path}.{name}" if path else name
            if bound is not None and isinstance(item, (int, float)):
                low, inclusive = bound
                if item < low or (item == low and not inclusive):
                    yield sub, f"must be {'>=' if inclusive else '>'} {low:g}"
            elif not isinstance(item, (int, float)):
                yield from out_of_range(item, sub)


def short_tag(tag: str) -> str:
    """A tag as it is written in YAML: `!!int` rather than `tag:yaml.org,2002:int`."""
    return "!!" + tag[len(_CORE_TAG) :] if tag.startswith(_CORE_TAG) else tag


def shown(node: yaml.Node) -> str:
    """A scalar as written, cut to 20 characters (a 400-digit number is not worth a screen)."""
    text = str(node.value)
    return text if len(text) <= 20 else text[:20] + "…"


def unknown_tags(node: yaml.Node, path: str = "") -> list[tuple[str, int, str]]:
    """(key path, line, message) for every node, key or value, whose tag the safe constructor does not know."""
    found = []
    if node.tag not in _KNOWN_TAGS:
        found.append((path, node.start_mark.line + 1, f"YAML tag {short_tag(node.tag)} is not supported here"))
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = f"{path}.{key.value}" if path else str(key.value)
            found += unknown_tags(key, sub) + unknown_tags(value, sub)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += unknown_tags(item, f"{path}[{i}]")
    return found
