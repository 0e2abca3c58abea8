"""Web console: ``GET /`` (the page) and ``GET /console/{proxy+}`` (its static assets).

The console is static HTML, CSS and JavaScript modules shipped beside this handler in ``assets/``; its
scripts call the same API from the browser. Assets are served under ``/console/<version>/`` where the
version is a digest of every asset, so they can be cached for a year (``immutable``) and a new deploy
changes every URL at once; the page itself is never cached. Every answer carries a Content-Security-Policy
that allows only this origin (no inline script or style, no CDN).

Only files found in ``assets/`` at cold start are served (no path from the request reaches the file
system). No database, no layer code but the logger.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws.observability import logger

ASSETS = Path(__file__).resolve().parent / "assets"
INDEX_TEMPLATE = "index.html"
ASSET_PREFIX = "/console/"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
}

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_NEVER = "no-cache, no-store, must-revalidate"


@dataclass(frozen=True)
class Asset:
    body: str
    content_type: str


@dataclass(frozen=True)
class AssetBundle:
    version: str
    files: dict[str, Asset]


@lru_cache(maxsize=1)
def _bundle() -> AssetBundle:
    """Every servable file under ``assets/`` (by its relative POSIX path) and their joint digest."""
    files: dict[str, Asset] = {}
    digest = hashlib.sha256()
    for path in sorted(p for p in ASSETS.rglob("*") if p.is_file()):
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None:
            continue
        relative = path.relative_to(ASSETS).as_posix()
        body = path.read_text(encoding="utf-8")
        digest.update(relative.encode() + b"\0" + body.encode() + b"\0")
        files[relative] = Asset(body=body, content_type=content_type)
    return AssetBundle(version=digest.hexdigest()[:16], files=files)


def _base_path(event: dict[str, Any]) -> str:
    """The deployment's prefix in front of the route (the API Gateway stage, e.g. ``/v1``; "" locally)."""
    full_path = str((event.get("requestContext") or {}).get("path") or "")
    route_path = str(event.get("path") or "")
    if route_path and full_path.endswith(route_path):
        return full_path[: -len(route_path)].rstrip("/")
    return ""


def _reply(status: int, body: str, content_type: str, cache: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_type, "Cache-Control": cache, **SECURITY_HEADERS},
        "body": body,
        "isBase64Encoded": False,
    }


def _not_found(what: str) -> dict[str, Any]:
    body = json.dumps({"error": "not_found", "message": f"no console asset {what}", "status_code": 404})
    return _reply(404, body, "application/json", CACHE_NEVER)


def index_page(event: dict[str, Any]) -> dict[str, Any]:
    """The console page: ``<base href>`` points at the deployment's root, assets at this version."""
    bundle = _bundle()
    base = _base_path(event) + "/"
    page = (
        bundle.files[INDEX_TEMPLATE]
        .body.replace("{{BASE}}", html.escape(base, quote=True))
        .replace("{{ASSETS}}", f"console/{bundle.version}/")
    )
    return _reply(200, page, CONTENT_TYPES[".html"], CACHE_NEVER)


def asset(event: dict[str, Any]) -> dict[str, Any]:
    """``/console/<version>/<file>``: immutable for the current version, 404 for any other."""
    bundle = _bundle()
    proxy = str((event.get("pathParameters") or {}).get("proxy") or "")
    version, _, relative = proxy.partition("/")
    if version != bundle.version or relative == INDEX_TEMPLATE:
        return _not_found(proxy)
    found = bundle.files.get(relative)
    if found is None:
        return _not_found(proxy)
    return _reply(200, found.body, found.content_type, CACHE_IMMUTABLE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    method = str(event.get("httpMethod") or "GET").upper()
    resource = str(event.get("resource") or "")
    if method not in ("GET", "HEAD"):
        body = json.dumps({"error": "method_not_allowed", "message": "GET only", "status_code": 405})
        return _reply(405, body, "application/json", CACHE_NEVER)
    if resource.startswith(ASSET_PREFIX):
        return asset(event)
    return index_page(event)
