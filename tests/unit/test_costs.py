"""Unit tests of the pure cost calculator (docs/costs.md), against hand-computed exact Decimals."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest

from mockupaws.errors import PricingUnavailable
from mockupaws.pricing.costs import CostReport, Usage, compute_costs, money
from mockupaws.pricing.prices import PriceSheet, UnitPrice, pipeline_prices
from mockupaws.pricing.projection import HOURS_PER_MONTH, project_monthly
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
    return tuple(line.percentage for line in report.breakdown)


def assert_consistent(report: CostReport) -> None:
    assert [line.service for line in report.breakdown] == ["SQS", "Lambda", "Bedrock"]
    assert [line.cost_usd for line in report.breakdown] == [
        report.sqs_cost,
        report.lambda_cost,
        report.bedrock_cost,
    ]
    assert report.total_cost == report.sqs_cost + report.lambda_cost + report.bedrock_cost
    for value in (report.sqs_cost, report.lambda_cost, report.bedrock_cost, report.total_cost):
        assert isinstance(value, Decimal)
    pcts = percentages(report)
    assert all(p.as_tuple().exponent == -2 for p in pcts)
    if report.total_cost == 0:
        assert pcts == (D("0.00"), D("0.00"), D("0.00"))
    else:
        assert sum(pcts) == D("100.00")


# --------------------------------------------------------------------------------------------
# compute_costs
# --------------------------------------------------------------------------------------------


def test_seed_example_default_pipeline_us_east_1():
    report = compute_costs(SEED_USAGE, PipelineSettings(), price_sheet())

    # SQS standard: 1,100 blocks * 0.40 / 1,000,000 = 0.00044
    assert report.sqs_requests == 1100
    assert report.sqs_cost == D("0.00044")
    # invocations = ceil(1,050 / 100) = 11; GB-s = 11 * 1024/1024 * 1000/1000 = 11
    assert report.lambda_invocations == 11
    assert report.lambda_gb_seconds == D("11")
    # Lambda x86: 11 * 0.20 / 1e6 = 0.0000022; 11 * 0.0000166667 = 0.0001833337
    #   0.0000022 + 0.0001833337 = 0.0001855337
    assert report.lambda_cost == D("0.0001855337")
    # Bedrock sonnet: input 52,500 + 11 * 0 = 52,500 → 52.5 * 0.003 = 0.1575; output 0
    assert report.llm_input_tokens == 52_500
    assert report.llm_output_tokens == 0
    assert report.bedrock_cost == D("0.1575")
    # total = 0.00044 + 0.0001855337 + 0.1575 = 0.1581255337
    assert report.total_cost == D("0.1581255337")
    # shares in hundredths of a percent: 27.83 / 11.73 / 9960.44 → floors 27+11+9960 = 9998,
    # the 2 missing hundredths go to the largest remainders (.83 SQS, .73 Lambda)
    assert percentages(report) == (D("0.28"), D("0.12"), D("99.60"))
    assert report.free_tier_applied is False
    assert_consistent(report)
    assert [money(x) for x in (report.sqs_cost, report.lambda_cost, report.bedrock_cost)] == [
        "0.000440",
        "0.000186",
        "0.157500",
    ]
    assert money(report.total_cost) == "0.158126"


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
    # 1,100 blocks * 0.50 / 1e6 = 0.00055
    assert report.sqs_cost == D("0.00055")
    assert_consistent(report)


def test_200_kb_message_is_four_sqs_blocks():
    # 200 KB = 204,800 bytes → max(1, ceil(204,800 / 65,536)) = ceil(3.125) = 4 blocks (ingest counts
    # them; here we check they are priced as 4 requests).
    usage = Usage(logs=1, sqs_blocks=4, input_tokens=0)
    standard = compute_costs(usage, PipelineSettings(), price_sheet())
    assert standard.sqs_requests == 4
    assert standard.sqs_cost == D("0.0000016")  # 4 * 0.40 / 1e6
    fifo = compute_costs(usage, PipelineSettings(sqs_queue_type="fifo"), price_sheet())
    assert fifo.sqs_cost == D("0.0000020")  # 4 * 0.50 / 1e6
    # a single log is still one Lambda invocation
    assert standard.lambda_invocations == 1


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
    assert [money(line.cost_usd) for line in report.breakdown] == ["0.000000"] * 3
    assert_consistent(report)


# --------------------------------------------------------------------------------------------
# percentages
# --------------------------------------------------------------------------------------------


def _sheet_with_costs(sqs: str, gb_second: str, per_1k: str) -> PriceSheet:
    """Prices under which Usage(1, 1, 1000) with batch 1 costs sqs / gb_second / per_1k USD."""
    return price_sheet(
        sqs_standard=str(D(sqs) * 1_000_000),  # 1 block * price / 1e6 = sqs
        lambda_requests="0",
        gb_second_x86=gb_second,  # 1 invocation * 1 GB * 1 s = 1 GB-s
        models={"claude_3_sonnet": (per_1k, "0")},  # 1,000 tokens = 1K
    )


@pytest.mark.parametrize(
    ("costs", "expected"),
    [
        # thirds: 3333.33 hundredths each, floors sum to 9999; the tie goes to the first service.
        # naive rounding would show 33.33 * 3 = 99.99
        (("1", "1", "1"), ("33.34", "33.33", "33.33")),
        # 33.335 / 33.335 / 33.33 %: naive half-up would show 33.34 + 33.34 + 33.33 = 100.01
        (("33335", "33335", "33330"), ("33.34", "33.33", "33.33")),
        # 1/7, 2/7, 4/7 = 14.2857 / 28.5714 / 57.1428 % → floors 1428+2857+5714 = 9999,
        # largest remainder .57 (SQS) gets the missing hundredth
        (("1", "2", "4"), ("14.29", "28.57", "57.14")),
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
                for pipeline in (PipelineSettings(), PipelineSettings(lambda_architecture="arm64")):
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
        project_monthly(SEED_USAGE, D(1), pipeline, sheet)


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


@pytest.mark.parametrize("bad", [D("-0.1"), D("NaN"), D("Infinity")])
def test_unit_price_rejects_bad_values(bad):
    with pytest.raises(ValueError, match="unit price"):
        UnitPrice(bad, "per_gb_second", SRC)


def test_usage_rejects_negative_counts():
    with pytest.raises(ValueError, match="logs"):
        Usage(logs=-1, sqs_blocks=0, input_tokens=0)


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
    projection = project_monthly(usage, HOURS_PER_MONTH, pipeline, price_sheet())
    report = projection.report

    assert projection.monthly_requests == 3_000_000
    assert report.free_tier_applied is True
    assert report.lambda_invocations == 3_000_000
    # GB-s = 3,000,000 * 512/1024 * 1000/1000 = 1,500,000 (reported before the free tier)
    assert report.lambda_gb_seconds == D("1500000")
    # compute: (1,500,000 - 400,000) * 0.0000166667 = 1,100,000 * 0.0000166667 = 18.33337
    # requests: (3,000,000 - 1,000,000) * 0.20 / 1e6 = 0.40
    # Lambda = 18.33337 + 0.40 = 18.73337 → $18.73
    assert report.lambda_cost == D("18.73337")
    assert money(report.lambda_cost, 2) == "18.73"
    # SQS: (3,000,000 - 1,000,000) * 0.40 / 1e6 = 0.80; Bedrock: no tokens → 0
    assert report.sqs_cost == D("0.80")
    assert report.bedrock_cost == 0
    assert report.total_cost == D("19.53337")
    assert_consistent(report)


def test_free_tier_never_below_zero():
    pipeline = PipelineSettings(include_free_tier=True)
    # 2 h observed → * 365: 1,050 → 383,250 logs; 1,100 → 401,500 blocks; 52,500 → 19,162,500 tokens
    projection = project_monthly(SEED_USAGE, D(2), pipeline, price_sheet())
    report = projection.report
    assert projection.monthly_usage == Usage(383_250, 401_500, 19_162_500)
    # 3,833 invocations and 3,833 GB-s: both well under the free tier; 401,500 SQS requests < 1M
    assert report.lambda_invocations == 3_833  # ceil(383,250 / 100) = ceil(3,832.5)
    assert report.sqs_cost == 0
    assert report.lambda_cost == 0
    # Bedrock has no free tier: 19,162.5 * 0.003 = 57.4875
    assert report.bedrock_cost == D("57.4875")
    assert percentages(report) == (D("0.00"), D("0.00"), D("100.00"))


def test_projection_without_free_tier_equals_compute_costs_on_scaled_usage():
    pipeline = PipelineSettings(prompt_tokens_per_invocation=100, output_tokens_per_invocation=50)
    sheet = price_sheet()
    projection = project_monthly(SEED_USAGE, D("7.5"), pipeline, sheet)
    # factor 730 / 7.5 = 97.333…:
    #   logs   1,050 * 730 / 7.5 = 766,500 / 7.5 = 102,200
    #   blocks 1,100 * 730 / 7.5 = 803,000 / 7.5 = 107,066.67 → 107,067 (half-up)
    #   tokens 52,500 * 730 / 7.5 = 38,325,000 / 7.5 = 5,110,000
    scaled = Usage(logs=102_200, sqs_blocks=107_067, input_tokens=5_110_000)
    assert projection.hours_observed == D("7.5")
    assert projection.monthly_usage == scaled
    assert projection.monthly_requests == 102_200
    assert projection.report == compute_costs(scaled, pipeline, sheet)
    assert projection.report.free_tier_applied is False
    # invocations come from the scaled logs: ceil(102,200 / 100) = 1,022 (not 11 * 97.33 = 1,070.67)
    assert projection.report.lambda_invocations == 1_022


def test_projection_rounds_counts_half_up():
    # 4 h observed → * 182.5: 1 log → 182.5 → 183 (half-even would give 182); 3 tokens → 547.5 → 548
    projection = project_monthly(
        Usage(logs=1, sqs_blocks=2, input_tokens=3), D(4), PipelineSettings(), price_sheet()
    )
    assert projection.monthly_usage == Usage(logs=183, sqs_blocks=365, input_tokens=548)
    # 3 h: 1,000 * 730 / 3 = 243,333.33 → 243,333
    projection = project_monthly(Usage(1000, 1000, 0), D(3), PipelineSettings(), price_sheet())
    assert projection.monthly_requests == 243_333


def test_projection_of_zero_usage_is_zero():
    for free in (False, True):
        projection = project_monthly(
            Usage(0, 0, 0), D(1), PipelineSettings(include_free_tier=free), price_sheet()
        )
        assert projection.monthly_requests == 0
        assert projection.report.total_cost == 0
        assert percentages(projection.report) == (D("0.00"), D("0.00"), D("0.00"))


@pytest.mark.parametrize("hours", [D("0.5"), D(0), D(-3), D("NaN")])
def test_projection_rejects_less_than_one_hour(hours):
    with pytest.raises(ValueError, match="observed_hours"):
        project_monthly(SEED_USAGE, hours, PipelineSettings(), price_sheet())


# --------------------------------------------------------------------------------------------
# money
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (D("0.0004"), "0.000400"),
        (D(0), "0.000000"),
        (D("1E+3"), "1000.000000"),
        (D("0.0000005"), "0.000000"),  # half-even: ties go to the even digit
        (D("0.0000015"), "0.000002"),
        (D("0.0000025"), "0.000002"),
        (D("0.00000251"), "0.000003"),
        (D("-0.0000001"), "0.000000"),  # never "-0.000000"
        (D("18.73337"), "18.733370"),
        (D("123456789012345678901234567890.1234567"), "123456789012345678901234567890.123457"),
    ],
)
def test_money(amount, text):
    assert money(amount) == text


def test_money_places():
    assert money(D("18.73337"), 2) == "18.73"
    assert money(D("0.125"), 2) == "0.12"
