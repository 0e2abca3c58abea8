"""Rebuild the price catalogue from the AWS Price List Query API (``pricing:GetProducts``).

``python -m mockupaws.pricing.refresh`` (or ``make prices``) reads the current catalogue, asks the
Price List Query API for the products of Amazon Bedrock (service codes ``AmazonBedrock`` and
``AmazonBedrockFoundationModels``), AWS Lambda, Amazon SQS and Amazon API Gateway in each of the
catalogue's regions, and writes the same file with the prices it found: each such price gets
``basis: price_list_api``, the source ``price_list_api`` and today's date. It needs AWS credentials
allowed ``pricing:GetProducts`` (the API is public pricing data, served from us-east-1).

What it keeps from the current file, because the Price List does not carry it: the model list (keys,
names, Bedrock model ids, lifecycle) and the inference-profile names. A model the API returned no
token price for keeps its current offers, and a region tier the API did not price keeps its current
price; both are listed in the summary, so nothing silently disappears. Two products giving different
prices for the same key make the run fail without writing.

How a Price List product is read (the rules the tests pin down):

- Lambda: ``group`` ``AWS-Lambda-Requests[-ARM]`` (per request) and ``AWS-Lambda-Duration[-ARM]`` (per
  GB-second), first tier (``beginRange`` 0); requests are the same price for both architectures.
- SQS: ``queueType`` Standard / FIFO, first priced tier of the request usage type.
- API Gateway: usage type ``...ApiGatewayRequest`` (REST) and ``...ApiGatewayHttpRequest`` (HTTP),
  first tier.
- Bedrock: the model is the product's ``model`` attribute (``AmazonBedrock``) or ``servicename`` without
  "(Amazon Bedrock Edition)" (``AmazonBedrockFoundationModels``), matched, ignoring case and anything
  but letters and digits, against the catalogue model's ``price_list_names`` (default: its ``name``).
  The usage type (with ``inferenceType``) says input or output tokens and the way: ``batch`` ->
  batch, ``global`` -> global profile, ``cross-region``/``cris``/``geo`` -> geographic profile,
  otherwise on-demand in-region. Cache, long-context, provisioned, priority/flex tiers are skipped.
  Prices per token, per 1K or per 1M tokens are converted exactly to per 1K tokens.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Protocol

from mockupaws.pricing.catalogue import (
    CATALOGUE_PATH,
    INFERENCE_WAYS,
    Catalogue,
    CatalogueError,
    read_catalogue,
    validate_catalogue,
)
from mockupaws.pricing.prices import UNIT_PER_1K_TOKENS, UNIT_PER_GB_SECOND, UNIT_PER_MILLION_REQUESTS


class PricingClient(Protocol):
    """The one call of boto3's ``pricing`` client used here (a Stubber-wrapped client in tests)."""

    def get_products(self, **kwargs: Any) -> Mapping[str, Any]: ...


__all__ = ["BEDROCK_SERVICE_CODES", "RefreshResult", "fetch_products", "main", "rebuild", "refresh"]

BEDROCK_SERVICE_CODES: Final = ("AmazonBedrock", "AmazonBedrockFoundationModels")
SERVICE_CODES: Final = (*BEDROCK_SERVICE_CODES, "AWSLambda", "AWSQueueService", "AmazonApiGateway")
PRICE_LIST_URL: Final = "https://pricing.us-east-1.amazonaws.com"
_MILLION: Final = Decimal(1_000_000)
_THOUSAND: Final = Decimal(1_000)
_SKIP_BEDROCK: Final = (
    "cache",
    "provisioned",
    "customization",
    "training",
    "storage",
    "lctx",
    "long-context",
    "longcontext",
    "flex",
    "priority",
    "reserved",
    "latency",
    "image",
    "video",
    "audio",
    "search",
)

Product = Mapping[str, Any]


# --------------------------------------------------------------------------------------------
# Reading Price List products (pure)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dimension:
    """One on-demand price dimension of a product."""

    unit: str
    price: Decimal
    begin: Decimal


def dimensions(product: Product) -> list[Dimension]:
    """The product's on-demand USD price dimensions, by increasing ``beginRange``."""
    found: list[Dimension] = []
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is None:
                continue
            found.append(
                Dimension(
                    unit=str(dim.get("unit", "")),
                    price=Decimal(usd),
                    begin=Decimal(dim.get("beginRange", "0")),
                )
            )
    return sorted(found, key=lambda d: d.begin)


