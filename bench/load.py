"""Load test: concurrent producers through the local server, then an exact consistency check
(figures in docs/benchmarks.md).

    .venv/bin/python bench/load.py [--producers 8] [--requests 2000] [--batch 100 [1 ...]]
                                   [--scenarios 1] [--concurrency N] [--aggregate-interval 1]
                                   [--max-seconds 120] [--port 0]
    .venv/bin/python bench/load.py --external http://127.0.0.1:3000   # a running `make dev`

By default the script starts its own server in-process (``mockupaws_local.server.start_server`` on the
real ``template.yaml``, 127.0.0.1, a free port unless ``--port``) on a fresh database it creates --
on the server of ``DATABASE_URL`` when set, else on an embedded PostgreSQL under ``.pgdata/bench`` --
migrates with ``mockupaws.store.migrations.apply`` and drops at the end. ``--external`` targets a server that
is already running instead; only loopback URLs are accepted. Its database (for the SQL side of the
check and for the concurrent aggregation) is ``--database-url``/``DATABASE_URL``, else the embedded
``make dev`` database when that server is running; without one, the SQL checks are skipped and the
server's own schedule does the aggregation.

One run per ``--batch`` value (records per request; ``1`` is the single-log path):

1. create and start a scenario over HTTP (``--scenarios N``: N scenarios, producer ``p`` sending to
   scenario ``p % N`` -- to compare with the serialisation of ingests into one scenario on its row);
2. build every request body up front (so the clock measures the server, not body generation): a
   rotation of JSON arrays (a single JSON object when the batch is 1), NDJSON, gzip NDJSON and
   text/plain, with realistic log lines (access logs with client IPs, app logs, stack traces, 5% with
   e-mails, phones, cards or SSNs, repeated health checks that count as duplicates, a rare > 64 KiB
   dump that costs 2 SQS blocks);
3. warm up: every producer sends ``--warmup`` requests (cold starts of the function instances; these
   count in the consistency check, not in the timings);
4. ``--producers`` threads, each with its own keep-alive ``http.client`` connection, send their
   share of ``--requests`` ``POST /ingest`` requests while another thread invokes the aggregation
   function every ``--aggregate-interval`` seconds (through the server's in-process Lambda runner), so
   the metrics read at the end combine hourly rollups with the not-yet-rolled-up tail;
5. stop the scenario, read ``GET /metrics`` and check that these agree exactly: logs accepted by the
   202 replies, ``count(*)`` of ``scenario_logs``, ``scenarios.total_requests`` (over HTTP),
   ``summary.total_requests`` and the hourly ``requests`` series; ``total_bytes``, ``sqs_blocks``,
   ``llm_tokens``, ``pii_violations``, ``duplicate_logs`` and ``lambda_invocations`` against sums
   over ``scenario_logs`` (direct SQL) and against the sums of the 202 replies; and the multiset of
   stored ``message_hash`` values against the sha256 of every message acknowledged by a 202 (no log
   lost, none stored twice, none stored in another scenario -- a swap of two requests' bodies keeps
   every count and sum right and is caught only here).

While the load runs, ``pg_stat_activity`` is sampled every 50 ms (statements running, and waiting for
a lock), and the CPU time of this process is measured (server + producers when in-process).

Any non-2xx reply or transport error is counted as an error; the exit status is non-zero when there
was any error, any disagreement, or the ``--max-seconds`` budget ran out (producers stop sending
then; a watchdog ends the process if even the clean-up hangs).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gzip
import hashlib
import http.client
import ipaddress
import json
import math
import os
import random
import socket
import string
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
for _path in (str(ROOT), str(ROOT / "layers" / "shared")):
    if _path not in sys.path:
        sys.path.insert(0, _path)

import psycopg  # noqa: E402

if TYPE_CHECKING:
    from mockupaws_local.runner import ProcessLambdaRunner

API = "/api/v1/scenarios"
HTTP_TIMEOUT_S = 60.0
ERROR_SAMPLES = 5
FORMATS = ("json", "ndjson", "ndjson+gzip", "text")

Aggregate = Callable[[], Mapping[str, Any]]

__all__ = [
    "Check",
    "LoadConfig",
    "LoadResult",
    "Tally",
    "build_plan",
    "consistency_checks",
    "format_table",
    "handler_aggregate",
    "loopback_target",
    "main",
    "run_load",
    "runner_aggregate",
]


# --------------------------------------------------------------------------------------------------
# Request bodies
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IngestRequest:
    """One prepared ``POST /ingest``: its body, its headers, and the sha256 of each of its messages
    (what the database must end up holding, once per record, after a 202)."""

    kind: str
    body: bytes
    headers: dict[str, str]
    hashes: tuple[str, ...]

    @property
    def records(self) -> int:
        return len(self.hashes)


_SERVICES = ("checkout", "payments", "auth", "search", "inventory", "notifications", "gateway")
_PATHS = ("/api/orders", "/api/cart", "/api/products", "/api/users/me", "/api/search", "/api/payments")
_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
)
_EVENTS = (
    "order placed order_id=ORD-{n} items={k} total={amount} EUR",
    "cache miss key=product:{n} ttl=300s",
    "payment authorised amount={amount} currency=USD provider=stripe",
    "inventory reserved sku=SKU-{n} qty={k} warehouse=eu-west-1a",
    "search query returned {k} hits in {ms} ms (index=products-v7)",
    "session refreshed user_id={n} expires_in=3600",
    'upstream response {{"status":200,"latency_ms":{ms},"region":"us-east-1","retries":0}}',
    "retrying request attempt={k}/5 backoff={ms}ms reason=throttled",
)
_PII = (
    "password reset requested for {first}.{last}@example.com",
    "customer callback requested at ({area}) 555-0{k}{k}{k} by {first}",
    "card 4111 1111 1111 1111 declined for order ORD-{n}",
    "kyc check: ssn 219-09-9999 matched for user_id={n}",
    "shipping update sent to {first}@mail.example.org, tel +44 20 7946 0958",
)
_LOOKALIKES = (
    "order 1700000000{n} created at epoch_ms=1714000000000",
    "tracking number 1Z999AA1{n} handed to carrier",
    "build 4.2.1.7 deployed to canary (commit 9fceb02)",
)
_NAMES = ("jane", "john", "maria", "wei", "fatima", "lucas", "anna", "omar")
_SURNAMES = ("doe", "rossi", "smith", "chen", "garcia", "kowalski")


class LineFactory:
    """Realistic log lines, deterministic for a seed."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC)

    def _fill(self, template: str) -> str:
        r = self.rng
        return template.format(
            n=r.randint(10_000, 99_999),
            k=r.randint(1, 9),
            ms=r.randint(1, 900),
            amount=f"{r.randint(5, 900)}.{r.randint(0, 99):02d}",
            first=r.choice(_NAMES),
            last=r.choice(_SURNAMES),
            area=r.choice((212, 312, 415, 646)),
        )

    def _ip(self) -> str:
        r = self.rng
        return f"{r.choice((10, 172, 192, 203))}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"

    def line(self, *, multiline: bool) -> str:
        """One message; ``multiline`` allows stack traces (not for text/plain, one message per line)."""
        r = self.rng
        roll = r.random()
        if roll < 0.0002:  # a rare payload dump larger than one SQS block
            return "debug dump payload=" + "".join(r.choices(string.ascii_letters + string.digits, k=70_000))
        if roll < 0.05:
            return f"INFO [{r.choice(_SERVICES)}] " + self._fill(r.choice(_PII))
        if roll < 0.10:
            return "GET /healthz 200 0.4ms"  # identical every time: duplicates
        if roll < 0.30:
            method = r.choice(("GET", "GET", "GET", "POST", "PUT", "DELETE"))
            status = r.choice((200, 200, 200, 201, 204, 304, 400, 404, 500))
            return (
                f'{self._ip()} - - [{self.now:%d/%b/%Y:%H:%M:%S} +0000] "{method} {r.choice(_PATHS)}/'
                f'{r.randint(1, 99_999)} HTTP/1.1" {status} {r.randint(0, 40_000)} "-" "{r.choice(_AGENTS)}"'
            )
        if roll < 0.33:
            return f"INFO [{r.choice(_SERVICES)}] " + self._fill(r.choice(_LOOKALIKES))
        if roll < 0.36 and multiline:
            frames = "\n".join(
                f'  File "/var/task/{r.choice(_SERVICES)}/handlers.py", line {r.randint(10, 900)}, in handle'
                for _ in range(r.randint(8, 30))
            )
            request_id = uuid.UUID(int=r.getrandbits(128))
            return (
                f"ERROR [{r.choice(_SERVICES)}] unhandled exception request_id={request_id}\n"
                f"Traceback (most recent call last):\n{frames}\n"
                "TimeoutError: upstream did not answer in 3000 ms"
            )
        level = r.choice(("INFO", "INFO", "INFO", "DEBUG", "WARN"))
        request_id = uuid.UUID(int=r.getrandbits(128))
        return f"{level} [{r.choice(_SERVICES)}] request_id={request_id} " + self._fill(r.choice(_EVENTS))

    def record(self) -> dict[str, Any]:
        """A structured record as Fluent Bit / Vector would send it, with an event time in the last 6 h."""
        r = self.rng
        when = self.now - timedelta(seconds=r.uniform(0, 6 * 3600))
        key = r.choices(("message", "log", "msg"), weights=(8, 1, 1))[0]
        record: dict[str, Any] = {key: self.line(multiline=True), "source": r.choice(_SERVICES)}
        if r.random() < 0.5:
            record["timestamp"] = when.isoformat().replace("+00:00", "Z")
        else:
            record["time"] = round(when.timestamp(), 3)
        record["level"] = r.choice(("info", "info", "warn", "error"))
        return record


