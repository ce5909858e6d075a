"""The house limits, checked: no module over 400 lines, no function over 50 lines.

A function may pass 50 lines only when it says why on its `def` line: `# long: <why>` (a hot loop kept in one
piece, say). Lines are counted from the `def` (decorators excluded) to the last line of the body.

    python scripts/check_sizes.py [PATH ...]      # default: probes agentops_tui; exit 1 when something is over
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

MODULE_MAX = 400
FUNCTION_MAX = 50
EXEMPT = "# long:"


def python_files(paths: list[str]) -> Iterator[Path]:
    for p in map(Path, paths):
        yield from sorted(p.rglob("*.py")) if p.is_dir() else [p]


def over(path: Path) -> Iterator[str]:
    """One line per limit this file passes."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    if len(lines) > MODULE_MAX:
        yield f"{path}: module {len(lines)} lines > {MODULE_MAX}"
    for node in ast.walk(ast.parse(source, str(path))):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        if length > FUNCTION_MAX and EXEMPT not in lines[node.lineno - 1]:
            yield f"{path}:{node.lineno}: {node.name} {length} lines > {FUNCTION_MAX}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", default=["probes", "agentops_tui"])
    found = [line for f in python_files(ap.parse_args().paths) for line in over(f)]
    print("\n".join(found) if found else "all modules and functions within the limits")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
