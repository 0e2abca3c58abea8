"""The local API server: SAM CLI's own API Gateway emulator, each function instance a worker process.

Routing, event construction (REST ``Api`` events -> payload 1.0) and response conversion are SAM
CLI's: the ``Api`` comes from ``SamLocalStackProvider.get_stacks`` + ``ApiProvider`` and is served by
``LocalApigwService`` -- the same classes ``sam local start-api`` uses -- so a route added to the
template is served with no code change. The Lambda runner differs
(:class:`mockupaws_local.runner.ProcessLambdaRunner` instead of Docker), and so does what API Gateway
does around a function (:mod:`mockupaws_local.gateway`: payload and header limits, read timeouts, and
the error bodies of the template's ``GatewayResponses``, e.g. for an unknown route or a failed function,
where SAM would answer ``502 {"message": "Internal server error"}``).

Functions with a ``Schedule`` (or ``ScheduleV2``) event are also invoked, through the
same runner, every ``MOCKUPAWS_AGGREGATE_INTERVAL_S`` seconds (default 60, ``0`` disables) with an
EventBridge "Scheduled Event" payload (or the event's ``Input`` when it has one).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Response
from samcli.commands.local.lib.exceptions import NoApisDefined
from samcli.lib.providers.api_provider import ApiProvider
from samcli.local.apigw.local_apigw_service import LocalApigwService
from werkzeug.serving import BaseWSGIServer, make_server

from mockupaws_local.gateway import (
    DEFAULT_READ_TIMEOUT_S,
    ENV_READ_TIMEOUT,
    Gateway,
    template_gateway_responses,
)
from mockupaws_local.runner import (
    ACCOUNT_ID,
    InvocationError,
    OutputSink,
    ProcessLambdaRunner,
    load_stacks,
    quiet_sam_deprecations,
    resolve_setting,
)

LOG = logging.getLogger("mockupaws_local.server")

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 3000
ENV_SCHEDULE_INTERVAL = "MOCKUPAWS_AGGREGATE_INTERVAL_S"
DEFAULT_SCHEDULE_INTERVAL_S = 60.0
SCHEDULE_EVENT_TYPES = ("Schedule", "ScheduleV2")

__all__ = [
    "DEFAULT_SCHEDULE_INTERVAL_S",
    "ENV_SCHEDULE_INTERVAL",
    "RouteInfo",
    "ScheduleSpec",
    "Scheduler",
    "ServerHandle",
    "discover_schedules",
    "scheduled_event",
    "start_server",
]


# --------------------------------------------------------------------------------------------------
# Schedules
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScheduleSpec:
    """One ``Schedule``/``ScheduleV2`` event of a function in the template."""

    function: str
    event_name: str
    kind: str
    expression: str
    input: str | None
    enabled: bool

    @property
    def name(self) -> str:
        return f"{self.function}/{self.event_name}"


def _is_enabled(properties: Mapping[str, Any]) -> bool:
    """``Enabled: false`` or ``State: DISABLED`` (literal values only; intrinsics count as enabled)."""
    enabled = properties.get("Enabled")
    if enabled is False or (isinstance(enabled, str) and enabled.lower() == "false"):
        return False
    state = properties.get("State")
    return not (isinstance(state, str) and state.upper() == "DISABLED")


def discover_schedules(runner: ProcessLambdaRunner) -> list[ScheduleSpec]:
    """Every schedule event in the template (SAM's provider keeps each function's ``Events``)."""
    schedules: list[ScheduleSpec] = []
    for function in runner.provider.get_all():
        for event_name, event in (function.events or {}).items():
            if not isinstance(event, dict) or event.get("Type") not in SCHEDULE_EVENT_TYPES:
                continue
            properties = event.get("Properties") or {}
            expression = properties.get("Schedule") or properties.get("ScheduleExpression") or ""
            raw_input = properties.get("Input")
            schedules.append(
                ScheduleSpec(
                    function=function.full_path,
                    event_name=event_name,
                    kind=str(event["Type"]),
                    expression=expression if isinstance(expression, str) else json.dumps(expression),
                    input=raw_input if isinstance(raw_input, str) else None,
                    enabled=_is_enabled(properties),
                )
            )
    return schedules


def scheduled_event(
    schedule: ScheduleSpec, *, region: str | None = None, when: datetime | None = None
) -> Any:
    """The event EventBridge delivers for ``schedule`` (its ``Input`` verbatim when it has one)."""
    if schedule.input is not None:
        return json.loads(schedule.input)
    region = region or resolve_setting("AWS_REGION") or resolve_setting("AWS_DEFAULT_REGION") or "us-east-1"
    when = when or datetime.now(UTC)
    rule = f"mockupaws-local-{schedule.function.replace('/', '-')}{schedule.event_name}"
    if schedule.kind == "ScheduleV2":
        source, resource = "aws.scheduler", f"arn:aws:scheduler:{region}:{ACCOUNT_ID}:schedule/default/{rule}"
    else:
        source, resource = "aws.events", f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule}"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": source,
        "account": ACCOUNT_ID,
        "time": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [resource],
        "detail": {},
    }


class Scheduler:
    """Fires each schedule every ``interval_s`` seconds (first fire one interval after start).

    Each schedule has its own thread and fires sequentially: a run that outlasts the interval delays
    the next one rather than overlapping it. Failures are logged; they never stop the thread.
    """

    def __init__(self, runner: ProcessLambdaRunner, schedules: list[ScheduleSpec], interval_s: float) -> None:
        self.runner = runner
        self.schedules = [s for s in schedules if s.enabled]
        self.interval_s = interval_s
        self.fired: dict[str, int] = {s.name: 0 for s in self.schedules}
        self.failed: dict[str, int] = {s.name: 0 for s in self.schedules}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def active(self) -> bool:
        return self.interval_s > 0 and bool(self.schedules)

    def start(self) -> None:
        if not self.active:
            return
        for schedule in self.schedules:
            thread = threading.Thread(
                target=self._loop, args=(schedule,), name=f"schedule:{schedule.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        deadline = time.monotonic() + timeout_s
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def fire(self, schedule: ScheduleSpec) -> bool:
        """Invoke ``schedule``'s function once; True on success."""
        started = time.perf_counter()
        try:
            self.runner.invoke_event(schedule.function, scheduled_event(schedule))
        except InvocationError:
            self.failed[schedule.name] = self.failed.get(schedule.name, 0) + 1
            LOG.error("schedule %s: invocation failed (see the error above)", schedule.name)
            return False
        except Exception:
            self.failed[schedule.name] = self.failed.get(schedule.name, 0) + 1
            LOG.exception("schedule %s: could not invoke", schedule.name)
            return False
        finally:
            self.fired[schedule.name] = self.fired.get(schedule.name, 0) + 1
        LOG.info("schedule %s: ok in %.0f ms", schedule.name, (time.perf_counter() - started) * 1000)
        return True

    def _loop(self, schedule: ScheduleSpec) -> None:
        while not self._stop.wait(self.interval_s):
            self.fire(schedule)


