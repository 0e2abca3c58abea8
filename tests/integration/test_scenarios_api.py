"""The scenarios endpoint group against a real PostgreSQL: every rule and error of docs/api.md."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from mockupaws.scenarios.lifecycle import TRANSITIONS, Status
from tests.integration.conftest import Invoke

BASE = "/api/v1/scenarios"


def assert_error(reply: Any, status: int, code: str) -> None:
    assert reply.status == status, reply.body
    assert reply.body["error"] == code
    assert reply.body["status_code"] == status
    assert isinstance(reply.body["message"], str)
    assert reply.body["message"]


def test_create_returns_a_draft_with_defaults(invoke: Invoke, make_scenario: Any) -> None:
    # Given a name only / When created
    scenario = make_scenario(description="replay of prod logs", tags=["prod", "prod", "eu"])
    # Then it is a draft in us-east-1 with the default pipeline and de-duplicated tags
    assert scenario["status"] == "draft"
    assert scenario["region"] == "us-east-1"
    assert scenario["tags"] == ["prod", "eu"]
    assert scenario["pipeline"]["lambda_batch_size"] == 100
    assert scenario["pipeline"]["bedrock_model"] == "claude_haiku_4_5"
    assert scenario["pipeline"]["bedrock_inference"] == "on_demand"
    assert scenario["total_requests"] == 0
    assert scenario["started_at"] is None
    fetched = invoke("scenarios", "GET", f"{BASE}/{scenario['id']}")
    assert fetched.status == 200
    assert fetched.body == scenario


def test_duplicate_name_is_a_conflict(invoke: Invoke, make_scenario: Any) -> None:
    first = make_scenario()
    reply = invoke("scenarios", "POST", BASE, body={"name": first["name"]})
    assert_error(reply, 409, "conflict")


def test_lifecycle_sets_timestamps_in_order(invoke: Invoke, make_scenario: Any) -> None:
    scenario = make_scenario()
    started = invoke("scenarios", "POST", f"{BASE}/{scenario['id']}/start").body
    stopped = invoke("scenarios", "POST", f"{BASE}/{scenario['id']}/stop").body
    archived = invoke("scenarios", "POST", f"{BASE}/{scenario['id']}/archive").body
    assert [started["status"], stopped["status"], archived["status"]] == ["running", "completed", "archived"]
    assert started["started_at"] <= stopped["completed_at"] <= archived["archived_at"]


# Every (status, action) pair the lifecycle table does not allow, derived from the table itself.
ILLEGAL = [(s.value, action) for s in Status for action, step in TRANSITIONS.items() if step.source is not s]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_every_illegal_transition_is_409(
    invoke: Invoke, make_scenario: Any, status: str, action: str
) -> None:
    scenario = make_scenario(status=status)
    reply = invoke("scenarios", "POST", f"{BASE}/{scenario['id']}/{action}")
    assert_error(reply, 409, "invalid_transition")
    assert invoke("scenarios", "GET", f"{BASE}/{scenario['id']}").body["status"] == status


def test_delete_removes_and_running_cannot_be_deleted(invoke: Invoke, make_scenario: Any) -> None:
    running = make_scenario(status="running")
    assert_error(invoke("scenarios", "DELETE", f"{BASE}/{running['id']}"), 409, "conflict")
    draft = make_scenario()
    reply = invoke("scenarios", "DELETE", f"{BASE}/{draft['id']}")
    assert reply.status == 204
    assert reply.body is None
    assert_error(invoke("scenarios", "GET", f"{BASE}/{draft['id']}"), 404, "not_found")


def test_update_is_partial(invoke: Invoke, make_scenario: Any) -> None:
    scenario = make_scenario(description="before", tags=["a"])
    reply = invoke(
        "scenarios",
        "PUT",
        f"{BASE}/{scenario['id']}",
        body={"region": "eu-south-1", "pipeline": {"lambda_architecture": "arm64"}},
    )
    assert reply.status == 200, reply.body
    assert reply.body["region"] == "eu-south-1"
    assert reply.body["description"] == "before"
    assert reply.body["tags"] == ["a"]
    assert reply.body["pipeline"]["lambda_architecture"] == "arm64"
    assert reply.body["pipeline"]["lambda_batch_size"] == 100
    assert reply.body["updated_at"] > scenario["updated_at"]
    cleared = invoke("scenarios", "PUT", f"{BASE}/{scenario['id']}", body={"description": None})
    assert cleared.body["description"] is None


def test_update_archived_is_409_and_rename_to_taken_name_is_409(invoke: Invoke, make_scenario: Any) -> None:
    archived = make_scenario(status="archived")
    assert_error(invoke("scenarios", "PUT", f"{BASE}/{archived['id']}", body={"name": "x"}), 409, "conflict")
    other = make_scenario()
    reply = invoke("scenarios", "PUT", f"{BASE}/{other['id']}", body={"name": archived["name"]})
    assert_error(reply, 409, "conflict")


def test_list_filters_and_paginates_newest_first(invoke: Invoke, make_scenario: Any) -> None:
    tag = uuid.uuid4().hex[:6]
    made = [make_scenario(region="eu-central-1", tags=[tag]) for _ in range(3)]
    invoke("scenarios", "POST", f"{BASE}/{made[0]['id']}/start")
    reply = invoke("scenarios", "GET", BASE, query={"region": "eu-central-1", "page_size": "2"})
    assert reply.status == 200
    assert reply.body["page"] == 1
    assert reply.body["page_size"] == 2
    assert reply.body["total"] >= 3
    assert len(reply.body["items"]) == 2
    created = [item["created_at"] for item in reply.body["items"]]
    assert created == sorted(created, reverse=True)
    running = invoke("scenarios", "GET", BASE, query={"status": "running", "region": "eu-central-1"}).body
    assert made[0]["id"] in {item["id"] for item in running["items"]}
    assert all(item["status"] == "running" for item in running["items"])
    page_two = invoke(
        "scenarios", "GET", BASE, query={"region": "eu-central-1", "page_size": "2", "page": "2"}
    )
    ids_one = {i["id"] for i in reply.body["items"]}
    assert ids_one.isdisjoint({i["id"] for i in page_two.body["items"]})


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", f"{BASE}/not-a-uuid", {}),
        ("POST", f"{BASE}/123/start", {}),
        ("GET", BASE, {"query": {"page": "0"}}),
        ("GET", BASE, {"query": {"page_size": "101"}}),
        ("GET", BASE, {"query": {"page_size": "ten"}}),
        ("GET", BASE, {"query": {"status": "paused"}}),
        ("POST", BASE, {"body": {"name": "x" * 256}}),
        ("POST", BASE, {"body": {"name": ""}}),
        ("POST", BASE, {"body": {"name": "   "}}),
        ("POST", BASE, {"body": {}}),
        ("POST", BASE, {"body": {"name": 42}}),
        ("POST", BASE, {"body": {"name": "ok", "tags": "prod"}}),
        ("POST", BASE, {"body": {"name": "ok", "tags": [1, 2]}}),
        ("POST", BASE, {"body": {"name": "ok", "region": "mars-north-1"}}),
        ("POST", BASE, {"body": {"name": "ok", "region": "sa-east-1"}}),
        ("POST", BASE, {"body": {"name": "ok", "unknown": 1}}),
        ("POST", BASE, {"body": {"name": "ok", "pipeline": {"lambda_batch_size": 0}}}),
        ("POST", BASE, {"body": {"name": "ok", "pipeline": {"lambda_batch_size": "100"}}}),
        ("POST", BASE, {"body": {"name": "ok", "pipeline": {"sqs_queue_type": "priority"}}}),
        ("POST", BASE, {"body": {"name": "ok", "pipeline": {"bedrock_model": "gpt_9"}}}),
        ("POST", BASE, {"body": {"name": "ok", "pipeline": {"include_free_tier": "yes"}}}),
        ("POST", BASE, {"body": ["name"]}),
        ("POST", BASE, {"body": "just a string"}),
    ],
)
def test_bad_input_is_422_and_stores_nothing(
    invoke: Invoke, sql_conn: Any, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    before = sql_conn.execute("SELECT count(*) FROM scenarios").fetchone()[0]
    reply = invoke("scenarios", method, path, **kwargs)
    assert_error(reply, 422, "validation_error")
    assert sql_conn.execute("SELECT count(*) FROM scenarios").fetchone()[0] == before


@pytest.mark.parametrize("raw", ["{", '{"name": "x",}', "nul", '{"name": "x"} trailing'])
def test_malformed_json_is_400(invoke: Invoke, raw: str) -> None:
    reply = invoke("scenarios", "POST", BASE, raw_body=raw, headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "invalid_json")


def test_update_with_null_name_is_422(invoke: Invoke, make_scenario: Any) -> None:
    scenario = make_scenario()
    reply = invoke("scenarios", "PUT", f"{BASE}/{scenario['id']}", body={"name": None})
    assert_error(reply, 422, "validation_error")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("GET", ""), ("PUT", ""), ("DELETE", ""), ("POST", "/start"), ("POST", "/stop"), ("POST", "/archive")],
)
def test_unknown_id_is_404(invoke: Invoke, method: str, suffix: str) -> None:
    kwargs: dict[str, Any] = {"body": {"description": "x"}} if method == "PUT" else {}
    reply = invoke("scenarios", method, f"{BASE}/{uuid.uuid4()}{suffix}", **kwargs)
    assert_error(reply, 404, "not_found")


HOSTILE_JSON = {
    "a 5,000-digit integer": '{"name": "x", "description": ' + "9" * 5000 + "}",
    "100,000 nested brackets": '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}",
}


@pytest.mark.parametrize("raw", HOSTILE_JSON.values(), ids=HOSTILE_JSON.keys())
@pytest.mark.parametrize(("method", "suffix"), [("POST", ""), ("PUT", "/{id}")])
def test_json_python_cannot_parse_is_400_and_stores_nothing(
    invoke: Invoke, make_scenario: Any, sql_conn: Any, raw: str, method: str, suffix: str
) -> None:
    """Python's json refuses these (ValueError: int digits limit; RecursionError): 400, never a 500."""
    scenario = make_scenario()
    before = sql_conn.execute("SELECT count(*), max(updated_at) FROM scenarios").fetchone()
    path = BASE + suffix.format(id=scenario["id"])
    reply = invoke("scenarios", method, path, raw_body=raw, headers={"Content-Type": "application/json"})
    assert_error(reply, 400, "invalid_json")
    assert sql_conn.execute("SELECT count(*), max(updated_at) FROM scenarios").fetchone() == before
