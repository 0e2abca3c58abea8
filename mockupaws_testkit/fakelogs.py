"""The one generator of fake logs, shared by the tests and the benchmarks: realistic service log lines
(access logs with client IPs, Java and Go application logs, SQL, Kafka offsets, stack traces), some with
PII of every kind the detector knows (e-mail, SSN, Luhn-valid card, phone, IPv4, IPv6), some repeated
(stock messages such as health checks, and recent messages sent again), as JSON records shaped like
Fluent Bit's and Vector's, and as the ``POST /ingest`` bodies producers send.

Deterministic for a seed. What a run gets is set by a :class:`Mix`:

* :data:`HANDLER_MIX` (``bench/ingest.py``): one-line messages of 150-250 bytes, 10% with PII, 5% repeats;
* :data:`LOAD_MIX` (``bench/load.py``, the load tests): also multi-line stack traces and, rarely, a payload
  dump larger than one SQS block, event times spread over the last 6 hours.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import string
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

FORMATS = ("json", "ndjson", "ndjson+gzip", "text")
"""The body shapes of ``POST /ingest`` that :func:`build_request` makes, in rotation order."""

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
PATHS = ("/api/orders", "/api/cart", "/api/products", "/api/users/me", "/api/search", "/api/payments")
AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/124.0 Safari/537.36",
    "okhttp/4.12.0",
    "python-requests/2.32.3",
)
FIRST = ("jane", "john", "maria", "wei", "olga", "ahmed", "lucia", "kenji", "fatima", "noah")
LAST = ("doe", "smith", "rossi", "chen", "ivanova", "hassan", "garcia", "tanaka", "khan", "miller")
DOMAINS = ("example.com", "mail.example.org", "acme-corp.io", "gmail.com", "outlook.co.uk")


@dataclass(frozen=True)
class Mix:
    """Shares of each kind of message (the rest are plain one-line service logs)."""

    pii: float = 0.10
    stock: float = 0.02  # one of a few stock messages (duplicates)
    repeat: float = 0.03  # a recent message sent again (a retry, a duplicate shipper)
    access: float = 0.0  # an access log line (with the client's IP address: PII)
    trace: float = 0.0  # a multi-line stack trace (never in text/plain bodies: one message per line)
    dump: float = 0.0  # a payload dump of 70,000 characters (two SQS blocks)
    min_chars: int = 150  # one-line messages are padded to at least this ...
    max_chars: int = 250  # ... and cut to at most this
    recent_hours: float | None = None  # event times: random in the last N hours; None: a steady clock


HANDLER_MIX = Mix()
LOAD_MIX = Mix(pii=0.05, stock=0.05, repeat=0.0, access=0.20, trace=0.03, dump=0.0002, recent_hours=6.0)


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choices("0123456789abcdef", k=n))


def visa(rng: random.Random) -> str:
    """A Luhn-valid 16-digit Visa number, grouped like a human would type it."""
    digits = [4] + [rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(digits)):  # the check digit will sit to the right
        total += d if i % 2 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    digits.append((10 - total % 10) % 10)
    text = "".join(map(str, digits))
    sep = rng.choice((" ", "-", ""))
    return sep.join(text[i : i + 4] for i in range(0, 16, 4))


def ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def phone(rng: random.Random) -> str:
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


def pii_fragment(rng: random.Random) -> str:
    """A phrase with one PII value of a random kind."""
    kind = rng.randrange(6)
    if kind == 0:
        who = f"{rng.choice(FIRST)}.{rng.choice(LAST)}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"
        return f"password reset link sent to {who}"
    if kind == 1:
        return f"identity verification submitted ssn={ssn(rng)}"
    if kind == 2:
        amount = f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}"
        return f"charge authorised card={visa(rng)} amount={amount} EUR"
    if kind == 3:
        return f"OTP delivered to {phone(rng)} via sms provider"
    if kind == 4:
        return f"login succeeded from 203.0.113.{rng.randint(1, 254)}"
    return f"connection accepted from 2001:db8:85a3::8a2e:370:{_hex(rng, 4)}"


def _access_line(rng: random.Random, when: datetime) -> str:
    """An access log line, with the client's IP address."""
    octets = (
        rng.choice((10, 172, 192, 198)),
        rng.randint(0, 255),
        rng.randint(0, 255),
        rng.randint(1, 254),
    )
    ip = ".".join(map(str, octets))
    method = rng.choice(("GET", "GET", "GET", "POST", "PUT", "DELETE"))
    status = rng.choice((200, 200, 200, 201, 204, 304, 400, 404, 500))
    return (
        f'{ip} - - [{when:%d/%b/%Y:%H:%M:%S} +0000] "{method} {rng.choice(PATHS)}/'
        f'{rng.randint(1, 99_999)} HTTP/1.1" {status} {rng.randint(0, 40_000)} "-" "{rng.choice(AGENTS)}"'
    )


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


