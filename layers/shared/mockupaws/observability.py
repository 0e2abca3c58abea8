"""Logging and metrics (powertools). Nothing here ever receives a log message or a request body: only
counters, ids and error types.

- ``logger``: JSON logs; handlers add the Lambda context and the API Gateway request id as correlation id.
- ``metrics``: CloudWatch EMF. Handlers that record metrics are decorated with ``@metrics.log_metrics``,
  which writes the invocation's metrics once, when it ends. :func:`record_ingest` adds the counters of
  one accepted ingest request: service-wide ones to ``metrics`` (no per-request dimension), per-scenario
  ones each as a single metric with a ``ScenarioId`` dimension, for at most ``MAX_SCENARIO_DIMENSIONS``
  scenarios per execution environment; any further scenario is counted under ``ScenarioId=other``, so
  the number of metric series stays bounded however many scenarios exist.
"""

from __future__ import annotations

import os
import warnings

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME", "mockupaws")
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "mockupAWS")
MAX_SCENARIO_DIMENSIONS = 20
OTHER_SCENARIOS = "other"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# An ingest answered 4xx records no metric: expected, not worth a warning per request (powertools' advice).
warnings.filterwarnings("ignore", "No application metrics to publish*")

_seen_scenarios: set[str] = set()


def scenario_dimension(scenario_id: str) -> str:
    """The ``ScenarioId`` dimension value: the id for the first scenarios seen, then ``other``."""
    if scenario_id in _seen_scenarios:
        return scenario_id
    if len(_seen_scenarios) < MAX_SCENARIO_DIMENSIONS:
        _seen_scenarios.add(scenario_id)
        return scenario_id
    return OTHER_SCENARIOS


def record_ingest(scenario_id: str, *, accepted: int, pii_logs: int, size_bytes: int) -> None:
    """The metrics of one accepted ingest request (counts only). The service-wide ones are written when
    the handler's ``@metrics.log_metrics`` ends the invocation; the per-scenario ones now."""
    metrics.add_metric(name="IngestedLogs", unit=MetricUnit.Count, value=accepted)
    metrics.add_metric(name="PiiLogs", unit=MetricUnit.Count, value=pii_logs)
    metrics.add_metric(name="IngestedBytes", unit=MetricUnit.Bytes, value=size_bytes)
    dimension = scenario_dimension(scenario_id)
    for name, value in (("ScenarioIngestedLogs", accepted), ("ScenarioPiiLogs", pii_logs)):
        with single_metric(
            name=name,
            unit=MetricUnit.Count,
            value=value,
            namespace=NAMESPACE,
            default_dimensions={"service": SERVICE},
        ) as metric:
            metric.add_dimension(name="ScenarioId", value=dimension)
