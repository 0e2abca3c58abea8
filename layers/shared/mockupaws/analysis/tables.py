"""Pure shaping of the analysis answers: cursors, hourly and per-source tables, CSV, differences."""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Context, Decimal
from typing import Any, Final

from mockupaws.analysis.models import (
    ComparedScenario,
    Difference,
    HourRow,
    LogEntry,
    SourceRow,
)
from mockupaws.errors import ValidationFailed
from mockupaws.pricing.prices import PriceSheet
from mockupaws.report.breakdown import CostDrivers, PiiTypeCount, SourceUsage, cost_by_group
from mockupaws.report.build import HourBucket
from mockupaws.report.models import ScenarioMetrics

_RATIO: Final = Context(prec=28)


def exact(d: Decimal) -> str:
    """An exact decimal as fixed-point text without exponent or trailing zeros."""
    text = f"{d.normalize():f}"
    return "0" if text in ("-0", "0") else text


# --------------------------------------------------------------------------------------------
# Cursor of the logs listing: the (event_time, id) of the last log of a page, opaque to clients
# --------------------------------------------------------------------------------------------


def encode_cursor(event_time: datetime, log_id: int) -> str:
    raw = json.dumps([event_time.astimezone(UTC).isoformat(), log_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The key a cursor stands for; 422 for anything this service did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        when, log_id = json.loads(raw)
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None or isinstance(log_id, bool) or not isinstance(log_id, int) or log_id < 1:
            raise ValueError("bad key")
        return parsed, log_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "cursor is not valid: pass the next_cursor of a previous page",
            details=[
                {"loc": ["query", "cursor"], "msg": "not a cursor of this listing", "type": "value_error"}
            ],
        ) from exc


def log_entry(row: dict[str, Any]) -> LogEntry:
    return LogEntry(
        id=row["id"],
        event_time=row["event_time"].astimezone(UTC),
        received_at=row["received_at"].astimezone(UTC),
        source=row["source"],
        message_preview=row["message_preview"],
        message_hash=row["message_hash"].strip(),
        size_bytes=row["size_bytes"],
        token_count=row["token_count"],
        sqs_blocks=row["sqs_blocks"],
        has_pii=row["has_pii"],
        pii_types=list(row["pii_types"]),
        is_duplicate=row["is_duplicate"],
    )


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def hour_rows(report: ScenarioMetrics, buckets: Sequence[HourBucket]) -> list[HourRow]:
    """One row per hour holding logs, with the hour's exact share of the report's cost."""
    ordered = sorted(buckets, key=lambda b: b.hour)
    costs = cost_by_group(
        report, [CostDrivers(logs=b.requests, tokens=b.tokens, sqs_blocks=b.sqs_blocks) for b in ordered]
    )
    return [
        HourRow(
            hour=b.hour.astimezone(UTC),
            logs=b.requests,
            bytes=b.bytes,
            tokens=b.tokens,
            sqs_blocks=b.sqs_blocks,
            pii_logs=b.pii_logs,
            duplicates=b.duplicates,
            cost_usd=exact(cost),
        )
        for b, cost in zip(ordered, costs, strict=True)
    ]


def source_rows(
    report: ScenarioMetrics, sources: Sequence[SourceUsage], counts: Sequence[PiiTypeCount]
) -> list[SourceRow]:
    """Every source, most expensive first (then by name), with its exact share of the cost."""
    costs = cost_by_group(
        report, [CostDrivers(logs=s.requests, tokens=s.tokens, sqs_blocks=s.sqs_blocks) for s in sources]
    )
    pii: dict[str, dict[str, int]] = {}
    for c in counts:
        pii.setdefault(c.source, {})[c.pii_type] = c.logs
    ranked = sorted(zip(sources, costs, strict=True), key=lambda sc: (-sc[1], sc[0].source))
    return [
        SourceRow(
            source=s.source,
            logs=s.requests,
            bytes=s.bytes,
            tokens=s.tokens,
            sqs_blocks=s.sqs_blocks,
            duplicates=s.duplicates,
            pii_logs=s.pii_logs,
            pii_by_type=dict(sorted(pii.get(s.source, {}).items())),
            cost_usd=exact(cost),
        )
        for s, cost in ranked
    ]


def _csv(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


HOURLY_CSV_COLUMNS = ("hour", "logs", "bytes", "tokens", "sqs_blocks", "pii_logs", "duplicates", "cost_usd")


def hourly_csv(rows: Sequence[HourRow]) -> str:
    """RFC 4180 CSV (CRLF lines, header first); hours in ISO 8601 UTC, money as exact decimals."""
    return _csv(
        HOURLY_CSV_COLUMNS,
        [
            (
                r.hour.isoformat().replace("+00:00", "Z"),
                r.logs,
                r.bytes,
                r.tokens,
                r.sqs_blocks,
                r.pii_logs,
                r.duplicates,
                r.cost_usd,
            )
            for r in rows
        ],
    )


def _neutralise(text: str) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def sources_csv(rows: Sequence[SourceRow], pii_types: Sequence[str]) -> str:
    """One column per PII type after the usage columns; sources neutralised against formula injection."""
    header = [
        "source",
        "logs",
        "bytes",
        "tokens",
        "sqs_blocks",
        "duplicates",
        "pii_logs",
        *(f"pii_{t}" for t in pii_types),
        "cost_usd",
    ]
    return _csv(
        header,
        [
            (
                _neutralise(r.source),
                r.logs,
                r.bytes,
                r.tokens,
                r.sqs_blocks,
                r.duplicates,
                r.pii_logs,
                *(r.pii_by_type.get(t, 0) for t in pii_types),
                r.cost_usd,
            )
            for r in rows
        ],
    )


# --------------------------------------------------------------------------------------------
# Compare
# --------------------------------------------------------------------------------------------


def difference(first: ComparedScenario, other: ComparedScenario) -> Difference:
    monthly_delta = ratio = None
    if first.projection is not None and other.projection is not None:
        base_monthly = Decimal(first.projection.monthly_cost_usd)
        other_monthly = Decimal(other.projection.monthly_cost_usd)
        monthly_delta = exact(other_monthly - base_monthly)
        if base_monthly != 0:
            ratio = exact(
                _RATIO.divide(other_monthly, base_monthly).quantize(Decimal("0.000001"), context=_RATIO)
            )
    first_lines = {line.service: Decimal(line.cost_usd) for line in first.cost_breakdown}
    other_lines = {line.service: Decimal(line.cost_usd) for line in other.cost_breakdown}
    services = list(first_lines) + [s for s in other_lines if s not in first_lines]
    return Difference(
        scenario_id=other.scenario_id,
        total_cost_usd_delta=exact(
            Decimal(other.summary.total_cost_usd) - Decimal(first.summary.total_cost_usd)
        ),
        monthly_cost_usd_delta=monthly_delta,
        monthly_cost_ratio=ratio,
        total_requests_delta=other.summary.total_requests - first.summary.total_requests,
        llm_tokens_delta=other.summary.llm_tokens - first.summary.llm_tokens,
        pii_violations_delta=other.summary.pii_violations - first.summary.pii_violations,
        cost_by_service_delta={
            s: exact(other_lines.get(s, Decimal(0)) - first_lines.get(s, Decimal(0))) for s in services
        },
    )


# --------------------------------------------------------------------------------------------
# Model ranking
# --------------------------------------------------------------------------------------------


def bedrock_offers(sheet: PriceSheet) -> list[tuple[str, str]]:
    """(model, way) pairs priced in the sheet: tiers ``<model>:<way>:input`` with a matching output
    price (docs/costs.md, prices)."""
    offers: set[tuple[str, str]] = set()
    for service, tier in sheet.prices:
        model, _, rest = tier.partition(":")
        way, _, side = rest.partition(":")
        if service == "bedrock" and side == "input" and ("bedrock", f"{model}:{way}:output") in sheet.prices:
            offers.add((model, way))
    return sorted(offers)
