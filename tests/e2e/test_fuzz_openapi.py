"""Fuzzing: schemathesis against the service's own OpenAPI document, over HTTP on the local server.

Every operation of ``/openapi.json`` gets valid and invalid inputs (examples, coverage and fuzzing
phases, positive and negative generation). Whatever it sends, the reply must not be a 5xx and must
match the document: a documented status, content type, headers and body schema (docs/api.md).

Path parameters are sometimes the id of a real scenario in each lifecycle state, and ``/ingest``
sometimes carries the ``X-Scenario-ID`` of a running scenario, so the fuzzer reaches past 404 into
the handlers. Bounded and reproducible for CI: a fixed seed, a fixed number of examples per
operation, no shrinking. Scenarios it creates are deleted at the end.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from mockupaws_local.server import ServerHandle
from tests.e2e.conftest import Http

SEED = 20240601
MAX_EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SCENARIOS = "/api/v1/scenarios"
ROOT = Path(__file__).resolve().parents[2]
# What GET /openapi.json serves (the fixture checks it), loaded at import: one test per operation. Not
# `schemathesis.pytest.from_fixture("live_server"...)`: with pytest 9 its lazy loader fails at run time
# (it rewrites `request.node._nodeid`, which pytest 9 nodes no longer have).
DOCUMENT = ROOT / "functions" / "docs" / "openapi.json"


class Seeded:
    """Real scenarios the fuzzer may address, the ids of the ones it created, and what it was answered."""

    def __init__(self) -> None:
        self.kept: list[str] = []  # for every operation but DELETE
        self.doomed: list[str] = []  # for DELETE only, so that it does not empty the pool of the others
        self.ingest_target = ""  # running, with a log; never a path parameter, so it stays running
        self.created: list[str] = []
        self.answers: dict[str, Counter[int]] = defaultdict(Counter)


POOL = Seeded()


@pytest.fixture(scope="module")
def seeded(http: Http, request: pytest.FixtureRequest) -> Iterator[Seeded]:
    """The fuzzer's real scenarios in every state, plus a running one with a log for ``/ingest``."""
    served = http("GET", "/openapi.json").json
    assert {**served, "servers": None} == {**json.loads(DOCUMENT.read_text()), "servers": None}
    seeded = POOL

    def make(state: str) -> str:
        reply = http("POST", SCENARIOS, json_body={"name": f"fuzz-seed-{state}-{uuid.uuid4().hex[:8]}"})
        assert reply.status == 201, reply.raw
        sid: str = reply.json["id"]
        steps = {"draft": [], "running": ["start"], "completed": ["start", "stop"]}
        for action in steps.get(state, ["start", "stop", "archive"]):
            assert http("POST", f"{SCENARIOS}/{sid}/{action}").status == 200
        return sid

    for state in ("draft", "running", "completed", "archived"):
        seeded.kept += [make(state), make(state)]
        seeded.doomed.append(make(state))
    seeded.ingest_target = make("running")
    ingest = http(
        "POST",
        "/ingest",
        json_body={"message": "seed log from fuzz@example.com", "source": "fuzz"},
        headers={"X-Scenario-ID": seeded.ingest_target},
    )
    assert ingest.status == 202, ingest.raw
    started = time.perf_counter()
    yield seeded
    elapsed = time.perf_counter() - started
    for sid in [*seeded.kept, *seeded.doomed, seeded.ingest_target, *seeded.created]:
        http("POST", f"{SCENARIOS}/{sid}/stop")
        http("DELETE", f"{SCENARIOS}/{sid}")
    calls = sum(sum(c.values()) for c in seeded.answers.values())
    report = [f"fuzzed {len(seeded.answers)} operations with {calls} requests in {elapsed:.1f} s"]
    for label, statuses in sorted(seeded.answers.items()):
        answered = ", ".join(f"{status}: {n}" for status, n in sorted(statuses.items()))
        report.append(f"  {label}: {sum(statuses.values())} requests ({answered})")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if capture is not None and terminal is not None:
        with capture.global_and_fixture_disabled():
            terminal.write_line("\n" + "\n".join(report))


