"""The price catalogue: versioned data (``catalogue.json`` next to this module), read and checked here.

Pure code: no database, no network. :func:`read_catalogue` parses and validates the file;
:func:`price_rows` flattens it into the rows of ``aws_pricing`` (one per service, region and tier) and
:func:`model_rows` into the rows of ``bedrock_models``. The store loads both (``store.catalogue``).

The file's shape (``schema`` 1), money as exact decimal strings, never floats:

- ``regions.<region>.{sqs,lambda,apigateway}.<tier>``: ``{price, unit, source, read_on, basis}``
- ``models.<model>``: name, provider, kind (``text`` | ``embedding``), Bedrock ``model_id``,
  ``lifecycle`` ``{state: active|legacy|retired, legacy_on, eol_on, extended_access, source, basis}``
  and ``offers.<region>.<way>``: ``{input, output, unit: per_1k_tokens, source, read_on, basis,
  profile?}`` with ``way`` one of :data:`INFERENCE_WAYS`. A way missing from a region's offers means the
  model is not offered that way there; a region missing means not offered there at all.
- ``sources.<key>``: ``{url, what, read_on}``; every price's ``source`` names one of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Final, Literal

from mockupaws.pricing.prices import (
    INFERENCE_ORDER,
    LIFECYCLE_STATES,
    UNIT_PER_1K_TOKENS,
    UNIT_PER_GB_SECOND,
    UNIT_PER_MILLION_REQUESTS,
    LifecycleState,
    bedrock_tier,
)
from mockupaws.scenarios.models import BedrockInference

__all__ = [
    "CATALOGUE_PATH",
    "INFERENCE_WAYS",
    "LIFECYCLE_STATES",
    "Catalogue",
    "CatalogueError",
    "InferenceWay",
    "LifecycleState",
    "ModelRow",
    "PriceRow",
    "bedrock_tier",
    "model_rows",
    "parse_catalogue",
    "price_rows",
    "read_catalogue",
    "validate_catalogue",
]

CATALOGUE_PATH: Final = Path(__file__).resolve().parent / "catalogue.json"

InferenceWay = BedrockInference
INFERENCE_WAYS: Final[tuple[InferenceWay, ...]] = INFERENCE_ORDER
MODEL_KINDS: Final = ("text", "embedding")
BASES: Final = ("aws_page", "aws_page+litellm", "litellm", "unconfirmed", "price_list_api")


# The tiers every region must price, with their unit.
REGION_TIERS: Final[Mapping[str, Mapping[str, str]]] = {
    "sqs": {"standard": UNIT_PER_MILLION_REQUESTS, "fifo": UNIT_PER_MILLION_REQUESTS},
    "lambda": {
        "requests": UNIT_PER_MILLION_REQUESTS,
        "gb_second_x86_64": UNIT_PER_GB_SECOND,
        "gb_second_arm64": UNIT_PER_GB_SECOND,
    },
    "apigateway": {"rest_requests": UNIT_PER_MILLION_REQUESTS, "http_requests": UNIT_PER_MILLION_REQUESTS},
}


class CatalogueError(ValueError):
    """The catalogue file is malformed; ``problems`` lists every problem found (not just the first)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the price catalogue: " + "; ".join(problems[:20]))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class PriceRow:
    """One price as ``aws_pricing`` stores it."""

    service: str
    region: str
    tier: str
    price: Decimal
    unit: str
    source: str  # the URL of the page (or API) it was read from
    read_on: date
    basis: str


@dataclass(frozen=True, slots=True)
class ModelRow:
    """One Bedrock model as ``bedrock_models`` stores it."""

    model: str
    name: str
    provider: str
    kind: str
    model_id: str
    lifecycle: LifecycleState
    legacy_on: date | None
    eol_on: date | None
    extended_access: bool
    notes: str
    source: str