def first_priced(product: Product) -> Dimension | None:
    """The first tier with a price above zero (a free first tier is the free tier, not the price)."""
    return next((d for d in dimensions(product) if d.price > 0), None)


def _attrs(product: Product) -> Mapping[str, str]:
    attrs: Mapping[str, str] = product.get("product", {}).get("attributes", {})
    return attrs


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def per_1k_tokens(unit: str, price: Decimal) -> Decimal:
    """A token price in the Price List's unit converted exactly to USD per 1,000 tokens."""
    u = unit.lower().replace(" ", "")
    if "1m" in u or "million" in u:
        return price / _THOUSAND
    if "1k" in u or "thousand" in u:
        return price
    if "token" in u or "unit" in u:
        return price * _THOUSAND
    raise ValueError(f"unknown token price unit {unit!r}")


def per_million_requests(unit: str, price: Decimal) -> Decimal:
    u = unit.lower()
    if "million" in u or "1m" in u.replace(" ", ""):
        return price
    if "request" in u or "call" in u:
        return price * _MILLION
    raise ValueError(f"unknown request price unit {unit!r}")


def classify_region_tier(service_code: str, product: Product) -> tuple[str, str] | None:
    """``(service, tier)`` of the catalogue that a Lambda / SQS / API Gateway product prices, or None."""
    a = _attrs(product)
    usage = a.get("usagetype", "")
    group = a.get("group", "")
    if service_code == "AWSLambda":
        return {
            "AWS-Lambda-Requests": ("lambda", "requests"),
            "AWS-Lambda-Duration": ("lambda", "gb_second_x86_64"),
            "AWS-Lambda-Duration-ARM": ("lambda", "gb_second_arm64"),
        }.get(group)
    if service_code == "AWSQueueService":
        if "request" not in usage.lower():
            return None
        queue = a.get("queueType", "").lower()
        if queue.startswith("standard"):
            return ("sqs", "standard")
        if queue.startswith("fifo"):
            return ("sqs", "fifo")
        return None
    if service_code == "AmazonApiGateway":
        if usage.endswith("ApiGatewayHttpRequest"):
            return ("apigateway", "http_requests")
        if usage.endswith("ApiGatewayRequest"):
            return ("apigateway", "rest_requests")
        return None
    return None


def classify_bedrock(product: Product) -> tuple[str, str, str] | None:
    """``(price-list model name, way, direction)`` of a Bedrock token price, or None to skip."""
    a = _attrs(product)
    name = a.get("model") or a.get("servicename", "")
    name = re.sub(r"\s*\(?amazon bedrock( edition)?\)?\s*$", "", name, flags=re.IGNORECASE).strip()
    text = " ".join((a.get("usagetype", ""), a.get("inferenceType", ""), a.get("feature", ""))).lower()
    if not name or any(s in text for s in _SKIP_BEDROCK):
        return None
    if "input" in text:
        direction = "input"
    elif "output" in text:
        direction = "output"
    else:
        return None
    if "batch" in text:
        way = "batch"
    elif "global" in text:
        way = "global_profile"
    elif any(s in text for s in ("cross-region", "crossregion", "cris", "geo")):
        way = "geo_profile"
    else:
        way = "on_demand"
    return name, way, direction


# --------------------------------------------------------------------------------------------
# Rebuilding the catalogue (pure)
# --------------------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    """The rebuilt catalogue and what happened to each price."""

    catalogue: dict[str, Any]
    changed: list[str] = field(default_factory=list)  # "key: old -> new"
    unchanged: int = 0
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept_unpriced: list[str] = field(default_factory=list)  # in the file, not in the API: kept
    conflicts: list[str] = field(default_factory=list)

    def summary(self) -> str:
        lines = [
            f"{self.unchanged} price(s) unchanged, {len(self.changed)} changed, {len(self.added)} added, "
            f"{len(self.removed)} removed; {len(self.kept_unpriced)} kept (not in the Price List)"
        ]
        lines += [f"  changed  {c}" for c in self.changed]
        lines += [f"  added    {c}" for c in self.added]
        lines += [f"  removed  {c}" for c in self.removed]
        lines += [f"  kept     {c}" for c in self.kept_unpriced]
        lines += [f"  CONFLICT {c}" for c in self.conflicts]
        return "\n".join(lines)


