"""Function instances on threads of one process must each see only their own request (local server)."""

from __future__ import annotations

import threading
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from mockupaws_local import powertools_threads


def event(scenario: str) -> dict[str, Any]:
    return {
        "resource": "/ingest",
        "path": "/ingest",
        "httpMethod": "POST",
        "headers": {"X-Scenario-ID": scenario},
        "body": f"{scenario} logs",
        "isBase64Encoded": False,
        "requestContext": {"stage": "local", "requestId": scenario},
    }


def test_a_handler_keeps_its_own_event_while_another_resolver_runs() -> None:
    # Given two resolvers (two function instances) on two threads, with the fix installed
    powertools_threads.install()
    assert powertools_threads.installed()
    first, second = APIGatewayRestResolver(), APIGatewayRestResolver()
    second_started = threading.Event()
    seen: dict[str, str] = {}

    @first.post("/ingest")
    def first_route() -> dict[str, str]:
        before = first.current_event.headers["X-Scenario-ID"]
        second_started.wait(5)  # the other instance resolves meanwhile (e.g. during a DB round trip)
        seen["before"] = before
        seen["after"] = first.current_event.headers["X-Scenario-ID"]
        seen["body"] = first.current_event.body or ""
        return {}

    @second.post("/ingest")
    def second_route() -> dict[str, str]:
        second_started.set()
        return {}

    # When the second resolves while the first is mid-request
    a = threading.Thread(target=first.resolve, args=(event("scenario-A"), None))
    a.start()
    b = threading.Thread(target=second.resolve, args=(event("scenario-B"), None))
    b.start()
    a.join()
    b.join()
    # Then the first still sees its own request
    assert seen == {"before": "scenario-A", "after": "scenario-A", "body": "scenario-A logs"}
