"""The exact consistency check of a load run: what the ``202`` replies acknowledged, what the database
holds (direct SQL) and what the API reports must agree, to the log.

Used by the load tests (``tests/e2e/test_load_smoke.py``) and the load benchmark (``bench/load.py``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg

ERROR_SAMPLES = 5


@dataclass
class Tally:
    """What producers saw: the replies' counts, the acknowledged messages' hashes, the errors."""

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

    def merge(self, other: Tally, *, timings: bool = True) -> None:
        """Add ``other`` (without its timings and request counts when ``timings`` is false: warm-up)."""
        if timings:
            self.latencies_ms.extend(other.latencies_ms)
            self.sent_at.extend(other.sent_at)
            self.sent += other.sent
            self.unsent += other.unsent
            self.finished_at = max(self.finished_at, other.finished_at)
        self.accepted += other.accepted
        self.size_bytes += other.size_bytes
        self.token_count += other.token_count
        self.sqs_blocks += other.sqs_blocks
        self.pii_logs += other.pii_logs
        self.errors += other.errors
        self.error_samples.extend(other.error_samples[: ERROR_SAMPLES - len(self.error_samples)])
        self.hashes.update(other.hashes)

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.error_samples) < ERROR_SAMPLES:
            self.error_samples.append(text)

    def acknowledge(self, reply: Mapping[str, Any], hashes: tuple[str, ...]) -> None:
        """Count a ``202`` reply of ``POST /ingest`` (a batch summary or the stored log) and its messages."""
        if "accepted" in reply:
            self.accepted += int(reply["accepted"])
            self.pii_logs += int(reply["pii_logs"])
        else:
            self.accepted += 1
            self.pii_logs += int(bool(reply["has_pii"]))
        self.size_bytes += int(reply["size_bytes"])
        self.token_count += int(reply["token_count"])
        self.sqs_blocks += int(reply["sqs_blocks"])
        self.hashes.update(hashes)


@dataclass(frozen=True)
class Check:
    """``actual`` must equal ``reference``."""

    name: str
    reference: int
    actual: int

    @property
    def ok(self) -> bool:
        return self.reference == self.actual


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
    """Counts and sums over the scenario's stored logs (and how many are rolled up)."""
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
    record sent: no log lost, none stored twice, none stored in another scenario (a swap of two
    requests' bodies keeps every count and sum right and is caught only here)."""
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
