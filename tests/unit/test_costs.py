"""Unit tests of the pure cost calculator (docs/costs.md), against hand-computed exact Decimals."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from mockupaws.errors import PricingUnavailable
from mockupaws.pricing.batching import Batching
from mockupaws.pricing.costs import CostReport, Usage, compute_costs, display, exact
from mockupaws.pricing.prices import PriceSheet, UnitPrice, pipeline_prices
from mockupaws.pricing.projection import NoProjection, Projection, project_monthly
from mockupaws.scenarios.models import PipelineSettings as _PipelineSettings


def PipelineSettings(**fields: Any) -> _PipelineSettings:
    """The product's pipeline settings, but priced with ``claude_3_sonnet``'s seed prices ($3/$15 per 1M
    tokens, those of AWS's worked examples) unless a test names another model: the arithmetic under
    test does not depend on which model the product defaults to."""
    return _PipelineSettings(**{"bedrock_model": "claude_3_sonnet", **fields})


D = Decimal
SRC = "https://aws.amazon.com/pricing/ (test fixture)"

# Bedrock per 1K tokens (input, output), us-east-1 seed prices.
SEED_MODELS = {
    "claude_3_sonnet": ("0.003", "0.015"),
    "claude_3_haiku": ("0.00025", "0.00125"),
}


def price_sheet(
    region: str = "us-east-1",
    *,
    sqs_standard: str = "0.40",
    sqs_fifo: str = "0.50",
    lambda_requests: str = "0.20",
    gb_second_x86: str = "0.0000166667",
    gb_second_arm: str = "0.0000133334",
    rest_api: str = "3.50",
    http_api: str = "1.00",
    models: dict[str, tuple[str, str]] | None = None,
    omit: Iterable[tuple[str, str]] = (),
) -> PriceSheet:
    """A PriceSheet with the seed prices of docs/costs.md (us-east-1 by default)."""
    per_m, per_gbs, per_1k = "per_million_requests", "per_gb_second", "per_1k_tokens"
    prices: dict[tuple[str, str], UnitPrice] = {
        ("sqs", "standard"): UnitPrice(D(sqs_standard), per_m, SRC),
        ("sqs", "fifo"): UnitPrice(D(sqs_fifo), per_m, SRC),
        ("lambda", "requests"): UnitPrice(D(lambda_requests), per_m, SRC),
        ("lambda", "gb_second_x86_64"): UnitPrice(D(gb_second_x86), per_gbs, SRC),
        ("lambda", "gb_second_arm64"): UnitPrice(D(gb_second_arm), per_gbs, SRC),
        ("apigateway", "rest_requests"): UnitPrice(D(rest_api), per_m, SRC),
        ("apigateway", "http_requests"): UnitPrice(D(http_api), per_m, SRC),
    }
    for model, (inp, out) in (SEED_MODELS if models is None else models).items():
        prices[("bedrock", f"{model}:on_demand:input")] = UnitPrice(D(inp), per_1k, SRC)
        prices[("bedrock", f"{model}:on_demand:output")] = UnitPrice(D(out), per_1k, SRC)
    for key in omit:
        del prices[key]
    return PriceSheet(region=region, prices=prices)


def eu_south_1() -> PriceSheet:
    return price_sheet(
        "eu-south-1", lambda_requests="0.23", gb_second_x86="0.0000195172", gb_second_arm="0.0000156138"
    )


# 1,050 logs, some bigger than 64 KiB (1,100 SQS blocks), 52,500 tokens in total.
SEED_USAGE = Usage(logs=1050, sqs_blocks=1100, input_tokens=52_500)


def percentages(report: CostReport) -> tuple[Decimal, ...]:
    return tuple(line.percentage for line in report.lines)


def assert_consistent(report: CostReport) -> None:
    services = [line.service for line in report.lines]
    assert services in (["SQS", "Lambda", "Bedrock"], ["API Gateway", "SQS", "Lambda", "Bedrock"])
    for line in report.lines:
        # every item is quantity x price / unit size, exactly; the line is their exact sum
        for item in line.items:
            size = {"per_million_requests": D(1_000_000), "per_1k_tokens": D(1000), "per_gb_second": D(1)}
            assert item.cost_usd == item.quantity * item.price.price / size[item.price.unit]
        assert line.cost_usd == sum((i.cost_usd for i in line.items), D(0))
        assert line.cost_usd >= 0
    assert report.total_cost == sum((line.cost_usd for line in report.lines), D(0))
    pcts = percentages(report)
    assert all(p.as_tuple().exponent == -2 for p in pcts)
    if report.total_cost == 0:
        assert set(pcts) == {D("0.00")}
    else:
        assert sum(pcts) == D("100.00")


def observed(hours: Decimal | int) -> tuple[datetime, datetime]:
    """A first and last event time ``hours`` apart."""
    first = datetime(2026, 3, 1, tzinfo=UTC)
    return first, first + timedelta(microseconds=int(D(hours) * 3_600_000_000))


def project(usage: Usage, hours: Decimal | int, pipeline: _PipelineSettings, sheet: PriceSheet) -> Projection:
    outcome = project_monthly(usage, *observed(hours), pipeline, sheet)
    assert isinstance(outcome, Projection)
    return outcome


# --------------------------------------------------------------------------------------------
# compute_costs
# --------------------------------------------------------------------------------------------


def test_seed_example_default_pipeline_us_east_1():
    report = compute_costs(SEED_USAGE, PipelineSettings(), price_sheet())

    # full batches of 100: 10 full + 1 of 50 = 11 invocations
    assert report.lambda_invocations == 11
    assert report.batching == Batching("full_batches", None, 1050, 11, 105, 105)
    # SQS: 1,100 sends; receives = 10 * ceil(100/10) + ceil(50/10) = 105 calls + 50 extra 64 KiB chunks
    # (1,100 blocks - 1,050 logs) = 155; deletes = 105 calls; 1,360 * 0.40 / 1e6 = 0.000544
    assert (report.sqs_send_requests, report.sqs_receive_requests, report.sqs_delete_requests) == (
        1100,
        155,
        105,
    )
    assert report.sqs_requests == 1360
    assert report.sqs_cost == D("0.000544")
    # GB-s = 11 * 1024/1024 * 1000/1000 = 11
    assert report.lambda_gb_seconds == D("11")
    # Lambda x86: 11 * 0.20 / 1e6 = 0.0000022; 11 * 0.0000166667 = 0.0001833337 → 0.0001855337
    assert report.lambda_cost == D("0.0001855337")
    # Bedrock sonnet: input 52,500 + 11 * 0 = 52,500 → 52.5 * 0.003 = 0.1575; output 0
    assert (report.llm_input_tokens, report.llm_output_tokens) == (52_500, 0)
    assert report.bedrock_cost == D("0.1575")
    # total = 0.000544 + 0.0001855337 + 0.1575 = 0.1582295337
    assert report.total_cost == D("0.1582295337")
    # hundredths of a percent: 34.38 / 11.73 / 9953.89 → floors 34+11+9953 = 9998; the 2 missing go
    # to the largest remainders (.89 Bedrock, .73 Lambda)
    assert percentages(report) == (D("0.34"), D("0.12"), D("99.54"))
    assert report.free_tier_applied is False
    assert report.apigateway_requests == 0
    assert_consistent(report)
    assert [item.name for item in report.line("SQS").items] == [
        "SendMessage requests",
        "ReceiveMessage requests",
        "DeleteMessageBatch requests",
    ]
    assert [exact(i.cost_usd) for i in report.line("SQS").items] == ["0.00044", "0.000062", "0.000042"]


def test_arm64_lambda():
    pipeline = PipelineSettings(
        lambda_architecture="arm64", lambda_batch_size=10, lambda_memory_mb=512, lambda_avg_duration_ms=250
    )
    report = compute_costs(SEED_USAGE, pipeline, price_sheet())
    # invocations = ceil(1,050 / 10) = 105; GB-s = 105 * 512/1024 * 250/1000 = 105 * 0.5 * 0.25 = 13.125
    assert report.lambda_invocations == 105
    assert report.lambda_gb_seconds == D("13.125")
    # 105 * 0.20 / 1e6 = 0.000021; 13.125 * 0.0000133334 = 0.000175000875
    #   0.000021 + 0.000175000875 = 0.000196000875
    assert report.lambda_cost == D("0.000196000875")
    assert_consistent(report)


def test_fifo_queue_price():
    report = compute_costs(SEED_USAGE, PipelineSettings(sqs_queue_type="fifo"), price_sheet())
    # FIFO defaults to batches of 10: 105 invocations, 105 receive + 105 delete calls; receives also
    # carry the 50 extra chunks: 1,100 + 155 + 105 = 1,360 requests * 0.50 / 1e6 = 0.00068
    assert report.lambda_invocations == 105
    assert report.sqs_requests == 1360
    assert report.sqs_cost == D("0.00068")
    assert_consistent(report)


def test_256_kib_message_is_four_sqs_sends():
    # AWS: "a 256 KB payload is billed as 4 requests": 262,144 bytes = 4 blocks of 64 KiB (ingest counts
    # them); one receive call returns it (4 chunks: 1 call + 3 extra) and one delete call removes it.
    usage = Usage(logs=1, sqs_blocks=4, input_tokens=0)
    standard = compute_costs(usage, PipelineSettings(), price_sheet())
    assert (standard.sqs_send_requests, standard.sqs_receive_requests, standard.sqs_delete_requests) == (
        4,
        4,
        1,
    )
    assert standard.sqs_cost == D("0.0000036")  # 9 * 0.40 / 1e6
    fifo = compute_costs(usage, PipelineSettings(sqs_queue_type="fifo"), price_sheet())
    assert fifo.sqs_cost == D("0.0000045")  # 9 * 0.50 / 1e6
    assert standard.lambda_invocations == 1


def test_consumer_calls_per_batch():
    # a batch of m messages takes ceil(m / 10) ReceiveMessage and DeleteMessageBatch calls
    for logs, batch, calls in [(1, 1, 1), (10, 10, 1), (11, 10, 2), (25, 25, 3), (250, 100, 25), (7, 3, 3)]:
        report = compute_costs(Usage(logs, logs, 0), PipelineSettings(lambda_batch_size=batch), price_sheet())
        assert (report.sqs_receive_requests, report.sqs_delete_requests) == (calls, calls), (logs, batch)


def test_eu_south_1_lambda_prices():
    x86 = compute_costs(SEED_USAGE, PipelineSettings(), eu_south_1())
    # 11 invocations, 11 GB-s: 11 * 0.23 / 1e6 = 0.00000253; 11 * 0.0000195172 = 0.0002146892
    #   0.00000253 + 0.0002146892 = 0.0002172192
    assert x86.lambda_cost == D("0.0002172192")
    arm = compute_costs(SEED_USAGE, PipelineSettings(lambda_architecture="arm64"), eu_south_1())
    # 11 * 0.0000156138 = 0.0001717518; + 0.00000253 = 0.0001742818
    assert arm.lambda_cost == D("0.0001742818")
    assert_consistent(x86)
    assert_consistent(arm)


def test_prompt_and_output_tokens_per_invocation():
    pipeline = PipelineSettings(prompt_tokens_per_invocation=500, output_tokens_per_invocation=200)
    report = compute_costs(SEED_USAGE, pipeline, price_sheet())
    # 11 invocations: input = 52,500 + 11 * 500 = 58,000; output = 11 * 200 = 2,200
    assert report.llm_input_tokens == 58_000
    assert report.llm_output_tokens == 2_200
    # 58,000/1000 * 0.003 = 0.174; 2,200/1000 * 0.015 = 0.033; 0.174 + 0.033 = 0.207
    assert report.bedrock_cost == D("0.207")
    assert_consistent(report)


def test_windowed_batching_raises_invocations_and_prompt_tokens():
    # the same 1,050 logs in 60 windows of ~17 logs: 60 invocations instead of 11
    batching = Batching("batching_window", 5, 1050, 60, 120, 120)
    pipeline = PipelineSettings(lambda_batching_window_s=5, prompt_tokens_per_invocation=500)
    usage = Usage(1050, 1100, 52_500, batching=batching)
    report = compute_costs(usage, pipeline, price_sheet())
    assert report.lambda_invocations == 60
    assert report.llm_input_tokens == 52_500 + 60 * 500
    # receives = 120 calls + 50 extra chunks; deletes = 120
    assert (report.sqs_receive_requests, report.sqs_delete_requests) == (170, 120)
    assert_consistent(report)


@pytest.mark.parametrize(("ingress", "price"), [("api_gateway_rest", "3.50"), ("api_gateway_http", "1.00")])
def test_ingress_adds_an_api_gateway_line(ingress, price):
    report = compute_costs(SEED_USAGE, PipelineSettings(ingress=ingress), price_sheet())
    assert report.lines[0].service == "API Gateway"
    assert report.apigateway_requests == 1050  # one request per log
    assert report.lines[0].cost_usd == D(1050) * D(price) / 1_000_000
    assert report.total_cost == compute_costs(SEED_USAGE, PipelineSettings(), price_sheet()).total_cost + (
        D(1050) * D(price) / 1_000_000
    )
    assert_consistent(report)


def test_ingress_price_missing_raises():
    sheet = price_sheet(omit=[("apigateway", "http_requests")])
    with pytest.raises(PricingUnavailable, match="http_requests"):
        compute_costs(SEED_USAGE, PipelineSettings(ingress="api_gateway_http"), sheet)
    # no ingress: the API Gateway price is not needed
    assert compute_costs(SEED_USAGE, PipelineSettings(), sheet).apigateway_requests == 0


def test_other_model_prices():
    report = compute_costs(SEED_USAGE, PipelineSettings(bedrock_model="claude_3_haiku"), price_sheet())
    # 52.5 * 0.00025 = 0.013125
    assert report.bedrock_cost == D("0.013125")


def test_gb_seconds_are_exact_for_any_memory():
    pipeline = PipelineSettings(lambda_batch_size=1, lambda_memory_mb=1000, lambda_avg_duration_ms=1)
    report = compute_costs(Usage(logs=3, sqs_blocks=3, input_tokens=0), pipeline, price_sheet())
    # 3 * 1000/1024 * 1/1000 = 3/1024 = 0.0029296875 (exact: 1024 = 2^10)
    assert report.lambda_gb_seconds == D("0.0029296875")
    # 3 * 0.20 / 1e6 = 0.0000006; 0.0029296875 * 0.0000166667 = 0.00000004882822265625
    assert report.lambda_cost == D("0.00000064882822265625")


@pytest.mark.parametrize("pipeline", [PipelineSettings(), PipelineSettings(prompt_tokens_per_invocation=999)])
def test_zero_logs_is_all_zeros(pipeline):
    report = compute_costs(Usage(logs=0, sqs_blocks=0, input_tokens=0), pipeline, price_sheet())
    assert report.lambda_invocations == 0
    assert report.lambda_gb_seconds == 0
    assert report.llm_input_tokens == 0
    assert report.llm_output_tokens == 0
    assert report.sqs_requests == 0
    assert report.sqs_cost == report.lambda_cost == report.bedrock_cost == report.total_cost == 0
    assert percentages(report) == (D("0.00"), D("0.00"), D("0.00"))
    assert [exact(line.cost_usd) for line in report.lines] == ["0"] * 3
    assert_consistent(report)


# --------------------------------------------------------------------------------------------
# exactness: every amount is the exact Decimal, the lines add up to the total
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size_bytes", "tokens_per_log"), [(1, 1), (1_048_576, 262_144)])
def test_lines_add_up_exactly_for_1_to_500_logs(size_bytes, tokens_per_log):
    # tiny and large (1 MiB, the SQS maximum: 16 blocks) messages, 1..500 logs, batches of 7
    blocks = max(1, -(-size_bytes // 65_536))
    pipeline = PipelineSettings(
        lambda_batch_size=7, prompt_tokens_per_invocation=300, output_tokens_per_invocation=40
    )
    sheet = price_sheet()
    for logs in range(1, 501):
        report = compute_costs(Usage(logs, logs * blocks, logs * tokens_per_log), pipeline, sheet)
        invocations = -(-logs // 7)
        full, rest = divmod(logs, 7)
        calls = full + (rest > 0)  # a batch of at most 7 is one call of each kind
        # each line is the exact Decimal computed here from the formulas, with no rounding at all
        sqs = D(logs * blocks + (calls + logs * (blocks - 1)) + calls) * D("0.40") / 10**6
        lam = D(invocations) * D("0.20") / 10**6 + D(invocations) * D("0.0000166667")
        bed = (
            D(logs * tokens_per_log + invocations * 300) * D("0.003") / 1000
            + D(invocations * 40) * D("0.015") / 1000
        )
        assert (report.sqs_cost, report.lambda_cost, report.bedrock_cost) == (sqs, lam, bed), logs
        assert report.total_cost == sqs + lam + bed
        assert D(exact(report.total_cost)) == report.total_cost
        assert sum(D(exact(line.cost_usd)) for line in report.lines) == D(exact(report.total_cost))
        assert_consistent(report)


def test_a_tiny_lambda_line_is_shown_in_full():
    # the example: 0.00000122500125 (was shown as 0.000001, 18% off)
    pipeline = PipelineSettings(lambda_batch_size=1, lambda_memory_mb=128, lambda_avg_duration_ms=1)
    report = compute_costs(Usage(3, 3, 0), pipeline, price_sheet(gb_second_x86="0.0000166667"))
    # 3 * 0.2 / 1e6 = 0.0000006; GB-s 3 * 128/1024 / 1000 = 0.000375 * 0.0000166667 = 0.0000000062500125
    assert exact(report.lambda_cost) == "0.0000006062500125"


# --------------------------------------------------------------------------------------------
# percentages
# --------------------------------------------------------------------------------------------


def _sheet_with_costs(sqs: str, gb_second: str, per_1k: str) -> PriceSheet:
    """Prices under which Usage(1, 1, 1000) with batch 1 costs sqs / gb_second / per_1k USD (SQS: one
    send, one receive and one delete = 3 requests)."""
    return price_sheet(
        sqs_standard=str(D(sqs) * 1_000_000 / 3),
        lambda_requests="0",
        gb_second_x86=gb_second,  # 1 invocation * 1 GB * 1 s = 1 GB-s
        models={"claude_3_sonnet": (per_1k, "0")},  # 1,000 tokens = 1K
    )


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        # thirds: 3333.33 hundredths each, floors sum to 9999; the tie goes to the first service.
        # naive rounding would show 33.33 * 3 = 99.99
        (("3", "3", "3"), ("33.34", "33.33", "33.33")),
        # 33.335 / 33.335 / 33.33 %: naive half-up would show 33.34 + 33.34 + 33.33 = 100.01
        (("100005", "100005", "99990"), ("33.34", "33.33", "33.33")),
        # 3/21, 6/21, 12/21 = 14.2857 / 28.5714 / 57.1428 % → floors 1428+2857+5714 = 9999,
        # largest remainder .57 (SQS) gets the missing hundredth
        (("3", "6", "12"), ("14.29", "28.57", "57.14")),
        # a service with no cost keeps 0.00
        (("0", "1", "2"), ("0.00", "33.33", "66.67")),
    ],
)
def test_percentages_sum_to_exactly_100(costs, expected):
    pipeline = PipelineSettings(lambda_batch_size=1)
    report = compute_costs(
        Usage(logs=1, sqs_blocks=1, input_tokens=1000), pipeline, _sheet_with_costs(*costs)
    )
    assert (report.sqs_cost, report.lambda_cost, report.bedrock_cost) == tuple(D(c) for c in costs)
    assert percentages(report) == tuple(D(e) for e in expected)
    assert sum(percentages(report)) == D("100.00")


def test_percentages_sum_to_100_over_many_usages():
    sheet = price_sheet()
    for logs in (1, 7, 99, 101, 1234, 99_999):
        for blocks_per_log in (1, 3, 16):
            for tokens_per_log in (0, 1, 37, 5000):
                usage = Usage(logs=logs, sqs_blocks=logs * blocks_per_log, input_tokens=logs * tokens_per_log)
                for pipeline in (
                    PipelineSettings(),
                    PipelineSettings(lambda_architecture="arm64"),
                    PipelineSettings(ingress="api_gateway_rest"),
                ):
                    assert_consistent(compute_costs(usage, pipeline, sheet))


# --------------------------------------------------------------------------------------------
# missing prices
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pipeline", "missing", "words"),
    [
        (PipelineSettings(sqs_queue_type="fifo"), ("sqs", "fifo"), ["sqs", "fifo"]),
        (PipelineSettings(), ("lambda", "requests"), ["lambda", "requests"]),
        (PipelineSettings(lambda_architecture="arm64"), ("lambda", "gb_second_arm64"), ["gb_second_arm64"]),
        (
            PipelineSettings(),
            ("bedrock", "claude_3_sonnet:on_demand:output"),
            ["bedrock", "claude_3_sonnet:on_demand:output"],
        ),
    ],
)
def test_missing_price_raises(pipeline, missing, words):
    sheet = price_sheet("eu-south-1", omit=[missing])
    with pytest.raises(PricingUnavailable) as info:
        compute_costs(SEED_USAGE, pipeline, sheet)
    for word in [*words, "eu-south-1"]:
        assert word in info.value.message
    # also with no usage at all: a price is never silently defaulted
    with pytest.raises(PricingUnavailable):
        compute_costs(Usage(0, 0, 0), pipeline, sheet)
    with pytest.raises(PricingUnavailable):
        project(SEED_USAGE, 1, pipeline, sheet)


def test_unknown_model_raises():
    with pytest.raises(PricingUnavailable, match="nova_pro"):
        compute_costs(SEED_USAGE, PipelineSettings(bedrock_model="nova_pro"), price_sheet())


def test_price_in_wrong_unit_raises():
    sheet = price_sheet()
    prices = dict(sheet.prices)
    prices[("sqs", "standard")] = UnitPrice(D("0.0000004"), "per_request", SRC)
    with pytest.raises(PricingUnavailable, match="per_million_requests"):
        compute_costs(SEED_USAGE, PipelineSettings(), PriceSheet("us-east-1", prices))


def test_price_sheet_get():
    sheet = price_sheet()
    assert sheet.get("sqs", "fifo").price == D("0.50")
    with pytest.raises(PricingUnavailable, match="'sns'"):
        sheet.get("sns", "standard")


def test_pipeline_prices_selects_by_settings():
    chosen = pipeline_prices(
        PipelineSettings(sqs_queue_type="fifo", lambda_architecture="arm64", bedrock_model="claude_3_haiku"),
        eu_south_1(),
    )
    assert chosen.region == "eu-south-1"
    assert chosen.sqs_requests.price == D("0.50")
    assert chosen.lambda_requests.price == D("0.23")
    assert chosen.lambda_gb_second.price == D("0.0000156138")
    assert (chosen.bedrock_input.price, chosen.bedrock_output.price) == (D("0.00025"), D("0.00125"))
    assert chosen.apigateway_requests is None
    rest = pipeline_prices(PipelineSettings(ingress="api_gateway_rest"), eu_south_1())
    assert rest.apigateway_requests is not None
    assert rest.apigateway_requests.price == D("3.50")


@pytest.mark.parametrize("bad", [D("-0.1"), D("NaN"), D("Infinity")])
def test_unit_price_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="unit price"):
        UnitPrice(bad, "per_gb_second", SRC)


def test_usage_rejects_inconsistent_counts():
    with pytest.raises(ValueError, match="logs"):
        Usage(logs=-1, sqs_blocks=0, input_tokens=0)
    with pytest.raises(ValueError, match="SQS block"):
        Usage(logs=2, sqs_blocks=1, input_tokens=0)
    with pytest.raises(ValueError, match="batching covers"):
        Usage(logs=2, sqs_blocks=2, input_tokens=0, batching=Batching("batching_window", 1, 3, 3, 3, 3))


# --------------------------------------------------------------------------------------------
# monthly projection
# --------------------------------------------------------------------------------------------


def test_aws_lambda_pricing_page_example_with_free_tier():
    # AWS: 512 MB, 3,000,000 invocations/month of 1 s each, x86 → $18.73 after the free tier.
    # Observed over exactly one month (730 h) so the scale factor is 1.
    pipeline = PipelineSettings(
        lambda_batch_size=1, lambda_memory_mb=512, lambda_avg_duration_ms=1000, include_free_tier=True
    )
    usage = Usage(logs=3_000_000, sqs_blocks=3_000_000, input_tokens=0)
    projection = project(usage, 730, pipeline, price_sheet())
    report = projection.report

    assert projection.factor == 1
    assert projection.monthly_usage.logs == 3_000_000
    assert report.free_tier_applied is True
    assert report.lambda_invocations == 3_000_000
    # GB-s = 3,000,000 * 512/1024 * 1000/1000 = 1,500,000 (reported before the free tier)
    assert report.lambda_gb_seconds == D("1500000")
    # compute: (1,500,000 - 400,000) * 0.0000166667 = 1,100,000 * 0.0000166667 = 18.33337
    # requests: (3,000,000 - 1,000,000) * 0.20 / 1e6 = 0.40
    # Lambda = 18.33337 + 0.40 = 18.73337 → $18.73
    assert report.lambda_cost == D("18.73337")
    assert display(report.lambda_cost) == "18.73"
    free = [i for i in report.line("Lambda").items if i.name.startswith("free tier")]
    assert [(i.quantity, i.cost_usd) for i in free] == [
        (D(-1_000_000), D("-0.2")),
        (D(-400_000), D("-6.66668")),
    ]
    # SQS: 3M sends + 3M receives + 3M deletes (batches of 1) - 1M free = 8M * 0.40 / 1e6 = 3.2
    assert report.sqs_requests == 9_000_000
    assert report.sqs_cost == D("3.2")
    assert report.bedrock_cost == 0
    assert report.total_cost == D("21.93337")
    assert_consistent(report)


def test_free_tier_never_below_zero():
    pipeline = PipelineSettings(include_free_tier=True)
    # 2 h observed → * 365: 1,050 → 383,250 logs; 1,100 → 401,500 blocks; 52,500 → 19,162,500 tokens
    projection = project(SEED_USAGE, 2, pipeline, price_sheet())
    report = projection.report
    monthly = projection.monthly_usage
    assert (monthly.logs, monthly.sqs_blocks, monthly.input_tokens) == (383_250, 401_500, 19_162_500)
    # 3,833 invocations and GB-s, and < 1M SQS requests: all under the free tier
    assert report.lambda_invocations == 3_833  # ceil(383,250 / 100) = ceil(3,832.5)
    assert report.sqs_cost == 0
    assert report.lambda_cost == 0
    # Bedrock has no free tier: 19,162.5 * 0.003 = 57.4875
    assert report.bedrock_cost == D("57.4875")
    assert percentages(report) == (D("0.00"), D("0.00"), D("100.00"))
    assert_consistent(report)


def test_projection_without_free_tier_equals_compute_costs_on_scaled_usage():
    pipeline = PipelineSettings(prompt_tokens_per_invocation=100, output_tokens_per_invocation=50)
    sheet = price_sheet()
    projection = project(SEED_USAGE, D("7.5"), pipeline, sheet)
    # factor 730 / 7.5 = 97.333…:
    #   logs   1,050 * 730 / 7.5 = 766,500 / 7.5 = 102,200
    #   blocks 1,100 * 730 / 7.5 = 803,000 / 7.5 = 107,066.67 → 107,067 (half-up)
    #   tokens 52,500 * 730 / 7.5 = 38,325,000 / 7.5 = 5,110,000
    monthly = projection.monthly_usage
    assert (monthly.logs, monthly.sqs_blocks, monthly.input_tokens) == (102_200, 107_067, 5_110_000)
    assert projection.hours_observed == D("7.5")
    assert projection.report == compute_costs(monthly, pipeline, sheet)
    assert projection.report.free_tier_applied is False
    # invocations come from the scaled logs: ceil(102,200 / 100) = 1,022 (not 11 * 97.33 = 1,070.67)
    assert projection.report.lambda_invocations == 1_022
    assert projection.warnings == ()


def test_windowed_projection_scales_the_observed_invocations():
    pipeline = PipelineSettings(lambda_batching_window_s=10)
    usage = Usage(1050, 1100, 0, batching=Batching("batching_window", 10, 1050, 60, 120, 120))
    projection = project(usage, 73, pipeline, price_sheet())  # factor 10
    assert projection.monthly_usage.batching == Batching("batching_window", 10, 10_500, 600, 1200, 1200)
    assert projection.report.lambda_invocations == 600


def test_projection_rounds_counts_half_up():
    # 4 h observed → * 182.5: 1 log → 182.5 → 183 (half-even would give 182); 3 tokens → 547.5 → 548
    projection = project(Usage(logs=1, sqs_blocks=2, input_tokens=3), 4, PipelineSettings(), price_sheet())
    monthly = projection.monthly_usage
    assert (monthly.logs, monthly.sqs_blocks, monthly.input_tokens) == (183, 365, 548)
    # 3 h: 1,000 * 730 / 3 = 243,333.33 → 243,333
    projection = project(Usage(1000, 1000, 0), 3, PipelineSettings(), price_sheet())
    assert projection.monthly_usage.logs == 243_333


def test_short_span_is_projected_from_its_real_length_with_a_warning():
    # 10 minutes: factor 730 h / (1/6 h) = 4,380 (no clamp to one hour)
    projection = project(Usage(2000, 2000, 0), D(1) / 6, PipelineSettings(), price_sheet())
    assert projection.factor == 4380
    assert projection.monthly_usage.logs == 8_760_000
    assert projection.hours_observed == D("0.1666666667")
    assert len(projection.warnings) == 1
    assert "under an hour" in projection.warnings[0]


def test_few_logs_warn():
    projection = project(Usage(999, 999, 0), 2, PipelineSettings(), price_sheet())
    assert len(projection.warnings) == 1
    assert "999 logs" in projection.warnings[0]
    both = project(Usage(5, 5, 0), D("0.5"), PipelineSettings(), price_sheet())
    assert len(both.warnings) == 2


def test_zero_span_has_no_projection_and_says_why():
    t = datetime(2026, 3, 1, tzinfo=UTC)
    none = project_monthly(Usage(0, 0, 0), None, None, PipelineSettings(), price_sheet())
    assert isinstance(none, NoProjection)
    assert "no logs" in none.reason
    one = project_monthly(Usage(1, 1, 5), t, t, PipelineSettings(), price_sheet())
    assert isinstance(one, NoProjection)
    assert "one event time" in one.reason
    same = project_monthly(Usage(40, 40, 5), t, t, PipelineSettings(), price_sheet())
    assert isinstance(same, NoProjection)
    assert "40 logs" in same.reason


# --------------------------------------------------------------------------------------------
# writing amounts
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (D("0.0004"), "0.0004"),
        (D("0.000400"), "0.0004"),
        (D(0), "0"),
        (D("0.000"), "0"),
        (D("-0"), "0"),
        (D("1E+3"), "1000"),
        (D("1350.00"), "1350"),
        (D("0.00000122500125"), "0.00000122500125"),
        (D("-0.2"), "-0.2"),
        (D("18.73337"), "18.73337"),
        (D("123456789012345678901234567890.1234567"), "123456789012345678901234567890.1234567"),
    ],
)
def test_exact(amount, text):
    assert exact(amount) == text
    assert D(text) == amount


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (D("18.73337"), "18.73"),
        (D("0.125"), "0.12"),  # half-even
        (D("0.135"), "0.14"),
        (D("-0.001"), "0.00"),  # never "-0.00"
        (D("1350"), "1350.00"),
    ],
)
def test_display(amount, text):
    assert display(amount) == text
