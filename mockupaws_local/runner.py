"""The local Lambda runner: the ``lambda_runner`` that SAM CLI's ``LocalApigwService`` drives.

``LocalApigwService`` (``samcli.local.apigw.local_apigw_service``) only needs three things from its
runner: ``is_debugging()`` (read once, in ``__init__``) and
``invoke(function_identifier, event_json, tenant_id=..., stdout=StreamWriter, stderr=StreamWriter)``,
after which it reads the function's JSON response from the ``stdout`` stream and turns it into the
HTTP response (``_parse_v1_payload_format_lambda_output``). Instead of starting a Docker container,
:class:`ProcessLambdaRunner` runs the handler in a worker process (:mod:`mockupaws_local.worker`).

Execution model ("each function behaves like a Lambda execution environment"):

* every *instance* of a function is a long-lived worker process with the function's code directory
  and its layers on ``sys.path`` and the function's own environment (template
  ``Environment.Variables``, with SAM's precedence, + the ``AWS_*`` variables Lambda sets) on top of
  this process's environment; it imports the handler once (the init phase, a cold start) and then
  serves one invocation at a time, each with its own ``aws_request_id``;
* an invocation goes to an idle instance of its function; if none is idle a new instance is
  started, up to ``MOCKUPAWS_LOCAL_CONCURRENCY`` (default 4) per function, otherwise the caller
  waits for one to become idle. Instances of one function run in parallel on every core;
* each API event gets a request id of its own (:func:`fresh_request_id`), as API Gateway gives;
* what a function writes to stdout/stderr (its JSON logs, EMF metrics) is read line by line and
  written whole to this process's stdout/stderr (:class:`OutputSink`): lines of concurrent instances
  never interleave;
* a handler exception or a timeout (the function's ``Timeout``) writes nothing to ``stdout``, which
  SAM's service turns into a 502 (the template's ``DEFAULT_5XX`` body, :mod:`mockupaws_local.gateway`) --
  what API Gateway answers when the Lambda integration fails. The
  traceback goes to the server's stderr, never to the client. A timed-out instance is killed, and an
  instance whose init (module import) failed or whose process exited is discarded, so the next request
  cold-starts a fresh one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import logging
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, TextIO

from samcli.commands.local.lib.exceptions import TenantIdValidationError, UnsupportedInlineCodeError
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.lib.utils.codeuri import resolve_code_path
from samcli.lib.utils.name_utils import normalize_sam_function_identifier
from samcli.local.lambdafn.exceptions import FunctionNotFound

from mockupaws_local import worker

LOG = logging.getLogger("mockupaws_local.runner")

ENV_CONCURRENCY = "MOCKUPAWS_LOCAL_CONCURRENCY"
ENV_ENFORCE_TIMEOUT = "MOCKUPAWS_LOCAL_ENFORCE_TIMEOUT"
DEFAULT_CONCURRENCY = 4
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
ENV_INIT_TIMEOUT = "MOCKUPAWS_LOCAL_INIT_TIMEOUT_S"
# Lambda gives the init phase its own 10 s on top of the invocation timeout. Locally a cold start also
# starts an interpreter, on a machine shared with everything else: the default allows far more.
DEFAULT_INIT_TIMEOUT_S = 60.0
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128

PREWARM_EVENT_TYPES = ("Api", "HttpApi", "Schedule", "ScheduleV2")

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_CONCURRENCY",
    "ENV_CONCURRENCY",
    "FunctionSpec",
    "InstanceInfo",
    "InvocationError",
    "OutputSink",
    "ProcessLambdaRunner",
    "fresh_request_id",
    "load_stacks",
    "quiet_sam_deprecations",
    "resolve_setting",
]


# --------------------------------------------------------------------------------------------------
# Template loading
# --------------------------------------------------------------------------------------------------


def load_stacks(
    template: Path,
    *,
    parameter_overrides: Mapping[str, str] | None = None,
    region: str | None = None,
) -> list[Any]:
    """Parse ``template`` (SAM transform applied, parameters resolved) exactly like ``sam local`` does.

    Returns SAM CLI ``Stack`` objects (root stack first, then nested stacks).
    """
    global_overrides = {"AWS::Region": region or _default_region(), "AWS::AccountId": ACCOUNT_ID}
    with quiet_sam_deprecations():
        stacks, _remote = SamLocalStackProvider.get_stacks(
            str(template.resolve()),
            parameter_overrides=dict(parameter_overrides or {}),
            global_parameter_overrides=global_overrides,
        )
        for stack in stacks:
            _ = stack.resources  # the SAM transform runs lazily, on first access: run it here
    return list(stacks)


@contextlib.contextmanager
def quiet_sam_deprecations() -> Iterator[None]:
    """Silence the DeprecationWarnings SAM's template validation raises (samtranslator uses deprecated
    jsonschema APIs): not ours to fix, and noisy in every test run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


