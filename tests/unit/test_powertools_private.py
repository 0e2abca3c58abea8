"""The powertools private members the layer relies on, pinned to the version they were checked against.

``mockupaws.api.powertools_private`` is the only module that touches powertools private members. When
powertools is upgraded, the version test fails first: re-check each member this module lists, then move
``WRITTEN_FOR_POWERTOOLS`` to the new version.
"""

from __future__ import annotations

import ast
import inspect
import re
from importlib.metadata import version
from pathlib import Path

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)

from mockupaws.api import powertools_private
from mockupaws.api.powertools_private import WRITTEN_FOR_POWERTOOLS, JsonOnlyValidation
from mockupaws.api.resolver import create_resolver

ROOT = Path(__file__).resolve().parents[2]


def test_installed_and_pinned_powertools_is_the_version_the_private_uses_were_checked_against() -> None:
    assert version("aws-lambda-powertools") == WRITTEN_FOR_POWERTOOLS
    pins = re.findall(
        r"^aws-lambda-powertools(?:\[[^\]]*\])?==(\S+)$",
        (ROOT / "layers" / "shared" / "requirements.txt").read_text(),
        flags=re.MULTILINE,
    )
    assert pins == [WRITTEN_FOR_POWERTOOLS]


def test_the_private_members_used_still_exist_with_the_shape_relied_on() -> None:
    resolver = APIGatewayRestResolver(enable_validation=True)
    assert isinstance(resolver._request_validation_middleware, OpenAPIRequestValidationMiddleware)
    for name in ("_get_body", "_parse_json_data"):
        method = getattr(OpenAPIRequestValidationMiddleware, name)
        assert list(inspect.signature(method).parameters) == ["self", "app"], name


def test_the_resolver_of_every_function_validates_with_json_only_bodies() -> None:
    assert isinstance(create_resolver()._request_validation_middleware, JsonOnlyValidation)


def _private_powertools_uses(path: Path) -> list[str]:
    """Imports of private powertools names or modules, and ``._name`` attributes set or read on objects
    that are not ``self``/``cls`` (a cheap, conservative check)."""
    tree = ast.parse(path.read_text())
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("aws_lambda_powertools"):
            private_module = any(part.startswith("_") for part in (node.module or "").split("."))
            private_names = [a.name for a in node.names if a.name.startswith("_")]
            if private_module or private_names:
                found.append(f"{path}:{node.lineno} import {node.module} {private_names}")
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and not (isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"))
        ):
            found.append(f"{path}:{node.lineno} .{node.attr}")
    return found


def test_no_other_module_of_the_layer_or_the_functions_uses_a_private_member() -> None:
    files = [*(ROOT / "layers" / "shared" / "mockupaws").rglob("*.py"), *(ROOT / "functions").rglob("*.py")]
    ours = Path(powertools_private.__file__).resolve()
    offenders = [use for f in files if f.resolve() != ours for use in _private_powertools_uses(f)]
    assert offenders == []
    assert _private_powertools_uses(ours)  # the check does see the uses it is meant to find