def _sha256(messages: Sequence[str]) -> tuple[str, ...]:
    return tuple(hashlib.sha256(m.encode()).hexdigest() for m in messages)


def _message(record: Mapping[str, Any]) -> str:
    return str(next(record[key] for key in ("message", "log", "msg") if key in record))


def build_request(factory: LineFactory, kind: str, batch: int) -> IngestRequest:
    """One request of ``kind`` (see :data:`FORMATS`) carrying ``batch`` records."""
    if kind == "text":
        lines = [factory.line(multiline=False) for _ in range(batch)]
        headers = {"Content-Type": "text/plain; charset=utf-8", "X-Log-Source": "app.log"}
        return IngestRequest(kind, ("\n".join(lines) + "\n").encode(), headers, _sha256(lines))
    records = [factory.record() for _ in range(batch)]
    hashes = _sha256([_message(r) for r in records])
    if kind == "json":
        payload: Any = records[0] if batch == 1 else records  # one object: the single-log path
        return IngestRequest(kind, json.dumps(payload).encode(), {"Content-Type": "application/json"}, hashes)
    ndjson = "".join(json.dumps(r) + "\n" for r in records).encode()
    headers = {"Content-Type": "application/x-ndjson", "X-Log-Source": "vector"}
    if kind == "ndjson+gzip":
        return IngestRequest(kind, gzip.compress(ndjson, 6), {**headers, "Content-Encoding": "gzip"}, hashes)
    return IngestRequest(kind, ndjson, headers, hashes)