def resolve_setting(name: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """A runtime setting: ``overrides[name]`` if given, else the process environment, else ``None``."""
    if overrides is not None and name in overrides:
        return overrides[name]
    return _BASE_ENVIRON.get(name)


def _default_region() -> str:
    return _BASE_ENVIRON.get("AWS_REGION") or _BASE_ENVIRON.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


_BASE_ENVIRON: os._Environ[str] = os.environ


def _stringify_env_value(value: object) -> str:
    """Like SAM's ``EnvironmentVariables._stringify_value``: unresolved intrinsics become ``""``."""
    if isinstance(value, dict | list | tuple) or value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


# --------------------------------------------------------------------------------------------------
# Function model
# --------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    """What the runner needs to know about one ``AWS::Serverless::Function`` of the template."""

    logical_id: str
    full_path: str
    function_name: str
    handler: str
    runtime: str | None
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    template_variables: Mapping[str, object]
    memory_mb: int
    timeout_s: int
    events: Mapping[str, Any]
    tenancy: bool = False

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{_default_region()}:{ACCOUNT_ID}:function:{self.function_name}"

    @property
    def handler_module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def handler_function(self) -> str:
        return self.handler.rsplit(".", 1)[1]

    @classmethod
    def from_sam(cls, function: Any, cwd: Path) -> FunctionSpec:
        """Build from a SAM CLI ``Function`` (``SamFunctionProvider``)."""
        if function.inlinecode:
            raise UnsupportedInlineCodeError(
                "Inline code is not supported for sam local commands."
                f" Please write your code in a separate file for the function {function.function_id}."
            )
        if function.packagetype != "Zip" or not function.codeuri:
            raise ValueError(f"{function.full_path}: only Zip functions with a CodeUri can run in-process")
        if not function.handler or "." not in function.handler:
            raise ValueError(f"{function.full_path}: invalid Handler {function.handler!r}")
        if function.runtime and not str(function.runtime).startswith("python"):
            raise ValueError(f"{function.full_path}: runtime {function.runtime} cannot run in-process")
        environment = function.environment or {}
        variables = environment.get("Variables") if isinstance(environment, dict) else None
        layer_dirs: list[Path] = []
        for layer in function.layers or []:
            if getattr(layer, "codeuri", None):
                layer_dirs.append(Path(resolve_code_path(str(cwd), layer.codeuri)))
            else:
                LOG.warning("%s: layer %s has no local ContentUri; skipped", function.full_path, layer.name)
        return cls(
            logical_id=function.name,
            full_path=function.full_path,
            function_name=function.functionname or function.name,
            handler=function.handler,
            runtime=function.runtime,
            code_dir=Path(resolve_code_path(str(cwd), function.codeuri)),
            layer_dirs=tuple(layer_dirs),
            template_variables=dict(variables) if isinstance(variables, dict) else {},
            memory_mb=int(function.memory or DEFAULT_MEMORY_MB),
            timeout_s=int(function.timeout or DEFAULT_TIMEOUT_S),
            events=dict(function.events or {}),
            tenancy=isinstance(function.tenancy_config, dict) and bool(function.tenancy_config),
        )


class InvocationError(Exception):
    """An invocation failed (handler error, init error, timeout, unserialisable result)."""

    def __init__(self, error_type: str, message: str, details: str = "") -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.details = details

    @classmethod
    def from_report(cls, report: Mapping[str, Any]) -> InvocationError:
        return cls(str(report.get("type")), str(report.get("message")), str(report.get("details") or ""))


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """A snapshot of one function instance, for diagnostics and tests."""

    instance_id: str
    function: str
    invocations: int
    busy: bool
    initialized: bool
    pid: int


@dataclasses.dataclass
class _Outcome:
    payload: str | None = None
    error: InvocationError | None = None
    discard: bool = False  # the environment must not be reused (init failed, sys.exit, timeout...)
    init_ms: float | None = None
    duration_ms: float = 0.0

    @property
    def result(self) -> Any:
        return None if self.payload is None else json.loads(self.payload)


class OutputSink:
    """Where the function instances' stdout and stderr lines go: the server's own ``sys.stdout`` /
    ``sys.stderr`` as they are at write time (or the given streams), one whole line per write, under one
    lock -- so two instances' log lines are never glued together or cut into each other."""

    def __init__(self, stdout: TextIO | None = None, stderr: TextIO | None = None) -> None:
        self._stdout = stdout
        self._stderr = stderr

    def write_line(self, text: str, *, error: bool = False) -> None:
        stream = (self._stderr or sys.stderr) if error else (self._stdout or sys.stdout)
        with _OUTPUT_LOCK:
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError):  # a closed or broken stream: the line is lost, not the server
                pass


