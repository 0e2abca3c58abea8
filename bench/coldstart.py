"""Cold start: how long importing each function's handler module takes, in a fresh interpreter each time,
and which heavy modules it pulls in (tiktoken must load only in ingest, and only on first use).

    python bench/coldstart.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import importlib.util, json, sys, time
sys.path[:0] = [{layer!r}, {root!r}]
t0 = time.perf_counter()
spec = importlib.util.spec_from_file_location("handler", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
elapsed = time.perf_counter() - t0
mods = set(sys.modules)
print(json.dumps({{"ms": elapsed * 1000, "tiktoken": "tiktoken" in mods, "boto3": "boto3" in mods,
                   "modules": len(mods)}}))
"""


def measure(group: str, runs: int) -> dict[str, object]:
    path = ROOT / "functions" / group / "app.py"
    code = PROBE.format(layer=str(ROOT / "layers" / "shared"), root=str(ROOT), path=str(path))
    env = {**os.environ, "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql://x@localhost/x")}
    samples = []
    result: dict[str, object] = {}
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        samples.append(float(str(result["ms"])))
    return {
        "function": group,
        "median_ms": statistics.median(samples),
        **{k: result[k] for k in ("tiktoken", "boto3", "modules")},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    groups = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())
    print(f"{'function':<12} {'import ms (median)':>19} {'tiktoken':>9} {'boto3':>6} {'modules':>8}")
    for group in groups:
        r = measure(group, args.runs)
        ms = float(str(r["median_ms"]))
        print(f"{r['function']!s:<12} {ms:>19.1f} {r['tiktoken']!s:>9} {r['boto3']!s:>6} {r['modules']!s:>8}")


if __name__ == "__main__":
    main()
