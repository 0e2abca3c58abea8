"""A small run of the load driver (``mockupaws_testkit.load``, what ``bench/load.py`` runs) against the
session's local server: concurrent producers, every ingest format, the aggregation running meanwhile --
no errors, and stored logs, ``total_requests`` and metrics agree exactly
(``mockupaws_testkit.consistency``)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from mockupaws_local.server import ServerHandle
from mockupaws_testkit.consistency import Check, Tally, consistency_checks
from mockupaws_testkit.load import LoadConfig, build_plan, loopback_target, run_load, runner_aggregate


def run_against(live_server: ServerHandle, app_env: str, config: LoadConfig) -> Any:
    """bench/load.py's run against the session's local server, with the aggregation running alongside."""
    return run_load(
        (live_server.host, live_server.port),
        config,
        aggregate=runner_aggregate(live_server.runner),
        database_url=app_env,
        deadline=time.monotonic() + 60,
    )


def test_concurrent_producers_lose_nothing(live_server: ServerHandle, app_env: str) -> None:
    config = LoadConfig(producers=4, requests=40, batch=20, warmup=1, aggregate_interval_s=0.05)
    result = run_against(live_server, app_env, config)
    report = f"{result.tally.errors} errors, {result.tally.unsent} unsent, checks: {result.checks}"
    assert result.tally.errors == 0, result.tally.error_samples
    assert not result.timed_out, report
    assert result.requests == 40
    assert len(result.tally.latencies_ms) == 40
    assert result.sql_checked
    failed = [c for c in result.checks if not c.ok]
    assert not failed, failed
    # warm-up included: (40 + 4) requests of 20 records reached the database
    assert next(c for c in result.checks if c.name == "metrics summary.total_requests").actual == 44 * 20
    assert result.aggregation is not None
    assert result.aggregation.runs >= 1
    assert not result.aggregation_failures
    assert result.ok, report


def test_single_log_requests_lose_nothing(live_server: ServerHandle, app_env: str) -> None:
    config = LoadConfig(producers=4, requests=40, batch=1, warmup=0, aggregate_interval_s=0.2, scenarios=2)
    result = run_against(live_server, app_env, config)
    assert result.tally.errors == 0, result.tally.error_samples
    assert result.ok, [c for c in result.checks if not c.ok]
    assert len(result.scenario_ids) == 2
    assert sum(c.actual for c in result.checks if c.name.endswith("metrics summary.total_requests")) == 40


def test_a_lost_log_is_a_mismatch() -> None:
    tally = Tally(accepted=3, size_bytes=30, token_count=9, sqs_blocks=3, pii_logs=1)
    pipeline = {"lambda_batch_size": 100, "prompt_tokens_per_invocation": 0}
    scenario = {"total_requests": 3, "pipeline": pipeline}
    summary = {
        "total_requests": 2,  # one log missing from the metrics
        "total_bytes": 30,
        "sqs_blocks": 3,
        "llm_tokens": 9,
        "pii_violations": 1,
        "lambda_invocations": 1,
        "duplicate_logs": 0,
    }
    metrics = {"summary": summary, "timeseries": [{"metric_type": "requests", "value": 3}]}
    stored = {"logs": 3, "size_bytes": 30, "sqs_blocks": 3, "token_count": 9, "pii_logs": 1, "duplicates": 0}
    checks = consistency_checks(tally, scenario, metrics, stored)
    assert [c.name for c in checks if not c.ok] == ["metrics summary.total_requests"]
    assert Check("x", 1, 1).ok


def test_plan_mixes_every_format_and_splits_the_requests() -> None:
    plan = build_plan(LoadConfig(producers=3, requests=10, batch=5, warmup=1))
    assert [len(share) for share in plan.timed] == [4, 3, 3]
    kinds = {r.kind for share in plan.timed for r in share}
    assert kinds == {"json", "ndjson", "ndjson+gzip", "text"}
    assert all(r.records == 5 for share in plan.timed for r in share)
    assert [len(w) for w in plan.warmup] == [1, 1, 1]


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.5:3000", "http://example.com:3000", "https://127.0.0.1:3000", "http://0.0.0.0:3000"],
)
def test_external_target_must_be_loopback(url: str) -> None:
    with pytest.raises(ValueError, match=r"loopback|expected"):
        loopback_target(url)


def test_loopback_targets_are_accepted() -> None:
    assert loopback_target("http://127.0.0.1:3000") == ("127.0.0.1", 3000)
    assert loopback_target("http://[::1]:3001") == ("::1", 3001)
