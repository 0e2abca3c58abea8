"""A small load driver for the local server: concurrent producers ``POST /ingest`` prepared bodies over
keep-alive connections while the aggregation runs, then the exact consistency check
(:mod:`mockupaws_testkit.consistency`). Used by the load tests and by ``bench/load.py`` (which adds the
command line, the database, CPU accounting and the report).

One run (:func:`run_load`):

1. create and start ``config.scenarios`` scenarios over HTTP (producer ``p`` sends to scenario
   ``p % scenarios``);
2. build every request body up front (:mod:`mockupaws_testkit.fakelogs`, :data:`~.fakelogs.LOAD_MIX`), so
   the clock measures the server, not body generation: a rotation of JSON arrays (a single JSON object
   when the batch is 1), NDJSON, gzip NDJSON and text/plain;
3. every producer sends ``config.warmup`` untimed requests (cold starts), then all start together and
   send their share of ``config.requests`` while ``aggregate`` runs every ``aggregate_interval_s``;
4. stop each scenario, read its metrics and check them against the replies and the database.

Any non-2xx reply or transport error is counted as an error. Nothing is retried (a retried ingest
could be stored twice).
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import ipaddress
import json
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mockupaws_testkit.consistency import Check, Tally, consistency_checks, stored_hashes, stored_sums
from mockupaws_testkit.fakelogs import FORMATS, LOAD_MIX, FakeLogs, IngestRequest, build_request

if TYPE_CHECKING:
    from mockupaws_local.runner import ProcessLambdaRunner

API = "/api/v1/scenarios"
HTTP_TIMEOUT_S = 60.0

Aggregate = Callable[[], Mapping[str, Any]]


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
    fake = FakeLogs(config.seed, LOAD_MIX)
    timed: list[list[IngestRequest]] = [[] for _ in range(config.producers)]
    for index in range(config.requests):
        timed[index % config.producers].append(
            build_request(fake, FORMATS[index % len(FORMATS)], config.batch)
        )
    warmup = [
        [build_request(fake, FORMATS[(p + i) % len(FORMATS)], config.batch) for i in range(config.warmup)]
        for p in range(config.producers)
    ]
    return Plan(warmup=warmup, timed=timed)


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
    """An HTTP/1.1 connection, reopened when the server closes it. Nothing is retried."""

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


def send(client: Client, scenario_id: str, request: IngestRequest, tally: Tally, *, timed: bool) -> None:
    """One ``POST /ingest``; its reply's counts go to ``tally``."""
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
    tally.acknowledge(json.loads(data), request.hashes)


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
        out.merge(warm, timings=False)  # warm-up replies count in the checks, not in the timings


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
    """Invoke the template's scheduled function through the server's Lambda runner, with the event
    EventBridge would deliver (exactly what the server's own scheduler does)."""
    from mockupaws_local.server import discover_schedules, scheduled_event

    schedules = [s for s in discover_schedules(runner) if s.enabled]
    if not schedules:
        raise RuntimeError("the template has no enabled Schedule event")
    schedule = schedules[0]

    def invoke() -> Mapping[str, Any]:
        result = runner.invoke_event(schedule.function, scheduled_event(schedule))
        return result if isinstance(result, Mapping) else {}

    return invoke


@dataclass
class LoadResult:
    config: LoadConfig
    scenario_ids: list[str]
    tally: Tally
    wall_s: float
    body_bytes: int
    aggregation: AggregationLoop | None
    checks: list[Check]
    sql_checked: bool
    rolled_up_at_read: int | None
    tail_at_read: int | None

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
    def aggregation_failures(self) -> list[str]:
        return self.aggregation.failures if self.aggregation else []

    @property
    def ok(self) -> bool:
        return (
            self.consistent and not self.tally.errors and not self.timed_out and not self.aggregation_failures
        )


def run_load(
    target: tuple[str, int],
    config: LoadConfig,
    *,
    aggregate: Aggregate | None,
    database_url: str | None,
    deadline: float,
    delete_scenarios: bool = True,
    log: Callable[[str], None] = lambda _line: None,
    on_start: Callable[[], object] = lambda: None,
    on_end: Callable[[], object] = lambda: None,
) -> LoadResult:
    """One run against the server at ``target`` (see the module docstring). ``deadline`` is a
    ``time.monotonic()`` value: producers send nothing after it. ``on_start`` / ``on_end`` are called
    when the timed part begins and ends (the benchmark's CPU accounting)."""
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
        with contextlib.suppress(threading.BrokenBarrierError):  # then the producers count theirs as unsent
            start.wait(timeout=max(0.0, deadline - time.monotonic()))
        began = time.perf_counter()
        on_start()
        if loop is not None:
            loop.start()
        log(f"{config.label}: sending")
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()) + HTTP_TIMEOUT_S + 5)
        on_end()
        if loop is not None:
            loop.stop()
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
            body_bytes=plan.body_bytes,
            aggregation=loop,
            checks=checks,
            sql_checked=database_url is not None,
            rolled_up_at_read=rolled_up if database_url else None,
            tail_at_read=tail if database_url else None,
        )
    finally:
        if delete_scenarios:
            for sid in sids:
                with contextlib.suppress(Exception):
                    control.request("POST", f"{API}/{sid}/stop")
                    control.request("DELETE", f"{API}/{sid}")
        control.close()
