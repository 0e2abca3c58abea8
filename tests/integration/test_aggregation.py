"""The scheduled aggregation (docs/aggregation.md) on real PostgreSQL: incremental, bounded, idempotent, safe
to run concurrently; and the metrics read (rollups + tail) equals a full scan after any interleaving of
log inserts and aggregation runs."""

from __future__ import annotations

import functools
import random
import threading
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from mockupaws.report.build import HourBucket
from mockupaws.report.service import get_report, get_report_full_scan
from mockupaws.rollups import run as rollups
from mockupaws.store import db
from mockupaws.store import rollups as rollup_sql
from mockupaws.store.rollups import read_buckets
from mockupaws_testkit.synthetic import SyntheticLog, hash_of, insert_logs

T0 = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
MakeWithLogs = Callable[..., dict[str, Any]]


@pytest.fixture
def drained(app_env: str) -> None:
    """Nothing pending before the test (so run() counts are this test's own)."""
    while rollups.run(max_logs=10_000_000).more_remaining:
        pass


def snapshot(scenario_id: str | uuid.UUID) -> tuple[list[HourBucket], list[HourBucket]]:
    """Rollups + tail and a full scan, read in ONE snapshot."""
    sid = uuid.UUID(str(scenario_id))

    def work(cur: db.Cursor) -> tuple[list[HourBucket], list[HourBucket]]:
        return read_buckets(cur, sid, source="rollup"), read_buckets(cur, sid, source="full_scan")

    return db.run(work, isolation="repeatable_read", read_only=True)


def assert_exact(scenario_id: str | uuid.UUID) -> list[HourBucket]:
    fast, full = snapshot(scenario_id)
    assert fast == full
    sid = uuid.UUID(str(scenario_id))
    assert get_report(sid) == get_report_full_scan(sid)
    return full


def rollup_rows(conn: psycopg.Connection[Any], scenario_id: str) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT hour, requests, bytes, tokens, sqs_blocks, pii_logs, duplicates, first_event_at, "
        "last_event_at FROM scenario_metrics WHERE scenario_id = %s ORDER BY hour",
        (scenario_id,),
    ).fetchall()


def as_rows(buckets: list[HourBucket]) -> list[tuple[Any, ...]]:
    return [
        (
            b.hour,
            b.requests,
            b.bytes,
            b.tokens,
            b.sqs_blocks,
            b.pii_logs,
            b.duplicates,
            b.first_event_at,
            b.last_event_at,
        )
        for b in buckets
    ]


def last_log_id(conn: psycopg.Connection[Any], scenario_id: str) -> int:
    row = conn.execute(
        "SELECT last_log_id FROM scenario_rollup_state WHERE scenario_id = %s", (scenario_id,)
    ).fetchone()
    return int(row[0]) if row else 0


def random_logs(rng: random.Random, n: int, hashes: list[str]) -> list[SyntheticLog]:
    logs = []
    for _ in range(n):
        size = rng.choice([1, 500, 65_536, 65_537, 204_800])
        logs.append(
            SyntheticLog(
                T0
                + timedelta(
                    hours=rng.randrange(48), seconds=rng.randrange(3600), microseconds=rng.randrange(10**6)
                ),
                size_bytes=size,
                token_count=rng.randrange(0, 300),
                has_pii=rng.random() < 0.2,
                message_hash=rng.choice(hashes),
            )
        )
    return logs


# --------------------------------------------------------------------------------------------
# incremental, bounded, idempotent
# --------------------------------------------------------------------------------------------


