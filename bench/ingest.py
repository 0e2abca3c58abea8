"""Benchmark: ingest throughput through the ingest handler, in-process, on one core
(figures in docs/benchmarks.md).

    .venv/bin/python bench/ingest.py [--seconds 4] [--seed 7]

PostgreSQL: the server of ``DATABASE_URL`` when set, else an embedded one under ``.pgdata/bench``. A fresh
database is created on it, migrated with ``mockupaws.store.migrations.apply`` and dropped at the end.

The benchmark runs in one thread (one core at a time; PostgreSQL works in its own processes) and calls
``lambda_handler(event, context)`` of ``functions/ingest/app.py`` with API Gateway REST events
(``mockupaws_testkit/apigw.py``), one at a time, as a Lambda execution environment would. Every request
carries fresh records as a JSON array (Fluent Bit ``format json``) from the shared fake-log generator
(``mockupaws_testkit.fakelogs``, ``HANDLER_MIX``): service log lines of 150-250 bytes, about 10% of them
with PII of every kind the detector knows (email, SSN, card, phone, IPv4, IPv6), about 5% repeats (a
few stock messages, and recent messages sent again).

Measured, each for ``--seconds`` (batches of 1: half of that), each case in a scenario of its own:

* the handler with batches of 1, 100 and 1,000 records: median request time / records;
* the same 1,000 records in the other wire formats, each through its own route, interleaved: NDJSON on
  ``/ingest``, OTLP/HTTP protobuf on ``/v1/logs`` (records grouped by source into resources, as an SDK
  would), Elasticsearch ``_bulk`` on ``/ingest/_bulk``; goal: each within 20% of the NDJSON rate;
* per message, on fresh 1,000-record bodies (median over the bodies): the parser alone
  (``parse_ingest``), the PII detector alone (``pii.scan``), the tokenizer alone
  (``tokens.count_tokens``), the rest of the processing (``process_all`` with the PII scans and
  token counts answered from a table: size, SQS blocks, sha256, preview) and the database write alone
  (``store``: scenario row update, duplicate lookup, COPY, commit). The share column splits
  their sum.

Goals: >= 15,000 logs/s in 1,000-record batches on one core, the PII detector alone >= 100,000 lines/s,
a per-message cost dominated by tokenising rather than PII scanning, and OTLP protobuf and bulk bodies
within 20% of the NDJSON rate.
Exit status 0 when all are met. A run takes about 20 s.

Autovacuum is off for the benchmark's (throw-away) table: a pass in the middle of a case competes for
the CPU and re-plans the duplicate lookup, so runs would differ by where autovacuum's one-minute cycle
falls. Times are wall-clock times, inflated on a busy machine: the report gives the share of a core this
process got while computing (about 100% when nothing else competes for the CPU).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

import psycopg

from mockupaws_testkit.apigw import json_body, rest_event
from mockupaws_testkit.fakelogs import HANDLER_MIX, FakeLogs
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.lambda_context import FakeLambdaContext

ROOT = Path(__file__).resolve().parents[1]

GOAL_LOGS_PER_S = 15_000
GOAL_PII_LINES_PER_S = 100_000  # the PII detector alone, one core (docs/pii.md)
GOAL_FORMAT_RATIO = 0.8  # OTLP protobuf and bulk: at least 80% of the NDJSON rate
BATCHES = (1, 100, 1_000)
BIG = 1_000


# ------------------------------------------------------------------------------------------------
# Database
# ------------------------------------------------------------------------------------------------
class Database:
    """A fresh, migrated database on ``DATABASE_URL``'s server or an embedded one; dropped by ``close``."""

    def __init__(self) -> None:
        from mockupaws_local import pg

        self._stack = contextlib.ExitStack()
        try:
            admin_url = self._stack.enter_context(pg.scratch_server(ROOT / ".pgdata" / "bench"))
            self.url = self._stack.enter_context(pg.throwaway_database(admin_url, "mockupaws_bench_ingest"))
            with psycopg.connect(self.url, autocommit=True) as conn:
                version = conn.execute("SHOW server_version").fetchone()
                # A run must not depend on where autovacuum's one-minute cycle falls: a pass in the middle
                # of a case competes for the CPU and re-plans queries.
                conn.execute("ALTER TABLE scenario_logs SET (autovacuum_enabled = off)")
            self.version = str(version[0]) if version else "?"
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        from mockupaws.store import db

        db.reset()
        self._stack.close()


