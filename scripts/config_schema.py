"""Write the config's JSON Schema (probes/config/schema.json) from the models; `--check` only compares.

Run it after changing a model in probes/config: tests/unit/test_config_schema.py fails until the shipped file
matches what the models say.
"""

from __future__ import annotations

import sys

from probes.config.schema import SCHEMA_PATH, schema_text


def main(argv: list[str]) -> int:
    text = schema_text()
    if "--check" in argv:
        same = SCHEMA_PATH.exists() and SCHEMA_PATH.read_text(encoding="utf-8") == text
        print(f"{SCHEMA_PATH}: {'up to date' if same else 'out of date: run python scripts/config_schema.py'}")
        return 0 if same else 1
    SCHEMA_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
