"""Import a function's handler module by file path (every function has its own ``app.py``)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def load_handler(group: str, *, instance: str = "") -> ModuleType:
    """The handler module of ``functions/<group>/app.py``. Each ``instance`` name is a separate import,
    like a separate Lambda container (its own resolver, its own thread for its own DB connection)."""
    name = f"functions_{group}_app{'_' + instance if instance else ''}"
    if name in sys.modules:
        return sys.modules[name]
    path = ROOT / "functions" / group / "app.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