_OUTPUT_LOCK = threading.Lock()
WORKER_FILE = str(Path(worker.__file__).resolve())


class _Instance:
    """One execution environment: a worker process (:mod:`mockupaws_local.worker`) that imports the
    handler at start and then runs one invocation at a time. Its stdout and stderr are read line by line
    by two threads here and forwarded whole to the :class:`OutputSink`; the protocol has its own pipes."""

    def __init__(self, pool: _FunctionPool, number: int) -> None:
        self.pool = pool
        spec = pool.spec
        self.instance_id = f"{spec.logical_id}#{number}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.invocations = 0
        self.busy = False
        self.initialized = False  # the worker reported "ready"
        self.init_ms: float | None = None
        self.init_error: InvocationError | None = None
        self._init_reported = False
        self._replies: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        environment = dict(_BASE_ENVIRON)
        environment.update({k: v for k, v in pool.environment.items() if v is not None})
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = self.log_stream_name
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        config = {
            "code_dir": str(spec.code_dir),
            "layer_dirs": [str(d) for d in _layer_paths(spec.layer_dirs)],
            "handler": spec.handler,
            "function_name": spec.function_name,
            "arn": spec.arn,
            "memory_mb": spec.memory_mb,
            "timeout_s": spec.timeout_s,
            "log_stream_name": self.log_stream_name,
            "request_fd": request_read,
            "reply_fd": reply_write,
        }
        try:
            self.process = subprocess.Popen(  # noqa: S603 - our own worker, by absolute path
                [sys.executable, WORKER_FILE, json.dumps(config)],
                cwd=spec.code_dir,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(request_read, reply_write),
                start_new_session=True,  # Ctrl-C reaches the server, which stops its workers itself
            )
        finally:
            os.close(request_read)
            os.close(reply_write)
        self._requests = os.fdopen(request_write, "wb")
        self._reply_stream = os.fdopen(reply_read, "rb")
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        sink = pool.sink
        self._threads = [
            threading.Thread(
                target=self._read_replies, name=f"lambda:{self.instance_id}:replies", daemon=True
            ),
            threading.Thread(
                target=_pump,
                args=(self.process.stdout, sink, False),
                name=f"lambda:{self.instance_id}:stdout",
                daemon=True,
            ),
            threading.Thread(
                target=_pump,
                args=(self.process.stderr, sink, True),
                name=f"lambda:{self.instance_id}:stderr",
                daemon=True,
            ),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def _read_replies(self) -> None:
        try:
            for line in self._reply_stream:
                self._replies.put(json.loads(line))
        except (OSError, ValueError):
            pass
        finally:
            self._replies.put(None)  # the worker is gone

    def _next_reply(self, timeout: float | None) -> dict[str, Any] | None:
        """The worker's next reply; None when it died; :class:`queue.Empty` after ``timeout``."""
        return self._replies.get(timeout=timeout)

    def _wait_ready(self, timeout_s: float | None) -> _Outcome | None:
        """Wait for the end of the init phase (once). None when ready, else the failed outcome."""
        if self._init_reported:
            return None
        outcome = _Outcome()
        try:
            reply = self._next_reply(timeout_s)
        except queue.Empty:
            outcome.error = InvocationError(
                "Sandbox.Timedout", f"Init timed out after {timeout_s:.2f} seconds"
            )
            outcome.discard = True
            return outcome
        self._init_reported = True
        if reply is not None and reply.get("op") == "ready":
            self.initialized = True
            self.init_ms = float(reply.get("init_ms") or 0.0)
            outcome.init_ms = self.init_ms
            return None
        outcome.discard = True
        if reply is not None and reply.get("op") == "init_error":
            outcome.error = InvocationError.from_report(reply["error"])
            outcome.init_ms = float(reply.get("init_ms") or 0.0)
        else:
            outcome.error = InvocationError(
                "Runtime.ExitError", f"the runtime exited ({self._exit_status()})"
            )
        return outcome

    def invoke(
        self, event: Any, tenant_id: str | None, *, timeout_s: float | None, init_timeout_s: float | None
    ) -> _Outcome:
        """Run one invocation (init first, on a cold instance, within ``init_timeout_s``). ``timeout_s``
        is the function's Timeout. None: no limit."""
        cold = not self._init_reported
        failed = self._wait_ready(init_timeout_s)
        if failed is not None:
            return failed
        outcome = _Outcome(init_ms=self.init_ms if cold else None)
        request = {"op": "invoke", "event": event, "request_id": str(uuid.uuid4()), "tenant_id": tenant_id}
        try:
            self._requests.write(json.dumps(request).encode() + b"\n")
            self._requests.flush()
        except OSError:
            outcome.error = InvocationError(
                "Runtime.ExitError", f"the runtime exited ({self._exit_status()})"
            )
            outcome.discard = True
            return outcome
        started = time.monotonic()
        try:
            reply = self._next_reply(timeout_s)
        except queue.Empty:
            outcome.error = InvocationError(
                "Sandbox.Timedout", f"Task timed out after {self.pool.spec.timeout_s:.2f} seconds"
            )
            outcome.discard = True
            outcome.duration_ms = (time.monotonic() - started) * 1000
            return outcome
        finally:
            self.invocations += 1
        if reply is None:
            outcome.error = InvocationError(
                "Runtime.ExitError", f"the runtime exited ({self._exit_status()})"
            )
            outcome.discard = True
            outcome.duration_ms = (time.monotonic() - started) * 1000
            return outcome
        outcome.duration_ms = float(reply.get("duration_ms") or 0.0)
        if reply.get("op") == "result":
            outcome.payload = str(reply["payload"])
        else:
            outcome.error = InvocationError.from_report(reply.get("error") or {})
            outcome.discard = bool(reply.get("fatal"))
        return outcome

    def _exit_status(self) -> str:
        try:
            code = self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return "still running"
        return f"signal {-code}" if code < 0 else f"exit status {code}"

    def stop(self, *, kill: bool = False) -> None:
        """End the worker: ask it to exit (its current invocation, if any, finishes first), or kill it."""
        if kill:
            with contextlib.suppress(OSError):
                self.process.kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                self._requests.write(b'{"op": "exit"}\n')
                self._requests.flush()
        with contextlib.suppress(OSError, ValueError):
            self._requests.close()

    def join(self, timeout_s: float) -> None:
        """Wait for the process to end (killed after ``timeout_s``) and for its last lines to be forwarded."""
        try:
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for thread in self._threads:
            thread.join(timeout=2)
        with contextlib.suppress(OSError):
            self._reply_stream.close()


def _pump(stream: IO[bytes], sink: OutputSink, error: bool) -> None:
    """Forward a worker's output line by line (a last unterminated line gets its newline)."""
    with contextlib.suppress(OSError, ValueError):
        for raw in stream:
            text = raw.decode("utf-8", errors="replace")
            sink.write_line(text if text.endswith("\n") else text + "\n", error=error)
    with contextlib.suppress(OSError):
        stream.close()


def _layer_paths(dirs: tuple[Path, ...]) -> list[Path]:
    """A source layer (``ContentUri: layers/shared/``) keeps its packages at its root, a built one under
    ``python/``: both, ``python/`` first, like Lambda's ``/opt/python``."""
    paths: list[Path] = []
    for root in dirs:
        for candidate in (root / "python", root):
            if candidate.is_dir() and candidate not in paths:
                paths.append(candidate)
    return paths


class _FunctionPool:
    """The instances of one function, at most ``max_instances`` of them."""

    def __init__(
        self, spec: FunctionSpec, environment: dict[str, str | None], max_instances: int, sink: OutputSink
    ) -> None:
        self.spec = spec
        self.environment = environment
        self.max_instances = max_instances
        self.sink = sink
        self._instances: list[_Instance] = []
        self._numbers = itertools.count(1)
        self._cond = threading.Condition()
        self._closed = False

    def prewarm(self) -> None:
        """Start one instance now (its init runs in the background) unless the function has one."""
        with self._cond:
            if not self._closed and not self._instances:
                self._instances.append(_Instance(self, next(self._numbers)))

    def acquire(self) -> _Instance:
        with self._cond:
            while True:
                if self._closed:
                    raise RuntimeError("the local Lambda runner is shutting down")
                for instance in self._instances:
                    if not instance.busy:
                        instance.busy = True
                        return instance
                if len(self._instances) < self.max_instances:
                    instance = _Instance(self, next(self._numbers))
                    instance.busy = True
                    self._instances.append(instance)
                    return instance
                self._cond.wait()

    def release(self, instance: _Instance) -> None:
        with self._cond:
            instance.busy = False
            self._cond.notify()

    def discard(self, instance: _Instance) -> None:
        """Take an instance out of service (timed out, init failed, exited) and kill its process."""
        with self._cond:
            if instance in self._instances:
                self._instances.remove(instance)
            self._cond.notify()
        instance.stop(kill=True)
        threading.Thread(target=instance.join, args=(5.0,), daemon=True).start()

    def close(self) -> list[_Instance]:
        with self._cond:
            self._closed = True
            instances, self._instances = self._instances, []
            self._cond.notify_all()
        for instance in instances:
            instance.stop()
        return instances

    def snapshot(self) -> list[InstanceInfo]:
        with self._cond:
            return [
                InstanceInfo(i.instance_id, self.spec.full_path, i.invocations, i.busy, i.initialized, i.pid)
                for i in self._instances
            ]


# --------------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------------


class ProcessLambdaRunner:
    """Duck-typed replacement for ``samcli.commands.local.lib.local_lambda.LocalLambdaRunner``: runs each
    function instance as a worker process (see the module docstring) instead of a Docker container.

    Parameters
    ----------
    stacks:
        SAM CLI stacks (see :func:`load_stacks`).
    cwd:
        Directory that ``CodeUri``/``ContentUri`` are relative to (the template's directory).
    env_overrides:
        Highest-priority environment variables, given to every function (e.g. ``DATABASE_URL``).
        Also the first place runtime settings such as ``MOCKUPAWS_LOCAL_CONCURRENCY`` are read from.
    env_vars:
        The content of a ``sam local --env-vars`` JSON file: ``{"Parameters": {...}, "<Function>": {...}}``.
    concurrency:
        Maximum instances per function; default ``MOCKUPAWS_LOCAL_CONCURRENCY`` or 4.
    enforce_timeouts:
        Fail invocations that outlive the function's ``Timeout`` (and cold starts whose init outlives
        ``MOCKUPAWS_LOCAL_INIT_TIMEOUT_S``, default 60); default ``MOCKUPAWS_LOCAL_ENFORCE_TIMEOUT``
        (``0`` disables, e.g. to sit in a debugger) or on.
    log_stream:
        Where function errors (tracebacks) are written when SAM passes no stderr stream.
    sink:
        Where the instances' stdout/stderr lines go (default: this process's stdout/stderr).
    """

    def __init__(
        self,
        stacks: list[Any],
        *,
        cwd: Path,
        env_overrides: Mapping[str, str] | None = None,
        env_vars: Mapping[str, Mapping[str, object]] | None = None,
        concurrency: int | None = None,
        enforce_timeouts: bool | None = None,
        log_stream: TextIO | None = None,
        sink: OutputSink | None = None,
    ) -> None:
        self.stacks = stacks
        self.cwd = cwd.resolve()
        self.env_overrides: dict[str, str] = dict(env_overrides or {})
        self.env_vars: dict[str, Mapping[str, object]] = {k: dict(v) for k, v in (env_vars or {}).items()}
        if concurrency is None:
            raw = resolve_setting(ENV_CONCURRENCY, self.env_overrides)
            concurrency = int(raw) if raw else DEFAULT_CONCURRENCY
        if concurrency < 1:
            raise ValueError(f"{ENV_CONCURRENCY} must be >= 1, got {concurrency}")
        self.concurrency = concurrency
        if enforce_timeouts is None:
            raw = resolve_setting(ENV_ENFORCE_TIMEOUT, self.env_overrides)
            enforce_timeouts = raw is None or raw.strip().lower() not in {"0", "false", "no", "off"}
        self.enforce_timeouts = enforce_timeouts
        raw = resolve_setting(ENV_INIT_TIMEOUT, self.env_overrides)
        self.init_timeout_s = float(raw) if raw and raw.strip() else DEFAULT_INIT_TIMEOUT_S
        self._log_stream = log_stream
        self.sink = sink or OutputSink()
        self.provider = SamFunctionProvider(stacks, ignore_code_extraction_warnings=True)
        self._pools: dict[str, _FunctionPool] = {}
        self._pools_lock = threading.Lock()
        self._closed = False

    @classmethod
    def from_template(
        cls,
        template: Path,
        *,
        parameter_overrides: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> ProcessLambdaRunner:
        stacks = load_stacks(template, parameter_overrides=parameter_overrides)
        return cls(stacks, cwd=template.resolve().parent, **kwargs)

    # -- the interface LocalApigwService uses ------------------------------------------------------

    def is_debugging(self) -> bool:
        return False

    def get_function(self, function_identifier: str, tenant_id: str | None = None) -> Any:
        """The SAM ``Function`` for an identifier (logical id, function name or full path)."""
        function = self.provider.get(normalize_sam_function_identifier(function_identifier))
        if not function:
            raise FunctionNotFound(f"Unable to find a Function with name '{function_identifier}'")
        tenancy = isinstance(function.tenancy_config, dict) and bool(function.tenancy_config)
        if tenancy and not tenant_id:
            raise TenantIdValidationError(
                "The invoked function is enabled with tenancy configuration. "
                "Add a valid tenant ID in your request and try again."
            )
        if tenant_id and not tenancy:
            raise TenantIdValidationError(
                "The invoked function is not enabled with tenancy configuration. "
                "Remove the tenant ID from your request and try again."
            )
        return function

    def invoke(
        self,
        function_identifier: str,
        event: str,
        tenant_id: str | None = None,
        stdout: Any = None,
        stderr: Any = None,
        **_unused: Any,
    ) -> None:
        """Invoke like ``LocalLambdaRunner.invoke``: the JSON response is written to ``stdout``.

        On failure nothing is written to ``stdout`` (SAM's service then answers 502) and the error
        report goes to ``stderr``.
        """
        function = self.get_function(function_identifier, tenant_id)
        try:
            pool = self._pool(function)
            outcome = self._run(pool, fresh_request_id(json.loads(event)), tenant_id)
        except InvocationError as exc:
            self._report_error(function.full_path, exc, stderr)
            return
        except (ValueError, RuntimeError) as exc:  # not runnable in-process / shutting down
            self._report_error(function.full_path, InvocationError("Runtime.Unavailable", str(exc)), stderr)
            return
        if outcome.error is not None:
            self._report_error(function.full_path, outcome.error, stderr)
            return
        if stdout is not None and outcome.payload is not None:
            stdout.write_str(outcome.payload)
            stdout.flush()

    # -- direct use (schedules, tests) -------------------------------------------------------------

    def invoke_event(self, function_identifier: str, event: Mapping[str, Any] | list[Any] | str) -> Any:
        """Invoke a function with an event object and return the handler's result.

        Raises :class:`InvocationError` when the invocation fails (and reports it to stderr).
        """
        function = self.get_function(function_identifier)
        pool = self._pool(function)
        outcome = self._run(pool, event, None)
        if outcome.error is not None:
            self._report_error(pool.spec.full_path, outcome.error, None)
            raise outcome.error
        return outcome.result

    def function_specs(self) -> list[FunctionSpec]:
        """Every function of the template that can run in-process."""
        specs = []
        for function in self.provider.get_all():
            try:
                specs.append(FunctionSpec.from_sam(function, self.cwd))
            except (ValueError, UnsupportedInlineCodeError) as exc:
                LOG.warning("%s", exc)
        return specs

    def instances(self, function_identifier: str | None = None) -> list[InstanceInfo]:
        """Live instances (all functions, or one)."""
        with self._pools_lock:
            pools = list(self._pools.values())
        if function_identifier is not None:
            function = self.get_function(function_identifier)
            pools = [p for p in pools if p.spec.full_path == function.full_path]
        return [info for pool in pools for info in pool.snapshot()]

    def prewarm(self, function_identifiers: list[str] | None = None) -> None:
        """Start one instance of each function now (default: every function with an Api or Schedule
        event), so the first requests do not wait for a cold start. Returns at once: the inits run in
        the background, in their own processes."""
        wanted = {normalize_sam_function_identifier(f) for f in function_identifiers or []}
        for function in self.provider.get_all():
            if function_identifiers is not None and not {function.name, function.full_path} & wanted:
                continue
            if function_identifiers is None and not any(
                isinstance(e, dict) and e.get("Type") in PREWARM_EVENT_TYPES
                for e in (function.events or {}).values()
            ):
                continue
            try:
                self._pool(function).prewarm()
            except (ValueError, UnsupportedInlineCodeError) as exc:
                LOG.warning("%s", exc)

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """Stop every instance: each finishes its current invocation, then exits; a worker still there
        after ``timeout_s`` is killed."""
        with self._pools_lock:
            if self._closed:
                return
            self._closed = True
            pools = list(self._pools.values())
        instances = [instance for pool in pools for instance in pool.close()]
        deadline = time.monotonic() + timeout_s
        for instance in instances:
            instance.join(max(0.0, deadline - time.monotonic()))

    # -- internals ---------------------------------------------------------------------------------

    def _pool(self, function: Any) -> _FunctionPool:
        with self._pools_lock:
            if self._closed:
                raise RuntimeError("the local Lambda runner is shut down")
            pool = self._pools.get(function.full_path)
            if pool is None:
                spec = FunctionSpec.from_sam(function, self.cwd)
                pool = _FunctionPool(spec, self._environment_for(spec), self.concurrency, self.sink)
                self._pools[function.full_path] = pool
            return pool

    def _environment_for(self, spec: FunctionSpec) -> dict[str, str | None]:
        """The function's environment, with SAM's precedence.

        ``AWS_*`` variables Lambda sets, then the template's variables, each replaced by the process
        environment's value when set there (as ``sam local`` does with the shell environment), then
        by the ``--env-vars`` file (``Parameters``, then the function's own section), then by
        ``env_overrides``, which also adds variables the template does not declare.
        """
        region = _default_region()
        env: dict[str, str | None] = {
            "AWS_SAM_LOCAL": "true",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python3'}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(spec.timeout_s),
            "AWS_LAMBDA_FUNCTION_HANDLER": spec.handler,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.function_name}",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCOUNT_ID": ACCOUNT_ID,
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "_HANDLER": spec.handler,
        }
        file_overrides: dict[str, object] = {}
        file_overrides.update(self.env_vars.get("Parameters", {}))
        for key in (spec.logical_id, spec.function_name, spec.full_path):
            if key in self.env_vars:
                file_overrides.update(self.env_vars[key])
                break
        for name, value in spec.template_variables.items():
            chosen: object = value
            if name in _BASE_ENVIRON:
                chosen = _BASE_ENVIRON[name]
            if name in file_overrides:
                chosen = file_overrides[name]
            env[name] = _stringify_env_value(chosen)
        env.update(self.env_overrides)
        return env

    def _run(self, pool: _FunctionPool, event: Any, tenant_id: str | None) -> _Outcome:
        spec = pool.spec
        instance = pool.acquire()
        timeout = float(spec.timeout_s) if self.enforce_timeouts else None
        try:
            outcome = instance.invoke(
                event,
                tenant_id,
                timeout_s=timeout,
                init_timeout_s=self.init_timeout_s if self.enforce_timeouts else None,
            )
        except BaseException:
            pool.discard(instance)
            raise
        if outcome.discard:
            pool.discard(instance)
            if outcome.error is not None and outcome.error.error_type == "Sandbox.Timedout":
                LOG.warning("%s: instance %s timed out; killed", spec.full_path, instance.instance_id)
        else:
            pool.release(instance)
        init = f" Init Duration: {outcome.init_ms:.2f} ms" if outcome.init_ms is not None else ""
        LOG.info(
            "REPORT %s (%s) Duration: %.2f ms Memory Size: %d MB%s%s",
            spec.full_path,
            instance.instance_id,
            outcome.duration_ms,
            spec.memory_mb,
            init,
            " ERROR" if outcome.error else "",
        )
        return outcome

    def _report_error(self, function: str, error: InvocationError, stderr: Any) -> None:
        text = f"[ERROR] {function}: {error.error_type}: {error.message}\n"
        if error.details:
            text += error.details if error.details.endswith("\n") else error.details + "\n"
        if stderr is not None and hasattr(stderr, "write_str"):
            stderr.write_str(text)
            with contextlib.suppress(Exception):
                stderr.flush()
        else:
            stream = self._log_stream or sys.stderr
            stream.write(text)
            stream.flush()


def fresh_request_id(event: Any) -> Any:
    """The API event with a request id of its own. SAM CLI's emulator builds ``requestContext.requestId``
    from a default argument (``request_id=str(uuid.uuid4())``) evaluated once, so every event it builds
    carries the same id; API Gateway gives each request its own, and the handlers log it as their
    correlation id."""
    if isinstance(event, dict) and isinstance(event.get("requestContext"), dict):
        event["requestContext"]["requestId"] = str(uuid.uuid4())
    return event