def test_incremental_runs_roll_everything_up_once(
    drained: None, scenario_with_logs: MakeWithLogs, sql_conn: Any
) -> None:
    logs = [
        SyntheticLog(T0 + timedelta(minutes=17 * i), token_count=i, has_pii=i % 5 == 0) for i in range(25)
    ]
    scenario = scenario_with_logs(logs, status="running")
    ids = [
        r[0]
        for r in sql_conn.execute(
            "SELECT id FROM scenario_logs WHERE scenario_id = %s ORDER BY id", (scenario["id"],)
        ).fetchall()
    ]
    assert last_log_id(sql_conn, scenario["id"]) == 0
    assert_exact(scenario["id"])

    first = rollups.run(max_logs=10, batch_size=4)
    assert (first.logs_rolled_up, first.scenarios_processed, first.more_remaining) == (10, 1, True)
    assert last_log_id(sql_conn, scenario["id"]) == ids[9]
    assert_exact(scenario["id"])

    second = rollups.run(max_logs=10, batch_size=3)
    assert (second.logs_rolled_up, second.more_remaining) == (10, True)
    assert_exact(scenario["id"])

    third = rollups.run(max_logs=10)
    assert (third.logs_rolled_up, third.more_remaining) == (5, False)
    assert last_log_id(sql_conn, scenario["id"]) == ids[-1]
    full = assert_exact(scenario["id"])
    assert rollup_rows(sql_conn, scenario["id"]) == as_rows(full)  # no tail left: rollups alone are exact

    # idempotent: nothing left, nothing changes
    before = sql_conn.execute(
        "SELECT hour, updated_at FROM scenario_metrics WHERE scenario_id = %s ORDER BY hour",
        (scenario["id"],),
    ).fetchall()
    again = rollups.run(max_logs=10)
    assert (again.logs_rolled_up, again.scenarios_processed, again.more_remaining) == (0, 0, False)
    assert (
        sql_conn.execute(
            "SELECT hour, updated_at FROM scenario_metrics WHERE scenario_id = %s ORDER BY hour",
            (scenario["id"],),
        ).fetchall()
        == before
    )

    # new logs, also into hours already rolled up: added, first/last event widened
    insert_logs(
        sql_conn,
        scenario["id"],
        [SyntheticLog(T0 - timedelta(minutes=1)), SyntheticLog(T0 + timedelta(minutes=5))],
    )
    assert_exact(scenario["id"])
    assert rollups.run(max_logs=100).logs_rolled_up == 2
    full = assert_exact(scenario["id"])
    assert rollup_rows(sql_conn, scenario["id"]) == as_rows(full)


def test_a_deadline_stops_the_run_before_the_next_batch(
    drained: None, scenario_with_logs: MakeWithLogs, sql_conn: Any
) -> None:
    scenario = scenario_with_logs(
        [SyntheticLog(T0 + timedelta(seconds=i)) for i in range(10)], status="running"
    )
    ticks = iter(range(1000))

    def clock() -> float:
        return float(next(ticks))

    # the deadline has passed: nothing is rolled up, and the run says more remains
    late = rollups.run(max_logs=100, deadline=-1.0, clock=clock)
    assert (late.logs_rolled_up, late.more_remaining) == (0, True)
    # each clock() call is one tick: with a deadline 4 ticks away only the first batches run
    partial = rollups.run(max_logs=100, batch_size=2, deadline=next(ticks) + 4.0, clock=clock)
    assert 0 < partial.logs_rolled_up < 10
    assert partial.more_remaining
    assert_exact(scenario["id"])
    rest = rollups.run(max_logs=100)
    assert partial.logs_rolled_up + rest.logs_rolled_up == 10
    assert rest.more_remaining is False


def test_several_scenarios_share_the_budget(drained: None, scenario_with_logs: MakeWithLogs) -> None:
    made = [scenario_with_logs([SyntheticLog(T0 + timedelta(seconds=i)) for i in range(7)]) for _ in range(3)]
    summaries: list[rollups.RunSummary] = []
    while not summaries or summaries[-1].more_remaining:
        summaries.append(rollups.run(max_logs=5, batch_size=2))
        assert len(summaries) < 10
    assert [s.logs_rolled_up for s in summaries] == [5, 5, 5, 5, 1]
    for scenario in made:
        assert_exact(scenario["id"])


def test_a_scenario_held_by_another_run_is_skipped(
    drained: None, scenario_with_logs: MakeWithLogs, sql_conn: Any, app_env: str
) -> None:
    scenario = scenario_with_logs([SyntheticLog(T0 + timedelta(seconds=i)) for i in range(6)])
    rollups.run(max_logs=2)  # creates the state row, rolls 2
    with psycopg.connect(app_env) as other:  # another run, in the middle of its batch
        other.execute(
            "SELECT last_log_id FROM scenario_rollup_state WHERE scenario_id = %s FOR UPDATE",
            (scenario["id"],),
        )
        before = last_log_id(sql_conn, scenario["id"])
        held = rollups.run(max_logs=100)
        assert (held.logs_rolled_up, held.scenarios_skipped, held.more_remaining) == (0, 1, True)
        assert last_log_id(sql_conn, scenario["id"]) == before
        assert_exact(scenario["id"])  # readers are not blocked, and still exact
        other.rollback()
    released = rollups.run(max_logs=100)
    assert (released.logs_rolled_up, released.scenarios_skipped, released.more_remaining) == (4, 0, False)
    assert_exact(scenario["id"])


def test_a_deleted_scenario_is_gone_not_an_error(app_env: str) -> None:
    assert db.run(lambda cur: rollup_sql.roll_up_batch(cur, uuid.uuid4(), 10)) == rollup_sql.GONE


def test_bad_bounds_are_refused(app_env: str) -> None:
    with pytest.raises(ValueError, match="must be >= 1"):
        rollups.run(max_logs=0)


