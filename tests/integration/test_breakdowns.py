"""Breakdowns of the report (pii_by_type, by_source) against a direct computation over the stored logs,
after any interleaving of inserts and aggregation runs; the sources' costs add up exactly to the total."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from mockupaws.pii.detector import PII_TYPES
from mockupaws.report.breakdown import MAX_SOURCE_ROWS
from mockupaws.report.models import ScenarioMetrics
from mockupaws.report.service import get_report, get_report_full_scan
from mockupaws.rollups import run as rollups
from mockupaws_testkit.synthetic import SyntheticLog, insert_logs

T0 = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
MakeWithLogs = Callable[..., dict[str, Any]]


def direct(
    conn: psycopg.Connection[Any], scenario_id: str
) -> tuple[dict[str, int], dict[str, dict[str, Any]]]:
    """Per PII type and per source, straight from scenario_logs (no rollups involved)."""
    rows = conn.execute(
        "SELECT source, size_bytes, token_count, sqs_blocks, has_pii, pii_types, is_duplicate "
        "FROM scenario_logs WHERE scenario_id = %s",
        (scenario_id,),
    ).fetchall()
    per_type: dict[str, int] = dict.fromkeys(PII_TYPES, 0)
    per_source: dict[str, dict[str, Any]] = {}
    for source, size, tokens, blocks, has_pii, types, duplicate in rows:
        s = per_source.setdefault(
            source,
            {
                "logs": 0,
                "bytes": 0,
                "tokens": 0,
                "sqs_blocks": 0,
                "duplicates": 0,
                "pii_logs": 0,
                "types": {},
            },
        )
        s["logs"] += 1
        s["bytes"] += size
        s["tokens"] += tokens
        s["sqs_blocks"] += blocks
        s["duplicates"] += int(duplicate)
        s["pii_logs"] += int(has_pii)
        for t in types:
            per_type[t] = per_type.get(t, 0) + 1
            s["types"][t] = s["types"].get(t, 0) + 1
    return per_type, per_source


def assert_breakdowns_match(conn: psycopg.Connection[Any], scenario_id: str) -> ScenarioMetrics:
    report = get_report(uuid.UUID(scenario_id))
    assert report == get_report_full_scan(uuid.UUID(scenario_id))
    per_type, per_source = direct(conn, scenario_id)
    assert {p.pii_type: p.logs for p in report.pii_by_type} == per_type
    assert [p.pii_type for p in report.pii_by_type][: len(PII_TYPES)] == list(PII_TYPES)
    listed = {row.source: row for row in report.by_source if not row.other}
    for name, row in listed.items():
        expected = per_source[str(name)]
        assert (row.logs, row.bytes, row.tokens, row.sqs_blocks, row.duplicates, row.pii_logs) == (
            expected["logs"],
            expected["bytes"],
            expected["tokens"],
            expected["sqs_blocks"],
            expected["duplicates"],
            expected["pii_logs"],
        )
        assert row.pii_by_type == expected["types"]
    assert sum(row.logs for row in report.by_source) == report.summary.total_requests
    assert sum(row.sources for row in report.by_source) == len(per_source)
    # Money: the rows add up exactly to the cost lines shown, the percentages to 100.00
    if report.by_source:
        total = sum(Decimal(row.cost_usd) for row in report.by_source)
        assert total == sum(Decimal(line.cost_usd) for line in report.cost_breakdown)
        shares = sum(Decimal(row.cost_share_percent) for row in report.by_source)
        assert shares == (Decimal(100) if total else Decimal(0))
    return report


@pytest.fixture
def drained(app_env: str) -> None:
    while rollups.run(max_logs=10_000_000).more_remaining:
        pass


def test_breakdowns_equal_the_logs_after_any_interleaving(
    drained: None, scenario_with_logs: MakeWithLogs, sql_conn: psycopg.Connection[Any]
) -> None:
    # Given a running scenario with a prompt, so Bedrock has a per-invocation part too
    scenario = scenario_with_logs(
        status="running",
        pipeline={
            "prompt_tokens_per_invocation": 300,
            "output_tokens_per_invocation": 50,
            "lambda_batch_size": 7,
        },
    )
    sid = scenario["id"]
    rng = random.Random(12)
    sources = ["api", "billing", "auth", "worker-1", "worker-2"]
    type_choices: list[tuple[str, ...]] = [
        (),
        (),
        ("email",),
        ("phone", "ssn"),
        ("credit_card",),
        ("email", "ip_address"),
    ]
    repeated = SyntheticLog(event_time=T0).message_hash
    # When batches of logs are inserted with aggregation runs (small budgets) in between
    for step in range(12):
        logs = []
        for i in range(rng.randint(1, 40)):
            types = rng.choice(type_choices)
            log = SyntheticLog(
                event_time=T0 + timedelta(minutes=rng.randint(0, 300), seconds=i),
                size_bytes=rng.choice([10, 900, 70_000]),
                token_count=rng.randint(0, 500),
                has_pii=bool(types),
                pii_types=types,
                source=rng.choice(sources),
            )
            logs.append(replace(log, message_hash=repeated) if rng.random() < 0.2 else log)
        insert_logs(sql_conn, sid, logs)
        if step % 3 != 2:
            rollups.run(max_logs=rng.randint(1, 60), batch_size=rng.randint(1, 25))
        # Then the report's breakdowns equal the direct computation at every step
        assert_breakdowns_match(sql_conn, sid)
    while rollups.run(max_logs=10_000).more_remaining:
        pass
    report = assert_breakdowns_match(sql_conn, sid)
    assert sum(p.logs for p in report.pii_by_type) > 0
    assert len(report.by_source) == len(sources)


def test_more_sources_than_rows_end_in_one_other_row(
    drained: None, scenario_with_logs: MakeWithLogs, sql_conn: psycopg.Connection[Any]
) -> None:
    # Given 60 sources, source-i sending i+1 logs of growing size (so cost grows with i)
    logs = [
        SyntheticLog(
            event_time=T0 + timedelta(seconds=i * 100 + j), token_count=10 + i, source=f"source-{i:02d}"
        )
        for i in range(60)
        for j in range(i + 1)
    ]
    scenario = scenario_with_logs(logs, status="completed")
    rollups.run(max_logs=1_000)
    # When the report is read
    report = assert_breakdowns_match(sql_conn, scenario["id"])
    # Then the 50 most expensive are listed, most expensive first, and one row sums the other 10
    assert len(report.by_source) == MAX_SOURCE_ROWS + 1
    listed = report.by_source[:MAX_SOURCE_ROWS]
    assert [row.source for row in listed] == [f"source-{i:02d}" for i in range(59, 9, -1)]
    costs = [Decimal(row.cost_usd) for row in listed]
    assert costs == sorted(costs, reverse=True)
    other = report.by_source[-1]
    assert other.other
    assert other.source is None
    assert other.sources == 10
    assert other.logs == sum(i + 1 for i in range(10))


def test_a_scenario_without_logs_has_zero_breakdowns(scenario_with_logs: MakeWithLogs) -> None:
    scenario = scenario_with_logs(status="draft")
    report = get_report(uuid.UUID(scenario["id"]))
    assert report.by_source == []
    assert [(p.pii_type, p.logs) for p in report.pii_by_type] == [(t, 0) for t in PII_TYPES]
