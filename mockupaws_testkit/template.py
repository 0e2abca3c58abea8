"""Read ``template.yaml`` (the real SAM template) so tests route exactly as API Gateway would."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@lru_cache(maxsize=1)
def template() -> dict[str, Any]:
    from samcli.yamlhelper import yaml_parse

    parsed: dict[str, Any] = yaml_parse((ROOT / "template.yaml").read_text())
    return parsed


def functions() -> dict[str, dict[str, Any]]:
    return {
        name: res["Properties"]
        for name, res in template()["Resources"].items()
        if res["Type"] == "AWS::Serverless::Function"
    }


def group_of(function_props: dict[str, Any]) -> str:
    """``functions/<group>/`` -> ``<group>``."""
    return str(function_props["CodeUri"]).rstrip("/").split("/")[-1]


def api_routes() -> dict[tuple[str, str], str]:
    """(METHOD, path template) -> function group, for every Api event of the template."""
    routes = {}
    for props in functions().values():
        for event in (props.get("Events") or {}).values():
            if event["Type"] == "Api":
                routes[(event["Properties"]["Method"].upper(), event["Properties"]["Path"])] = group_of(props)
    return routes


def scheduled_groups() -> list[str]:
    return [
        group_of(props)
        for props in functions().values()
        if any(e["Type"] == "Schedule" for e in (props.get("Events") or {}).values())
    ]
