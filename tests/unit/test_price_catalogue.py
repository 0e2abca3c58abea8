"""The shipped price catalogue: it validates, and what it says holds (every key priced once per region
and way, sources and read dates on every price, no model offered without a price, the regional and
per-way price relations it documents)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from mockupaws.pricing.catalogue import (
    CATALOGUE_PATH,
    INFERENCE_WAYS,
    CatalogueError,
    models_table,
    parse_catalogue,
    price_rows,
    read_catalogue,
    validate_catalogue,
)
from mockupaws.scenarios.models import PipelineSettings

REQUIRED_REGIONS = {
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "eu-south-1",
    "us-east-2",
    "ap-northeast-1",
    "ap-southeast-2",
    "eu-west-3",
}


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
    return data


def test_the_shipped_catalogue_validates_and_covers_the_required_regions(raw: dict[str, Any]) -> None:
    catalogue = read_catalogue()
    assert validate_catalogue(raw) == []
    assert set(catalogue.regions) == REQUIRED_REGIONS


def test_every_key_is_priced_once_per_region_and_way() -> None:
    rows = list(price_rows(read_catalogue()))
    keys = Counter((r.service, r.region, r.tier) for r in rows)
    assert [k for k, n in keys.items() if n > 1] == []
    # Every region prices SQS, Lambda and API Gateway
    for region in REQUIRED_REGIONS:
        tiers = {(r.service, r.tier) for r in rows if r.region == region and r.service != "bedrock"}
        assert tiers == {
            ("sqs", "standard"),
            ("sqs", "fifo"),
            ("lambda", "requests"),
            ("lambda", "gb_second_x86_64"),
            ("lambda", "gb_second_arm64"),
            ("apigateway", "rest_requests"),
            ("apigateway", "http_requests"),
        }
    # Every Bedrock way has both directions
    bedrock = Counter((r.region, r.tier.rsplit(":", 1)[0]) for r in rows if r.service == "bedrock")
    assert set(bedrock.values()) == {2}


def test_every_price_has_a_unit_an_https_source_and_the_date_it_was_read() -> None:
    for row in price_rows(read_catalogue()):
        assert row.source.startswith("https://"), row
        assert row.unit in ("per_million_requests", "per_gb_second", "per_1k_tokens"), row
        assert row.read_on.isoformat() >= "2026-01-01", row
        assert row.basis in ("aws_page", "aws_page+litellm", "litellm", "unconfirmed", "price_list_api"), row


def test_the_named_families_are_covered(raw: dict[str, Any]) -> None:
    models = raw["models"]
    for key in (
        "claude_3_haiku",
        "claude_3_5_haiku",
        "claude_haiku_4_5",
        "claude_3_5_sonnet",
        "claude_3_7_sonnet",
        "claude_sonnet_4",
        "claude_sonnet_4_5",
        "claude_sonnet_4_6",
        "claude_opus_4",
        "claude_opus_4_1",
        "claude_opus_4_5",
        "nova_micro",
        "nova_lite",
        "nova_pro",
        "nova_premier",
        "nova_2_lite",
        "llama3_1_8b",
        "llama3_1_70b",
        "llama3_2_1b",
        "llama3_3_70b",
        "llama4_scout",
        "llama4_maverick",
        "mistral_7b",
        "mixtral_8x7b",
        "mistral_large_2402",
        "pixtral_large",
        "deepseek_r1",
        "deepseek_v3_1",
        "gpt_oss_20b",
        "gpt_oss_120b",
        "titan_embed_text_v2",
        "cohere_embed_english_v3",
    ):
        assert key in models, key
    assert {m["provider"] for m in models.values()} >= {
        "Anthropic",
        "Amazon",
        "Meta",
        "Mistral AI",
        "DeepSeek",
        "OpenAI",
        "Cohere",
    }


def test_the_default_model_is_active_and_offered_on_demand_in_every_region(raw: dict[str, Any]) -> None:
    default = PipelineSettings().bedrock_model
    assert raw["default_model"] == default
    assert raw["models"][default]["lifecycle"]["state"] == "active"
    catalogue = read_catalogue()
    for region in REQUIRED_REGIONS:
        assert "on_demand" in catalogue.ways(default, region), region


def _price(raw: dict[str, Any], model: str, region: str, way: str, direction: str = "input") -> Decimal:
    return Decimal(raw["models"][model]["offers"][region][way][direction])


def test_regional_and_per_way_price_relations_the_catalogue_documents(raw: dict[str, Any]) -> None:
    # Claude 4.5+: a geographic profile costs 10% more than in-region; global costs the in-region price
    for model in ("claude_sonnet_4_5", "claude_haiku_4_5", "claude_opus_4_5", "claude_sonnet_4_6"):
        for direction in ("input", "output"):
            on_demand = _price(raw, model, "eu-west-1", "on_demand", direction)
            assert _price(raw, model, "eu-west-1", "geo_profile", direction) == on_demand * Decimal("1.1")
            assert _price(raw, model, "eu-west-1", "global_profile", direction) == on_demand
    # Nova through the eu. profile costs about 31% more than in us-east-1
    ratio = _price(raw, "nova_micro", "eu-central-1", "geo_profile") / _price(
        raw, "nova_micro", "us-east-1", "on_demand"
    )
    assert Decimal("1.30") < ratio < Decimal("1.32")
    # Llama 3 in eu-west-1 costs about 8% more than in us-east-1
    ratio = _price(raw, "llama3_70b", "eu-west-1", "on_demand") / _price(
        raw, "llama3_70b", "us-east-1", "on_demand"
    )
    assert Decimal("1.07") < ratio < Decimal("1.09")
    # Batch is half the on-demand price wherever both are offered
    pairs = 0
    for model, info in raw["models"].items():
        for region, ways in info["offers"].items():
            if "batch" in ways and "on_demand" in ways:
                for direction in ("input", "output"):
                    assert Decimal(ways["batch"][direction]) * 2 == Decimal(ways["on_demand"][direction]), (
                        model,
                        region,
                    )
                pairs += 1
    assert pairs >= 20


def test_some_models_are_reachable_in_a_region_only_through_a_profile() -> None:
    catalogue = read_catalogue()
    assert catalogue.ways("nova_micro", "eu-west-1") == ["geo_profile"]
    assert catalogue.ways("claude_sonnet_4", "us-east-1") == ["geo_profile", "global_profile"]
    assert catalogue.ways("llama3_70b", "eu-central-1") == []


def test_lifecycle_states_carry_their_dates(raw: dict[str, Any]) -> None:
    states = Counter(m["lifecycle"]["state"] for m in raw["models"].values())
    assert states["active"] >= 10
    assert states["legacy"] >= 5
    assert states["retired"] >= 3
    assert raw["models"]["claude_3_7_sonnet"]["lifecycle"]["state"] == "retired"
    assert raw["models"]["claude_3_5_sonnet"]["lifecycle"] == {
        **raw["models"]["claude_3_5_sonnet"]["lifecycle"],
        "state": "legacy",
        "extended_access": True,
    }
    for model, info in raw["models"].items():
        if info["lifecycle"]["state"] == "retired":
            assert info["lifecycle"]["eol_on"], model


# -- the validator refuses what would make a price untrustworthy -------------------------------


def _mutated(raw: dict[str, Any], change: Any) -> list[str]:
    copy_ = copy.deepcopy(raw)
    change(copy_)
    return validate_catalogue(copy_)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda c: c["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"].pop("output"),
            "offered without a price",
        ),
        (
            lambda c: c["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"].update(input=0.035),
            "non-negative decimal string",
        ),
        (
            lambda c: c["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"].update(source="blog"),
            "not one of the catalogue's sources",
        ),
        (lambda c: c["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"].pop("read_on"), "read_on"),
        (
            lambda c: c["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"].update(
                unit="per_1m_tokens"
            ),
            "unit must be",
        ),
        (lambda c: c["models"]["nova_micro"]["offers"]["us-east-1"].update(spot={}), "unknown way"),
        (
            lambda c: c["models"]["nova_micro"]["offers"].update(
                {"mars-north-1": {"on_demand": c["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"]}}
            ),
            "region has no SQS/Lambda prices",
        ),
        (
            lambda c: c["models"]["nova_micro"]["offers"]["eu-west-1"]["geo_profile"].pop("profile"),
            "names no inference profile",
        ),
        (
            lambda c: c["regions"]["eu-south-1"]["lambda"].pop("gb_second_arm64"),
            "regions.eu-south-1.lambda.gb_second_arm64: no price",
        ),
        (lambda c: c["regions"]["eu-south-1"]["sqs"]["fifo"].update(unit="per_request"), "unit must be"),
        (lambda c: c["models"]["claude_3_7_sonnet"]["lifecycle"].update(eol_on=None), "needs its eol_on"),
        (lambda c: c["models"]["nova_micro"]["lifecycle"].update(state="deprecated"), "lifecycle.state"),
        (lambda c: c.update(default_model="claude_3_7_sonnet"), "is not active"),
        (
            lambda c: c["models"]["titan_embed_text_v2"]["offers"]["us-east-1"]["on_demand"].update(
                output="0.001"
            ),
            "bills no output",
        ),
        (lambda c: c["sources"]["bedrock_pricing"].update(url="http://example.com"), "https url"),
    ],
)
def test_the_validator_names_each_problem(raw: dict[str, Any], change: Any, problem: str) -> None:
    problems = _mutated(raw, change)
    assert any(problem in p for p in problems), problems


def test_parse_refuses_an_invalid_file_listing_every_problem(raw: dict[str, Any]) -> None:
    broken = copy.deepcopy(raw)
    broken["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"].pop("input")
    broken["regions"]["us-east-1"]["sqs"].pop("fifo")
    with pytest.raises(CatalogueError) as caught:
        parse_catalogue(json.dumps(broken))
    assert len(caught.value.problems) == 2
    with pytest.raises(CatalogueError):
        parse_catalogue("{not json")


def test_ways_are_the_four_the_pipeline_accepts() -> None:
    assert INFERENCE_WAYS == ("on_demand", "batch", "geo_profile", "global_profile")


def test_the_docs_models_table_is_the_catalogue_s(raw: dict[str, Any]) -> None:
    # docs/costs.md#models is `python -m mockupaws.pricing.catalogue`'s output: regenerate it when the
    # file changes (e.g. after `make prices`)
    docs = (Path(__file__).resolve().parents[2] / "docs" / "costs.md").read_text(encoding="utf-8")
    table = models_table(read_catalogue())
    assert table in docs
    for key, info in raw["models"].items():
        row = next(line for line in table.splitlines() if line.startswith(f"| `{key}` |"))
        assert f"| {info['lifecycle']['state']}" in row
