"""The scenario's tokenizer (docs/costs.md, "Tokenizers"): chosen from its model while a draft, fixed
once it runs, used at ingest, and named by the metrics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mockupaws.tokens.counter import count_tokens
from tests.integration.conftest import Invoke

BASE = "/api/v1/scenarios"
LINE = (
    "2026-03-01T10:00:00Z ERROR payment-service: refund for order 4411 failed, retrying in 30s (attempt 3/5)"
)


@pytest.fixture
def gpt_oss_priced() -> str:
    """A gpt-oss model of the catalogue, offered on demand in us-east-1."""
    return "gpt_oss_20b"


def ingest(invoke: Invoke, scenario_id: str, message: str) -> dict[str, Any]:
    reply = invoke(
        "ingest",
        "POST",
        "/ingest",
        headers={"X-Scenario-ID": scenario_id, "Content-Type": "application/json"},
        raw_body=json.dumps({"message": message}),
    )
    assert reply.status == 202, reply.body
    body: dict[str, Any] = reply.body
    return body


def test_gpt_oss_logs_are_counted_with_o200k_base(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]], gpt_oss_priced: str
) -> None:
    scenario = make_scenario(pipeline={"bedrock_model": gpt_oss_priced})
    assert scenario["token_encoding"] == "o200k_base"
    invoke("scenarios", "POST", f"{BASE}/{scenario['id']}/start")
    stored = ingest(invoke, scenario["id"], LINE)
    assert stored["token_count"] == count_tokens(LINE, "o200k_base")
    metrics = invoke("metrics", "GET", f"{BASE}/{scenario['id']}/metrics").body
    assert metrics["tokenizer"]["encoding"] == "o200k_base"
    assert metrics["tokenizer"]["exact_for_model"] is True
    assert metrics["summary"]["llm_tokens"] == count_tokens(LINE, "o200k_base")


def test_the_tokenizer_follows_the_model_in_draft_and_is_fixed_once_running(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]], gpt_oss_priced: str
) -> None:
    scenario = make_scenario()
    sid = scenario["id"]
    assert scenario["token_encoding"] == "cl100k_base"
    # a draft follows its model
    reply = invoke("scenarios", "PUT", f"{BASE}/{sid}", body={"pipeline": {"bedrock_model": gpt_oss_priced}})
    assert reply.body["token_encoding"] == "o200k_base"
    reply = invoke(
        "scenarios", "PUT", f"{BASE}/{sid}", body={"pipeline": {"bedrock_model": "claude_haiku_4_5"}}
    )
    assert reply.body["token_encoding"] == "cl100k_base"
    invoke("scenarios", "POST", f"{BASE}/{sid}/start")
    stored = ingest(invoke, sid, LINE)
    assert stored["token_count"] == count_tokens(LINE, "cl100k_base")
    # once running, a model change keeps the counts' tokenizer, and the metrics say so
    reply = invoke("scenarios", "PUT", f"{BASE}/{sid}", body={"pipeline": {"bedrock_model": gpt_oss_priced}})
    assert reply.status == 200, reply.body
    assert reply.body["token_encoding"] == "cl100k_base"
    assert ingest(invoke, sid, LINE)["token_count"] == count_tokens(LINE, "cl100k_base")
    metrics = invoke("metrics", "GET", f"{BASE}/{sid}/metrics").body
    assert metrics["tokenizer"] == {
        "encoding": "cl100k_base",
        "model_family": "OpenAI gpt-oss",
        "model_encoding": "o200k_base",
        "exact_for_model": False,
        "note": metrics["tokenizer"]["note"],
    }
    assert any("counted with cl100k_base" in w for w in metrics["warnings"])


def test_claude_is_counted_with_cl100k_base_and_says_so(
    invoke: Invoke, make_scenario: Callable[..., dict[str, Any]]
) -> None:
    scenario = make_scenario(status="running", pipeline={"bedrock_model": "claude_haiku_4_5"})
    metrics = invoke("metrics", "GET", f"{BASE}/{scenario['id']}/metrics").body
    tokenizer = metrics["tokenizer"]
    assert (tokenizer["encoding"], tokenizer["model_family"], tokenizer["exact_for_model"]) == (
        "cl100k_base",
        "Anthropic Claude",
        False,
    )
    assert "Anthropic" in tokenizer["note"]