@dataclass(frozen=True, slots=True)
class Catalogue:
    """A validated catalogue: the parsed file (``raw``) and what it flattens to."""

    raw: Mapping[str, Any]

    @property
    def regions(self) -> list[str]:
        return sorted(self.raw["regions"])

    @property
    def models(self) -> list[str]:
        return sorted(self.raw["models"])

    @property
    def default_model(self) -> str:
        return str(self.raw["default_model"])

    def ways(self, model: str, region: str) -> list[InferenceWay]:
        """The ways ``model`` is offered in ``region``, in :data:`INFERENCE_WAYS` order."""
        offers = self.raw["models"].get(model, {}).get("offers", {}).get(region, {})
        return [w for w in INFERENCE_WAYS if w in offers]


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def _decimal(value: object) -> Decimal | None:
    if not isinstance(value, str):
        return None  # floats would already have lost exactness
    try:
        d = Decimal(value)
    except InvalidOperation:
        return None
    return d if d.is_finite() and d >= 0 else None


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _check_meta(
    where: str, entry: Mapping[str, Any], sources: Mapping[str, Any], problems: list[str]
) -> None:
    if entry.get("source") not in sources:
        problems.append(f"{where}: source {entry.get('source')!r} is not one of the catalogue's sources")
    if _date(entry.get("read_on")) is None:
        problems.append(f"{where}: read_on must be an ISO date, got {entry.get('read_on')!r}")
    if entry.get("basis") not in BASES:
        problems.append(f"{where}: basis must be one of {BASES}, got {entry.get('basis')!r}")


