"""The analysis operations: each reads in one snapshot (:func:`mockupaws.store.db.run`) and prices the
stored usage with the report's own pure code, so an estimate equals what a fresh scenario with those
settings would report. No SQL here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from mockupaws.analysis.models import (
    MAX_COMPARED,
    MIN_COMPARED,
    ComparedScenario,
    Comparison,
    Estimate,
    EstimatesReply,
    EstimatesRequest,
    HourlyTable,
    LogPage,
    ModelOption,
    ModelRanking,
    SourcesTable,
)
from mockupaws.analysis.tables import (
    bedrock_offers,
    decode_cursor,
    difference,
    encode_cursor,
    hour_rows,
    log_entry,
    source_rows,
)
from mockupaws.errors import DomainError, NotFound, ValidationFailed
from mockupaws.pii.detector import PII_TYPES
from mockupaws.pricing.prices import PriceSheet
from mockupaws.report.service import ReportInputs, read_inputs, report_from, with_windows
from mockupaws.scenarios.models import PipelineSettings
from mockupaws.scenarios.service import check_priceable
from mockupaws.store import db, logs, prices
from mockupaws.store import scenarios as scenario_rows


def _snapshot_inputs(scenario_id: uuid.UUID) -> ReportInputs:
    return db.run(lambda cur: read_inputs(cur, scenario_id), isolation="repeatable_read", read_only=True)


# --------------------------------------------------------------------------------------------
# Redacted logs
# --------------------------------------------------------------------------------------------


def list_logs(
    scenario_id: uuid.UUID,
    where: logs.LogFilter,
    *,
    cursor: str | None,
    limit: int,
) -> LogPage:
    """One page of the stored (redacted) logs, newest first. 404 for an unknown scenario, 422 for an
    unknown PII type or a cursor this listing did not hand out."""
    if where.pii_type is not None and where.pii_type not in PII_TYPES:
        raise ValidationFailed(
            f"unknown pii_type {where.pii_type!r}: one of {', '.join(PII_TYPES)}",
            details=[{"loc": ["query", "pii_type"], "msg": "unknown PII type", "type": "value_error"}],
        )
    after = decode_cursor(cursor) if cursor is not None else None

    def work(cur: db.Cursor) -> LogPage:
        scenario_rows.get(cur, scenario_id)
        rows = logs.page(cur, scenario_id, where, after=after, limit=limit + 1)
        items = [log_entry(r) for r in rows[:limit]]
        more = len(rows) > limit
        return LogPage(
            items=items, next_cursor=encode_cursor(items[-1].event_time, items[-1].id) if more else None
        )

    return db.run(work, isolation="repeatable_read", read_only=True)


# --------------------------------------------------------------------------------------------
# Estimates and model ranking
# --------------------------------------------------------------------------------------------


def _variant_error(index: int, exc: DomainError) -> ValidationFailed:
    details = [
        {**d, "loc": ["body", "variants", index, *[p for p in d.get("loc", []) if p != "body"]]}
        for d in (exc.details or [])
    ]
    return ValidationFailed(f"variants[{index}]: {exc}", details=details or None)


def estimate(scenario_id: uuid.UUID, request: EstimatesRequest) -> EstimatesReply:
    """The scenario's stored usage priced with each variant's settings (all read in one snapshot)."""

    def work(cur: db.Cursor) -> tuple[ReportInputs, list[tuple[str, PipelineSettings, PriceSheet]]]:
        inputs = read_inputs(cur, scenario_id)
        sheets: dict[str, PriceSheet] = {inputs.scenario.region: inputs.sheet}
        priced: list[tuple[str, PipelineSettings, PriceSheet]] = []
        for index, variant in enumerate(request.variants):
            region = variant.region or inputs.scenario.region
            pipeline = variant.pipeline.apply_to(inputs.scenario.pipeline)
            try:
                # a variant may keep the scenario's model even if it has since retired, not pick one
                keeps_model = pipeline.bedrock_model == inputs.scenario.pipeline.bedrock_model
                check_priceable(cur, region, pipeline, allow_retired=keeps_model)
            except ValidationFailed as exc:
                raise _variant_error(index, exc) from exc
            if region not in sheets:
                sheets[region] = prices.load_price_sheet(cur, region)
            priced.append((region, pipeline, sheets[region]))
        inputs = with_windows(cur, inputs, [pipeline.lambda_batching_window_s for _, pipeline, _ in priced])
        return inputs, priced

    inputs, priced = db.run(work, isolation="repeatable_read", read_only=True)
    variants = []
    for index, ((region, pipeline, sheet), variant) in enumerate(zip(priced, request.variants, strict=True)):
        try:
            report = report_from(inputs, region=region, pipeline=pipeline, sheet=sheet)
        except DomainError as exc:
            if exc.status != 422:
                raise
            raise _variant_error(index, exc) from exc
        variants.append(Estimate.of(variant.label, report))
    return EstimatesReply(
        scenario_id=scenario_id, baseline=Estimate.of(None, report_from(inputs)), variants=variants
    )


def _with_model(pipeline: PipelineSettings, model: str, way: str) -> PipelineSettings:
    return pipeline.model_copy(update={"bedrock_model": model, "bedrock_inference": way})


def rank_models(scenario_id: uuid.UUID, region: str | None) -> ModelRanking:
    """Every model priced in the region (the scenario's by default), each way it is offered, priced
    on the stored usage; cheapest monthly cost first."""

    def work(cur: db.Cursor) -> tuple[ReportInputs, PriceSheet]:
        inputs = read_inputs(cur, scenario_id)
        if region is None or region == inputs.scenario.region:
            return inputs, inputs.sheet
        sheet = prices.load_price_sheet(cur, region)
        if not sheet.prices:
            raise ValidationFailed(
                f"no pricing for region {region!r}",
                details=[{"loc": ["query", "region"], "msg": "region has no pricing", "type": "value_error"}],
            )
        return inputs, sheet

    inputs, sheet = db.run(work, isolation="repeatable_read", read_only=True)
    current = inputs.scenario.pipeline
    in_region = sheet.region == inputs.scenario.region
    options = []
    for model, way in bedrock_offers(sheet):
        lifecycle = sheet.models.get(model)
        if lifecycle is not None and lifecycle.lifecycle == "retired" and model != current.bedrock_model:
            continue  # past its end of life: not an option for a pipeline being planned
        try:
            report = report_from(
                inputs, region=sheet.region, pipeline=_with_model(current, model, way), sheet=sheet
            )
        except DomainError as exc:
            if exc.status != 422:
                raise
            continue  # a price this pipeline needs is missing for that model there: not an option
        projection = report.projection
        bedrock = (
            None
            if projection is None
            else next(line.cost_usd for line in projection.cost_breakdown if line.service == "Bedrock")
        )
        options.append(
            ModelOption(
                bedrock_model=model,
                bedrock_inference=way,
                total_cost_usd=report.summary.total_cost_usd,
                monthly_cost_usd=None if projection is None else projection.monthly_cost_usd,
                bedrock_monthly_cost_usd=bedrock,
                current=in_region and model == current.bedrock_model and way == current.bedrock_inference,
            )
        )
    options.sort(
        key=lambda o: (Decimal(o.monthly_cost_usd or o.total_cost_usd), o.bedrock_model, o.bedrock_inference)
    )
    return ModelRanking(scenario_id=scenario_id, region=sheet.region, options=options)


# --------------------------------------------------------------------------------------------
# Compare
# --------------------------------------------------------------------------------------------


def parse_ids(ids: str) -> list[uuid.UUID]:
    """``a,b[,...]``: 2 to 10 distinct scenario ids (422 otherwise)."""
    parts = [p.strip() for p in ids.split(",") if p.strip()]

    def bad(msg: str) -> ValidationFailed:
        return ValidationFailed(
            f"ids: {msg}", details=[{"loc": ["query", "ids"], "msg": msg, "type": "value_error"}]
        )

    if not MIN_COMPARED <= len(parts) <= MAX_COMPARED:
        raise bad(f"give {MIN_COMPARED} to {MAX_COMPARED} comma-separated scenario ids, got {len(parts)}")
    try:
        parsed = [uuid.UUID(p) for p in parts]
    except ValueError as exc:
        raise bad("every id must be a UUID") from exc
    if len(set(parsed)) != len(parsed):
        raise bad("an id is repeated")
    return parsed


def compare(scenario_ids: Sequence[uuid.UUID]) -> Comparison:
    """The scenarios side by side (one snapshot), and each against the first."""

    def work(cur: db.Cursor) -> list[ReportInputs]:
        found = []
        for sid in scenario_ids:
            try:
                found.append(read_inputs(cur, sid))
            except NotFound as exc:
                raise NotFound(f"scenario {sid} not found") from exc
        return found

    compared = []
    for inputs in db.run(work, isolation="repeatable_read", read_only=True):
        report = report_from(inputs)
        compared.append(
            ComparedScenario(
                scenario_id=inputs.scenario.id,
                name=inputs.scenario.name,
                status=inputs.scenario.status,
                region=inputs.scenario.region,
                pipeline=inputs.scenario.pipeline,
                summary=report.summary,
                cost_breakdown=report.cost_breakdown,
                projection=report.projection,
                projection_unavailable=report.projection_unavailable,
            )
        )
    return Comparison(scenarios=compared, differences=[difference(compared[0], c) for c in compared[1:]])


# --------------------------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------------------------


def hourly_table(scenario_id: uuid.UUID) -> HourlyTable:
    inputs = _snapshot_inputs(scenario_id)
    return HourlyTable(scenario_id=scenario_id, rows=hour_rows(report_from(inputs), inputs.buckets))


def sources_table(scenario_id: uuid.UUID) -> SourcesTable:
    inputs = _snapshot_inputs(scenario_id)
    rows = source_rows(report_from(inputs), inputs.sources, inputs.pii_counts)
    return SourcesTable(scenario_id=scenario_id, rows=rows)


__all__ = [
    "compare",
    "estimate",
    "hourly_table",
    "list_logs",
    "parse_ids",
    "rank_models",
    "sources_table",
]