@dataclass(frozen=True)
class LoadConfig:
    """One run: ``requests`` timed requests of ``batch`` records from ``producers`` threads (plus
    ``warmup`` untimed requests per producer)."""

    producers: int = 8
    requests: int = 2_000
    batch: int = 100
    warmup: int = 1
    aggregate_interval_s: float = 1.0
    seed: int = 1
    scenarios: int = 1

    @property
    def label(self) -> str:
        what = "single log" if self.batch == 1 else f"batch {self.batch}"
        label = f"{what}, {self.producers} producers"
        return label if self.scenarios == 1 else f"{label}, {self.scenarios} scenarios"

    def validate(self) -> None:
        if self.producers < 1 or self.requests < 1 or self.batch < 1 or self.warmup < 0:
            raise ValueError("producers, requests and batch must be >= 1 and warmup >= 0")
        if not 1 <= self.scenarios <= self.producers:
            raise ValueError("scenarios must be between 1 and the number of producers")
        if self.aggregate_interval_s <= 0:
            raise ValueError("aggregate_interval_s must be > 0")


@dataclass(frozen=True)
class Plan:
    """Per producer: its warm-up requests and its timed requests."""

    warmup: list[list[IngestRequest]]
    timed: list[list[IngestRequest]]

    @property
    def body_bytes(self) -> int:
        return sum(len(r.body) for share in self.timed for r in share)


def build_plan(config: LoadConfig) -> Plan:
    """Every body of the run, built up front. Producer ``p`` gets requests ``p, p + P, p + 2P, ...`` of
    the format rotation, so each sends a mix of every format."""
    factory = LineFactory(config.seed)
    timed: list[list[IngestRequest]] = [[] for _ in range(config.producers)]
    for index in range(config.requests):
        request = build_request(factory, FORMATS[index % len(FORMATS)], config.batch)
        timed[index % config.producers].append(request)
    warmup = [
        [build_request(factory, FORMATS[(p + i) % len(FORMATS)], config.batch) for i in range(config.warmup)]
        for p in range(config.producers)
    ]
    return Plan(warmup=warmup, timed=timed)


# --------------------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------------------


def loopback_target(url: str) -> tuple[str, int]:
    """``(host, port)`` of an ``http://`` URL whose host is loopback; anything else is refused.

    ``localhost`` is accepted only when every address it resolves to is a loopback address.
    """
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise ValueError(f"expected http://127.0.0.1:PORT, got {url!r}")
    host = parts.hostname
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        if host.lower() != "localhost":
            raise ValueError(f"refusing {host!r}: the load test only targets loopback addresses") from None
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
        addresses = {ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos}
    if not addresses or not all(a.is_loopback for a in addresses):
        raise ValueError(f"refusing {host!r}: the load test only targets loopback addresses")
    return host, parts.port or 80


