"""API docs: the OpenAPI document of the whole API (every function's routes) and Swagger UI.

The document is generated from the functions' resolvers at build time (``make openapi``) and shipped
beside this handler; ``make test`` fails when it drifts from the code.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from mockupaws.observability import logger

DOCUMENT = Path(__file__).resolve().parent / "openapi.json"
SWAGGER_ASSETS = Path(generate_swagger_html.__code__.co_filename).resolve().parent

app = APIGatewayRestResolver()


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DOCUMENT.read_text())
    return loaded


def _spec_for_this_request() -> str:
    """The document with ``servers`` pointing at this deployment's base path (the API Gateway stage)."""
    context = app.current_event.request_context
    full_path = context.path or "/"
    route_path = app.current_event.path
    base = full_path[: -len(route_path)] if route_path and full_path.endswith(route_path) else ""
    document = {**_document(), "servers": [{"url": base or "/"}]}
    return json.dumps(document)


@app.get("/openapi.json", include_in_schema=False)
def openapi_json() -> Response[str]:
    return Response(
        status_code=200, content_type=content_types.APPLICATION_JSON, body=_spec_for_this_request()
    )


@app.get("/docs", include_in_schema=False)
def swagger_ui() -> Response[str]:
    html = generate_swagger_html(
        spec=_spec_for_this_request().replace("</", "<\\/"),
        swagger_js=(SWAGGER_ASSETS / "swagger-ui-bundle.min.js").read_text(),
        swagger_css=(SWAGGER_ASSETS / "swagger-ui.min.css").read_text(),
        swagger_base_url="",
        oauth2_config=None,
    )
    return Response(status_code=200, content_type="text/html", body=html)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