# ------------------------------------------------------------------------------------------------
# Measurement
# ------------------------------------------------------------------------------------------------
def run_for(seconds: float, step: Callable[[], float], *, min_runs: int = 5) -> list[float]:
    """Call ``step`` (which returns the seconds it measured) until ``seconds`` of measured time passed."""
    samples: list[float] = []
    while sum(samples) < seconds or len(samples) < min_runs:
        samples.append(step())
    return samples


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@dataclass
class Results:
    handler: list[tuple[str, float]] = field(default_factory=list)  # case, median seconds per log
    formats: dict[str, float] = field(default_factory=dict)  # wire format, median seconds per log
    components: dict[str, float] = field(default_factory=dict)  # component, median seconds per log
    cpu_share: float = 0.0  # process CPU time / wall time over the CPU-only component measurements
    stored: int = 0
    duplicates: int = 0
    with_pii: int = 0
    sizes: list[int] = field(default_factory=list)


COMPONENTS = {
    "parse": "parser alone (`parse_ingest`)",
    "pii": "PII detector alone (`pii.scan`)",
    "tokens": "tokenizer alone (`tokens.count_tokens`)",
    "rest": "rest of processing (size, SQS blocks, sha256, preview)",
    "store": "DB write alone (`store`: duplicate lookup + COPY)",
}