class Client:
    """A keep-alive HTTP/1.1 connection. A transport error closes it; the next call reconnects.
    Nothing is retried (a retried ingest could be stored twice)."""

    def __init__(self, host: str, port: int, timeout_s: float = HTTP_TIMEOUT_S) -> None:
        self.host, self.port, self.timeout_s = host, port, timeout_s
        self._conn: http.client.HTTPConnection | None = None

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
        try:
            self._conn.request(method, path, body=body, headers=dict(headers or {}))
            response = self._conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, data

    def json(self, method: str, path: str, payload: Any = None, *, expect: int = 200) -> Any:
        body = None if payload is None else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"} if body is not None else {}
        status, data = self.request(method, path, body, headers)
        if status != expect:
            raise RuntimeError(f"{method} {path}: HTTP {status} (expected {expect}): {data[:300]!r}")
        return json.loads(data) if data else None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


# --------------------------------------------------------------------------------------------------
# Producers and the aggregation loop
# --------------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """What one producer saw (merged into the run's totals)."""

    latencies_ms: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)  # perf_counter() at send, one per latency
    sent: int = 0
    accepted: int = 0
    size_bytes: int = 0
    token_count: int = 0
    sqs_blocks: int = 0
    pii_logs: int = 0
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    unsent: int = 0
    finished_at: float = 0.0
    hashes: Counter[str] = field(default_factory=Counter)  # messages acknowledged by a 202

    def merge(self, other: Tally) -> None:
        self.latencies_ms.extend(other.latencies_ms)
        self.sent_at.extend(other.sent_at)
        self.sent += other.sent
        self.accepted += other.accepted
        self.size_bytes += other.size_bytes
        self.token_count += other.token_count
        self.sqs_blocks += other.sqs_blocks
        self.pii_logs += other.pii_logs
        self.errors += other.errors
        self.error_samples.extend(other.error_samples[: ERROR_SAMPLES - len(self.error_samples)])
        self.unsent += other.unsent
        self.finished_at = max(self.finished_at, other.finished_at)
        self.hashes.update(other.hashes)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < ERROR_SAMPLES:
            self.error_samples.append(text)


def send(client: Client, scenario_id: str, request: IngestRequest, tally: Tally, *, timed: bool) -> None:
    """One ``POST /ingest``; adds the reply's counts (a stored log or a batch summary) to ``tally``."""
    headers = {**request.headers, "X-Scenario-ID": scenario_id}
    started = time.perf_counter()
    tally.sent += 1
    try:
        status, data = client.request("POST", "/ingest", request.body, headers)
    except (http.client.HTTPException, OSError) as exc:
        tally.error(f"{request.kind}: {type(exc).__name__}: {exc}")
        return
    if timed:
        tally.latencies_ms.append((time.perf_counter() - started) * 1000)
        tally.sent_at.append(started)
    if not 200 <= status < 300:
        tally.error(f"{request.kind}: HTTP {status}: {data[:200]!r}")
        return
    reply = json.loads(data)
    if "accepted" in reply:  # batch summary
        tally.accepted += int(reply["accepted"])
        tally.pii_logs += int(reply["pii_logs"])
    else:  # the stored log
        tally.accepted += 1
        tally.pii_logs += int(bool(reply["has_pii"]))
    tally.size_bytes += int(reply["size_bytes"])
    tally.token_count += int(reply["token_count"])
    tally.sqs_blocks += int(reply["sqs_blocks"])
    tally.hashes.update(request.hashes)


def produce(
    target: tuple[str, int],
    scenario_id: str,
    warmup: Sequence[IngestRequest],
    share: Sequence[IngestRequest],
    start: threading.Barrier,
    deadline: float,
    out: Tally,
) -> None:
    """A producer thread: warm up, wait for every other producer, then send its share until done or
    the deadline passes (what is left is counted as ``unsent``)."""
    client = Client(*target)
    warm = Tally()
    try:
        for request in warmup:
            send(client, scenario_id, request, warm, timed=False)
        try:
            start.wait(timeout=max(0.0, deadline - time.monotonic()))
        except threading.BrokenBarrierError:
            out.unsent = len(share)
            return
        for index, request in enumerate(share):
            if time.monotonic() >= deadline:
                out.unsent = len(share) - index
                break
            send(client, scenario_id, request, out, timed=True)
        out.finished_at = time.perf_counter()
    finally:
        client.close()
        # warm-up replies count in the consistency check, not in the timings or the request count
        out.accepted += warm.accepted
        out.size_bytes += warm.size_bytes
        out.token_count += warm.token_count
        out.sqs_blocks += warm.sqs_blocks
        out.pii_logs += warm.pii_logs
        out.errors += warm.errors
        out.error_samples[:0] = warm.error_samples
        out.hashes.update(warm.hashes)


