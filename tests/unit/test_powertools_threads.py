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


def test_log_lines_carry_their_own_threads_correlation_id() -> None:
    import io
    import json
    import logging

    from aws_lambda_powertools import Logger

    # Given a logger shared by two "function instances" on two threads
    powertools_threads.install()
    stream = io.StringIO()
    logger = Logger(service=f"threads-{threading.get_ident()}", logger_handler=logging.StreamHandler(stream))
    first_tagged, second_tagged = threading.Event(), threading.Event()

    def first() -> None:
        logger.set_correlation_id("request-1")
        first_tagged.set()
        second_tagged.wait(5)  # the other request tags the same logger meanwhile
        logger.info("from first")

    def second() -> None:
        first_tagged.wait(5)
        logger.set_correlation_id("request-2")
        second_tagged.set()
        logger.info("from second")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Then each line names its own request, and keeps the standard keys
    lines = {r["message"]: r for r in map(json.loads, stream.getvalue().splitlines())}
    assert lines["from first"]["correlation_id"] == "request-1"
    assert lines["from second"]["correlation_id"] == "request-2"
    assert {"level", "location", "timestamp", "service"} <= set(lines["from first"])