def _geo_profile(region: str, previous: Mapping[str, Any] | None) -> str:
    if previous and previous.get("profile"):
        return str(previous["profile"])
    return {"us": "us", "eu": "eu", "ap": "apac", "ca": "ca", "sa": "sa"}.get(
        region.split("-")[0], region.split("-")[0]
    )


def rebuild(current: Catalogue, products: Mapping[str, Iterable[Product]], today: date) -> RefreshResult:
    """The catalogue ``current`` with the prices found in ``products`` (service code -> products)."""
    raw: dict[str, Any] = copy.deepcopy(dict(current.raw))
    result = RefreshResult(catalogue=raw)
    stamp = {"source": "price_list_api", "read_on": today.isoformat(), "basis": "price_list_api"}
    regions = set(raw["regions"])

    # Region tiers (SQS, Lambda, API Gateway), per request converted to per million.
    found_tiers: dict[tuple[str, str, str], Decimal] = {}
    for code in ("AWSLambda", "AWSQueueService", "AmazonApiGateway"):
        for product in products.get(code, ()):
            key = classify_region_tier(code, product)
            region = _attrs(product).get("regionCode", "")
            dim = first_priced(product)
            if key is None or region not in regions or dim is None:
                continue
            service, tier = key
            price = dim.price if tier.startswith("gb_second") else per_million_requests(dim.unit, dim.price)
            k = (region, service, tier)
            if k in found_tiers and found_tiers[k] != price:
                result.conflicts.append(f"{region} {service}.{tier}: {found_tiers[k]} vs {price}")
            found_tiers[k] = price
    for region in sorted(regions):
        for service, tiers in raw["regions"][region].items():
            for tier, tier_entry in tiers.items():
                label = f"{region} {service}.{tier}"
                new = found_tiers.get((region, service, tier))
                if new is None:
                    result.kept_unpriced.append(label)
                    continue
                old = Decimal(tier_entry["price"])
                if old == new:
                    result.unchanged += 1
                else:
                    result.changed.append(f"{label}: {old} -> {new}")
                unit = UNIT_PER_GB_SECOND if tier.startswith("gb_second") else UNIT_PER_MILLION_REQUESTS
                tiers[tier] = {"price": _plain(new), "unit": unit, **stamp}

    # Bedrock token prices, per model.
    by_name: dict[str, str] = {}
    for model, info in raw["models"].items():
        names = info.get("price_list_names") or [
            info["name"],
            _without_provider(info["name"], info["provider"]),
        ]
        for name in names:
            by_name[_norm(name)] = model
    found: dict[str, dict[str, dict[str, dict[str, Decimal]]]] = {}
    for code in BEDROCK_SERVICE_CODES:
        for product in products.get(code, ()):
            got = classify_bedrock(product)
            region = _attrs(product).get("regionCode", "")
            dim = first_priced(product)
            if got is None or region not in regions or dim is None:
                continue
            name, way, direction = got
            model = by_name.get(_norm(name))
            if model is None:
                continue
            price = per_1k_tokens(dim.unit, dim.price)
            slot = found.setdefault(model, {}).setdefault(region, {}).setdefault(way, {})
            if direction in slot and slot[direction] != price:
                result.conflicts.append(f"{model} {region} {way} {direction}: {slot[direction]} vs {price}")
            slot[direction] = price
    for model, info in sorted(raw["models"].items()):
        if model not in found:
            result.kept_unpriced.append(f"model {model} (no token price in the Price List)")
            continue
        old_offers: dict[str, Any] = info["offers"]
        new_offers: dict[str, Any] = {}
        for region, ways in sorted(found[model].items()):
            for way in INFERENCE_WAYS:
                prices = ways.get(way, {})
                if "input" not in prices or ("output" not in prices and info["kind"] != "embedding"):
                    continue
                previous = old_offers.get(region, {}).get(way)
                entry: dict[str, Any] = {
                    "input": _plain(prices["input"]),
                    "output": _plain(prices.get("output", Decimal(0))),
                    "unit": UNIT_PER_1K_TOKENS,
                    **stamp,
                }
                if way == "geo_profile":
                    entry["profile"] = _geo_profile(region, previous)
                elif way == "global_profile":
                    entry["profile"] = "global"
                new_offers.setdefault(region, {})[way] = entry
                label = f"{model} {region} {way}"
                if previous is None:
                    result.added.append(f"{label}: {entry['input']} / {entry['output']}")
                elif (Decimal(previous["input"]), Decimal(previous["output"])) == (
                    Decimal(entry["input"]),
                    Decimal(entry["output"]),
                ):
                    result.unchanged += 1
                else:
                    result.changed.append(
                        f"{label}: {previous['input']} / {previous['output']} -> "
                        f"{entry['input']} / {entry['output']}"
                    )
        for region, ways in old_offers.items():
            for way in ways:
                if way not in new_offers.get(region, {}):
                    result.removed.append(f"{model} {region} {way}")
        info["offers"] = new_offers
    raw["generated_on"] = today.isoformat()
    raw["generated_by"] = (
        "python -m mockupaws.pricing.refresh (AWS Price List Query API) over the previous file"
    )
    raw["sources"]["price_list_api"] = {
        "url": PRICE_LIST_URL,
        "what": "AWS Price List Query API, GetProducts for " + ", ".join(SERVICE_CODES),
        "read_on": today.isoformat(),
    }
    return result


