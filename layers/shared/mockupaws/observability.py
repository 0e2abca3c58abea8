"""Logging and metrics (powertools). Nothing here ever receives a log message or a request body: only
counters, ids and error types.

- ``logger``: JSON logs; handlers add the Lambda context and the API Gateway request id as correlation id.
- Metrics: CloudWatch EMF, written once per accepted ingest request by :func:`record_ingest` through
  ``EphemeralMetrics`` objects of that request (no process-wide metric buffer, so function instances
  sharing a process, as in the local server, never flush each other's values). Service-wide counters
  have no per-request dimension. Per-scenario counters carry a ``ScenarioId`` dimension for at most
  ``MAX_SCENARIO_DIMENSIONS`` scenarios per execution environment; any further scenario is counted under
  ``ScenarioId=other``, so the number of metric series stays bounded however many scenarios exist.
"""

from __future__ import annotations

import os
import threading

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "mockupaws")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "mockupAWS")
MAX_SCENARIO_DIMENSIONS = 20
OTHER_SCENARIOS = "other"

logger = Logger(service=SERVICE)

_seen_scenarios: set[str] = set()
_seen_lock = threading.Lock()


def scenario_dimension(scenario_id: str) -> str:
    """The ``ScenarioId`` dimension value: the id for the first scenarios seen, then ``other``."""
    with _seen_lock:
        if scenario_id in _seen_scenarios:
            return scenario_id
        if len(_seen_scenarios) < MAX_SCENARIO_DIMENSIONS:
            _seen_scenarios.add(scenario_id)
            return scenario_id
    return OTHER_SCENARIOS


def record_ingest(scenario_id: str, *, accepted: int, pii_logs: int, size_bytes: int) -> None:
    """EMF metrics of one accepted ingest request (counts only), flushed now."""
    service = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    service.add_metric(name="IngestedLogs", unit=MetricUnit.Count, value=accepted)
    service.add_metric(name="PiiLogs", unit=MetricUnit.Count, value=pii_logs)
    service.add_metric(name="IngestedBytes", unit=MetricUnit.Bytes, value=size_bytes)
    service.flush_metrics()
    per_scenario = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    per_scenario.add_dimension(name="ScenarioId", value=scenario_dimension(scenario_id))
    per_scenario.add_metric(name="ScenarioIngestedLogs", unit=MetricUnit.Count, value=accepted)
    per_scenario.add_metric(name="ScenarioPiiLogs", unit=MetricUnit.Count, value=pii_logs)
    per_scenario.flush_metrics()
