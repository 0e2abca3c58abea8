"""Writes get_products.json (next to this file): GetProducts responses in the Price List format, for
tests/unit/test_price_refresh.py. Needs only the standard library."""

import json
from pathlib import Path
from typing import Any


def product(
    code: str,
    sku: str,
    family: str,
    attrs: dict[str, str],
    dims: list[tuple[str, str, str, str, str]],
    effective: str = "2026-11-01T00:00:00Z",
) -> str:
    term = "JRTCKXETXF"
    pd = {}
    for i, (unit, usd, begin, end, desc) in enumerate(dims):
        rate = f"{sku}.{term}.{['6YS6EN2CT7', '3MKNJRS7HA', 'WR7ZDBEJHA'][i]}"
        pd[rate] = {
            "unit": unit,
            "endRange": end,
            "description": desc,
            "appliesTo": [],
            "rateCode": rate,
            "beginRange": begin,
            "pricePerUnit": {"USD": usd},
        }
    return json.dumps(
        {
            "product": {"productFamily": family, "attributes": {"servicecode": code, **attrs}, "sku": sku},
            "serviceCode": code,
            "terms": {
                "OnDemand": {
                    f"{sku}.{term}": {
                        "priceDimensions": pd,
                        "sku": sku,
                        "effectiveDate": effective,
                        "offerTermCode": term,
                        "termAttributes": {},
                    }
                }
            },
            "version": "20261101000000",
            "publicationDate": "2026-11-01T00:00:00Z",
        }
    )


REG = {"us-east-1": ("USE1", "US East (N. Virginia)"), "eu-west-1": ("EU", "EU (Ireland)")}
pages: dict[str, list[dict[str, Any]]] = {}


def add(code: str, region: str, items: list[str], split: bool = False) -> None:
    if split and len(items) > 1:
        pages[f"{code} {region}"] = [
            {"FormatVersion": "aws_v1", "PriceList": items[:1], "NextToken": f"{code}-{region}-page-2"},
            {"FormatVersion": "aws_v1", "PriceList": items[1:]},
        ]
    else:
        pages[f"{code} {region}"] = [{"FormatVersion": "aws_v1", "PriceList": items}]


n = 0


def sku() -> str:
    global n
    n += 1
    return f"SKU{n:013d}"


