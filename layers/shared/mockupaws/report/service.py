"""Read a scenario's report: its hourly buckets, breakdowns and prices in one snapshot, then the pure build.

The fast path (:func:`get_report`) merges the rollups with the tail of logs not rolled up yet, both read
in one REPEATABLE READ read-only snapshot: in any snapshot the rollups cover exactly the logs with
``id <= last_log_id`` (:mod:`mockupaws.store.rollups`), so rollups + tail always equals a full scan of
the logs (:func:`get_report_full_scan`, kept for tests and the benchmark) while reading only the hourly
rows and the short tail.

:func:`read_inputs` and :func:`report_from` are the two halves, for callers that price the same usage
more than once (what-if estimates, exports).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

from mockupaws.pii.detector import PII_TYPES
from mockupaws.pricing.batching import WindowHistogram, effective_window_s
from mockupaws.pricing.prices import PriceSheet
from mockupaws.report.breakdown import PiiTypeCount, SourceUsage, with_breakdowns
from mockupaws.report.build import HourBucket, ScenarioRef, build_report
from mockupaws.report.models import ScenarioMetrics
from mockupaws.scenarios.models import PipelineSettings, Scenario
from mockupaws.store import breakdowns, db, prices, rollups, windows
from mockupaws.store import scenarios as scenario_rows

ReadMode = Literal["rollup", "full_scan"]


@dataclass(frozen=True, slots=True)
class ReportInputs:
    """Everything a report is computed from, read in one snapshot: the usage stored for the scenario and
    the prices of its region."""

    scenario: Scenario
    buckets: list[HourBucket]
    sources: list[SourceUsage]
    pii_counts: list[PiiTypeCount]
    sheet: PriceSheet
    histograms: Mapping[int, WindowHistogram] = field(default_factory=dict)
    """Window histograms of the logs by effective window length: the scenario's own window's, and any
    other :func:`with_windows` read for variants."""

    def histogram_for(self, pipeline: PipelineSettings) -> WindowHistogram | None:
        """The histogram ``pipeline``'s batching window needs (None without a window)."""
        if pipeline.lambda_batching_window_s is None:
            return None
        width = effective_window_s(pipeline.lambda_batching_window_s)
        if width not in self.histograms:
            raise ValueError(f"the {width}-second window histogram was not read (see with_windows)")
        return self.histograms[width]

    @property
    def ref(self) -> ScenarioRef:
        s = self.scenario
        return ScenarioRef(
            id=s.id, status=s.status, region=s.region, pipeline=s.pipeline, token_encoding=s.token_encoding
        )


def read_inputs(cur: db.Cursor, scenario_id: uuid.UUID, mode: ReadMode = "rollup") -> ReportInputs:
    """The report's inputs (call inside a REPEATABLE READ transaction). :class:`NotFound` for an
    unknown id."""
    scenario = scenario_rows.get(cur, scenario_id)
    histograms: dict[int, WindowHistogram] = {}
    own = scenario.pipeline.lambda_batching_window_s
    if own is not None:
        width = effective_window_s(own)
        histograms[width] = (
            windows.window_histogram(cur, scenario_id, width)
            if mode == "full_scan"
            else windows.read_histogram(cur, scenario_id, rollups.last_log_id(cur, scenario_id), width)
        )
    return ReportInputs(
        scenario=scenario,
        buckets=rollups.read_buckets(cur, scenario_id, source=mode),
        sources=breakdowns.read_source_usage(cur, scenario_id, mode=mode),
        pii_counts=breakdowns.read_pii_type_counts(cur, scenario_id, mode=mode),
        sheet=prices.load_price_sheet(cur, scenario.region),
        histograms=histograms,
    )


def with_windows(cur: db.Cursor, inputs: ReportInputs, settings: Iterable[int | None]) -> ReportInputs:
    """``inputs`` with the window histograms of these ``lambda_batching_window_s`` settings too (for
    variants with another window; read from the logs themselves, in the caller's snapshot)."""
    widths = {effective_window_s(s) for s in settings if s is not None} - set(inputs.histograms)
    if not widths:
        return inputs
    read = {w: windows.window_histogram(cur, inputs.scenario.id, w) for w in sorted(widths)}
    return replace(inputs, histograms={**inputs.histograms, **read})


def report_from(
    inputs: ReportInputs,
    *,
    region: str | None = None,
    pipeline: PipelineSettings | None = None,
    sheet: PriceSheet | None = None,
) -> ScenarioMetrics:
    """The report of the stored usage, priced with the scenario's own settings, or with another
    ``region`` (whose ``sheet`` the caller read) and/or ``pipeline``: exactly what a scenario with those
    settings would report after ingesting the same logs."""
    ref = inputs.ref
    if region is not None or pipeline is not None:
        ref = replace(ref, region=region or ref.region, pipeline=pipeline or ref.pipeline)
    report = build_report(ref, inputs.buckets, sheet or inputs.sheet, inputs.histogram_for(ref.pipeline))
    return with_breakdowns(report, inputs.sources, inputs.pii_counts, PII_TYPES)


def _read(scenario_id: uuid.UUID, mode: ReadMode) -> ScenarioMetrics:
    inputs = db.run(
        lambda cur: read_inputs(cur, scenario_id, mode), isolation="repeatable_read", read_only=True
    )
    return report_from(inputs)


def get_report(scenario_id: uuid.UUID) -> ScenarioMetrics:
    """The scenario's report from rollups + tail (one snapshot). :class:`~mockupaws.errors.NotFound` for
    an unknown id."""
    return _read(scenario_id, "rollup")


def get_report_full_scan(scenario_id: uuid.UUID) -> ScenarioMetrics:
    """The same answer computed from every log (reference for tests and the benchmark)."""
    return _read(scenario_id, "full_scan")