def validate_catalogue(raw: Any) -> list[str]:
    """Every problem of the parsed file ``raw`` (empty when it is valid).

    Checks: every region prices every SQS/Lambda/API Gateway tier once with the right unit; every
    model has a known kind and lifecycle, dates in order, and a price for input and output in every
    way it is offered in every region it is offered in; every price is a non-negative decimal
    string, in its unit, with a known source, the date it was read and its basis; geographic and
    global profiles name their profile; the default model exists and is active.
    """
    problems: list[str] = []
    if not isinstance(raw, dict) or raw.get("schema") != 1:
        return ['the catalogue must be a JSON object with "schema": 1']
    sources = raw.get("sources")
    if not isinstance(sources, dict) or not sources:
        problems.append("sources: missing")
        sources = {}
    for key, src in sources.items():
        if not isinstance(src, dict) or not str(src.get("url", "")).startswith("https://"):
            problems.append(f"sources.{key}: needs an https url")
        elif _date(src.get("read_on")) is None:
            problems.append(f"sources.{key}: read_on must be an ISO date")
    regions = raw.get("regions")
    if not isinstance(regions, dict) or not regions:
        return [*problems, "regions: missing"]
    for region, services in regions.items():
        for service, tiers in REGION_TIERS.items():
            got = services.get(service) if isinstance(services, dict) else None
            if not isinstance(got, dict):
                problems.append(f"regions.{region}.{service}: missing")
                continue
            for extra in sorted(set(got) - set(tiers)):
                problems.append(f"regions.{region}.{service}.{extra}: unknown tier")
            for tier, unit in tiers.items():
                where = f"regions.{region}.{service}.{tier}"
                entry = got.get(tier)
                if not isinstance(entry, dict):
                    problems.append(f"{where}: no price")
                    continue
                if _decimal(entry.get("price")) is None:
                    problems.append(f"{where}: price must be a non-negative decimal string")
                if entry.get("unit") != unit:
                    problems.append(f"{where}: unit must be {unit!r}, got {entry.get('unit')!r}")
                _check_meta(where, entry, sources, problems)
    models = raw.get("models")
    if not isinstance(models, dict) or not models:
        return [*problems, "models: missing"]
    for model, info in models.items():
        where = f"models.{model}"
        if not model.replace("_", "").isalnum() or not model.islower() or len(model) > 64:
            problems.append(f"{where}: a model key is lower-case letters, digits and _ (at most 64)")
        if not isinstance(info, dict):
            problems.append(f"{where}: must be an object")
            continue
        for field in ("name", "provider", "model_id"):
            if not isinstance(info.get(field), str) or not info[field]:
                problems.append(f"{where}.{field}: missing")
        if info.get("kind") not in MODEL_KINDS:
            problems.append(f"{where}.kind: must be one of {MODEL_KINDS}")
        life = info.get("lifecycle")
        if not isinstance(life, dict) or life.get("state") not in LIFECYCLE_STATES:
            problems.append(f"{where}.lifecycle.state: must be one of {LIFECYCLE_STATES}")
        else:
            legacy_on, eol_on = life.get("legacy_on"), life.get("eol_on")
            for name, value in (("legacy_on", legacy_on), ("eol_on", eol_on)):
                if value is not None and _date(value) is None:
                    problems.append(f"{where}.lifecycle.{name}: must be null or an ISO date")
            if life["state"] == "active" and (eol_on is not None or life.get("extended_access")):
                problems.append(f"{where}.lifecycle: an active model has no end of life or extended access")
            if life["state"] == "retired" and eol_on is None:
                problems.append(f"{where}.lifecycle: a retired model needs its eol_on date")
            if legacy_on and eol_on and (_date(legacy_on) or date.min) > (_date(eol_on) or date.max):
                problems.append(f"{where}.lifecycle: legacy_on is after eol_on")
            if life.get("source") not in sources:
                problems.append(f"{where}.lifecycle.source: not one of the catalogue's sources")
        offers = info.get("offers")
        if not isinstance(offers, dict) or not offers:
            problems.append(f"{where}.offers: a model must be offered (and priced) in at least one region")
            continue
        for region, ways in offers.items():
            if region not in regions:
                problems.append(f"{where}.offers.{region}: region has no SQS/Lambda prices in the catalogue")
            if not isinstance(ways, dict) or not ways:
                problems.append(f"{where}.offers.{region}: lists no way (omit the region instead)")
                continue
            for way, entry in ways.items():
                at = f"{where}.offers.{region}.{way}"
                if way not in INFERENCE_WAYS:
                    problems.append(f"{at}: unknown way (one of {INFERENCE_WAYS})")
                    continue
                if not isinstance(entry, dict):
                    problems.append(f"{at}: must be an object")
                    continue
                for direction in ("input", "output"):
                    if _decimal(entry.get(direction)) is None:
                        problems.append(
                            f"{at}.{direction}: offered without a price (non-negative decimal string)"
                        )
                if info.get("kind") == "text" and _decimal(entry.get("input")) == 0:
                    problems.append(f"{at}.input: a text model's input price cannot be 0")
                if info.get("kind") == "embedding" and _decimal(entry.get("output")) not in (
                    None,
                    Decimal(0),
                ):
                    problems.append(f"{at}.output: an embedding model bills no output tokens (0)")
                if entry.get("unit") != UNIT_PER_1K_TOKENS:
                    problems.append(f"{at}: unit must be {UNIT_PER_1K_TOKENS!r}")
                if way in ("geo_profile", "global_profile") and not entry.get("profile"):
                    problems.append(f"{at}: names no inference profile")
                if way == "global_profile" and entry.get("profile") != "global":
                    problems.append(f"{at}: the global profile is 'global'")
                _check_meta(at, entry, sources, problems)
    default = raw.get("default_model")
    if default not in models:
        problems.append(f"default_model {default!r} is not in the catalogue")
    elif models[default].get("lifecycle", {}).get("state") != "active":
        problems.append(f"default_model {default!r} is not active")
    return problems


def parse_catalogue(text: str) -> Catalogue:
    """Parse and validate the catalogue's JSON text (:class:`CatalogueError` listing every problem)."""
    try:
        raw = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise CatalogueError([f"not JSON: {exc}"]) from None
    problems = validate_catalogue(raw)
    if problems:
        raise CatalogueError(problems)
    return Catalogue(raw=raw)


