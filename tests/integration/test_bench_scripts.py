"""The benchmarks in ``bench/`` are not timed tests, but they must keep running: each script is run here
on a tiny input against the session's PostgreSQL server, and must get through every case to its report
(whether a tiny run meets the goals says nothing, so the verdict lines are only checked to be there).
A script that rots (an API it calls changed) fails here instead of on the next person's ``make bench``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from mockupaws_local.pg import throwaway_database

ROOT = Path(__file__).resolve().parents[2]


def run_bench(script: str, *args: str, database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url, "POWERTOOLS_LOG_LEVEL": "WARNING"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    report = f"exit {done.returncode}\nstdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    assert "Traceback" not in done.stderr, report
    assert done.returncode in (0, 1), report  # 1: a goal not met, which a tiny run says nothing about
    return done.stdout


def test_ingest_benchmark_runs_every_case(postgres_server_url: str) -> None:
    # bench/ingest.py creates (and drops) a database of its own on DATABASE_URL's server.
    out = run_bench("ingest.py", "--seconds", "0.05", database_url=postgres_server_url)
    for case in (
        "handler, batches of 1,000",
        "OTLP protobuf on /v1/logs, batches of 1,000",
        "Elasticsearch bulk on /ingest/_bulk, batches of 1,000",
        "PII detector alone",
        "DB write alone",
    ):
        assert f"| {case}" in out, out
    assert "goal PII detector >= 100,000 lines/s:" in out, out


def test_metrics_benchmark_runs_every_case(postgres_server_url: str) -> None:
    with throwaway_database(postgres_server_url, "mockupaws_bench_smoke") as url:
        for window, sources in (("5", "7"), ("-1", "1")):
            out = run_bench(
                "metrics.py",
                *("--logs", "3000", "--tail", "200", "--calls", "2", "--scan-calls", "1"),
                *("--window", window, "--sources", sources),
                database_url=url,
            )
            assert "handler, rollups + 200-log tail" in out, out
            assert "logs page: 50 PII logs of one source" in out, out
            assert f"{sources} by_source rows" in out, out
            assert "goal p50 <=" in out, out
