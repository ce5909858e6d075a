"""Load and validate the YAML config, keeping the line of every key for error messages.

The YAML is composed into nodes (which carry their line) and converted field by field following the dataclass
type hints, so a wrong type, an unknown key or a missing ${ENV_VAR} is reported as
`FILE:LINE: key.path: what is wrong`, all problems at once, before anything runs.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import os
import re
import stat
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from probes.config import FleetConfig
from probes.config.checks import ConfigProblem, check_semantics
from probes.config.trust import check_commands
from probes.config.values import short_tag, shown, unknown_tags

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml composes ~10x faster; nodes carry lines either way


class ConfigError(Exception):
    """The config file cannot be used; `str()` lists every problem with file, line and key path."""

    def __init__(self, file: str, problems: list[ConfigProblem]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        lines = [f"{self.file}:{p.line}: {p.path or '<top>'}: {p.message}" for p in self.problems]
        return "invalid config:\n  " + "\n  ".join(lines)


class _Converter:
    """Walks YAML nodes alongside dataclass fields, collecting problems instead of stopping at the first."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[ConfigProblem] = []
        self.warnings: list[str] = []
        self.expansions: list[tuple[str, str, str]] = []

    def fail(self, path: str, node: yaml.Node, message: str) -> None:
        self.problems.append(ConfigProblem(path, node.start_mark.line + 1, message))

    def convert(self, tp: Any, node: yaml.Node, path: str) -> Any:
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
                return None
            return self.convert(args[0], node, path)
        if origin is Literal:
            value = self.scalar(node, path)
            allowed = typing.get_args(tp)
            if value not in allowed:
                self.fail(path, node, f"must be one of {', '.join(map(repr, allowed))}, got {value!r}")
            return value
        if origin is list:
            if not isinstance(node, yaml.SequenceNode):
                self.fail(path, node, f"expected a list, got {_kind(node)}")
                return []
            (item_tp,) = typing.get_args(tp)
            return [self.convert(item_tp, item, f"{path}[{i}]") for i, item in enumerate(node.value)]
        if origin is dict:
            if not isinstance(node, yaml.MappingNode):
                self.fail(path, node, f"expected a mapping, got {_kind(node)}")
                return {}
            _, val_tp = typing.get_args(tp)
            return {str(self.scalar(k, path)): self.convert(val_tp, v, f"{path}.{k.value}") for k, v in node.value}
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            return self.dataclass(tp, node, path)
        return self.primitive(tp, node, path)

    def scalar(self, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            self.fail(path, node, f"expected a single value, got {_kind(node)}")
            return None
        try:
            return _CONSTRUCTOR.construct_object(node, deep=True)
        except Exception:  # `!!int abc`, `!!bool maybe`: each constructor fails its own way
            self.fail(path, node, f"cannot read {short_tag(node.tag)} value {node.value!r}")
            return None

    def primitive(self, tp: type, node: yaml.Node, path: str) -> Any:
        known = len(self.problems)
        value = self.scalar(node, path)
        if len(self.problems) > known:
            return None
        if value is None and isinstance(node, yaml.ScalarNode):
            self.fail(path, node, f"expected {tp.__name__}, got nothing")
            return None
        if tp is str:
            if not isinstance(value, str):
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    return str(value)
                self.fail(path, node, f"expected a string, got {value!r}")
                return ""
            return self.interpolate(value, node, path)
        if tp is bool:
            if not isinstance(value, bool):
                self.fail(path, node, f"expected true or false, got {value!r}")
            return value
        if tp is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.fail(path, node, f"expected an integer, got {value!r}")
                return 0
            return value
        if tp is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(path, node, f"expected a number, got {value!r}")
                return 0.0
            try:
                number = float(value)
            except OverflowError:  # an integer of 309+ digits
                number = math.inf
            if not math.isfinite(number):  # .nan would pass every `<= 0` check: "no answer within nans"
                self.fail(path, node, f"must be a finite number, got {shown(node)}")
                return 0.0
            return number
        raise TypeError(f"unsupported config type {tp!r}")  # a bug in the models, not in the file

    def interpolate(self, value: str, node: yaml.Node, path: str) -> str:
        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in self.env:
                self.fail(path, node, f"environment variable {name} is not set")
                return ""
            self.expansions.append((path, name, self.env[name]))  # redaction hides these values again
            return self.env[name]

        return _ENV_REF.sub(sub, value)

    def dataclass(self, cls: type, node: yaml.Node, path: str) -> Any:
        if not isinstance(node, yaml.MappingNode):
            self.fail(path, node, f"expected a mapping, got {_kind(node)}")
            return None
        hints, fields = _shape(cls)
        values: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub_path = f"{path}.{key}" if path else key
            if key not in fields:
                near = difflib.get_close_matches(key, list(fields), n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                self.fail(sub_path, key_node, f"unknown key{hint}")
                continue
            if key in values:
                self.fail(sub_path, key_node, "duplicate key")
            values[key] = self.convert(hints[key], value_node, sub_path)
        for name, f in fields.items():
            if name not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                self.fail(f"{path}.{name}" if path else name, node, "required key is missing")
        if any(p.path.startswith(path) for p in self.problems) and path:
            return None
        try:
            return cls(**values)
        except TypeError as exc:  # a required key already reported as missing
            self.fail(path, node, str(exc))
            return None


_SET_BY_LOADER = ("source", "expansions", "untrusted")  # FleetConfig fields that are not keys of the file


@functools.cache
def _shape(cls: type) -> tuple[dict[str, Any], dict[str, dataclasses.Field[Any]]]:
    """A dataclass's type hints and fields (resolving hints is slow; a config has hundreds of services)."""
    return typing.get_type_hints(cls), {f.name: f for f in dataclasses.fields(cls) if f.name not in _SET_BY_LOADER}


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{node.value!r}"


def parse_config(text: str, source: str, env: Mapping[str, str] | None = None) -> tuple[FleetConfig, list[str]]:
    """Parse and validate config text; returns the config and warnings, or raises ConfigError."""
    env = os.environ if env is None else env
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ConfigError(source, [ConfigProblem("", line, f"not valid YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, [ConfigProblem("", 1, f"not valid YAML: {exc}")]) from None
    if root is None:
        raise ConfigError(source, [ConfigProblem("", 1, "the file is empty; at least `services:` is needed")])
    tags = [ConfigProblem(path, line, message) for path, line, message in unknown_tags(root)]
    if tags:
        raise ConfigError(source, tags)
    conv = _Converter(env)
    cfg = conv.convert(FleetConfig, root, "")
    if cfg is not None and not conv.problems:
        assert isinstance(root, yaml.MappingNode)
        check_semantics(conv, cfg, root)
    if conv.problems or cfg is None:
        raise ConfigError(source, sorted(conv.problems, key=lambda p: p.line))
    return dataclasses.replace(cfg, source=source, expansions=tuple(conv.expansions)), conv.warnings


def load_config(path: Path, env: Mapping[str, str] | None = None) -> tuple[FleetConfig, list[str]]:
    """Read a config file; unreadable files are a ConfigError too. Warns when a secret sits in a world-readable file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [ConfigProblem("", 1, f"cannot read the file: {exc}")]) from None
    cfg, warnings = parse_config(text, str(path), env)
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = 0
    if warnings and mode & (stat.S_IROTH | stat.S_IRGRP):
        warnings = [*warnings, f"{path} holds a literal secret and is readable by other users (chmod 600 it)"]
    cfg, untrusted = check_commands(cfg, path)
    return cfg, [*warnings, untrusted] if untrusted else warnings
