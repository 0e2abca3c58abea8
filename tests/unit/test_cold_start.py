"""Cold start: a function imports only what it needs (docs/benchmarks.md). Each import runs in a fresh
interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("handler", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("tiktoken", "boto3", "yoyo"))))
"""


def imported_heavy_modules(group: str) -> set[str]:
    code = PROBE.format(path=str(ROOT / "functions" / group / "app.py"))  # the layer: the installed mockupaws
    env = {**os.environ, "DATABASE_URL": "postgresql://cold@localhost/start"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    return {m.split(".")[0] for m in json.loads(out.stdout.strip().splitlines()[-1])}


@pytest.mark.parametrize("group", ["scenarios", "metrics", "aggregate", "docs", "health"])
def test_functions_that_count_no_tokens_never_import_tiktoken(group: str) -> None:
    assert imported_heavy_modules(group) == set()


def test_ingest_loads_tiktoken_lazily_on_first_use() -> None:
    assert "tiktoken" not in imported_heavy_modules("ingest")
