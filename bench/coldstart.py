"""Cold start: what importing each function's handler module costs, measured with ``python -X importtime``
in a fresh interpreter each time (the handler imported as ``app`` from its function directory, the layer
on ``PYTHONPATH`` as ``/opt/python`` would be), and which heavy modules it pulls in (tiktoken must load
only in ingest, and only on first use; boto3 only where AWS APIs are called).

    python bench/coldstart.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "import sys, app; print(sorted({m.split('.')[0] for m in sys.modules} & {'tiktoken', 'boto3', 'yoyo'}))"
)


def measure(group: str, runs: int) -> tuple[float, str]:
    """Median cumulative import time of the handler module (ms) and the heavy modules it loaded."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "layers" / "shared"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgresql://cold@localhost/start"),
    }
    samples, heavy = [], ""
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", PROBE],
            cwd=ROOT / "functions" / group,
            capture_output=True,
            text=True,
            check=True,
            env=env,
        )
        line = next(x for x in out.stderr.splitlines() if x.rstrip().endswith("| app"))
        samples.append(int(line.split("|")[1]) / 1000)
        heavy = out.stdout.strip()
    return statistics.median(samples), heavy


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    groups = sorted(p.name for p in (ROOT / "functions").iterdir() if (p / "app.py").exists())
    print("| function | import (ms, median, -X importtime cumulative) | heavy modules loaded |")
    print("|---|---:|---|")
    for group in groups:
        ms, heavy = measure(group, args.runs)
        print(f"| {group} | {ms:.0f} | {heavy} |")


if __name__ == "__main__":
    main()
