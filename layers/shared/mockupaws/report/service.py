"""Read a scenario's report: its hourly buckets and prices in one snapshot, then the pure build.

The fast path (:func:`get_report`) merges the rollups with the tail of logs not rolled up yet, both read
in one REPEATABLE READ read-only snapshot: in any snapshot the rollups cover exactly the logs with
``id <= last_log_id`` (:mod:`mockupaws.store.rollups`), so rollups + tail always equals a full scan of
the logs (:func:`get_report_full_scan`, kept for tests and the benchmark) while reading only the hourly
rows and the short tail.
"""

from __future__ import annotations

import uuid
from typing import Literal

from mockupaws.pii.detector import PII_TYPES
from mockupaws.pricing.prices import PriceSheet
from mockupaws.report.breakdown import PiiTypeCount, SourceUsage, with_breakdowns
from mockupaws.report.build import HourBucket, ScenarioRef, build_report
from mockupaws.report.models import ScenarioMetrics
from mockupaws.store import breakdowns, db, prices, rollups
from mockupaws.store import scenarios as scenario_rows


def _read(scenario_id: uuid.UUID, source: Literal["rollup", "full_scan"]) -> ScenarioMetrics:
    def work(
        cur: db.Cursor,
    ) -> tuple[ScenarioRef, list[HourBucket], PriceSheet, list[SourceUsage], list[PiiTypeCount]]:
        scenario = scenario_rows.get(cur, scenario_id)
        ref = ScenarioRef(
            id=scenario.id, status=scenario.status, region=scenario.region, pipeline=scenario.pipeline
        )
        buckets = rollups.read_buckets(cur, scenario_id, source=source)
        sources = breakdowns.read_source_usage(cur, scenario_id, mode=source)
        pii_counts = breakdowns.read_pii_type_counts(cur, scenario_id, mode=source)
        return ref, buckets, prices.load_price_sheet(cur, scenario.region), sources, pii_counts

    scenario, buckets, sheet, sources, pii_counts = db.run(work, isolation="repeatable_read", read_only=True)
    return with_breakdowns(build_report(scenario, buckets, sheet), sources, pii_counts, PII_TYPES)


def get_report(scenario_id: uuid.UUID) -> ScenarioMetrics:
    """The scenario's report from rollups + tail (one snapshot). :class:`~mockupaws.errors.NotFound` for
    an unknown id."""
    return _read(scenario_id, "rollup")


def get_report_full_scan(scenario_id: uuid.UUID) -> ScenarioMetrics:
    """The same answer computed from every log (reference for tests and the benchmark)."""
    return _read(scenario_id, "full_scan")