class AggregationLoop:
    """Invokes the aggregation every ``interval_s`` seconds on its own thread until :meth:`stop`."""

    def __init__(self, aggregate: Aggregate, interval_s: float) -> None:
        self.aggregate, self.interval_s = aggregate, interval_s
        self.runs = 0
        self.logs_rolled_up = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="load:aggregate", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 60.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                summary = self.aggregate()
            except Exception as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
                continue
            self.runs += 1
            self.logs_rolled_up += int(summary.get("logs_rolled_up", 0))


def runner_aggregate(runner: ProcessLambdaRunner) -> Aggregate:
    """Invoke the template's scheduled function through the server's in-process Lambda runner, with
    the event EventBridge would deliver (exactly what the server's own scheduler does)."""
    from mockupaws_local.server import discover_schedules, scheduled_event

    schedules = [s for s in discover_schedules(runner) if s.enabled]
    if not schedules:
        raise RuntimeError("the template has no enabled Schedule event")
    schedule = schedules[0]

    def invoke() -> Mapping[str, Any]:
        result = runner.invoke_event(schedule.function, scheduled_event(schedule))
        return result if isinstance(result, Mapping) else {}

    return invoke


def handler_aggregate(database_url: str) -> Aggregate:
    """Invoke the aggregation handler (``functions/aggregate/app.py``) in this process against
    ``database_url`` -- for ``--external``, where the server's runner is not reachable."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    from mockupaws.config import get_settings

    get_settings.cache_clear()
    from tests.support.handlers import load_handler
    from tests.support.lambda_context import FakeLambdaContext

    handler = load_handler("aggregate").lambda_handler
    context = FakeLambdaContext(function_name="AggregateFunction")

    def invoke() -> Mapping[str, Any]:
        result = handler({"detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}, context)
        return result if isinstance(result, Mapping) else {}

    return invoke


class LockSampler:
    """Samples ``pg_stat_activity`` of the run's database every ``interval_s`` seconds: how many
    backends run a statement and how many of those wait for a lock (ingests queueing on the scenario
    row they all update)."""

    def __init__(self, database_url: str, interval_s: float = 0.05) -> None:
        self.database_url, self.interval_s = database_url, interval_s
        self.samples = 0
        self.active = 0
        self.lock_waits = 0
        self.samples_with_wait = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="load:lock-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    @property
    def mean_active(self) -> float:
        return self.active / self.samples if self.samples else math.nan

    @property
    def mean_waiting(self) -> float:
        return self.lock_waits / self.samples if self.samples else math.nan

    def _loop(self) -> None:
        query = (
            "SELECT count(*) FILTER (WHERE state = 'active'), "
            "       count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
            "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        try:
            with psycopg.connect(self.database_url, autocommit=True) as conn:
                while not self._stop.wait(self.interval_s):
                    row = conn.execute(query).fetchone()
                    if row is None:
                        continue
                    self.samples += 1
                    self.active += int(row[0])
                    self.lock_waits += int(row[1])
                    self.samples_with_wait += int(row[1] > 0)
        except psycopg.Error:
            return  # a diagnostic only: the run itself is unaffected


# --------------------------------------------------------------------------------------------------
# The run and its consistency check
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """``what`` must equal ``reference``."""

    name: str
    reference: int
    actual: int

    @property
    def ok(self) -> bool:
        return self.reference == self.actual


@dataclass
class LoadResult:
    config: LoadConfig
    scenario_ids: list[str]
    tally: Tally
    wall_s: float
    cpu_s: float
    body_bytes: int
    aggregation_runs: int
    logs_rolled_up: int
    aggregation_failures: list[str]
    checks: list[Check]
    sql_checked: bool
    rolled_up_at_read: int | None
    tail_at_read: int | None
    lock_sampler: LockSampler | None

    @property
    def requests(self) -> int:
        """Timed requests sent (answered or not)."""
        return self.tally.sent

    @property
    def logs(self) -> int:
        return self.requests * self.config.batch

    @property
    def consistent(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def timed_out(self) -> bool:
        return self.tally.unsent > 0

    @property
    def ok(self) -> bool:
        return (
            self.consistent and not self.tally.errors and not self.timed_out and not self.aggregation_failures
        )

    def percentile(self, q: float, latencies: Sequence[float] | None = None) -> float:
        """Nearest-rank percentile of the timed request latencies (ms)."""
        ordered = sorted(self.tally.latencies_ms if latencies is None else latencies)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]

    def quarters_p50(self) -> tuple[float, float]:
        """Median latency of the first and of the last quarter of the timed requests (by send time):
        whether requests get slower as the scenario grows."""
        ordered = [ms for _, ms in sorted(zip(self.tally.sent_at, self.tally.latencies_ms, strict=True))]
        quarter = max(1, len(ordered) // 4)
        return self.percentile(0.5, ordered[:quarter]), self.percentile(0.5, ordered[-quarter:])


_SQL_SUMS = """
    SELECT count(*) AS logs,
           coalesce(sum(size_bytes), 0) AS size_bytes,
           coalesce(sum(sqs_blocks), 0) AS sqs_blocks,
           coalesce(sum(token_count), 0) AS token_count,
           count(*) FILTER (WHERE has_pii) AS pii_logs,
           count(*) FILTER (WHERE is_duplicate) AS duplicates,
           count(*) FILTER (WHERE id <= coalesce(
               (SELECT last_log_id FROM scenario_rollup_state WHERE scenario_id = %(sid)s), 0)) AS rolled_up
    FROM scenario_logs WHERE scenario_id = %(sid)s
