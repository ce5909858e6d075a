"""The shipped JSON Schema of the config is what the models say now, and real configs validate against it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from probes.config.schema import SCHEMA_PATH, build_schema

ROOT = Path(__file__).resolve().parents[2]


def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)  # type: ignore[no-any-return]


def errors(doc: Any) -> list[str]:
    """Every error with its key path; those inside an anyOf (an optional block) as the branch saw them."""
    found = []
    pending = list(validator().iter_errors(doc))
    while pending:
        e = pending.pop()
        pending += e.context or []
        found.append(f"{'.'.join(map(str, e.absolute_path))}: {e.message}")
    return found


def test_the_shipped_schema_is_what_the_models_generate() -> None:
    """A model changed without `python scripts/config_schema.py` fails here."""
    assert json.loads(SCHEMA_PATH.read_text(encoding="utf-8")) == build_schema()


def test_the_generator_script_agrees() -> None:
    out = subprocess.run([sys.executable, "scripts/config_schema.py", "--check"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr


def test_descriptions_come_from_the_field_docstrings() -> None:
    schema = build_schema()
    health = schema["$defs"]["HealthConfig"]["properties"]
    assert health["url"]["description"].startswith("Full URL of the endpoint")
    assert schema["properties"]["refresh_interval"] == {
        "description": "Default seconds between polls of every source.", "type": "number", "default": 2.0,
    }  # fmt: skip
    assert schema["required"] == ["services"]
    assert schema["$defs"]["ActionsConfig"]["properties"]["max_bulk"]["minimum"] == 1


def test_the_example_config_validates() -> None:
    assert errors(yaml.safe_load((ROOT / "config.example.yaml").read_text())) == []


def test_the_demo_config_validates(tmp_path: Path) -> None:
    """The demo writes its config without starting its fleet (--write-config of a fleet that is not running)."""
    from agentops_tui.demo.fleet import DemoFleet

    fleet = DemoFleet(tmp_path / "fleet", services=5)
    fleet.write_config(tmp_path / "demo.yaml")
    assert errors(yaml.safe_load((tmp_path / "demo.yaml").read_text())) == []


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ({"services": [{"name": "a", "helth": {}}]}, "services.0"),
        ({"services": [{"name": "a"}], "refresh_interval": "fast"}, "refresh_interval"),
        ({"services": [{"name": "a", "ledger": {"path": "x", "format": "xml"}}]}, "services.0.ledger.format"),
        ({"services": [{"name": "a"}], "actions": {"max_bulk": 0}}, "actions.max_bulk"),
        ({"refresh_interval": 2}, ""),
    ],
)
def test_mistakes_the_loader_refuses_fail_the_schema_too(doc: dict[str, Any], where: str) -> None:
    found = errors(doc)
    assert found and any(e.startswith(f"{where}:") for e in found), found
