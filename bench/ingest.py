"""Benchmark: ingest throughput through the ingest handler, in-process, on one core
(figures in docs/benchmarks.md).

    .venv/bin/python bench/ingest.py [--seconds 4] [--seed 7]

PostgreSQL: the server of ``DATABASE_URL`` when set, else an embedded one under ``.pgdata/bench``. A fresh
database is created on it, migrated with ``mockupaws.store.migrations.apply`` and dropped at the end.

The benchmark runs in one thread (one core at a time; PostgreSQL works in its own processes) and calls
``lambda_handler(event, context)`` of ``functions/ingest/app.py`` with API Gateway REST events
(``tests/support/apigw.py``), one at a time, as a Lambda execution environment would. Every request
carries fresh records as a JSON array (Fluent Bit ``format json``): service log lines of 150-250 bytes,
about 10% of them with PII of every kind the detector knows (email, SSN, card, phone, IPv4, IPv6), about
5% repeats (a few stock messages, and recent messages sent again).

Measured, each for ``--seconds`` (batches of 1: half of that), each case in a scenario of its own:

* the handler with batches of 1, 100 and 1,000 records: median request time / records;
* per message, on fresh 1,000-record bodies (median over the bodies): the parser alone
  (``parse_ingest``), the PII detector alone (``pii.scan``), the tokenizer alone
  (``tokens.count_tokens``), the rest of the processing (``process_all`` with the PII scans and
  token counts answered from a table: size, SQS blocks, sha256, preview) and the database write alone
  (``store``: scenario row update, duplicate lookup, COPY, commit). The share column splits
  their sum.

Goals: >= 15,000 logs/s in 1,000-record batches on one core, and a per-message cost dominated by
tokenising rather than PII scanning. Exit status 0 when both are met. A run takes about 20 s.

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
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "layers" / "shared"), str(ROOT)]

import psycopg  # noqa: E402

from tests.support.apigw import json_body, rest_event  # noqa: E402
from tests.support.handlers import load_handler  # noqa: E402
from tests.support.lambda_context import FakeLambdaContext  # noqa: E402

GOAL_LOGS_PER_S = 15_000
BATCHES = (1, 100, 1_000)
BIG = 1_000
PII_SHARE = 0.10
STOCK_SHARE = 0.02  # a few stock messages (health checks, pool warnings) repeated all along
REPEAT_SHARE = 0.03  # a recent message sent again (a retry, a duplicate shipper)


# ------------------------------------------------------------------------------------------------
# Realistic log lines
# ------------------------------------------------------------------------------------------------
SERVICES = ("orders-api", "payments", "inventory", "checkout-web", "billing-worker", "auth", "search")
THREADS = ("http-nio-8080-exec-7", "http-nio-8080-exec-12", "main", "kafka-consumer-3", "pool-4-thread-2")
STOCK_MESSAGES = (
    "GET /healthz 200 - kube-probe/1.29 - readiness check passed, all 4 downstream dependencies reachable "
    "(db, cache, queue, payments-gateway); next check in 10s",
    "Connection pool 'orders-primary' exhausted (max=20, in_use=20, waiting=7); request queued, "
    "consider raising spring.datasource.hikari.maximum-pool-size or reducing transaction scope",
    "Scheduled job 'expire-abandoned-carts' finished: scanned 0 carts, expired 0, released 0 "
    "reservations; next run at the top of the hour according to cron expression 0 0 * * * *",
    "Circuit breaker 'inventory-service' transitioned from HALF_OPEN to CLOSED after 5 successful "
    "trial calls; resuming normal traffic to http://inventory.internal:8080",
)
FIRST = ("jane", "john", "maria", "wei", "olga", "ahmed", "lucia", "kenji", "fatima", "noah")
LAST = ("doe", "smith", "rossi", "chen", "ivanova", "hassan", "garcia", "tanaka", "khan", "miller")
DOMAINS = ("example.com", "mail.example.org", "acme-corp.io", "gmail.com", "outlook.co.uk")


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choices("0123456789abcdef", k=n))


def _visa(rng: random.Random) -> str:
    """A Luhn-valid 16-digit Visa number, grouped like a human would type it."""
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):  # the check digit will sit to the right
        total += d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    digits.append((10 - total % 10) % 10)
    text = "".join(map(str, digits))
    sep = rng.choice((" ", "-", ""))
    return sep.join(text[i : i + 4] for i in range(0, 16, 4))


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _phone(rng: random.Random) -> str:
    n = rng.randint(100, 9999)
    return rng.choice(
        (
            f"(415) 555-{n:04d}",
            f"415-555-{n:04d}",
            f"+1 212 555 {n:04d}",
            f"+44 20 7946 {n:04d}",
            f"+39 02 1234 {n:04d}",
        )
    )


def _pii_fragment(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        who = f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"
        return f"password reset link sent to {who}"
    if kind == 1:
        return f"identity verification submitted ssn={_ssn(rng)}"
    if kind == 2:
        amount = f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}"
        return f"charge authorised card={_visa(rng)} amount={amount} EUR"
    if kind == 3:
        return f"OTP delivered to {_phone(rng)} via sms provider"
    if kind == 4:
        return f"login succeeded from 203.0.113.{rng.randint(1, 254)}"
    return f"connection accepted from 2001:db8:85a3::8a2e:370:{_hex(rng, 4)}"


def _plain_line(rng: random.Random, ts: str) -> str:
    kind = rng.randrange(6)
    thread = rng.choice(THREADS)
    ms = rng.randint(1, 2500)
    if kind == 0:
        return (
            f"{ts} INFO  [{thread}] c.acme.orders.OrderController - GET /api/v1/orders/"
            f"{rng.randint(1, 10**6)} completed status=200 duration={ms}ms user_id=u-{rng.randint(1, 99999)} "
            f"trace_id={_hex(rng, 32)}"
        )
    if kind == 1:
        return (
            f"{ts} WARN  [{thread}] c.acme.payments.RetryPolicy - upstream payment-gateway timed out after "
            f"{ms}ms, retry {rng.randint(1, 5)}/5 for request {uuid.UUID(int=rng.getrandbits(128))}"
        )
    if kind == 2:
        return (
            f"{ts} DEBUG [{thread}] o.h.SQL - select o.id, o.status, o.total from orders o where "
            f"o.customer_id=? and o.created_at>? limit 50 -- rows={rng.randint(0, 50)} took {ms}ms"
        )
    if kind == 3:
        return (
            f"{ts} ERROR [{thread}] c.acme.inventory.StockService - failed to reserve "
            f"sku=SKU-{rng.randint(1, 99999)} qty={rng.randint(1, 9)} warehouse=eu-west-1b: "
            f"OptimisticLockException version={rng.randint(1, 500)} expected={rng.randint(1, 500)}"
        )
    if kind == 4:
        return (
            f'level=info ts={ts} caller=server.go:{rng.randint(10, 900)} msg="request served" method=POST '
            f"path=/v2/carts/{_hex(rng, 12)}/items status=201 bytes={rng.randint(80, 9000)} "
            f"latency={ms / 7:.2f}ms request_id={_hex(rng, 16)}"
        )
    return (
        f"{ts} INFO  [{thread}] kafka consumer group=billing-events partition={rng.randint(0, 11)} "
        f"offset={rng.randint(10**6, 10**9)} lag={rng.randint(0, 400)} committed batch of "
        f"{rng.randint(1, 500)} records in {ms}ms at {1767225600000 + rng.randint(0, 10**8)}"
    )


class LogFactory:
    """Endless, reproducible JSON records of 150-250 bytes: ~10% with PII, ~5% repeated messages."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.clock = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
        self.recent: list[str] = []

    def message(self, ts: str) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < STOCK_SHARE:
            return rng.choice(STOCK_MESSAGES)
        if roll < STOCK_SHARE + REPEAT_SHARE and self.recent:
            return rng.choice(self.recent)
        if roll < STOCK_SHARE + REPEAT_SHARE + PII_SHARE:
            message = (
                f"{ts} INFO  [{rng.choice(THREADS)}] c.acme.account.AuditTrail - {_pii_fragment(rng)} "
                f"session={_hex(rng, 24)} tenant=t-{rng.randint(1, 400)}"
            )
        else:
            message = _plain_line(rng, ts)
        while len(message) < 150:
            message += f" pod={rng.choice(SERVICES)}-{_hex(rng, 9)}-{_hex(rng, 5)}"
        message = message[:250]
        if len(self.recent) < 2_000:
            self.recent.append(message)
        else:
            self.recent[rng.randrange(2_000)] = message
        return message

    def record(self) -> dict[str, Any]:
        rng = self.rng
        self.clock += timedelta(milliseconds=rng.randint(1, 40))
        ts = self.clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        message = self.message(ts)
        source = rng.choice(SERVICES)
        if rng.random() < 0.3:  # Fluent Bit `format json`: "date" as epoch seconds and "log"
            return {"date": round(self.clock.timestamp(), 3), "log": message, "source": source}
        return {"timestamp": ts, "source": source, "message": message}

    def batch(self, n: int) -> list[dict[str, Any]]:
        return [self.record() for _ in range(n)]


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

    factory = LogFactory(seed)

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
        # The rest of the processing: process_all with the PII scan and the token count answered
        # from the results above.
        scan_of, count_of = dict(zip(messages, scans, strict=True)), dict(zip(messages, counts, strict=True))
        logs: list[Any] = []
        now = datetime.now(UTC)
        with (
            mock.patch.object(process, "pii", SimpleNamespace(scan=scan_of.__getitem__)),
            mock.patch.object(process, "count_tokens_many", lambda texts: [count_of[t] for t in texts]),
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
    total = sum(results.components.values())
    for key, per_log in results.components.items():
        logs_s = f"{1 / per_log:,.0f}" if per_log > 0 else "-"
        print(f"| {COMPONENTS[key]} | {logs_s} | {per_log * 1e6:.1f} | {per_log / total:.0%} |")
    print()
    rate = 1 / results.handler[-1][1]
    tokens_s, pii_s = results.components["tokens"], results.components["pii"]
    ok_rate, ok_tokens = rate >= GOAL_LOGS_PER_S, tokens_s > pii_s
    print(f"goal >= {GOAL_LOGS_PER_S:,} logs/s in batches of {BIG:,}: {rate:,.0f} -> {_verdict(ok_rate)}")
    print(
        f"goal tokenising costs more than PII scanning: {tokens_s * 1e6:.1f} vs {pii_s * 1e6:.1f} µs/log "
        f"-> {_verdict(ok_tokens)}"
    )
    print(f"{results.stored:,} logs stored; run time {wall_s:.1f} s")
    return ok_rate and ok_tokens


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