"""


def stored_sums(database_url: str, scenario_id: str) -> dict[str, int]:
    with psycopg.connect(database_url, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute(_SQL_SUMS, {"sid": scenario_id})
        row = cur.fetchone()
        assert row is not None
        assert cur.description is not None
        return {col.name: int(value) for col, value in zip(cur.description, row, strict=True)}


def stored_hashes(database_url: str, scenario_id: str) -> Counter[str]:
    """How many times each message hash is stored in the scenario."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT message_hash, count(*) FROM scenario_logs WHERE scenario_id = %s GROUP BY message_hash",
            (scenario_id,),
        ).fetchall()
    return Counter({str(h).strip(): int(n) for h, n in rows})


def consistency_checks(
    tally: Tally,
    scenario: Mapping[str, Any],
    metrics: Mapping[str, Any],
    stored: Mapping[str, int] | None,
    hashes: Counter[str] | None = None,
) -> list[Check]:
    """Every count that must agree exactly. The reference is what the database holds (direct SQL);
    without database access, the sums of the 202 replies. With ``hashes`` (the stored message hashes),
    also that the database holds exactly the messages the 202 replies acknowledged, each once per
    record sent: no log lost, none stored twice, none stored in another scenario."""
    summary = metrics["summary"]
    pipeline = scenario["pipeline"]
    ref = stored or {
        "logs": tally.accepted,
        "size_bytes": tally.size_bytes,
        "sqs_blocks": tally.sqs_blocks,
        "token_count": tally.token_count,
        "pii_logs": tally.pii_logs,
    }
    logs = ref["logs"]
    invocations = -(-logs // int(pipeline["lambda_batch_size"]))
    series_requests = sum(int(p["value"]) for p in metrics["timeseries"] if p["metric_type"] == "requests")
    checks = [
        Check("logs accepted by the 202 replies", logs, tally.accepted),
        Check("scenario.total_requests", logs, int(scenario["total_requests"])),
        Check("metrics summary.total_requests", logs, int(summary["total_requests"])),
        Check("metrics hourly requests series (sum)", logs, series_requests),
        Check("metrics summary.total_bytes", ref["size_bytes"], int(summary["total_bytes"])),
        Check("202 replies size_bytes (sum)", ref["size_bytes"], tally.size_bytes),
        Check("metrics summary.sqs_blocks", ref["sqs_blocks"], int(summary["sqs_blocks"])),
        Check("202 replies sqs_blocks (sum)", ref["sqs_blocks"], tally.sqs_blocks),
        Check(
            "metrics summary.llm_tokens",
            ref["token_count"] + invocations * int(pipeline["prompt_tokens_per_invocation"]),
            int(summary["llm_tokens"]),
        ),
        Check("202 replies token_count (sum)", ref["token_count"], tally.token_count),
        Check("metrics summary.pii_violations", ref["pii_logs"], int(summary["pii_violations"])),
        Check("202 replies pii_logs (sum)", ref["pii_logs"], tally.pii_logs),
        Check("metrics summary.lambda_invocations", invocations, int(summary["lambda_invocations"])),
    ]
    if stored is not None:
        checks.append(
            Check("metrics summary.duplicate_logs", stored["duplicates"], int(summary["duplicate_logs"]))
        )
    if hashes is not None:
        missing = sum((tally.hashes - hashes).values())
        extra = sum((hashes - tally.hashes).values())
        checks.append(Check("acknowledged logs missing from the database (sha256)", 0, missing))
        checks.append(Check("stored logs not acknowledged to this scenario (sha256)", 0, extra))
    return checks


def run_load(
    target: tuple[str, int],
    config: LoadConfig,
    *,
    aggregate: Aggregate | None,
    database_url: str | None,
    deadline: float,
    delete_scenarios: bool = True,
    log: Callable[[str], None] = lambda _line: None,
) -> LoadResult:
    """One run against the server at ``target`` (see the module docstring). ``deadline`` is a
    ``time.monotonic()`` value: producers send nothing after it. Producer ``p`` sends to scenario
    ``p % config.scenarios``; each scenario is checked on its own."""
    config.validate()
    control = Client(*target)
    sids: list[str] = []
    try:
        for index in range(config.scenarios):
            name = f"load-{config.batch}x{config.producers}-{index}-{uuid.uuid4().hex[:8]}"
            created = control.json("POST", API, {"name": name, "tags": ["load-test"]}, expect=201)
            sids.append(str(created["id"]))
            control.json("POST", f"{API}/{sids[-1]}/start")
        log(f"{config.label}: building {config.requests:,} request bodies")
        plan = build_plan(config)

        start = threading.Barrier(config.producers + 1)
        tallies = [Tally() for _ in range(config.producers)]
        threads = [
            threading.Thread(
                target=produce,
                args=(
                    target,
                    sids[p % config.scenarios],
                    plan.warmup[p],
                    plan.timed[p],
                    start,
                    deadline,
                    tallies[p],
                ),
                name=f"load:producer-{p}",
                daemon=True,
            )
            for p in range(config.producers)
        ]
        for thread in threads:
            thread.start()
        log(f"{config.label}: warming up ({config.warmup} request(s) per producer)")
        loop = AggregationLoop(aggregate, config.aggregate_interval_s) if aggregate else None
        sampler = LockSampler(database_url) if database_url else None
        with contextlib.suppress(threading.BrokenBarrierError):  # then the producers count theirs as unsent
            start.wait(timeout=max(0.0, deadline - time.monotonic()))
        began, cpu_began = time.perf_counter(), time.process_time()
        for helper in (loop, sampler):
            if helper is not None:
                helper.start()
        log(f"{config.label}: sending")
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()) + HTTP_TIMEOUT_S + 5)
        cpu_s = time.process_time() - cpu_began
        for helper in (sampler, loop):
            if helper is not None:
                helper.stop()
        tally = Tally()
        for one in tallies:
            tally.merge(one)
        wall_s = max(0.0, tally.finished_at - began) if tally.finished_at else time.perf_counter() - began

        checks: list[Check] = []
        rolled_up = tail = 0
        for index, sid in enumerate(sids):
            mine = Tally()
            for p in range(index, config.producers, config.scenarios):
                mine.merge(tallies[p])
            control.json("POST", f"{API}/{sid}/stop")
            metrics = control.json("GET", f"{API}/{sid}/metrics")
            scenario = control.json("GET", f"{API}/{sid}")
            stored = stored_sums(database_url, sid) if database_url else None
            hashes = stored_hashes(database_url, sid) if database_url else None
            prefix = f"scenario {index + 1}: " if config.scenarios > 1 else ""
            checks += [
                dataclasses.replace(c, name=prefix + c.name)
                for c in consistency_checks(mine, scenario, metrics, stored, hashes)
            ]
            if stored is not None:
                rolled_up += stored["rolled_up"]
                tail += stored["logs"] - stored["rolled_up"]
        return LoadResult(
            config=config,
            scenario_ids=sids,
            tally=tally,
            wall_s=wall_s,
            cpu_s=cpu_s,
            body_bytes=plan.body_bytes,
            aggregation_runs=loop.runs if loop else 0,
            logs_rolled_up=loop.logs_rolled_up if loop else 0,
            aggregation_failures=loop.failures if loop else [],
            checks=checks,
            sql_checked=database_url is not None,
            rolled_up_at_read=rolled_up if database_url else None,
            tail_at_read=tail if database_url else None,
            lock_sampler=sampler,
        )
    finally:
        if delete_scenarios:
            for sid in sids:
                with contextlib.suppress(Exception):
                    control.request("POST", f"{API}/{sid}/stop")
                    control.request("DELETE", f"{API}/{sid}")
        control.close()


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
    ("errors", ">"),
    ("consistency", "<"),
)