def test_every_documented_error_is_an_error_body() -> None:
    """Every error status of every operation has the one error body (docs/api.md) -- but OTLP's, which
    the OTLP/HTTP specification fixes --, 503 its Retry-After,
    and a 204 no body (powertools would document its own 422 body and a JSON ``null``)."""
    document = json.loads(DOCUMENT.read_text())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                where = f"{method.upper()} {path} {status}"
                if int(status) >= 400 and path == "/v1/logs":
                    # OTLP/HTTP: errors are a google.rpc.Status in the request's encoding (the spec's rule).
                    assert (
                        response["content"]["application/json"]["schema"]["description"]
                        == "google.rpc.Status"
                    )
                    assert "application/x-protobuf" in response["content"], where
                elif int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorBody"
                    }, where
                if status == "503":
                    assert "Retry-After" in response["headers"], where
                if status == "204":
                    assert not response.get("content"), where
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_no_422_is_documented_where_nothing_can_fail_validation() -> None:
    """An operation without parameters or body cannot answer 422: its document does not promise one."""
    document = json.loads(DOCUMENT.read_text())
    without_input = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if not operation.get("parameters") and "requestBody" not in operation:
                without_input.append(f"{method.upper()} {path}")
                assert "422" not in operation["responses"], f"{method.upper()} {path}"
    assert {"GET /health", "GET /ingest", "HEAD /ingest"} <= set(without_input)


def _real_ids(method: str) -> list[str]:
    """Real scenarios for ``method`` (any state; GETs also the one with logs)."""
    return {"DELETE": POOL.doomed, "GET": [*POOL.kept, POOL.ingest_target]}.get(method.upper(), POOL.kept)


def _real_scenarios(context: schemathesis.HookContext, path: dict[str, Any] | None) -> Any:
    """Fuzzing phase: ``scenario_id`` as generated, or a real scenario."""
    ids = _real_ids(context.operation.method) if context.operation is not None else []
    if not path or "scenario_id" not in path or not ids:
        return st.just(path)
    # The real ids first: Hypothesis favours the first branch, and a fuzzed UUID is only ever a 404.
    return st.one_of(st.sampled_from(ids).map(lambda sid: {**path, "scenario_id": sid}), st.just(path))


def _running_scenario(context: schemathesis.HookContext, headers: dict[str, Any] | None) -> Any:
    """Fuzzing phase: ``X-Scenario-ID`` of ``/ingest`` as generated, or a scenario that is running."""
    if context.operation is None or context.operation.path != "/ingest" or not POOL.ingest_target:
        return st.just(headers)
    return st.one_of(st.just({**(headers or {}), "X-Scenario-ID": POOL.ingest_target}), st.just(headers))


def _aim_at_real_scenarios(case: schemathesis.Case[Any], seeded: Seeded) -> None:
    """Examples and coverage phases (no generation hooks there): a well-formed scenario id becomes a
    real one, in turn, so that their bodies and parameters are judged past the 404 of an unknown id."""
    if case.meta is None or case.meta.phase.name == TestPhase.FUZZING:
        return
    if "scenario_id" in (case.path_parameters or {}) and not case.meta.is_negative_at(ParameterLocation.PATH):
        ids = _real_ids(case.method)
        turn = sum(seeded.answers[case.operation.label].values())
        case.path_parameters["scenario_id"] = ids[turn % len(ids)]
    if case.operation.path == "/ingest" and not case.meta.is_negative_at(ParameterLocation.HEADER):
        case.headers["X-Scenario-ID"] = seeded.ingest_target


schema = schemathesis.openapi.from_path(
    DOCUMENT,
    config=schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {"mode": "all", "deterministic": True, "no-shrink": True},
            "phases": {"stateful": {"enabled": False}},
        }
    ),
)
# NDJSON bodies are documented as a string: send it as is (schemathesis has no NDJSON serializer).
schemathesis.serializer.alias("application/x-ndjson", "text/plain")
schema.hook("flatmap_path_parameters")(_real_scenarios)
schema.hook("flatmap_headers")(_running_scenario)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time; failures show as found
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(
    case: schemathesis.Case[Any], live_server: ServerHandle, seeded: Seeded
) -> None:
    _aim_at_real_scenarios(case, seeded)
    response = case.call_and_validate(base_url=live_server.url, checks=CHECKS, timeout=30)
    seeded.answers[case.operation.label][response.status_code] += 1
    if case.operation.path == SCENARIOS and case.method.upper() == "POST" and response.status_code == 201:
        seeded.created.append(response.json()["id"])