def read_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    """Read and validate the catalogue file (by default the one shipped with the package)."""
    return parse_catalogue(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Flattening
# --------------------------------------------------------------------------------------------


def _source_url(catalogue: Catalogue, key: str) -> str:
    return str(catalogue.raw["sources"][key]["url"])


def price_rows(catalogue: Catalogue) -> Iterator[PriceRow]:
    """Every price of the catalogue as an ``aws_pricing`` row (keys are unique: validated)."""
    for region, services in sorted(catalogue.raw["regions"].items()):
        for service, tiers in REGION_TIERS.items():
            for tier in tiers:
                e = services[service][tier]
                yield PriceRow(
                    service=service,
                    region=region,
                    tier=tier,
                    price=Decimal(e["price"]),
                    unit=e["unit"],
                    source=_source_url(catalogue, e["source"]),
                    read_on=date.fromisoformat(e["read_on"]),
                    basis=e["basis"],
                )
    for model, info in sorted(catalogue.raw["models"].items()):
        for region, ways in sorted(info["offers"].items()):
            for way, e in sorted(ways.items()):
                directions: tuple[Literal["input", "output"], ...] = ("input", "output")
                for direction in directions:
                    yield PriceRow(
                        service="bedrock",
                        region=region,
                        tier=bedrock_tier(model, way, direction),
                        price=Decimal(e[direction]),
                        unit=e["unit"],
                        source=_source_url(catalogue, e["source"]),
                        read_on=date.fromisoformat(e["read_on"]),
                        basis=e["basis"],
                    )


def model_rows(catalogue: Catalogue) -> Iterator[ModelRow]:
    """Every model of the catalogue as a ``bedrock_models`` row."""
    for model, info in sorted(catalogue.raw["models"].items()):
        life = info["lifecycle"]
        notes = info.get("notes", "")
        yield ModelRow(
            model=model,
            name=info["name"],
            provider=info["provider"],
            kind=info["kind"],
            model_id=info["model_id"],
            lifecycle=life["state"],
            legacy_on=date.fromisoformat(life["legacy_on"]) if life.get("legacy_on") else None,
            eol_on=date.fromisoformat(life["eol_on"]) if life.get("eol_on") else None,
            extended_access=bool(life.get("extended_access")),
            notes=notes if isinstance(notes, str) else " ".join(notes),
            source=_source_url(catalogue, life["source"]),
        )


# --------------------------------------------------------------------------------------------
# The models table of docs/costs.md
# --------------------------------------------------------------------------------------------

_SHORT_WAY: Final[Mapping[str, str]] = {
    "on_demand": "in-region",
    "batch": "batch",
    "geo_profile": "geo",
    "global_profile": "global",
}


def models_table(catalogue: Catalogue, region: str = "us-east-1") -> str:
    """The Markdown table of docs/costs.md#models: each model's key, name, lifecycle, how many regions
    offer it each way, and its ``region`` price per **1M** tokens (the first way offered there).
    ``python -m mockupaws.pricing.catalogue`` prints it; a test keeps the docs equal to it."""
    lines = [
        f"| key | model | lifecycle | offered (regions per way) | {region} price per 1M tokens, in / out |",
        "|---|---|---|---|---|",
    ]
    for key, info in catalogue.raw["models"].items():
        life = info["lifecycle"]
        state = life["state"] + (" (extended access)" if life.get("extended_access") else "")
        if life.get("eol_on"):
            state += f", EOL {life['eol_on']}"
        counts = {w: sum(1 for ways in info["offers"].values() if w in ways) for w in INFERENCE_WAYS}
        offered = ", ".join(f"{_SHORT_WAY[w]} {n}" for w, n in counts.items() if n)
        here = info["offers"].get(region, {})
        price = "—"
        for way in INFERENCE_WAYS:
            if way in here:
                per_1m = [
                    format((Decimal(here[way][d]) * 1000).normalize(), "f") for d in ("input", "output")
                ]
                price = f"{per_1m[0]} / {per_1m[1]} ({_SHORT_WAY[way]})"
                break
        lines.append(f"| `{key}` | {info['name']} ({info['provider']}) | {state} | {offered} | {price} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(models_table(read_catalogue()), end="")
