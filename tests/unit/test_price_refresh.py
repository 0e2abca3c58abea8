"""The refresh command against botocore's Stubber serving GetProducts responses in the Price List format
(tests/data/price_list/get_products.json, built by build.py there): what it reads, converts, keeps and
refuses, and that it writes a catalogue that validates."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from mockupaws.pricing import refresh
from mockupaws.pricing.catalogue import CATALOGUE_PATH, read_catalogue, validate_catalogue

DATA = Path(__file__).resolve().parents[1] / "data" / "price_list" / "get_products.json"
RESPONSES: dict[str, list[dict[str, Any]]] = json.loads(DATA.read_text(encoding="utf-8"))["responses"]
REGIONS = ["eu-west-1", "us-east-1"]
TODAY = date(2026, 12, 24)


def stubbed_client(
    regions: list[str] = REGIONS, responses: dict[str, list[dict[str, Any]]] | None = None
) -> Any:
    """A real boto3 pricing client whose GetProducts calls are answered, in order, from the data file;
    the Stubber checks each call's parameters (service code, region filter, format, paging token)."""
    client = boto3.client(
        "pricing", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    stubber = Stubber(client)
    pages = responses if responses is not None else RESPONSES
    for code in refresh.SERVICE_CODES:
        for region in sorted(regions):
            token = None
            for page in pages.get(f"{code} {region}", [{"FormatVersion": "aws_v1", "PriceList": []}]):
                expected: dict[str, Any] = {
                    "ServiceCode": code,
                    "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
                    "FormatVersion": "aws_v1",
                    "MaxResults": 100,
                }
                if token:
                    expected["NextToken"] = token
                stubber.add_response("get_products", page, expected)
                token = page.get("NextToken")
    stubber.activate()
    client.stubber = stubber
    return client


def rebuilt() -> refresh.RefreshResult:
    client = stubbed_client()
    result = refresh.refresh(client, read_catalogue(), TODAY, regions=REGIONS)
    client.stubber.assert_no_pending_responses()  # every page was asked for, NextToken followed
    return result


def test_region_tiers_are_read_from_the_first_priced_tier_and_converted_to_per_million() -> None:
    raw = rebuilt().catalogue
    eu = raw["regions"]["eu-west-1"]
    assert eu["sqs"]["standard"]["price"] == "0.4"  # the free first tier is skipped
    assert eu["sqs"]["fifo"]["price"] == "0.5"
    assert eu["lambda"]["requests"]["price"] == "0.2"
    assert eu["lambda"]["gb_second_x86_64"]["price"] == "0.0000166667"  # tier 1, not tier 3
    assert eu["lambda"]["gb_second_arm64"]["price"] == "0.0000133335"
    assert eu["apigateway"]["rest_requests"]["price"] == "3.5"
    assert eu["apigateway"]["http_requests"]["price"] == "1.11"
    assert eu["sqs"]["standard"]["source"] == "price_list_api"
    assert eu["sqs"]["standard"]["read_on"] == "2026-12-24"
    assert raw["sources"]["price_list_api"]["url"].startswith("https://pricing.us-east-1.amazonaws.com")


def test_bedrock_prices_per_token_and_per_1k_become_per_1k_for_each_way() -> None:
    offers = rebuilt().catalogue["models"]
    nova = offers["nova_micro"]["offers"]
    assert nova["us-east-1"]["on_demand"]["input"] == "0.000035"
    assert nova["us-east-1"]["on_demand"]["output"] == "0.00014"
    assert nova["us-east-1"]["batch"]["input"] == "0.0000175"
    assert nova["eu-west-1"] == {
        "geo_profile": {
            "input": "0.000046",
            "output": "0.000184",
            "unit": "per_1k_tokens",
            "source": "price_list_api",
            "read_on": "2026-12-24",
            "basis": "price_list_api",
            "profile": "eu",
        }
    }
    haiku = offers["claude_haiku_4_5"]["offers"]["us-east-1"]
    # per-token "Units" prices x 1,000, exactly
    assert (haiku["on_demand"]["input"], haiku["on_demand"]["output"]) == ("0.001", "0.005")
    assert (haiku["geo_profile"]["input"], haiku["geo_profile"]["output"]) == ("0.0011", "0.0055")
    assert haiku["geo_profile"]["profile"] == "us"
    assert haiku["global_profile"]["profile"] == "global"
    assert "batch" not in haiku  # not in the Price List responses: not offered


def test_the_summary_says_what_changed_and_what_was_kept() -> None:
    result = rebuilt()
    assert "eu-west-1 lambda.gb_second_arm64: 0.0000133334 -> 0.0000133335" in result.changed
    assert any(c.startswith("eu-west-1 apigateway.rest_requests") for c in result.changed) is False
    # Models without any token price in the Price List keep their offers, and say so
    assert "model gpt_oss_20b (no token price in the Price List)" in result.kept_unpriced
    raw = result.catalogue
    assert raw["models"]["gpt_oss_20b"] == read_catalogue().raw["models"]["gpt_oss_20b"]
    # Regions not asked for keep their prices
    assert raw["regions"]["ap-northeast-1"] == read_catalogue().raw["regions"]["ap-northeast-1"]
    # Offers the Price List no longer has are reported as removed
    assert "nova_micro ap-northeast-1 on_demand" in result.removed
    assert result.conflicts == []
    assert validate_catalogue(json.loads(json.dumps(raw))) == []


def test_conversions_are_exact() -> None:
    assert refresh.per_1k_tokens("Units", Decimal("0.0000030000")) == Decimal("0.003")
    assert refresh.per_1k_tokens("1M tokens", Decimal("0.035")) == Decimal("0.000035")
    assert refresh.per_1k_tokens("1K tokens", Decimal("0.00025")) == Decimal("0.00025")
    assert refresh.per_million_requests("Requests", Decimal("0.0000004")) == Decimal("0.4")
    with pytest.raises(ValueError, match="unknown token price unit"):
        refresh.per_1k_tokens("Images", Decimal(1))


def test_conflicting_prices_fail_without_writing(tmp_path: Path) -> None:
    pages = json.loads(json.dumps(RESPONSES))
    # A second, different price for Lambda requests in us-east-1
    page = pages["AWSLambda us-east-1"][0]
    product = json.loads(page["PriceList"][0])
    product["product"]["sku"] = "DIFFERENT"
    term = next(iter(product["terms"]["OnDemand"].values()))
    next(iter(term["priceDimensions"].values()))["pricePerUnit"]["USD"] = "0.0000002500"
    page["PriceList"].append(json.dumps(product))
    out = tmp_path / "catalogue.json"
    code = refresh.main(
        ["--out", str(out), *[a for r in REGIONS for a in ("--region", r)]],
        client_factory=lambda: stubbed_client(responses=pages),
    )
    assert code == 1
    assert not out.exists()


def test_main_writes_a_catalogue_that_validates_and_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "catalogue.json"
    code = refresh.main(
        ["--out", str(out), *[a for r in REGIONS for a in ("--region", r)]], client_factory=stubbed_client
    )
    assert code == 0
    written = read_catalogue(out)  # validates
    assert (
        written.raw["models"]["nova_micro"]["offers"]["us-east-1"]["on_demand"]["basis"] == "price_list_api"
    )
    assert "price(s) unchanged" in capsys.readouterr().out
    # The shipped file is untouched
    assert read_catalogue(CATALOGUE_PATH).raw["generated_on"] == "2026-12-01"


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "catalogue.json"
    target.write_text(CATALOGUE_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    before = target.read_bytes()
    args = ["--catalogue", str(target), "--dry-run", *[a for r in REGIONS for a in ("--region", r)]]
    assert refresh.main(args, client_factory=stubbed_client) == 0
    assert target.read_bytes() == before
