"""Build the one OpenAPI document of the whole API by merging every function's resolver.

The functions and their code come from ``template.yaml``; each handler module is imported from its file
(each function has its own ``app.py``) and its powertools resolver's schema is merged with powertools'
``OpenAPIMerge``. The result is committed as ``functions/docs/openapi.json`` (served by the docs
function); ``--check`` fails when it drifts from the code (``make test`` runs it).

    python -m mockupaws_local.openapi --write | --check | --print
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DOC_PATH = ROOT / "functions" / "docs" / "openapi.json"


def _api_function_files(template_path: Path) -> list[Path]:
    from samcli.yamlhelper import yaml_parse

    template = yaml_parse(template_path.read_text())
    files = []
    for resource in template["Resources"].values():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        if not any(e["Type"] == "Api" for e in (props.get("Events") or {}).values()):
            continue
        module = str(props["Handler"]).rsplit(".", 1)[0]
        path = template_path.parent / props["CodeUri"] / f"{module}.py"
        if path.parent.name not in ("docs", "console"):  # they serve documents, not API routes
            files.append(path)
    return sorted(files)


def _load(path: Path) -> Any:
    name = f"openapi_src_{path.parent.name}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def build(template_path: Path = ROOT / "template.yaml") -> dict[str, Any]:
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    # Handlers validate their configuration at import; generating the document needs no database.
    os.environ.setdefault("DATABASE_URL", "postgresql://openapi@localhost/unused")
    from mockupaws.api.openapi import API_DESCRIPTION, API_TITLE, API_VERSION

    merge = OpenAPIMerge(
        title=API_TITLE, version=API_VERSION, description=API_DESCRIPTION, on_conflict="error"
    )
    for path in _api_function_files(template_path):
        resolver = _load(path).app
        merge.add_schema(resolver.get_openapi_schema(title=API_TITLE, version=API_VERSION))
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    document["servers"] = [{"url": "/", "description": "This deployment (the docs function rewrites it)"}]
    return document


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=f"write {DOC_PATH.relative_to(ROOT)}")
    action.add_argument("--check", action="store_true", help="fail if the committed document is out of date")
    action.add_argument("--print", action="store_true", help="print the document")
    args = parser.parse_args(argv)
    text = render(build())
    if args.print:
        sys.stdout.write(text)
    elif args.write:
        DOC_PATH.write_text(text)
        print(f"wrote {DOC_PATH.relative_to(ROOT)}")
    else:
        current = DOC_PATH.read_text() if DOC_PATH.exists() else ""
        if current != text:
            print(
                f"{DOC_PATH.relative_to(ROOT)} is out of date: run `make openapi` and commit it",
                file=sys.stderr,
            )
            return 1
        print(f"{DOC_PATH.relative_to(ROOT)} is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
