"""The console function (``functions/console``): what it serves, with which headers, and that the
console's JavaScript calls only routes the OpenAPI document has (``assets/routes.js``)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mockupaws_testkit.apigw import rest_event
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.lambda_context import FakeLambdaContext

ROOT = Path(__file__).resolve().parents[2]
ASSETS = ROOT / "functions" / "console" / "assets"
OPENAPI = ROOT / "functions" / "docs" / "openapi.json"
CHART_JS_VERSION = "4.6.1"


def _version() -> str:
    version: str = load_handler("console")._bundle().version
    return version


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: str

    @property
    def body(self) -> Any:
        return json.loads(self.raw)


def _get(path: str, *, proxy: str | None = None) -> Reply:
    if proxy is None:
        event = rest_event("GET", path, resource="/")
    else:
        event = rest_event("GET", path, resource="/console/{proxy+}", path_parameters={"proxy": proxy})
    response = load_handler("console").lambda_handler(event, FakeLambdaContext())
    assert response["isBase64Encoded"] is False
    return Reply(response["statusCode"], response["headers"], response["body"])


def _asset(relative: str) -> Reply:
    proxy = f"{_version()}/{relative}"
    return _get(f"/console/{proxy}", proxy=proxy)


def _routes() -> dict[str, dict[str, Any]]:
    source = (ASSETS / "routes.js").read_text()
    match = re.search(r"export const ROUTES = (\{.*?\n\});", source, re.S)
    assert match, "routes.js must define ROUTES as a JSON object literal"
    routes: dict[str, dict[str, Any]] = json.loads(match.group(1))
    return routes


def test_the_page_has_the_stage_as_base_and_versioned_assets() -> None:
    reply = _get("/")
    assert reply.status == 200
    assert reply.headers["Content-Type"] == "text/html; charset=utf-8"
    assert reply.headers["Cache-Control"].startswith("no-cache")
    # rest_event's requestContext.path is /Prod/<path>: the page must resolve everything under /Prod/
    assert '<base href="/Prod/">' in reply.raw
    version = _version()
    referenced = re.findall(r'(?:src|href)="(console/[^"]+)"', reply.raw)
    assert referenced, reply.raw
    for url in referenced:
        assert url.startswith(f"console/{version}/"), url
        served = _asset(url.removeprefix(f"console/{version}/"))
        assert served.status == 200, url


@pytest.mark.parametrize(
    ("relative", "content_type"),
    [
        ("app.js", "text/javascript; charset=utf-8"),
        ("views/scenario.js", "text/javascript; charset=utf-8"),
        ("style.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
        ("vendor/chart.umd.min.js", "text/javascript; charset=utf-8"),
    ],
)
def test_assets_have_their_type_a_year_of_cache_and_a_self_only_policy(
    relative: str, content_type: str
) -> None:
    reply = _asset(relative)
    assert reply.status == 200
    assert reply.raw == (ASSETS / relative).read_text()
    assert reply.headers["Content-Type"] == content_type
    assert reply.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    csp = reply.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in csp
    assert "http" not in csp
    assert reply.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "proxy",
    [
        "0000000000000000/app.js",  # another deploy's version
        "{v}/nope.js",
        "{v}/../app.py",
        "{v}/index.html",  # only through GET /
        "{v}",
        "",
    ],
)
def test_anything_else_is_a_json_404(proxy: str) -> None:
    proxy = proxy.replace("{v}", _version())
    reply = _get(f"/console/{proxy}", proxy=proxy)
    assert reply.status == 404
    assert reply.body["error"] == "not_found"
    assert reply.headers["Cache-Control"].startswith("no-cache")


def test_the_version_changes_with_any_asset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_handler("console", instance="versioned")
    for path in ASSETS.rglob("*"):
        if path.is_file():
            target = tmp_path / path.relative_to(ASSETS)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    monkeypatch.setattr(module, "ASSETS", tmp_path)
    module._bundle.cache_clear()
    before = module._bundle().version
    (tmp_path / "style.css").write_text((tmp_path / "style.css").read_text() + "\n/* changed */\n")
    module._bundle.cache_clear()
    assert module._bundle().version != before


def test_every_route_the_console_calls_is_in_the_openapi_document() -> None:
    document = json.loads(OPENAPI.read_text())
    routes = _routes()
    for name, route in routes.items():
        operation = document["paths"].get(route["path"], {}).get(route["method"].lower())
        if route.get("optional"):
            continue  # feature-detected at run time; see the test below
        assert operation is not None, f"{name}: {route['method']} {route['path']} is not in openapi.json"


def test_optional_routes_are_only_those_not_landed_yet() -> None:
    """A route the document has must not stay optional: the console would hide a missing API."""
    document = json.loads(OPENAPI.read_text())
    for name, route in _routes().items():
        if route.get("optional"):
            assert route["method"].lower() not in document["paths"].get(route["path"], {}), (
                f"{name} is in openapi.json now: drop its optional flag"
            )


def test_every_call_in_the_console_names_a_known_route() -> None:
    routes = _routes()
    called: set[str] = set()
    for path in ASSETS.rglob("*.js"):
        if "vendor" in path.parts:
            continue
        source = path.read_text()
        called.update(re.findall(r"""\bcall\(\s*["']([A-Za-z]+)["']""", source))
        called.update(re.findall(r"""\b(?:available|operation)\(\s*["']([A-Za-z]+)["']""", source))
        called.update(re.findall(r"""\broute:\s*["']([A-Za-z]+)["']""", source))
        if path.name != "api.js":
            assert "fetch(" not in source, f"{path.name}: only api.js talks to the API"
    assert called, "no API call found"
    assert called <= set(routes), called - set(routes)
    assert set(routes) <= called, f"routes never called: {set(routes) - called}"


def test_the_chart_library_is_vendored_with_its_licence_and_version() -> None:
    bundle = (ASSETS / "vendor" / "chart.umd.min.js").read_text()
    assert bundle.startswith(f"/*!\n * Chart.js v{CHART_JS_VERSION}\n")
    assert "MIT License" in (ASSETS / "vendor" / "chart.js-LICENSE.md").read_text()
    assert f"| `chart.js` | {CHART_JS_VERSION} |" in (ASSETS / "vendor" / "README.md").read_text()
    for path in ASSETS.rglob("*"):
        if path.suffix in (".js", ".css", ".html") and "vendor" not in path.parts:
            text = path.read_text()
            assert not re.search(r"https?://(?!www\.w3\.org)", text), (
                f"{path.name} points outside the deployment"
            )