for region, (pfx, loc) in REG.items():
    base = {"location": loc, "locationType": "AWS Region", "regionCode": region}
    lam = [
        product(
            "AWSLambda",
            sku(),
            "Serverless",
            {
                **base,
                "group": "AWS-Lambda-Requests",
                "usagetype": f"{pfx}-Request",
                "groupDescription": "Invocation call for a Lambda function",
            },
            [("Requests", "0.0000002000", "0", "Inf", "AWS Lambda - Total Requests - " + loc)],
        ),
        product(
            "AWSLambda",
            sku(),
            "Serverless",
            {**base, "group": "AWS-Lambda-Requests-ARM", "usagetype": f"{pfx}-Request-ARM"},
            [("Requests", "0.0000002000", "0", "Inf", "AWS Lambda - Total Requests - ARM")],
        ),
        product(
            "AWSLambda",
            sku(),
            "Serverless",
            {**base, "group": "AWS-Lambda-Duration", "usagetype": f"{pfx}-Lambda-GB-Second"},
            [
                (
                    "Lambda-GB-Second",
                    "0.0000166667",
                    "0",
                    "6000000000",
                    "AWS Lambda - Total Compute - Tier 1",
                ),
                ("Lambda-GB-Second", "0.0000150000", "6000000000", "15000000000", "Tier 2"),
                ("Lambda-GB-Second", "0.0000133334", "15000000000", "Inf", "Tier 3"),
            ],
        ),
        product(
            "AWSLambda",
            sku(),
            "Serverless",
            {**base, "group": "AWS-Lambda-Duration-ARM", "usagetype": f"{pfx}-Lambda-GB-Second-ARM"},
            [
                (
                    "Lambda-GB-Second",
                    "0.0000133334" if region == "us-east-1" else "0.0000133335",
                    "0",
                    "7500000000",
                    "Tier 1",
                ),
                ("Lambda-GB-Second", "0.0000120001", "7500000000", "Inf", "Tier 2"),
            ],
        ),
        product(
            "AWSLambda",
            sku(),
            "Serverless",
            {
                **base,
                "group": "AWS-Lambda-Provisioned-Concurrency",
                "usagetype": f"{pfx}-Lambda-Provisioned-Concurrency",
            },
            [("Lambda-GB-Second", "0.0000041667", "0", "Inf", "Provisioned concurrency")],
        ),
    ]
    add("AWSLambda", region, lam, split=True)
    add(
        "AWSQueueService",
        region,
        [
            product(
                "AWSQueueService",
                sku(),
                "API Request",
                {
                    **base,
                    "queueType": "Standard",
                    "group": "SQS-APIRequest-Tier1",
                    "usagetype": f"{pfx}-Requests-Tier1",
                },
                [
                    ("Requests", "0.0000000000", "0", "1000000", "First 1 million free"),
                    ("Requests", "0.0000004000", "1000000", "100000000000", "$0.40 per million"),
                    ("Requests", "0.0000003000", "100000000000", "Inf", "$0.30 per million"),
                ],
            ),
            product(
                "AWSQueueService",
                sku(),
                "API Request",
                {
                    **base,
                    "queueType": "FIFO (first-in, first-out)",
                    "group": "SQS-APIRequest-Tier1",
                    "usagetype": f"{pfx}-Requests-FIFO-Tier1",
                },
                [("Requests", "0.0000005000", "0", "100000000000", "$0.50 per million FIFO")],
            ),
            product(
                "AWSQueueService",
                sku(),
                "Data Transfer",
                {**base, "usagetype": f"{pfx}-DataTransfer-Out-Bytes"},
                [("GB", "0.0900000000", "0", "Inf", "data transfer")],
            ),
        ],
    )
    add(
        "AmazonApiGateway",
        region,
        [
            product(
                "AmazonApiGateway",
                sku(),
                "API Calls",
                {**base, "operation": "ApiGatewayRequest", "usagetype": f"{pfx}-ApiGatewayRequest"},
                [
                    ("Requests", "0.0000035000", "0", "333000000", "REST first 333M"),
                    ("Requests", "0.0000028000", "333000000", "1000000000", "next 667M"),
                ],
            ),
            product(
                "AmazonApiGateway",
                sku(),
                "API Calls",
                {**base, "operation": "ApiGatewayHttpApi", "usagetype": f"{pfx}-ApiGatewayHttpRequest"},
                [
                    (
                        "Requests",
                        "0.0000010000" if region == "us-east-1" else "0.0000011100",
                        "0",
                        "300000000",
                        "HTTP first 300M",
                    )
                ],
            ),
            product(
                "AmazonApiGateway",
                sku(),
                "WebSocket",
                {**base, "operation": "ApiGatewayWebSocket", "usagetype": f"{pfx}-ApiGatewayMessage"},
                [("Messages", "0.0000010000", "0", "Inf", "WebSocket messages")],
            ),
        ],
    )
    # Amazon's own models (service code AmazonBedrock): per 1K tokens.
    nova = {"us-east-1": ("0.000035", "0.00014"), "eu-west-1": None}[region]
    items = []
    if nova:
        items += [
            product(
                "AmazonBedrock",
                sku(),
                "Amazon Bedrock",
                {
                    **base,
                    "model": "Nova Micro",
                    "usagetype": f"{pfx}-NovaMicro-input-tokens",
                    "inferenceType": "Input tokens",
                    "feature": "On-demand Inference",
                },
                [("1K tokens", nova[0], "0", "Inf", "Nova Micro input tokens")],
            ),
            product(
                "AmazonBedrock",
                sku(),
                "Amazon Bedrock",
                {
                    **base,
                    "model": "Nova Micro",
                    "usagetype": f"{pfx}-NovaMicro-output-tokens",
                    "inferenceType": "Output tokens",
                    "feature": "On-demand Inference",
                },
                [("1K tokens", nova[1], "0", "Inf", "Nova Micro output tokens")],
            ),
            product(
                "AmazonBedrock",
                sku(),
                "Amazon Bedrock",
                {
                    **base,
                    "model": "Nova Micro",
                    "usagetype": f"{pfx}-NovaMicro-input-tokens-batch",
                    "inferenceType": "Input tokens",
                    "feature": "Batch Inference",
                },
                [("1K tokens", "0.0000175", "0", "Inf", "batch input")],
            ),
            product(
                "AmazonBedrock",
                sku(),
                "Amazon Bedrock",
                {
                    **base,
                    "model": "Nova Micro",
                    "usagetype": f"{pfx}-NovaMicro-output-tokens-batch",
                    "inferenceType": "Output tokens",
                    "feature": "Batch Inference",
                },
                [("1K tokens", "0.00007", "0", "Inf", "batch output")],
            ),
            product(
                "AmazonBedrock",
                sku(),
                "Amazon Bedrock",
                {
                    **base,
                    "model": "Nova Micro",
                    "usagetype": f"{pfx}-NovaMicro-cache-read-input-tokens",
                    "inferenceType": "Cache read input tokens",
                },
                [("1K tokens", "0.00000875", "0", "Inf", "cache read")],
            ),
        ]
    else:
        items += [
            product(
                "AmazonBedrock",
                sku(),
                "Amazon Bedrock",
                {
                    **base,
                    "model": "Nova Micro",
                    "usagetype": f"{pfx}-NovaMicro-input-tokens-cross-region",
                    "inferenceType": "Input tokens",
                    "feature": "Cross-region Inference",
                },
                [("1K tokens", "0.000046", "0", "Inf", "eu profile input")],
            ),
            product(
                "AmazonBedrock",
                sku(),
                "Amazon Bedrock",
                {
                    **base,
                    "model": "Nova Micro",
                    "usagetype": f"{pfx}-NovaMicro-output-tokens-cross-region",
                    "inferenceType": "Output tokens",
                    "feature": "Cross-region Inference",
                },
                [("1K tokens", "0.000184", "0", "Inf", "eu profile output")],
            ),
        ]
    items.append(
        product(
            "AmazonBedrock",
            sku(),
            "Amazon Bedrock",
            {**base, "model": "Titan Image Generator G1", "usagetype": f"{pfx}-TitanImageGenerator-image"},
            [("Images", "0.01", "0", "Inf", "image")],
        )
    )
    add("AmazonBedrock", region, items, split=True)
    # Third-party models (service code AmazonBedrockFoundationModels): per token ("Units").
    mp = []
    for suffix, way_text, inp, out in [
        ("", "", "0.0000010000", "0.0000050000"),
        ("_Global", "global", "0.0000010000", "0.0000050000"),
        ("_Cross-Region", "cross-region", "0.0000011000", "0.0000055000"),
    ]:
        mp += [
            product(
                "AmazonBedrockFoundationModels",
                sku(),
                "Amazon Bedrock Foundation Models",
                {
                    **base,
                    "servicename": "Claude Haiku 4.5 (Amazon Bedrock Edition)",
                    "usagetype": f"{pfx}-MP:{pfx}_InputTokenCount{suffix}-Units",
                },
                [("Units", inp, "0", "Inf", f"Claude Haiku 4.5 input tokens {way_text}")],
            ),
            product(
                "AmazonBedrockFoundationModels",
                sku(),
                "Amazon Bedrock Foundation Models",
                {
                    **base,
                    "servicename": "Claude Haiku 4.5 (Amazon Bedrock Edition)",
                    "usagetype": f"{pfx}-MP:{pfx}_OutputTokenCount{suffix}-Units",
                },
                [("Units", out, "0", "Inf", f"Claude Haiku 4.5 output tokens {way_text}")],
            ),
        ]
    mp.append(
        product(
            "AmazonBedrockFoundationModels",
            sku(),
            "Amazon Bedrock Foundation Models",
            {
                **base,
                "servicename": "Claude Haiku 4.5 (Amazon Bedrock Edition)",
                "usagetype": f"{pfx}-MP:{pfx}_CacheReadInputTokenCount-Units",
            },
            [("Units", "0.0000001000", "0", "Inf", "cache read")],
        )
    )
    add("AmazonBedrockFoundationModels", region, mp)

HOW = (
    "hand-built in the AWS Price List Query API GetProducts format (FormatVersion aws_v1: PriceList entries "
    "are JSON strings with product.attributes and terms.OnDemand.*.priceDimensions.*.pricePerUnit.USD); "
    "attribute names and values modelled on the published Price List; not recorded from AWS (no "
    "credentials on the build machine). Regenerate with: python tests/data/price_list/build.py"
)
with open(Path(__file__).with_name("get_products.json"), "w", encoding="utf-8") as target:
    json.dump({"_how": HOW, "responses": pages}, target, indent=1)
    target.write("\n")
print(len(pages))
