"""The roll-up's modules stay apart (issue 12 item 3).

``rollup`` computes (database only), ``coalesce`` keeps the dirty sets in
Redis, ``tasks`` joins them on Celery, ``scheduling`` is what services call
after commit. No cycles between them, and no imports inside functions.
"""

import ast
from pathlib import Path

import pytest

OBJECTIVES = Path(__file__).resolve().parent.parent.parent / "objectives"
MODULES = ("rollup", "coalesce", "tasks", "scheduling")
#: What each module may import from the roll-up family.
ALLOWED = {
    "rollup": set(),
    "coalesce": set(),
    "tasks": {"rollup", "coalesce"},
    "scheduling": {"rollup", "coalesce", "tasks"},
}
#: Libraries a pure computation or a pure Redis module must not know.
FORBIDDEN = {"rollup": {"celery", "kombu", "redis"}, "coalesce": {"celery", "kombu"}}


def imports(module: str) -> tuple[set[str], list[int]]:
    """Top-level modules imported (dotted names), and the lines of imports inside functions."""
    tree = ast.parse((OBJECTIVES / f"{module}.py").read_text())
    names: set[str] = set()
    nested: list[int] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        else:
            continue
        if node not in tree.body:
            nested.append(node.lineno)
    return names, nested


@pytest.mark.parametrize("module", MODULES)
def test_roll_up_modules_import_only_downwards_and_at_module_level(module):
    names, nested = imports(module)
    family = {m for m in MODULES if f"objectives.{m}" in names}
    assert family <= ALLOWED[module]
    assert not {name.split(".")[0] for name in names} & FORBIDDEN.get(module, set())
    assert nested == []
