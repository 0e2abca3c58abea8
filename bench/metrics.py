"""Benchmark: metrics latency at 1,000,000 logs, rollups + tail vs a full scan
(docs/aggregation.md; figures in docs/benchmarks.md).

    .venv/bin/python bench/metrics.py [--logs 1000000] [--calls 25] [--keep]

Uses ``DATABASE_URL`` when set, else an embedded PostgreSQL under ``.pgdata/bench``. It creates a
scenario through the scenarios handler, bulk-generates the logs spread over a week server-side
(``INSERT ... SELECT generate_series``, in one ingest-like transaction), then:

1. times ``GET /metrics`` through the metrics handler in-process before any aggregation (every log is
   "tail": this is what reading would cost without rollups);
2. runs the aggregation handler until nothing remains, reporting each run's time;
3. adds a fresh tail (logs a few minutes of ingest would add between two scheduled runs);
4. times ``GET /metrics`` through the handler (rollups + tail) and the full-scan equivalent
   (``mockupaws.report.service.get_report_full_scan``), checks they agree, and prints a table.

Goal: handler p50 <= 50 ms at 1M logs (<= 100 ms with a batching window, the default ``--window 5``) and
>= 20x faster than the full scan. The scenario (and its
logs) is deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from mockupaws_testkit.apigw import json_body, rest_event
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.lambda_context import FakeLambdaContext

ROOT = Path(__file__).resolve().parents[1]

BASE = "/api/v1/scenarios"
GOAL_P50_MS = 50.0
GOAL_P50_MS_WINDOW = 100.0
GOAL_RATIO = 20.0


def Context() -> FakeLambdaContext:
    """A Lambda context with the aggregation function's 300 s budget."""
    return FakeLambdaContext(function_name="bench", remaining_ms=300_000)


def database_url() -> str:
    """``DATABASE_URL``, else the embedded server under ``.pgdata/bench`` (database ``mockupaws_bench``)."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return configured
    from mockupaws_local.pg import ensure_database

    return ensure_database(ROOT / ".pgdata" / "bench", database="mockupaws_bench")


def call(group: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
    response = load_handler(group).lambda_handler(rest_event(method, path, **kwargs), Context())
    return int(response["statusCode"]), json_body(response)


def timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples, result


def p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


GENERATE_SQL = """
    INSERT INTO scenario_logs (scenario_id, received_at, event_time, message_hash, message_preview, source,
                               size_bytes, has_pii, pii_types, token_count, sqs_blocks, is_duplicate)
    SELECT %(sid)s::uuid, t, t,
           encode(sha256(convert_to(%(label)s || (i %% %(distinct)s), 'UTF8')), 'hex'),
           'GET /api/orders/' || (i %% 5000) || ' 200', 'source-' || lpad((i %% %(sources)s)::text, 3, '0'),
           size, pii, CASE WHEN NOT pii THEN '{}' WHEN i %% 2 = 0 THEN ARRAY['email']
                           ELSE ARRAY['email', 'phone'] END,
           size / 4, greatest(1, ceil(size / 65536.0))::int, i >= %(distinct)s
    FROM generate_series(0::bigint, %(n)s - 1) AS i,
         LATERAL (SELECT %(start)s::timestamptz + (i * %(span_us)s / %(n)s) * interval '1 microsecond'
                         + ((hashint8(i) %% 60000000) * interval '1 microsecond') AS t,
                         CASE WHEN i %% 1000 = 0 THEN 150000 ELSE 80 + abs(hashint8(i) %% 1200) END AS size,
                         i %% 33 = 0 AS pii) AS g
    ORDER BY i