# --------------------------------------------------------------------------------------------
# exact after any interleaving
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_any_interleaving_of_inserts_and_runs_is_exact(
    drained: None, scenario_with_logs: MakeWithLogs, sql_conn: Any, seed: int
) -> None:
    rng = random.Random(seed)
    hashes = [hash_of(f"message {i}") for i in range(40)]
    scenario = scenario_with_logs(status="running")
    stored: list[SyntheticLog] = []
    for _ in range(30):
        if rng.random() < 0.55:
            batch = random_logs(rng, rng.randrange(1, 60), hashes)
            insert_logs(sql_conn, scenario["id"], batch)
            stored.extend(batch)
        else:
            rollups.run(max_logs=rng.randrange(1, 80), batch_size=rng.randrange(1, 30))
        assert_exact(scenario["id"])
    # and equal to what was stored, computed here
    body = get_report(uuid.UUID(scenario["id"])).model_dump(mode="json")["summary"]
    assert body["total_requests"] == len(stored)
    assert body["total_bytes"] == sum(log.size_bytes for log in stored)
    assert body["sqs_blocks"] == sum(log.blocks for log in stored)
    assert body["llm_tokens"] == sum(log.token_count for log in stored)
    assert body["pii_violations"] == sum(log.has_pii for log in stored)
    assert body["duplicate_logs"] == len(stored) - len({log.message_hash for log in stored})


def test_concurrent_runs_and_inserts_never_double_count(
    drained: None, scenario_with_logs: MakeWithLogs, invoke: Any, app_env: str
) -> None:
    hashes = [hash_of(f"line {i}") for i in range(500)]
    scenarios = [scenario_with_logs(status="running") for _ in range(2)]
    doomed = scenario_with_logs(status="running")  # deleted while runs are going on
    stop = threading.Event()
    errors: list[BaseException] = []
    stored: dict[str, list[SyntheticLog]] = {s["id"]: [] for s in scenarios}
    checks = [0]
    runs: list[rollups.RunSummary] = []

    def guarded(fn: Callable[[], None]) -> Callable[[], None]:
        def body() -> None:
            try:
                fn()
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                stop.set()
            finally:
                db.reset()  # each thread had its own connection (threading.local)

        return body

    def writer(index: int) -> None:
        rng = random.Random(index)
        target = scenarios[index]["id"]
        with psycopg.connect(app_env, autocommit=True) as conn:
            for _ in range(40):
                batch = random_logs(rng, rng.randrange(1, 40), hashes)
                insert_logs(conn, target, batch)
                stored[target].extend(batch)
                if index == 0 and len(stored[target]) > 300:
                    with psycopg.connect(app_env, autocommit=True) as admin:
                        admin.execute("DELETE FROM scenarios WHERE id = %s", (doomed["id"],))

    def aggregator(index: int) -> None:
        rng = random.Random(100 + index)
        while not stop.is_set():
            summary = rollups.run(max_logs=rng.randrange(5, 200), batch_size=rng.randrange(1, 25))
            runs.append(summary)

    def reader() -> None:
        while not stop.is_set():
            for scenario in scenarios:
                fast, full = snapshot(scenario["id"])
                assert fast == full
                checks[0] += 1

    with psycopg.connect(app_env, autocommit=True) as conn:
        insert_logs(conn, doomed["id"], random_logs(random.Random(7), 200, hashes))
    writers = [threading.Thread(target=guarded(functools.partial(writer, i))) for i in range(2)]
    others = [threading.Thread(target=guarded(functools.partial(aggregator, i))) for i in range(3)]
    others.append(threading.Thread(target=guarded(reader)))
    for thread in writers + others:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    stop.set()
    for thread in others:
        thread.join(timeout=120)
    assert not errors, errors
    assert checks[0] > 0
    assert sum(r.logs_rolled_up for r in runs) > 0  # runs overlapped the inserts

    while rollups.run(max_logs=10_000_000).more_remaining:
        pass
    with psycopg.connect(app_env, autocommit=True) as conn:
        for scenario in scenarios:
            logs = stored[scenario["id"]]
            full = assert_exact(scenario["id"])
            assert rollup_rows(conn, scenario["id"]) == as_rows(full)
            summary = get_report(uuid.UUID(scenario["id"])).summary
            total = conn.execute(
                "SELECT total_requests FROM scenarios WHERE id = %s", (scenario["id"],)
            ).fetchone()
            assert total is not None
            assert summary.total_requests == len(logs) == total[0]
            assert summary.sqs_blocks == sum(log.blocks for log in logs)
            assert summary.total_bytes == sum(log.size_bytes for log in logs)
            assert summary.llm_tokens == sum(log.token_count for log in logs)
            assert summary.duplicate_logs == len(logs) - len({log.message_hash for log in logs})
    assert invoke("metrics", "GET", f"/api/v1/scenarios/{doomed['id']}/metrics").status == 404