def measure(database: Database, seconds: float, seed: int) -> Results:
    from mockupaws.config import get_settings
    from mockupaws.ingest import process, service
    from mockupaws.ingest.parse import parse_ingest
    from mockupaws.pii import detector as pii
    from mockupaws.tokens import counter as tokens

    get_settings.cache_clear()
    scenarios = load_handler("scenarios")
    handler = load_handler("ingest")
    context = FakeLambdaContext(function_name="bench-ingest", memory_limit_in_mb=1024)
    results = Results()

    def call(method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = scenarios.lambda_handler(rest_event(method, path, **kwargs), context)
        return int(response["statusCode"]), json_body(response)

    def running_scenario(label: str) -> str:
        status, scenario = call("POST", "/api/v1/scenarios", body={"name": f"bench {label}"})
        assert status == 201, scenario
        assert call("POST", f"/api/v1/scenarios/{scenario['id']}/start")[0] == 200
        return str(scenario["id"])

    factory = FakeLogs(seed, HANDLER_MIX)

    def handler_step(sid: str, size: int) -> float:
        headers = {"X-Scenario-ID": sid, "Content-Type": "application/json"}
        event = rest_event("POST", "/ingest", headers=headers, raw_body=json.dumps(factory.batch(size)))
        start = time.perf_counter()
        response = handler.lambda_handler(event, context)
        elapsed = time.perf_counter() - start
        assert response["statusCode"] == 202, response["body"]
        summary = json_body(response)
        results.stored += summary["accepted"]
        results.duplicates += summary["duplicates"]
        results.with_pii += summary["pii_logs"]
        return elapsed

    tokens.encoding()  # built once per execution environment (~0.25 s), not part of any request
    warm_up = running_scenario("warm-up")
    for _ in range(3):  # imports, connection, caches
        handler_step(warm_up, 100)
    # Each case writes into a scenario of its own: the duplicate lookup reads the scenario's earlier logs.
    for size in BATCHES:
        step = functools.partial(handler_step, running_scenario(f"batches of {size}"), size)
        samples = run_for(seconds * (0.5 if size == 1 else 1.0), step)
        results.handler.append((f"handler, batches of {size:,}", statistics.median(samples) / size))

    # The same 1,000 records in each wire format, through each route, interleaved (so that a busy moment of
    # the machine does not fall on one format only), each format in a scenario of its own.
    format_scenarios = {name: running_scenario(f"format {name}") for name in FORMATS}
    format_times: dict[str, list[float]] = {name: [] for name in FORMATS}

    def formats_step() -> float:
        batch = factory.batch(BIG)
        total = 0.0
        for name, encode in FORMATS.items():
            sid = format_scenarios[name]
            path, headers, body = encode(batch, sid)
            event = rest_event("POST", path, headers=headers, raw_body=body)
            start = time.perf_counter()
            response = handler.lambda_handler(event, context)
            elapsed = time.perf_counter() - start
            assert response["statusCode"] in (200, 202), response["body"]
            format_times[name].append(elapsed / BIG)
            results.stored += BIG
            total += elapsed
        return total / len(FORMATS)

    run_for(seconds, formats_step)
    results.formats = {name: statistics.median(values) for name, values in format_times.items()}

    # Each component alone, on fresh 1,000-record bodies: seconds per message, median over the bodies.
    def parse(body: str) -> Any:
        return parse_ingest(
            body, is_base64=False, content_type="application/json", content_encoding=None, header_source=None
        )

    scan, count_tokens = pii.scan, tokens.count_tokens
    scenario_id = uuid.UUID(running_scenario("components"))
    timings: dict[str, list[float]] = {key: [] for key in COMPONENTS}
    cpu_wall = [0.0, 0.0]

    def component_step() -> float:
        body = json.dumps(factory.batch(BIG))
        cpu = time.process_time()
        start = time.perf_counter()
        records = parse(body).records
        parse_s = time.perf_counter() - start
        messages = [r.message for r in records]
        scans: list[Any] = []
        counts: list[int] = []
        pii_s = timed(lambda: scans.extend(scan(m) for m in messages))
        tokens_s = timed(lambda: counts.extend(count_tokens(m) for m in messages))
        cpu_wall[0] += time.process_time() - cpu
        cpu_wall[1] += time.perf_counter() - start
        # The rest of the processing: process_all with the messages' PII scans and token counts answered
        # from the results above (the few distinct source labels are still scanned, as part of the rest).
        scan_of, count_of = dict(zip(messages, scans, strict=True)), dict(zip(messages, counts, strict=True))

        def scan_known(text: str) -> Any:
            return scan_of[text] if text in scan_of else scan(text)

        def count_known(texts: Sequence[str], encoding_name: str) -> list[int]:
            return [count_of[t] for t in texts]

        logs: list[Any] = []
        now = datetime.now(UTC)
        with (
            mock.patch.object(process, "pii", SimpleNamespace(scan=scan_known, PiiScan=pii.PiiScan)),
            mock.patch.object(process, "count_tokens_many", count_known),
        ):
            rest_s = timed(lambda: logs.extend(process.process_all(records, now)))
        store_s = timed(lambda: service.store(scenario_id, logs, single=False))
        for key, value in zip(COMPONENTS, (parse_s, pii_s, tokens_s, rest_s, store_s), strict=True):
            timings[key].append(value / len(messages))
        results.stored += len(logs)
        results.sizes.extend(log.size_bytes for log in logs)
        return parse_s + pii_s + tokens_s + rest_s + store_s

    run_for(seconds, component_step)
    results.components = {key: statistics.median(values) for key, values in timings.items()}
    results.cpu_share = cpu_wall[0] / cpu_wall[1]
    return results


def _record_nanos(record: dict[str, Any]) -> int:
    if "date" in record:
        return int(round(record["date"] * 1000)) * 1_000_000  # noqa: RUF046 - the JSON value is Any
    return int(datetime.fromisoformat(record["timestamp"]).timestamp() * 1000) * 1_000_000


def _ndjson(batch: list[dict[str, Any]], sid: str) -> tuple[str, dict[str, str], Any]:
    body = "".join(json.dumps(record) + "\n" for record in batch)
    return "/ingest", {"X-Scenario-ID": sid, "Content-Type": "application/x-ndjson"}, body


def _otlp_protobuf(batch: list[dict[str, Any]], sid: str) -> tuple[str, dict[str, str], Any]:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    request = ExportLogsServiceRequest()
    by_source: dict[str, Any] = {}
    for record in batch:
        scope = by_source.get(record["source"])
        if scope is None:
            resource_logs = request.resource_logs.add()
            attribute = resource_logs.resource.attributes.add()
            attribute.key = "service.name"
            attribute.value.string_value = record["source"]
            scope = by_source[record["source"]] = resource_logs.scope_logs.add()
        log_record = scope.log_records.add()
        log_record.time_unix_nano = _record_nanos(record)
        log_record.body.string_value = record.get("message") or record["log"]
    headers = {"X-Scenario-ID": sid, "Content-Type": "application/x-protobuf"}
    return "/v1/logs", headers, request.SerializeToString()


def _bulk(batch: list[dict[str, Any]], sid: str) -> tuple[str, dict[str, str], Any]:
    action = json.dumps({"index": {"_index": sid}})
    body = "".join(f"{action}\n{json.dumps(record)}\n" for record in batch)
    return "/ingest/_bulk", {"Content-Type": "application/x-ndjson"}, body


FORMATS: dict[str, Callable[[list[dict[str, Any]], str], tuple[str, dict[str, str], Any]]] = {
    "NDJSON on /ingest": _ndjson,
    "OTLP protobuf on /v1/logs": _otlp_protobuf,
    "Elasticsearch bulk on /ingest/_bulk": _bulk,
}


def report(results: Results, version: str, load: float, wall_s: float) -> bool:
    sizes = results.sizes
    handled = results.stored - len(sizes)
    print(
        f"PostgreSQL {version}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs (load average "
        f"{load:.1f} at start); this process got {results.cpu_share:.0%} of a core while computing."
    )
    print(
        f"Messages {min(sizes)}-{max(sizes)} bytes (mean {statistics.fmean(sizes):.0f}); through the handler "
        f"{results.with_pii / handled:.1%} had PII and {results.duplicates / handled:.1%} were duplicates."
    )
    print()
    print("| case | logs/s | µs/log | share of per-message processing |")
    print("|---|---:|---:|---:|")
    for case, per_log in results.handler:
        print(f"| {case} | {1 / per_log:,.0f} | {per_log * 1e6:.1f} | |")
    ndjson_per_log = results.formats["NDJSON on /ingest"]
    for name, per_log in results.formats.items():
        print(f"| {name}, batches of {BIG:,} | {1 / per_log:,.0f} | {per_log * 1e6:.1f} | |")
    total = sum(results.components.values())
    for key, per_log in results.components.items():
        logs_s = f"{1 / per_log:,.0f}" if per_log > 0 else "-"
        print(f"| {COMPONENTS[key]} | {logs_s} | {per_log * 1e6:.1f} | {per_log / total:.0%} |")
    print()
    rate = 1 / results.handler[-1][1]
    tokens_s, pii_s = results.components["tokens"], results.components["pii"]
    ok_rate, ok_tokens = rate >= GOAL_LOGS_PER_S, tokens_s > pii_s
    ok_pii = 1 / pii_s >= GOAL_PII_LINES_PER_S
    print(f"goal >= {GOAL_LOGS_PER_S:,} logs/s in batches of {BIG:,}: {rate:,.0f} -> {_verdict(ok_rate)}")
    print(f"goal PII detector >= {GOAL_PII_LINES_PER_S:,} lines/s: {1 / pii_s:,.0f} -> {_verdict(ok_pii)}")
    print(
        f"goal tokenising costs more than PII scanning: {tokens_s * 1e6:.1f} vs {pii_s * 1e6:.1f} µs/log "
        f"-> {_verdict(ok_tokens)}"
    )
    ok_formats = True
    for name, per_log in results.formats.items():
        if name == "NDJSON on /ingest":
            continue
        ratio = ndjson_per_log / per_log
        ok_formats = ok_formats and ratio >= GOAL_FORMAT_RATIO
        print(
            f"goal {name} >= {GOAL_FORMAT_RATIO:.0%} of the NDJSON rate: {ratio:.0%} "
            f"-> {_verdict(ratio >= GOAL_FORMAT_RATIO)}"
        )
    print(f"{results.stored:,} logs stored; run time {wall_s:.1f} s")
    return ok_rate and ok_pii and ok_tokens and ok_formats


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=4.0, help="measured time per case (default 4)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated logs")
    args = parser.parse_args()
    wall = time.perf_counter()
    load = os.getloadavg()[0]
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # no per-request info line on the console

    database = Database()
    os.environ["DATABASE_URL"] = database.url
    try:
        # The handler prints EMF metrics on stdout (CloudWatch reads them there): keep the cost, not the text.
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
            results = measure(database, args.seconds, args.seed)
    finally:
        database.close()
    return 0 if report(results, database.version, load, time.perf_counter() - wall) else 1


if __name__ == "__main__":
    sys.exit(main())
