"""The repository is an installable project: benchmarks and tests share helpers through the importable
``mockupaws_testkit`` package, and no script puts anything on ``sys.path`` itself."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Emulators of a Lambda runtime: setting up the function's sys.path is their job.
RUNTIMES = {ROOT / "mockupaws_local" / "worker.py", ROOT / "mockupaws_testkit" / "lambda_runtime_probe.py"}


def python_files(*dirs: str) -> list[Path]:
    return sorted(p for d in dirs for p in (ROOT / d).rglob("*.py") if "fixtures" not in p.parts)


def edits_sys_path(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            targets = [node.func.value]  # sys.path.insert(...), .append(...), ...
        for target in targets:
            base = target.value if isinstance(target, ast.Subscript) else target
            if ast.unparse(base) == "sys.path":
                return True
    return False


@pytest.mark.parametrize(
    "path",
    [p for p in python_files("bench", "tests", "mockupaws_testkit", "mockupaws_local") if p not in RUNTIMES],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_script_edits_sys_path(path: Path) -> None:
    assert not edits_sys_path(ast.parse(path.read_text())), f"{path.relative_to(ROOT)} edits sys.path"


def test_the_check_would_see_an_edit() -> None:
    assert edits_sys_path(ast.parse("import sys\nsys.path.insert(0, 'x')"))
    assert edits_sys_path(ast.parse("import sys\nsys.path[:0] = ['x']"))
    assert not edits_sys_path(ast.parse("import sys\nprint(sys.path[:2])"))


@pytest.mark.parametrize(
    "path", python_files("bench", "mockupaws_testkit"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_benchmarks_and_the_test_kit_never_import_the_tests(path: Path) -> None:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            assert not (node.module or "").startswith("tests"), path
        elif isinstance(node, ast.Import):
            assert not any(alias.name.startswith("tests") for alias in node.names), path
