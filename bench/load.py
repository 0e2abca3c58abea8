"""Load test: concurrent producers through the local server, then an exact consistency check.

    .venv/bin/python bench/load.py [--producers 8] [--requests 2000] [--batch 100 [1 ...]]
                                   [--scenarios 1] [--concurrency N] [--aggregate-interval 1]
                                   [--max-seconds 120] [--port 0]
    .venv/bin/python bench/load.py --external http://127.0.0.1:3000   # a running `make dev`

The run itself is :mod:`mockupaws_testkit.load` (producers, warm-up, the aggregation running alongside)
and its check :mod:`mockupaws_testkit.consistency` (logs acknowledged by the 202 replies, rows in
``scenario_logs``, ``total_requests``, the metrics' totals and hourly series, sums of bytes, SQS blocks,
tokens, PII logs, duplicates and Lambda invocations, and the stored message hashes against the sha256
of every acknowledged message). This script adds the command line, the database, CPU accounting and
the report.

By default it starts its own server in this process (``mockupaws_local.server.start_server`` on the
real ``template.yaml``, 127.0.0.1, a free port unless ``--port``; each function instance a worker
process) on a fresh database it creates -- on the server of ``DATABASE_URL`` when set, else on an
embedded PostgreSQL under ``.pgdata/bench`` -- and drops at the end. ``--external`` targets a server
that is already running instead; only loopback URLs are accepted. Its database (for the SQL side of the
check and for the concurrent aggregation) is ``--database-url``/``DATABASE_URL``, else the embedded
``make dev`` database when that server is running; without one, the SQL checks are skipped and the
server's own schedule does the aggregation.

While the load runs, ``pg_stat_activity`` is sampled every 50 ms (statements running, and waiting for
a lock), and the CPU time used is measured: this process (the server's HTTP side and the producers),
the function instances (worker processes) and the PostgreSQL backends of the run's database.

The exit status is non-zero when there was any error, any disagreement, or the ``--max-seconds``
budget ran out (producers stop sending then; a watchdog ends the process if even the clean-up hangs).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from mockupaws_testkit.load import (
    Aggregate,
    LoadConfig,
    LoadResult,
    loopback_target,
    run_load,
    runner_aggregate,
)

ROOT = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (None when it is gone or not on this machine)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


@dataclass
class CpuMeter:
    """CPU time used between :meth:`start` and :meth:`stop`, per group of processes."""

    groups: Mapping[str, Callable[[], Sequence[int]]]
    used: dict[str, float] = field(default_factory=dict)
    _before: dict[str, dict[int, float]] = field(default_factory=dict)
    _self_before: float = 0.0

    def _sample(self) -> dict[str, dict[int, float]]:
        samples: dict[str, dict[int, float]] = {}
        for name, pids in self.groups.items():
            samples[name] = {pid: cpu for pid in pids() if (cpu := cpu_seconds(pid)) is not None}
        return samples

    def start(self) -> None:
        self._self_before = time.process_time()
        self._before = self._sample()

    def stop(self) -> None:
        self.used = {"this process (HTTP server + producers)": time.process_time() - self._self_before}
        for name, after in self._sample().items():
            before = self._before.get(name, {})
            self.used[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def database_backends(database_url: str) -> Callable[[], list[int]]:
    """The pids of the PostgreSQL backends connected to the run's database (the functions' connections)."""

    def pids() -> list[int]:
        with contextlib.suppress(psycopg.Error), psycopg.connect(database_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
            return [int(row[0]) for row in rows]
        return []

    return pids


class LockSampler:
    """Samples ``pg_stat_activity`` of the run's database every ``interval_s`` seconds: how many
    backends run a statement and how many of those wait for a lock (ingests queueing on the scenario
    row they all update)."""

    def __init__(self, database_url: str, interval_s: float = 0.05) -> None:
        self.database_url, self.interval_s = database_url, interval_s
        self.samples = self.active = self.lock_waits = self.samples_with_wait = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="load:lock-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        query = (
            "SELECT count(*) FILTER (WHERE state = 'active'), "
            "       count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with contextlib.suppress(psycopg.Error), psycopg.connect(self.database_url, autocommit=True) as conn:
            while not self._stop.wait(self.interval_s):
                row = conn.execute(query).fetchone()
                if row is not None:
                    self.samples += 1
                    self.active += int(row[0])
                    self.lock_waits += int(row[1])
                    self.samples_with_wait += int(row[1] > 0)


def handler_aggregate(database_url: str) -> Aggregate:
    """Invoke the aggregation handler (``functions/aggregate/app.py``) in this process against
    ``database_url`` -- for ``--external``, where the server's runner is not reachable."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from mockupaws.config import get_settings
    from mockupaws_testkit.handlers import load_handler
    from mockupaws_testkit.lambda_context import FakeLambdaContext

    get_settings.cache_clear()
    handler = load_handler("aggregate").lambda_handler
    context = FakeLambdaContext(function_name="AggregateFunction")

    def invoke() -> Mapping[str, Any]:
        result = handler({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, context)
        return result if isinstance(result, Mapping) else {}

    return invoke


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------

COLUMNS = (
    ("scenario", "<"),
    ("requests", ">"),
    ("logs", ">"),
    ("wall s", ">"),
    ("requests/s", ">"),
    ("logs/s", ">"),
    ("p50 ms", ">"),
    ("p99 ms", ">"),
    ("max ms", ">"),
    ("CPU cores", ">"),
    ("errors", ">"),
    ("consistency", "<"),
)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


@dataclass
class Run:
    result: LoadResult
    cpu: CpuMeter
    locks: LockSampler | None


def table_row(run: Run) -> list[str]:
    result = run.result
    wall = result.wall_s or math.nan
    if result.consistent:
        verdict = f"exact ({len(result.checks)}/{len(result.checks)} checks)"
    else:
        verdict = f"MISMATCH ({sum(not c.ok for c in result.checks)}/{len(result.checks)} checks)"
    if not result.sql_checked:
        verdict += ", no SQL"
    if result.timed_out:
        verdict += f", TIMED OUT ({result.tally.unsent} unsent)"
    latencies = result.tally.latencies_ms
    return [
        result.config.label,
        f"{result.requests:,}",
        f"{result.logs:,}",
        f"{result.wall_s:.2f}",
        f"{result.requests / wall:,.0f}",
        f"{result.logs / wall:,.0f}",
        f"{percentile(latencies, 0.50):.1f}",
        f"{percentile(latencies, 0.99):.1f}",
        f"{max(latencies, default=math.nan):.1f}",
        f"{sum(run.cpu.used.values()) / wall:.2f}",
        f"{result.tally.errors}",
        verdict,
    ]


def format_table(runs: Sequence[Run]) -> str:
    """A Markdown table, one row per run."""
    rows = [[name for name, _ in COLUMNS], *(table_row(r) for r in runs)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]

    def line(cells: Sequence[str]) -> str:
        padded = [
            cell.ljust(w) if align == "<" else cell.rjust(w)
            for cell, w, (_, align) in zip(cells, widths, COLUMNS, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = [
        "-" * (w - 1) + (":" if align == ">" else "-") for w, (_, align) in zip(widths, COLUMNS, strict=True)
    ]
    return "\n".join([line(rows[0]), line(rule), *(line(r) for r in rows[1:])])


def details(run: Run) -> list[str]:
    """What the table leaves out: CPU per group, lock waits, aggregation, every check, error samples."""
    result = run.result
    ids = ", ".join(result.scenario_ids)
    out = [f"{result.config.label} (scenario{'s' if len(result.scenario_ids) > 1 else ''} {ids}):"]
    if result.logs and result.wall_s:
        total = sum(run.cpu.used.values())
        parts = ", ".join(f"{name} {seconds / result.wall_s:.2f}" for name, seconds in run.cpu.used.items())
        out.append(
            f"  CPU during the load: {total:.1f} s = {total / result.wall_s:.2f} cores ({parts}); "
            f"{total / result.logs * 1e6:.0f} us per log"
        )
    latencies, sent_at = result.tally.latencies_ms, result.tally.sent_at
    if len(latencies) >= 8:
        ordered = [ms for _, ms in sorted(zip(sent_at, latencies, strict=True))]
        quarter = max(1, len(ordered) // 4)
        first, last = percentile(ordered[:quarter], 0.5), percentile(ordered[-quarter:], 0.5)
        out.append(f"  p50 latency, first vs last quarter of the requests: {first:.1f} ms vs {last:.1f} ms")
    locks = run.locks
    if locks is not None and locks.samples:
        out.append(
            f"  database, sampled every {locks.interval_s * 1000:.0f} ms: "
            f"{locks.active / locks.samples:.2f} statements running on average, "
            f"{locks.lock_waits / locks.samples:.2f} of them waiting for a lock "
            f"({locks.samples_with_wait / locks.samples:.0%} of samples had a lock wait)"
        )
    loop = result.aggregation
    if loop is not None:
        out.append(
            f"  aggregation: {loop.runs} runs during the load rolled up {loop.logs_rolled_up:,} logs "
            f"(of every scenario); {len(loop.failures)} failed"
        )
    if result.rolled_up_at_read is not None and result.tail_at_read is not None:
        out.append(
            f"  metrics read after stop: {result.rolled_up_at_read:,} logs from hourly rollups + "
            f"{result.tail_at_read:,} from the tail"
        )
    out.append(f"  request bodies: {result.body_bytes / 1e6:,.1f} MB on the wire (timed requests)")
    for check in result.checks:
        mark = "ok" if check.ok else "MISMATCH"
        out.append(f"  {mark:>8}  {check.name}: {check.actual:,} (reference {check.reference:,})")
    out.extend(f"  error: {sample}" for sample in result.tally.error_samples)
    out.extend(f"  aggregation error: {failure}" for failure in result.aggregation_failures[:5])
    return out


# --------------------------------------------------------------------------------------------------
# Database, server, command line
# --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new database, migrated, dropped afterwards: on the server of ``DATABASE_URL`` when set,
    else on an embedded PostgreSQL under ``.pgdata/bench`` (stopped afterwards)."""
    from mockupaws_local import pg

    with (
        pg.scratch_server(ROOT / ".pgdata" / "bench") as admin_url,
        pg.throwaway_database(admin_url, "mockupaws_load") as url,
    ):
        yield url


def external_database_url(explicit: str | None) -> str | None:
    """The database behind ``--external``: ``--database-url``, ``DATABASE_URL``, else the embedded
    ``make dev`` database if that server is running (attached, never started or stopped here)."""
    if explicit or os.environ.get("DATABASE_URL"):
        return explicit or os.environ["DATABASE_URL"]
    from mockupaws_local import pg

    if not (pg.DEFAULT_DATA_DIR / "postmaster.pid").is_file():
        return None
    server, _admin = pg.start_embedded(pg.DEFAULT_DATA_DIR, cleanup_mode=None)
    return pg.server_url(server, pg.DATABASE_NAME)


def _watchdog(seconds: float, cleanup: Callable[[], object]) -> threading.Timer:
    """Last resort for "stops by itself": if the process is still here after ``seconds``, clean up
    what can be and exit with status 3."""

    def fire() -> None:
        print(f"load test: still running after {seconds:.0f} s, aborting", file=sys.stderr, flush=True)
        with contextlib.suppress(Exception):
            cleanup()
        os._exit(3)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()
    return timer


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[LoadConfig]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--producers", type=int, default=8, help="producer threads (default 8)")
    parser.add_argument("--requests", type=int, default=2_000, help="timed requests per run (default 2000)")
    parser.add_argument(
        "--batch",
        type=int,
        nargs="+",
        default=[100],
        help="records per request (default 100); several = several runs",
    )
    parser.add_argument(
        "--scenarios", type=int, default=1, help="spread the producers over N scenarios (default 1)"
    )
    parser.add_argument(
        "--warmup", type=int, default=1, help="untimed requests per producer first (default 1)"
    )
    parser.add_argument("--port", type=int, default=0, help="port of the in-process server (0 = a free one)")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="instances per function (server default 4)"
    )
    parser.add_argument(
        "--aggregate-interval", type=float, default=1.0, help="seconds between aggregation runs (default 1)"
    )
    parser.add_argument(
        "--max-seconds", type=float, default=120.0, help="time budget of the load (default 120)"
    )
    parser.add_argument("--external", metavar="URL", help="a running server, e.g. http://127.0.0.1:3000")
    parser.add_argument("--database-url", help="with --external: its database (default $DATABASE_URL)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    configs = [
        LoadConfig(
            producers=args.producers,
            requests=args.requests,
            batch=batch,
            warmup=args.warmup,
            aggregate_interval_s=args.aggregate_interval,
            seed=args.seed + i,
            scenarios=args.scenarios,
        )
        for i, batch in enumerate(args.batch)
    ]
    try:
        for config in configs:
            config.validate()
        if args.external:
            loopback_target(args.external)
    except ValueError as exc:
        parser.error(str(exc))
    if args.max_seconds <= 0:
        parser.error("--max-seconds must be > 0")
    if args.external and args.port:
        parser.error("--port is for the in-process server; the port of --external is in its URL")
    return args, configs


def main(argv: Sequence[str] | None = None) -> int:
    args, configs = parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access-log line per request
    from mockupaws_local import pg

    _watchdog(args.max_seconds + 120.0, pg.shutdown)
    deadline = time.monotonic() + args.max_seconds
    load_before = os.getloadavg()[0]

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    runs: list[Run] = []
    with contextlib.ExitStack() as stack:
        # The functions print their JSON logs and EMF metrics to stdout (CloudWatch in AWS, the
        # terminal under `make dev`): still produced and forwarded, as there, but discarded.
        stack.enter_context(contextlib.redirect_stdout(stack.enter_context(open(os.devnull, "w"))))
        groups: dict[str, Callable[[], Sequence[int]]] = {}
        if args.external:
            target = loopback_target(args.external)
            database_url = external_database_url(args.database_url)
            aggregate = handler_aggregate(database_url) if database_url else None
            where = f"external server {args.external} (its own CPU is not counted)"
            if aggregate is None:
                where += " (no database access: SQL checks skipped, the server's own schedule aggregates)"
        else:
            from mockupaws_local.server import start_server

            database_url = stack.enter_context(fresh_database())
            handle = start_server(
                ROOT / "template.yaml",
                args.port,
                "127.0.0.1",
                {"DATABASE_URL": database_url},
                concurrency=args.concurrency,
                schedule_interval_s=0,  # the aggregation is driven by the load test's own thread
            )
            stack.callback(handle.stop)
            target = (handle.host, handle.port)
            aggregate = runner_aggregate(handle.runner)
            runner = handle.runner
            groups["function instances"] = lambda: [i.pid for i in runner.instances()]
            where = (
                f"in-process server {handle.url} (up to {runner.concurrency} worker processes per function), "
                "fresh database"
            )
        if database_url:
            groups["PostgreSQL backends"] = database_backends(database_url)
        log(
            f"load test against {where}; {os.cpu_count()} CPUs shared by the server, its workers, PostgreSQL "
            f"and the producers; 1-min load average before the run: {load_before:.2f}"
        )
        for config in configs:
            cpu = CpuMeter(groups)
            locks = LockSampler(database_url) if database_url else None

            def started(cpu: CpuMeter = cpu, locks: LockSampler | None = locks) -> None:
                cpu.start()
                if locks is not None:
                    locks.start()

            def ended(cpu: CpuMeter = cpu, locks: LockSampler | None = locks) -> None:
                cpu.stop()
                if locks is not None:
                    locks.stop()

            result = run_load(
                target,
                config,
                aggregate=aggregate,
                database_url=database_url,
                deadline=deadline,
                delete_scenarios=bool(args.external),  # our own database is dropped anyway
                log=log,
                on_start=started,
                on_end=ended,
            )
            runs.append(Run(result, cpu, locks))

    print()
    print(format_table(runs))
    print()
    for run in runs:
        print("\n".join(details(run)))
    ok = all(run.result.ok for run in runs)
    print(f"\nresult: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