def _read_timeout(explicit: float | None, env: Mapping[str, str]) -> float:
    if explicit is not None:
        return explicit
    raw = resolve_setting(ENV_READ_TIMEOUT, env)
    return float(raw) if raw and raw.strip() else DEFAULT_READ_TIMEOUT_S


def _schedule_interval(explicit: float | None, env: Mapping[str, str]) -> float:
    if explicit is not None:
        return max(0.0, explicit)
    raw = resolve_setting(ENV_SCHEDULE_INTERVAL, env)
    if raw is None or not raw.strip():
        return DEFAULT_SCHEDULE_INTERVAL_S
    return max(0.0, float(raw))


# --------------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RouteInfo:
    function: str
    path: str
    methods: tuple[str, ...]


class _LiveStderr:
    """The ``StreamWriter`` interface over whatever ``sys.stderr`` is at write time."""

    def write_str(self, output: str) -> None:
        sys.stderr.write(output)

    def write_bytes(self, output: bytes) -> None:
        sys.stderr.buffer.write(output)

    def flush(self) -> None:
        sys.stderr.flush()


class ServerHandle:
    """A running server. ``url`` has no trailing slash. ``stop()`` is idempotent."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        template: Path,
        routes: list[RouteInfo],
        runner: ProcessLambdaRunner,
        scheduler: Scheduler,
        http: BaseWSGIServer,
        service: Any,
    ) -> None:
        self.host = host
        self.port = port
        self.template = template
        self.url = f"http://{_url_host(host)}:{port}"
        self.routes = routes
        self.runner = runner
        self.scheduler = scheduler
        self.service = service
        self._http = http
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()
        self._thread = threading.Thread(
            target=http.serve_forever, kwargs={"poll_interval": 0.1}, name="mockupaws-local-http", daemon=True
        )

    def _start(self) -> None:
        self._thread.start()
        self.scheduler.start()

    @property
    def schedules(self) -> list[ScheduleSpec]:
        return self.scheduler.schedules

    def describe(self) -> list[str]:
        """The route table in ``sam local start-api``'s format, plus the schedules."""
        lines = [f"Mounting {r.function} at {self.url}{r.path} [{', '.join(r.methods)}]" for r in self.routes]
        for schedule in self.scheduler.schedules:
            if self.scheduler.interval_s > 0:
                every = f"every {self.scheduler.interval_s:g} s"
            else:
                every = f"disabled ({ENV_SCHEDULE_INTERVAL}=0)"
            lines.append(f"Schedule {schedule.name} ({schedule.expression}): {every}")
        return lines

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server is stopped (True) or ``timeout`` elapses (False)."""
        return self._stopped.wait(timeout)

    def stop(self) -> None:
        with self._stop_lock:
            if self._stopped.is_set():
                return
            self.scheduler.stop()
            if self._thread.is_alive():
                self._http.shutdown()
                self._thread.join(5)
            self._http.server_close()
            self.runner.shutdown()
            self._stopped.set()

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class _DropEmptyResponseNoise(logging.Filter):
    """SAM logs "Invalid lambda response received: Lambda response must be valid json" when a runner
    writes nothing to stdout -- which is how this runner reports a failed invocation, after
    printing the real error. Any other invalid response is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Lambda response must be valid json" not in record.getMessage()


