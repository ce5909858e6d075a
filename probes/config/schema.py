"""The config's JSON Schema, generated from the models: their types, defaults, floors (checks.BOUNDS) and the
docstring under each field as its description, so an editor (yaml-language-server) completes and explains keys.

The shipped copy is schema.json beside this module; `python scripts/config_schema.py` rewrites it, and a test
fails when a model changed without that. The loader stays the authority: rules across keys (timeouts below
intervals, one of container or compose_project) are not in the schema.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import itertools
import json
import textwrap
import types
import typing
from pathlib import Path
from typing import Any, Literal, Union

from probes.config import FleetConfig
from probes.config.values import BOUNDS

SCHEMA_PATH = Path(__file__).with_name("schema.json")
_SET_BY_LOADER = ("source", "expansions", "untrusted")


@functools.cache
def field_docs(cls: type) -> dict[str, str]:
    """Each field's attribute docstring (the string literal right under `name: type = default`)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    body = tree.body[0].body if isinstance(tree.body[0], ast.ClassDef) else []
    docs: dict[str, str] = {}
    for stmt, nxt in itertools.pairwise(body):
        named = isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
        if named and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
            assert isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
            if isinstance(nxt.value.value, str):
                docs[stmt.target.id] = " ".join(nxt.value.value.split())
    return docs


class _Builder:
    """Walks the models once; each dataclass becomes one entry of $defs, referenced where it is used."""

    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def of(self, tp: Any) -> dict[str, Any]:
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            options = [self.of(a) for a in typing.get_args(tp) if a is not type(None)]
            return {"anyOf": [*options, {"type": "null"}]}
        if origin is Literal:
            return {"enum": list(typing.get_args(tp))}
        if origin is list:
            return {"type": "array", "items": self.of(typing.get_args(tp)[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.of(typing.get_args(tp)[1])}
        if dataclasses.is_dataclass(tp) and isinstance(tp, type):
            if tp.__name__ not in self.defs:
                self.defs[tp.__name__] = {}  # a placeholder first: a model may refer to itself
                self.defs[tp.__name__] = self.model(tp)
            return {"$ref": f"#/$defs/{tp.__name__}"}
        primitive = {str: ["string", "number"], bool: "boolean", int: "integer", float: "number"}
        if tp in primitive:  # a number where a string goes is read as its text (port: 8080)
            return {"type": primitive[tp]}
        raise TypeError(f"no JSON Schema for config type {tp!r}")

    def model(self, cls: type) -> dict[str, Any]:
        hints = typing.get_type_hints(cls)
        docs = field_docs(cls)
        props: dict[str, Any] = {}
        required: list[str] = []
        for f in dataclasses.fields(cls):
            if f.name in _SET_BY_LOADER:
                continue
            prop = self.of(hints[f.name])
            if f.name in docs:
                prop = {"description": docs[f.name], **prop}
            if f.default is not dataclasses.MISSING and f.default is not None:
                prop["default"] = f.default
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                required.append(f.name)
            bound = BOUNDS.get((cls, f.name))
            if bound is not None:
                _floor(prop, *bound)
            props[f.name] = prop
        out: dict[str, Any] = {"type": "object", "description": " ".join((cls.__doc__ or "").split())}
        out["properties"] = props
        if required:
            out["required"] = required
        out["additionalProperties"] = False
        return out


def _floor(prop: dict[str, Any], low: float, inclusive: bool) -> None:
    """The number's floor on the number branch (an optional number is anyOf [number, null])."""
    target = next((o for o in prop.get("anyOf", []) if o.get("type") in ("number", "integer")), prop)
    target["minimum" if inclusive else "exclusiveMinimum"] = int(low) if low == int(low) else low


def build_schema() -> dict[str, Any]:
    """The whole schema, FleetConfig at the top."""
    b = _Builder()
    top = b.model(FleetConfig)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "agentops-tui config",
        **top,
        "$defs": dict(sorted(b.defs.items())),
    }


def schema_text() -> str:
    """The schema as written to schema.json (stable key order, a final newline)."""
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"
