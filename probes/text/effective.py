"""The effective config as plain data (every default filled in, ${VAR}s expanded) with every secret masked, for
`agentops-tui config show`: what the dashboard will use, safe to paste into a ticket."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import Any

import yaml

from probes.config import FleetConfig
from probes.text.redact import MASK, is_secret_name, redactor_for

_NOT_KEYS = ("source", "expansions", "untrusted")  # set by the loader, not keys of the file
_AUTH_HEADER = ("auth", "token", "key", "secret", "cookie", "session", "signature", "passw")


def _plain(value: Any) -> Any:
    """Dataclasses as mappings in field order, unset (None) keys left out: the file as it could be written."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.name not in _NOT_KEYS and getattr(value, f.name) is not None
        }
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _mask_named(value: Any, parent: str = "") -> Any:
    """Whole values under an auth-like header name or a secret-named env var: masked even when their text has
    no credential shape (an `X-Team: 0f3a...` header is a secret the redactor cannot recognise by itself)."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            secret = isinstance(v, str) and (
                (parent == "headers" and any(w in k.lower() for w in _AUTH_HEADER))
                or (parent == "env" and is_secret_name(k))
            )
            out[k] = MASK if secret else _mask_named(v, k)
        return out
    if isinstance(value, list):
        return [_mask_named(v, parent) for v in value]
    return value


def effective(cfg: FleetConfig, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The config's every key with its value in force, secrets masked (named ones as ${VAR}, others as ***)."""
    env = os.environ if environ is None else environ
    data = _mask_named(_plain(cfg))
    masked: dict[str, Any] = redactor_for(cfg, env).value(data)
    return masked


def effective_yaml(cfg: FleetConfig, environ: Mapping[str, str] | None = None) -> str:
    return yaml.safe_dump(effective(cfg, environ), sort_keys=False, allow_unicode=True, default_flow_style=False)
