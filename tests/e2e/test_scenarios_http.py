"""The scenario lifecycle over HTTP on the local server, routed by the real template."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mockupaws.scenarios.lifecycle import TRANSITIONS, Status
from tests.e2e.conftest import Http

# Every (status, action) pair the lifecycle table does not allow, derived from the table itself.
ILLEGAL_TRANSITIONS = [
    (s.value, action) for s in Status for action, step in TRANSITIONS.items() if step.source is not s
]


def test_full_lifecycle_over_http(http: Http) -> None:
    name = f"e2e-lifecycle-{uuid.uuid4().hex[:8]}"
    created = http("POST", "/api/v1/scenarios", json_body={"name": name, "tags": ["e2e"]})
    assert created.status == 201
    assert created.headers["Content-Type"].startswith("application/json")
    sid = created.json["id"]
    assert http("GET", f"/api/v1/scenarios/{sid}").json["status"] == "draft"
    updated = http("PUT", f"/api/v1/scenarios/{sid}", json_body={"description": "via curl"})
    assert updated.status == 200
    assert updated.json["description"] == "via curl"
    assert http("POST", f"/api/v1/scenarios/{sid}/start").json["status"] == "running"
    assert http("DELETE", f"/api/v1/scenarios/{sid}").status == 409
    assert http("POST", f"/api/v1/scenarios/{sid}/stop").json["status"] == "completed"
    assert http("POST", f"/api/v1/scenarios/{sid}/archive").json["status"] == "archived"
    listed = http("GET", "/api/v1/scenarios?status=archived&page_size=100").json
    assert sid in {item["id"] for item in listed["items"]}
    deleted = http("DELETE", f"/api/v1/scenarios/{sid}")
    assert deleted.status == 204
    assert http("GET", f"/api/v1/scenarios/{sid}").status == 404


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("GET", "/api/v1/scenarios/not-a-uuid", {}, 422, "validation_error"),
        ("GET", "/api/v1/scenarios?page=0", {}, 422, "validation_error"),
        ("GET", "/api/v1/scenarios?page_size=101", {}, 422, "validation_error"),
        ("POST", "/api/v1/scenarios", {"json_body": {"name": "n" * 256}}, 422, "validation_error"),
        (
            "POST",
            "/api/v1/scenarios",
            {"json_body": {"name": "x", "region": "xx-nowhere-9"}},
            422,
            "validation_error",
        ),
        ("POST", "/api/v1/scenarios", {"json_body": {"name": ["x"]}}, 422, "validation_error"),
        (
            "POST",
            "/api/v1/scenarios",
            {"data": b"{nope", "headers": {"Content-Type": "application/json"}},
            400,
            "invalid_json",
        ),
        (
            "POST",
            "/api/v1/scenarios",
            {"data": b"\xff\xfe{", "headers": {"Content-Type": "application/json"}},
            400,
            "invalid_body",
        ),
        # Found by the fuzzer (test_fuzz_openapi.py): were 500s (multipart without a boundary, NUL
        # characters PostgreSQL text refuses) or a form body parsed as if it were JSON.
        (
            "POST",
            "/api/v1/scenarios",
            {"data": b'{"name": "x"}', "headers": {"Content-Type": "multipart/form-data"}},
            415,
            "unsupported_media_type",
        ),
        (
            "POST",
            "/api/v1/scenarios",
            {"data": b"name=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
            415,
            "unsupported_media_type",
        ),
        ("POST", "/api/v1/scenarios", {"json_body": {"name": "a\x00b"}}, 422, "validation_error"),
        (
            "POST",
            "/api/v1/scenarios",
            {"json_body": {"name": "x", "tags": ["\x00"]}},
            422,
            "validation_error",
        ),
        ("GET", "/api/v1/scenarios?region=%00", {}, 422, "validation_error"),
        ("GET", f"/api/v1/scenarios/{uuid.uuid4()}", {}, 404, "not_found"),
    ],
)
def test_errors_over_http(
    http: Http, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    reply = http(method, path, **kwargs)
    assert reply.status == status, reply.raw
    assert reply.json["error"] == code
    assert reply.json["status_code"] == status


def test_duplicate_name_and_illegal_transition_over_http(http: Http, http_scenario: Any) -> None:
    scenario = http_scenario()
    dup = http("POST", "/api/v1/scenarios", json_body={"name": scenario["name"]})
    assert (dup.status, dup.json["error"]) == (409, "conflict")
    bad = http("POST", f"/api/v1/scenarios/{scenario['id']}/archive")
    assert (bad.status, bad.json["error"]) == (409, "invalid_transition")


def test_unknown_route_is_refused_like_api_gateway(http: Http) -> None:
    reply = http("GET", "/api/v1/nothing-here")  # the template's MISSING_AUTHENTICATION_TOKEN response
    assert (reply.status, reply.json) == (
        404,
        {"error": "not_found", "message": "no such route", "status_code": 404},
    )


def test_openapi_document_and_swagger_ui_are_served(http: Http) -> None:
    doc = http("GET", "/openapi.json")
    assert doc.status == 200
    paths = doc.json["paths"]
    # Every API route of every function is in the one document
    for path in ("/api/v1/scenarios", "/api/v1/scenarios/{scenario_id}/metrics", "/ingest", "/flush"):
        assert path in paths
    assert doc.json["servers"] == [{"url": "/"}]
    ui = http("GET", "/docs")
    assert ui.status == 200
    assert ui.headers["Content-Type"].startswith("text/html")
    assert b"SwaggerUIBundle" in ui.raw


@pytest.mark.parametrize(("status", "action"), ILLEGAL_TRANSITIONS)
def test_every_illegal_transition_is_409_over_http(
    http: Http, http_scenario: Any, status: str, action: str
) -> None:
    scenario = http_scenario(status=status)
    reply = http("POST", f"/api/v1/scenarios/{scenario['id']}/{action}")
    assert (reply.status, reply.json["error"]) == (409, "invalid_transition")
    assert http("GET", f"/api/v1/scenarios/{scenario['id']}").json["status"] == status


def test_archived_cannot_be_updated_over_http(http: Http, http_scenario: Any) -> None:
    scenario = http_scenario(status="archived")
    reply = http("PUT", f"/api/v1/scenarios/{scenario['id']}", json_body={"description": "late"})
    assert (reply.status, reply.json["error"]) == (409, "conflict")


HOSTILE_JSON = {
    "a 5,000-digit integer": b'{"name": "x", "description": ' + b"9" * 5000 + b"}",
    "100,000 nested brackets": b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("raw", HOSTILE_JSON.values(), ids=HOSTILE_JSON.keys())
def test_json_python_cannot_parse_is_400_over_http(http: Http, http_scenario: Any, raw: bytes) -> None:
    """Both reproductions of issue 8 (they answered 500) on every route that reads a JSON body."""
    running = http_scenario("running")
    json_type = {"Content-Type": "application/json"}
    for method, path, headers in [
        ("POST", "/api/v1/scenarios", json_type),
        ("PUT", f"/api/v1/scenarios/{running['id']}", json_type),
        ("POST", "/ingest", {**json_type, "X-Scenario-ID": running["id"]}),
        ("POST", f"/api/v1/scenarios/{running['id']}/estimates", json_type),
    ]:
        reply = http(method, path, data=raw, headers=headers)
        assert reply.status == 400, (method, path, reply.raw[:200])
        assert reply.json["error"] == "invalid_json"
    assert http("GET", f"/api/v1/scenarios/{running['id']}").json == running  # nothing stored