def table_row(result: LoadResult) -> list[str]:
    wall = result.wall_s or math.nan
    if result.consistent:
        verdict = f"exact ({len(result.checks)}/{len(result.checks)} checks)"
    else:
        verdict = f"MISMATCH ({sum(not c.ok for c in result.checks)}/{len(result.checks)} checks)"
    if not result.sql_checked:
        verdict += ", no SQL"
    if result.timed_out:
        verdict += f", TIMED OUT ({result.tally.unsent} unsent)"
    return [
        result.config.label,
        f"{result.requests:,}",
        f"{result.logs:,}",
        f"{result.wall_s:.2f}",
        f"{result.requests / wall:,.0f}",
        f"{result.logs / wall:,.0f}",
        f"{result.percentile(0.50):.1f}",
        f"{result.percentile(0.99):.1f}",
        f"{max(result.tally.latencies_ms, default=math.nan):.1f}",
        f"{result.tally.errors}",
        verdict,
    ]


def format_table(results: Sequence[LoadResult]) -> str:
    """A Markdown table, one row per run."""
    rows = [[name for name, _ in COLUMNS], *(table_row(r) for r in results)]
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


def details(result: LoadResult, *, in_process: bool = True) -> list[str]:
    """What the table leaves out: CPU, lock waits, aggregation, every check, error samples.
    ``in_process``: the server ran in this process (so its CPU time is counted here)."""
    ids = ", ".join(result.scenario_ids)
    out = [f"{result.config.label} (scenario{'s' if len(result.scenario_ids) > 1 else ''} {ids}):"]
    if result.logs and result.wall_s:
        scope = "server + producers" if in_process else "producers"
        out.append(
            f"  CPU of this process ({scope}) during the load: {result.cpu_s:.1f} s = "
            f"{result.cpu_s / result.wall_s:.2f} cores, {result.cpu_s / result.logs * 1e6:.0f} us per log"
        )
    if len(result.tally.latencies_ms) >= 8:
        first, last = result.quarters_p50()
        out.append(f"  p50 latency, first vs last quarter of the requests: {first:.1f} ms vs {last:.1f} ms")
    sampler = result.lock_sampler
    if sampler is not None and sampler.samples:
        out.append(
            f"  database, sampled every {sampler.interval_s * 1000:.0f} ms: "
            f"{sampler.mean_active:.2f} statements running on average, "
            f"{sampler.mean_waiting:.2f} of them waiting for a lock "
            f"({sampler.samples_with_wait / sampler.samples:.0%} of samples had a lock wait)"
        )
    if result.aggregation_runs or result.aggregation_failures:
        out.append(
            f"  aggregation: {result.aggregation_runs} runs during the load rolled up "
            f"{result.logs_rolled_up:,} logs (of every scenario); {len(result.aggregation_failures)} failed"
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
    out.extend(f"  aggregation error: {failure}" for failure in result.aggregation_failures[:ERROR_SAMPLES])
    return out


# --------------------------------------------------------------------------------------------------
# Database and server for a self-contained run
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


def main(argv: Sequence[str] | None = None) -> int:
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
        "--scenarios", type=int, default=1, help="spread the producers over this many scenarios (default 1)"
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
        target = loopback_target(args.external) if args.external else None
    except ValueError as exc:
        parser.error(str(exc))
    if args.max_seconds <= 0:
        parser.error("--max-seconds must be > 0")
    if args.external and args.port:
        parser.error("--port is for the in-process server; the port of --external is in its URL")
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access-log line per request

    from mockupaws_local import pg

    _watchdog(args.max_seconds + 120.0, pg.shutdown)
    deadline = time.monotonic() + args.max_seconds
    load_before = os.getloadavg()[0]

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    results: list[LoadResult] = []
    with contextlib.ExitStack() as stack:
        # The functions print their JSON logs and EMF metrics to stdout (CloudWatch in AWS, the
        # terminal under `make dev`): still produced, as there, but discarded until the report.
        stack.enter_context(contextlib.redirect_stdout(stack.enter_context(open(os.devnull, "w"))))
        if target is not None:
            database_url = external_database_url(args.database_url)
            aggregate = handler_aggregate(database_url) if database_url else None
            where = f"external server {args.external}"
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
            where = (
                f"in-process server {handle.url} ({handle.runner.concurrency} instances per function), "
                "fresh database"
            )
        log(
            f"load test against {where}; {os.cpu_count()} CPUs shared by the server, PostgreSQL and the "
            f"producers; 1-min load average before the run: {load_before:.2f}"
        )
        for config in configs:
            result = run_load(
                target,
                config,
                aggregate=aggregate,
                database_url=database_url,
                deadline=deadline,
                delete_scenarios=bool(args.external),  # our own database is dropped anyway
                log=log,
            )
            results.append(result)

    print()
    print(format_table(results))
    print()
    for result in results:
        print("\n".join(details(result, in_process=not args.external)))
    ok = all(r.ok for r in results)
    print(f"\nresult: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