def _without_provider(name: str, provider: str) -> str:
    """ "Amazon Nova Micro" -> "Nova Micro" (the Price List names Amazon's models without "Amazon")."""
    first = provider.split()[0]
    return name[len(first) :].strip() if name.startswith(first + " ") else name


def _plain(d: Decimal) -> str:
    """An exact decimal string without exponent or trailing zeros ("0.0000166667", "3.5", "0")."""
    text = format(d.normalize(), "f")
    return text


# --------------------------------------------------------------------------------------------
# Talking to the API
# --------------------------------------------------------------------------------------------


def fetch_products(client: PricingClient, service_code: str, region: str) -> Iterator[Product]:
    """Every product of ``service_code`` in ``region`` (``regionCode`` filter), following NextToken."""
    token: str | None = None
    while True:
        params: dict[str, Any] = {
            "ServiceCode": service_code,
            "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
            "FormatVersion": "aws_v1",
            "MaxResults": 100,
        }
        if token:
            params["NextToken"] = token
        page = client.get_products(**params)
        for item in page.get("PriceList", []):
            yield json.loads(item) if isinstance(item, str) else item
        token = page.get("NextToken")
        if not token:
            return


def refresh(
    client: PricingClient, current: Catalogue, today: date, *, regions: Iterable[str] | None = None
) -> RefreshResult:
    """Fetch every service's products for the catalogue's regions and rebuild the catalogue."""
    wanted = sorted(regions) if regions is not None else current.regions
    products: dict[str, list[Product]] = {}
    for code in SERVICE_CODES:
        for region in wanted:
            products.setdefault(code, []).extend(fetch_products(client, code, region))
    return rebuild(current, products, today)


def write_catalogue(raw: Mapping[str, Any], path: Path) -> None:
    """Validate, then write the catalogue as the repository keeps it (indent 1, a final newline)."""
    problems = validate_catalogue(json.loads(json.dumps(raw)))
    if problems:
        raise CatalogueError(problems)
    path.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _boto3_client() -> PricingClient:
    """The Price List Query API client (served from us-east-1; credentials from the usual chain)."""
    import boto3

    client: PricingClient = boto3.client("pricing", region_name="us-east-1")
    return client


def main(argv: list[str] | None = None, *, client_factory: Callable[[], PricingClient] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mockupaws.pricing.refresh", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--catalogue", type=Path, default=CATALOGUE_PATH, help="the file to read and rewrite")
    parser.add_argument("--out", type=Path, default=None, help="write here instead of over --catalogue")
    parser.add_argument("--region", action="append", dest="regions", help="only these regions (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="print what would change, write nothing")
    args = parser.parse_args(argv)
    current = read_catalogue(args.catalogue)
    client = client_factory() if client_factory is not None else _boto3_client()
    result = refresh(client, current, date.today(), regions=args.regions)
    print(result.summary())
    if result.conflicts:
        print("not written: the Price List gave conflicting prices (above)", file=sys.stderr)
        return 1
    if not args.dry_run:
        out = args.out or args.catalogue
        write_catalogue(result.catalogue, out)
        print(f"wrote {out}; now regenerate docs/costs.md#models: python -m mockupaws.pricing.catalogue")
    return 0


if __name__ == "__main__":
    sys.exit(main())