class FakeLogs:
    """Endless, reproducible log messages and records for a seed and a :class:`Mix`."""

    def __init__(self, seed: int, mix: Mix = HANDLER_MIX) -> None:
        self.rng = random.Random(seed)
        self.mix = mix
        self.clock = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
        self.now = datetime.now(UTC)
        self.recent: list[str] = []

    def _when(self) -> datetime:
        if self.mix.recent_hours is None:
            self.clock += timedelta(milliseconds=self.rng.randint(1, 40))
            return self.clock
        return self.now - timedelta(seconds=self.rng.uniform(0, self.mix.recent_hours * 3600))

    def message(self, when: datetime | None = None, *, multiline: bool = True) -> str:
        """One message; ``multiline`` allows stack traces (not for text/plain: one message per line)."""
        rng, mix = self.rng, self.mix
        when = when or self._when()
        ts = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        roll = rng.random()
        if roll < mix.dump:
            return "debug dump payload=" + "".join(
                rng.choices(string.ascii_letters + string.digits, k=70_000)
            )
        roll -= mix.dump
        if roll < mix.stock:
            return rng.choice(STOCK_MESSAGES)
        roll -= mix.stock
        if roll < mix.repeat and self.recent:
            return rng.choice(self.recent)
        roll -= mix.repeat
        if roll < mix.trace and multiline:
            frames = "\n".join(
                f'  File "/var/task/{service}/handlers.py", line {rng.randint(10, 900)}, in handle'
                for service in rng.choices(SERVICES, k=rng.randint(8, 30))
            )
            return (
                f"{ts} ERROR [{rng.choice(SERVICES)}] unhandled exception request_id={_hex(rng, 32)}\n"
                f"Traceback (most recent call last):\n{frames}\n"
                "TimeoutError: upstream did not answer in 3000 ms"
            )
        roll -= mix.trace
        if roll < mix.access:
            return _access_line(rng, when)
        roll -= mix.access
        if roll < mix.pii:
            message = (
                f"{ts} INFO  [{rng.choice(THREADS)}] c.acme.account.AuditTrail - {pii_fragment(rng)} "
                f"session={_hex(rng, 24)} tenant=t-{rng.randint(1, 400)}"
            )
        else:
            message = _plain_line(rng, ts)
        while len(message) < mix.min_chars:
            message += f" pod={rng.choice(SERVICES)}-{_hex(rng, 9)}-{_hex(rng, 5)}"
        message = message[: mix.max_chars].rstrip()
        if mix.repeat:
            if len(self.recent) < 2_000:
                self.recent.append(message)
            else:
                self.recent[rng.randrange(2_000)] = message
        return message

    def record(self) -> dict[str, Any]:
        """A structured record as Fluent Bit (``log``, ``date`` in epoch seconds) or Vector / an
        application (``message``, ISO ``timestamp``) would send it."""
        rng = self.rng
        when = self._when()
        message = self.message(when)
        source = rng.choice(SERVICES)
        if rng.random() < 0.3:  # Fluent Bit `format json`
            return {"date": round(when.timestamp(), 3), "log": message, "source": source}
        ts = when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return {"timestamp": ts, "source": source, "message": message, "level": rng.choice(("info", "warn"))}

    def batch(self, n: int) -> list[dict[str, Any]]:
        return [self.record() for _ in range(n)]


def message_of(record: dict[str, Any]) -> str:
    """The message the service stores for ``record`` (its ``message``, else ``log``, else ``msg``)."""
    return str(next(record[key] for key in ("message", "log", "msg") if key in record))


def sha256_hex(messages: Sequence[str]) -> tuple[str, ...]:
    return tuple(hashlib.sha256(m.encode()).hexdigest() for m in messages)


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


def build_request(fake: FakeLogs, kind: str, batch: int) -> IngestRequest:
    """One request of ``kind`` (see :data:`FORMATS`) carrying ``batch`` records; a JSON request of one
    record is a single object (the single-log path)."""
    if kind == "text":
        lines = [fake.message(multiline=False) for _ in range(batch)]
        headers = {"Content-Type": "text/plain; charset=utf-8", "X-Log-Source": "app.log"}
        return IngestRequest(kind, ("\n".join(lines) + "\n").encode(), headers, sha256_hex(lines))
    records = fake.batch(batch)
    hashes = sha256_hex([message_of(r) for r in records])
    if kind == "json":
        payload: Any = records[0] if batch == 1 else records
        return IngestRequest(kind, json.dumps(payload).encode(), {"Content-Type": "application/json"}, hashes)
    ndjson = "".join(json.dumps(r) + "\n" for r in records).encode()
    headers = {"Content-Type": "application/x-ndjson", "X-Log-Source": "vector"}
    if kind == "ndjson+gzip":
        return IngestRequest(kind, gzip.compress(ndjson, 6), {**headers, "Content-Encoding": "gzip"}, hashes)
    return IngestRequest(kind, ndjson, headers, hashes)