"""


def generate_logs(
    url: str, scenario_id: str, count: int, start: datetime, span: timedelta, label: str, sources: int
) -> None:
    """``count`` logs from ``start`` over ``span``, ingest-style: bump total_requests on the scenario row,
    then insert, in one transaction. 10% repeat an earlier message of the batch (flagged duplicates),
    1 in 33 carries PII (half of those two types), 1 in 1000 is 150 KB (3 SQS blocks); log ``i`` comes from
    source ``i mod sources``."""
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute("SET LOCAL synchronous_commit = off")
        conn.execute(
            "UPDATE scenarios SET total_requests = total_requests + %s WHERE id = %s", (count, scenario_id)
        )
        params = {
            "sid": scenario_id,
            "n": count,
            "distinct": max(1, count * 9 // 10),
            "start": start,
            "span_us": span // timedelta(microseconds=1),
            "label": f"bench {label} message ",
            "sources": sources,
        }
        conn.execute(GENERATE_SQL, params)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--tail", type=int, default=2_000, help="logs added after the last aggregation run")
    parser.add_argument("--calls", type=int, default=25, help="handler calls measured (median reported)")
    parser.add_argument("--scan-calls", type=int, default=5, help="full-scan calls measured")
    parser.add_argument("--sources", type=int, default=200, help="log sources the logs are spread over")
    parser.add_argument("--keep", action="store_true", help="keep the scenario and its logs")
    parser.add_argument(
        "--window",
        type=int,
        default=5,
        help="the scenario's lambda_batching_window_s (the batching-window model); -1: unset (full batches)",
    )
    args = parser.parse_args()

    url = database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from mockupaws.config import get_settings
    from mockupaws.report.service import get_report_full_scan
    from mockupaws.store import migrations

    get_settings.cache_clear()
    migrations.apply(url)
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()
    window = "unset (full batches)" if args.window < 0 else f"{args.window} s"
    server = version[0] if version else "?"
    print(
        f"PostgreSQL {server}; {args.logs:,} logs over 7 days from {args.sources} sources; "
        f"batching window {window}"
    )

    pipeline = {} if args.window < 0 else {"lambda_batching_window_s": args.window}
    name = f"bench-metrics-{uuid.uuid4().hex[:8]}"
    status, scenario = call("scenarios", "POST", BASE, body={"name": name, "pipeline": pipeline})
    assert status == 201, scenario
    sid = scenario["id"]
    assert call("scenarios", "POST", f"{BASE}/{sid}/start")[0] == 200
    try:
        start = time.perf_counter()
        week_start = (datetime.now(UTC) - timedelta(days=8)).replace(minute=0, second=0, microsecond=0)
        generate_logs(url, sid, args.logs, week_start, timedelta(days=7), "main", args.sources)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE scenario_logs")
        print(f"generated {args.logs:,} logs in {time.perf_counter() - start:.1f} s")

        def via_handler() -> dict[str, Any]:
            status, body = call("metrics", "GET", f"{BASE}/{sid}/metrics")
            assert status == 200, body
            return dict(body)

        # 1. nothing rolled up yet: every log is tail
        cold, _ = timed(via_handler, 1)  # first call: imports, connection, caches
        no_rollup, _ = timed(via_handler, max(1, args.scan_calls))

        # 2. aggregation, through the scheduled handler, until nothing remains
        aggregate = load_handler("aggregate")
        runs: list[tuple[float, dict[str, Any]]] = []
        while True:
            t = time.perf_counter()
            summary = aggregate.lambda_handler(
                {"detail-type": "Scheduled Event", "source": "aws.events"}, Context()
            )
            runs.append(((time.perf_counter() - t), summary))
            if not summary["more_remaining"]:
                break
        rolled = sum(s["logs_rolled_up"] for _, s in runs)
        total_s = sum(t for t, _ in runs)
        for i, (t, s) in enumerate(runs, 1):
            done, more = s["logs_rolled_up"], s["more_remaining"]
            print(f"aggregation run {i}: {done:,} logs in {t:.2f} s (more remaining: {more})")
        print(f"aggregation total: {rolled:,} logs in {total_s:.2f} s ({rolled / total_s:,.0f} logs/s)")

        # 3. a fresh tail, as between two scheduled runs
        generate_logs(
            url, sid, args.tail, week_start + timedelta(days=7), timedelta(minutes=5), "tail", args.sources
        )

        # 4. rollups + tail through the handler vs the full scan
        with_rollups, body = timed(via_handler, args.calls)
        scenario_id = uuid.UUID(sid)
        full_scan, reference = timed(lambda: get_report_full_scan(scenario_id), args.scan_calls)
        assert body == reference.model_dump(mode="json"), "rollups + tail differ from the full scan"
        assert body["summary"]["total_requests"] == args.logs + args.tail
        assert len(body["by_source"]) == min(args.sources, 51)

        # 5. the redacted logs listing (analysis function): newest page, a rare-type filter, one source
        def logs_page(**query: str) -> Callable[[], dict[str, Any]]:
            def page() -> dict[str, Any]:
                status, reply = call("analysis", "GET", f"{BASE}/{sid}/logs", query=query)
                assert status == 200, reply
                assert 0 < len(reply["items"]) <= int(query["limit"])
                return dict(reply)

            return page

        newest, _ = timed(logs_page(limit="50"), args.calls)
        phone, _ = timed(logs_page(limit="50", pii_type="phone"), args.calls)
        pii_source = f"source-{(33 * 7) % args.sources:03d}"  # the source of log 231, which carries PII
        one_source, _ = timed(logs_page(limit="50", source=pii_source, has_pii="true"), args.calls)
    finally:
        if not args.keep:
            call("scenarios", "POST", f"{BASE}/{sid}/stop")
            call("scenarios", "DELETE", f"{BASE}/{sid}")

    p50, scan_p50 = statistics.median(with_rollups), statistics.median(full_scan)
    rows = [
        ("handler, first call (cold)", cold),
        ("handler, no rollups (all tail)", no_rollup),
        (f"handler, rollups + {args.tail:,}-log tail", with_rollups),
        ("full scan (get_metrics_full_scan)", full_scan),
        ("logs page: newest 50", newest),
        ("logs page: 50 with pii_type=phone", phone),
        ("logs page: 50 PII logs of one source", one_source),
    ]
    print()
    title = f"metrics read, {args.logs + args.tail:,} logs"
    print(f"{title:<40}{'calls':>6}{'p50 ms':>10}{'p90 ms':>10}")
    for name, samples in rows:
        print(f"{name:<40}{len(samples):>6}{statistics.median(samples):>10.2f}{p(samples, 0.9):>10.2f}")
    ratio = scan_p50 / p50
    print(f"\nspeed-up of rollups + tail over the full scan: {ratio:.1f}x")
    summary = body["summary"]
    print(
        f"answer: {summary['total_requests']:,} requests, {summary['total_cost_usd']} USD, "
        f"{summary['duplicate_logs']:,} duplicates, {len(body['timeseries'])} series points, "
        f"{len(body['by_source'])} by_source rows, "
        f"{summary['lambda_invocations']:,} invocations ({body['batching']['model']}, "
        f"average batch {body['batching']['average_batch_size']})"
    )
    goal = GOAL_P50_MS if args.window < 0 else GOAL_P50_MS_WINDOW
    ok = p50 <= goal and ratio >= GOAL_RATIO
    print(f"goal p50 <= {goal:.0f} ms and >= {GOAL_RATIO:.0f}x: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