_SAM_SERVICE_LOGGER = logging.getLogger("samcli.local.apigw.local_apigw_service")
if not any(isinstance(f, _DropEmptyResponseNoise) for f in _SAM_SERVICE_LOGGER.filters):
    _SAM_SERVICE_LOGGER.addFilter(_DropEmptyResponseNoise())


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", ""):  # noqa: S104 - only rewriting the printed URL
        return "127.0.0.1"
    if ":" in host and not host.startswith("["):
        return f"[{host}]"
    return host


def start_server(
    template: Path = DEFAULT_TEMPLATE,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    env: Mapping[str, str] | None = None,
    *,
    parameter_overrides: Mapping[str, str] | None = None,
    env_vars: Mapping[str, Mapping[str, object]] | None = None,
    concurrency: int | None = None,
    schedule_interval_s: float | None = None,
    prewarm: bool = False,
    sink: OutputSink | None = None,
    read_timeout_s: float | None = None,
) -> ServerHandle:
    """Serve ``template``'s API on ``host:port`` from a background thread and return its handle.

    ``port=0`` picks a free port (see ``handle.port``/``handle.url``). ``env`` is given to every
    function with the highest priority (e.g. ``{"DATABASE_URL": ...}``) and is also where
    ``MOCKUPAWS_LOCAL_CONCURRENCY`` / ``MOCKUPAWS_AGGREGATE_INTERVAL_S`` are looked up first (then
    the process environment); ``concurrency`` / ``schedule_interval_s`` override both.
    ``env_vars`` is the content of a ``sam local --env-vars`` file.
    """
    # SAM CLI telemetry is opt-in (a user may have opted in for the real CLI): never send any from here.
    os.environ.setdefault("SAM_CLI_TELEMETRY", "0")
    template = Path(template).resolve()
    env = dict(env or {})
    stacks = load_stacks(template, parameter_overrides=parameter_overrides)
    runner = ProcessLambdaRunner(
        stacks, cwd=template.parent, env_overrides=env, env_vars=env_vars, concurrency=concurrency, sink=sink
    )
    try:
        with quiet_sam_deprecations():
            api = ApiProvider(stacks, cwd=str(template.parent)).api
        if not api.routes:
            raise NoApisDefined("No APIs available in template")
        gateway = Gateway(
            responses=template_gateway_responses(stacks),
            read_timeout_s=_read_timeout(read_timeout_s, env),
        )
        service = LocalApigwService(api=api, lambda_runner=runner, port=port, host=host, stderr=_LiveStderr())
        service.create()
        unknown_route = gateway.unknown_route()

        def answer_unknown_route(_error: Exception) -> Response:
            return Response(
                unknown_route.body, status=unknown_route.status, mimetype=unknown_route.content_type
            )

        for status in (404, 405):  # SAM's own handlers answer API Gateway's default body
            service._app.register_error_handler(status, answer_unknown_route)
        http = make_server(
            host, port, gateway.wsgi(service._app), threaded=True, request_handler=gateway.request_handler()
        )
        bound_port = int(http.server_port)
        service.port = bound_port  # used in the events (X-Forwarded-Port, requestContext.domainName)
        routes = [RouteInfo(r.function_name, r.path, tuple(r.methods)) for r in api.routes]
        scheduler = Scheduler(
            runner, discover_schedules(runner), _schedule_interval(schedule_interval_s, env)
        )
    except BaseException:
        runner.shutdown()
        raise
    handle = ServerHandle(
        host=host,
        port=bound_port,
        template=template,
        routes=routes,
        runner=runner,
        scheduler=scheduler,
        http=http,
        service=service,
    )
    handle._start()
    if prewarm:
        runner.prewarm()
    return handle
