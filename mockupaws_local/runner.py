"""In-process Lambda runner: the ``lambda_runner`` that SAM CLI's ``LocalApigwService`` drives.

``LocalApigwService`` (``samcli.local.apigw.local_apigw_service``) only needs three things from its
runner: ``is_debugging()`` (read once, in ``__init__``) and
``invoke(function_identifier, event_json, tenant_id=..., stdout=StreamWriter, stderr=StreamWriter)``,
after which it reads the function's JSON response from the ``stdout`` stream and turns it into the
HTTP response (``_parse_v1_payload_format_lambda_output``). Instead of starting a Docker container,
:class:`InProcessLambdaRunner` imports the handler and calls it in this process.

Execution model ("each function behaves like a Lambda container"):

* every *instance* of a function (an execution environment) is a dedicated daemon thread that
  imports its own copy of the handler module, under a unique module name, on its first invocation
  (a cold start), and then serves one invocation at a time;
* an invocation goes to an idle instance of its function; if none is idle a new instance is
  started, up to ``MOCKUPAWS_LOCAL_CONCURRENCY`` (default 4) per function, otherwise the caller
  waits for one to become idle;
* each instance thread sees the function's own environment (template ``Environment.Variables`` +
  the ``AWS_*`` variables Lambda sets) through a thread-local overlay of ``os.environ``; anything
  not in the overlay falls through to the real process environment;
* a handler exception or a timeout (the function's ``Timeout``) writes nothing to ``stdout``, which
  SAM's service turns into ``502 {"message": "Internal server error"}`` -- what API Gateway answers
  when the Lambda integration fails. The traceback goes to the server's stderr, never to the client.
  A timed-out instance is discarded (its thread is left to finish, then exits) and an instance whose
  init (module import) failed is discarded too, so the next request cold-starts a fresh one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import decimal
import importlib.util
import itertools
import json
import logging
import os
import queue
import re
import sys
import threading
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from samcli.commands.local.lib.exceptions import TenantIdValidationError, UnsupportedInlineCodeError
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.lib.utils.codeuri import resolve_code_path
from samcli.lib.utils.name_utils import normalize_sam_function_identifier
from samcli.local.lambdafn.exceptions import FunctionNotFound

from mockupaws_local import powertools_threads

LOG = logging.getLogger("mockupaws_local.runner")

ENV_CONCURRENCY = "MOCKUPAWS_LOCAL_CONCURRENCY"
ENV_ENFORCE_TIMEOUT = "MOCKUPAWS_LOCAL_ENFORCE_TIMEOUT"
DEFAULT_CONCURRENCY = 4
DEFAULT_REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
# Lambda gives the init phase its own 10 s budget on top of the invocation timeout.
INIT_TIMEOUT_S = 10.0
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128

__all__ = [
    "ACCOUNT_ID",
    "DEFAULT_CONCURRENCY",
    "ENV_CONCURRENCY",
    "FunctionSpec",
    "InProcessLambdaRunner",
    "InstanceInfo",
    "InvocationError",
    "LambdaContext",
    "add_to_sys_path",
    "layer_dirs",
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


# --------------------------------------------------------------------------------------------------
# Per-instance environment: a thread-local overlay of os.environ
# --------------------------------------------------------------------------------------------------

_BASE_ENVIRON: os._Environ[str] = os.environ
_overlay_state = threading.local()
_install_lock = threading.Lock()
_install_count = 0


def _current_overlay() -> dict[str, str | None] | None:
    overlay: dict[str, str | None] | None = getattr(_overlay_state, "env", None)
    return overlay


class _OverlayEnviron(os._Environ[str]):
    """``os.environ`` whose view depends on the calling thread.

    Threads that registered an overlay (the function instance threads) read and write their own
    dict first (``None`` marks a deleted variable) and fall through to the real process environment
    for everything else; writes from those threads never reach the process environment. Every
    other thread sees the real environment unchanged: this object shares its storage with the
    original ``os.environ`` (and ``putenv``s like it), so installing it is transparent for them.
    """

    def __init__(self, base: os._Environ[str]) -> None:
        data: dict[bytes, bytes] = base._data  # type: ignore[attr-defined]
        super().__init__(data, base.encodekey, base.decodekey, base.encodevalue, base.decodevalue)  # type: ignore[arg-type]

    def __getitem__(self, key: str) -> str:
        overlay = _current_overlay()
        if overlay is not None and key in overlay:
            value = overlay[key]
            if value is None:
                raise KeyError(key)
            return value
        return super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        overlay = _current_overlay()
        if overlay is None:
            super().__setitem__(key, value)
            return
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"str expected, not {type(key).__name__}/{type(value).__name__}")
        overlay[key] = value

    def __delitem__(self, key: str) -> None:
        overlay = _current_overlay()
        if overlay is None:
            super().__delitem__(key)
            return
        if key not in self:
            raise KeyError(key)
        overlay[key] = None

    def __iter__(self) -> Iterator[str]:
        overlay = _current_overlay()
        if overlay is None:
            yield from super().__iter__()
            return
        for key in list(super().__iter__()):
            if key not in overlay:
                yield key
        for key, value in list(overlay.items()):
            if value is not None:
                yield key

    def __len__(self) -> int:
        if _current_overlay() is None:
            return super().__len__()
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return f"environ({dict(self)!r})"

    def copy(self) -> dict[str, str]:
        return dict(self)


def _install_environ_overlay() -> None:
    global _install_count
    with _install_lock:
        if _install_count == 0 and not isinstance(os.environ, _OverlayEnviron):
            # Swapped, not cleared: the overlay shares the original's storage (see the class).
            os.environ = _OverlayEnviron(_BASE_ENVIRON)  # noqa: B003
        _install_count += 1


def _uninstall_environ_overlay() -> None:
    global _install_count
    with _install_lock:
        _install_count = max(0, _install_count - 1)
        if _install_count == 0 and isinstance(os.environ, _OverlayEnviron):
            os.environ = _BASE_ENVIRON  # noqa: B003


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


class LambdaContext:
    """The Lambda context object handed to the handler (the attributes the Python runtime provides)."""

    def __init__(self, spec: FunctionSpec, *, log_stream_name: str, tenant_id: str | None = None) -> None:
        self.function_name = spec.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = spec.arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.function_name}"
        self.log_stream_name = log_stream_name
        self.tenant_id = tenant_id
        self.identity: object | None = None
        self.client_context: object | None = None
        self._deadline = time.monotonic() + spec.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


class InvocationError(Exception):
    """An invocation failed (handler error, init error, timeout, unserialisable result)."""

    def __init__(self, error_type: str, message: str, details: str = "") -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.message = message
        self.details = details


@dataclasses.dataclass(frozen=True)
class InstanceInfo:
    """A snapshot of one function instance, for diagnostics and tests."""

    instance_id: str
    function: str
    invocations: int
    busy: bool
    initialized: bool


@dataclasses.dataclass
class _Outcome:
    payload: str | None = None
    result: Any = None
    error: InvocationError | None = None
    discard: bool = False  # the environment must not be reused (init failed, sys.exit...)
    init_ms: float | None = None
    duration_ms: float = 0.0


_UNSAFE_CHARS = re.compile(r"[^0-9A-Za-z_]")


def _json_default(value: object) -> object:
    # The Python runtime's marshaller turns Decimal into a number; anything else is a MarshalError.
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class _Instance:
    """One execution environment: a daemon thread with its own imported handler module."""

    def __init__(self, pool: _FunctionPool, number: int) -> None:
        self.pool = pool
        spec = pool.spec
        self.instance_id = f"{spec.logical_id}#{number}"
        safe_id = _UNSAFE_CHARS.sub("_", spec.full_path)
        safe_module = _UNSAFE_CHARS.sub("_", spec.handler_module)
        self.module_name = f"_mockupaws_fn_{safe_id}_{number}_{safe_module}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.environment = dict(pool.environment)
        self.environment["AWS_LAMBDA_LOG_STREAM_NAME"] = self.log_stream_name
        self.invocations = 0
        self.busy = False
        self.retired = False
        self._handler: Callable[[Any, Any], Any] | None = None
        self._module: ModuleType | None = None
        self._jobs: queue.SimpleQueue[tuple[Callable[[], _Outcome], Future[_Outcome]] | None] = (
            queue.SimpleQueue()
        )
        self._thread = threading.Thread(target=self._work, name=f"lambda:{self.instance_id}", daemon=True)
        self._thread.start()

    @property
    def initialized(self) -> bool:
        return self._handler is not None

    def submit(self, event: Any, tenant_id: str | None) -> Future[_Outcome]:
        future: Future[_Outcome] = Future()
        self._jobs.put((lambda: self._invoke(event, tenant_id), future))
        return future

    def stop(self) -> None:
        """Let the thread exit once its current job (if any) is done."""
        self._jobs.put(None)

    def _work(self) -> None:
        _overlay_state.env = self.environment
        try:
            while True:
                job = self._jobs.get()
                if job is None:
                    return
                func, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(func())
                except BaseException as exc:  # pragma: no cover - _invoke catches everything
                    future.set_exception(exc)
        finally:
            if self._module is not None:
                sys.modules.pop(self.module_name, None)
            self._handler = None
            self._module = None

    def _load(self) -> Callable[[Any, Any], Any]:
        spec = self.pool.spec
        relative = Path(*spec.handler_module.split("."))
        candidates = [spec.code_dir / relative.with_suffix(".py"), spec.code_dir / relative / "__init__.py"]
        path = next((c for c in candidates if c.is_file()), None)
        if path is None:
            raise InvocationError(
                "Runtime.ImportModuleError",
                f"Unable to import module '{spec.handler_module}': no such file in {spec.code_dir}",
            )
        module_spec = importlib.util.spec_from_file_location(self.module_name, path)
        if module_spec is None or module_spec.loader is None:
            raise InvocationError("Runtime.ImportModuleError", f"Unable to import module from {path}")
        module = importlib.util.module_from_spec(module_spec)
        # Registered before executing it, as the import system does (pydantic, dataclasses and
        # typing.get_type_hints look the module up in sys.modules while the module body runs).
        sys.modules[self.module_name] = module
        try:
            module_spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(self.module_name, None)
            raise
        handler = getattr(module, spec.handler_function, None)
        if not callable(handler):
            sys.modules.pop(self.module_name, None)
            raise InvocationError(
                "Runtime.HandlerNotFound",
                f"Handler '{spec.handler_function}' missing on module '{spec.handler_module}'",
            )
        self._module = module
        return handler  # type: ignore[no-any-return]

    def _invoke(self, event: Any, tenant_id: str | None) -> _Outcome:
        outcome = _Outcome()
        if self._handler is None:
            started = time.perf_counter()
            try:
                self._handler = self._load()
            except InvocationError as exc:
                outcome.error = exc
                outcome.discard = True
                return outcome
            except BaseException as exc:
                outcome.error = _error_from_exception(exc, prefix="Runtime.ImportModuleError: ")
                outcome.discard = True
                return outcome
            finally:
                outcome.init_ms = (time.perf_counter() - started) * 1000
        context = LambdaContext(self.pool.spec, log_stream_name=self.log_stream_name, tenant_id=tenant_id)
        started = time.perf_counter()
        try:
            result = self._handler(event, context)
        except BaseException as exc:
            outcome.error = _error_from_exception(exc)
            # sys.exit() / KeyboardInterrupt end a Lambda runtime process (Runtime.ExitError).
            outcome.discard = not isinstance(exc, Exception)
            return outcome
        finally:
            outcome.duration_ms = (time.perf_counter() - started) * 1000
            self.invocations += 1
        try:
            outcome.payload = json.dumps(result, default=_json_default)
            outcome.result = result
        except (TypeError, ValueError) as exc:
            outcome.error = InvocationError("Runtime.MarshalError", f"Unable to marshal response: {exc}")
        return outcome


_RUNNER_FILE = str(Path(__file__).resolve())


def _error_from_exception(exc: BaseException, prefix: str = "") -> InvocationError:
    """The error as the Lambda runtime logs it: a traceback of the function's frames only."""
    report = traceback.TracebackException.from_exception(exc)
    report.stack = traceback.StackSummary.from_list(
        [
            frame
            for frame in report.stack
            if frame.filename != _RUNNER_FILE and not frame.filename.startswith("<frozen importlib")
        ]
    )
    return InvocationError(f"{prefix}{type(exc).__name__}", str(exc), "".join(report.format()))


class _FunctionPool:
    """The instances of one function, at most ``max_instances`` of them."""

    def __init__(self, spec: FunctionSpec, environment: dict[str, str | None], max_instances: int) -> None:
        self.spec = spec
        self.environment = environment
        self.max_instances = max_instances
        self._instances: list[_Instance] = []
        self._numbers = itertools.count(1)
        self._cond = threading.Condition()
        self._closed = False

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
        """Take an instance out of service (timed out / init failed); its thread exits when idle."""
        with self._cond:
            instance.retired = True
            if instance in self._instances:
                self._instances.remove(instance)
            self._cond.notify()
        instance.stop()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            instances, self._instances = self._instances, []
            self._cond.notify_all()
        for instance in instances:
            instance.stop()

    def snapshot(self) -> list[InstanceInfo]:
        with self._cond:
            return [
                InstanceInfo(i.instance_id, self.spec.full_path, i.invocations, i.busy, i.initialized)
                for i in self._instances
            ]


# --------------------------------------------------------------------------------------------------
# The runner
# --------------------------------------------------------------------------------------------------


class InProcessLambdaRunner:
    """Duck-typed replacement for ``samcli.commands.local.lib.local_lambda.LocalLambdaRunner``.

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
        Fail invocations that outlive the function's ``Timeout``; default
        ``MOCKUPAWS_LOCAL_ENFORCE_TIMEOUT`` (``0`` disables, e.g. to sit in a debugger) or on.
    log_stream:
        Where function errors (tracebacks) are written when SAM passes no stderr stream.
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
    ) -> None:
        # Function instances run as threads of this process: give each its own powertools request state.
        powertools_threads.install()
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
        self._log_stream = log_stream
        self.provider = SamFunctionProvider(stacks, ignore_code_extraction_warnings=True)
        self._pools: dict[str, _FunctionPool] = {}
        self._pools_lock = threading.Lock()
        self._closed = False
        self.layer_dirs = layer_dirs(self.provider, self.cwd)
        add_to_sys_path(self.layer_dirs)
        _install_environ_overlay()

    @classmethod
    def from_template(
        cls,
        template: Path,
        *,
        parameter_overrides: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> InProcessLambdaRunner:
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
            outcome = self._run(pool, json.loads(event), tenant_id)
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

    def shutdown(self) -> None:
        """Stop every instance thread (running invocations finish in the background)."""
        with self._pools_lock:
            if self._closed:
                return
            self._closed = True
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()
        _uninstall_environ_overlay()

    # -- internals ---------------------------------------------------------------------------------

    def _pool(self, function: Any) -> _FunctionPool:
        with self._pools_lock:
            if self._closed:
                raise RuntimeError("the local Lambda runner is shut down")
            pool = self._pools.get(function.full_path)
            if pool is None:
                spec = FunctionSpec.from_sam(function, self.cwd)
                pool = _FunctionPool(spec, self._environment_for(spec), self.concurrency)
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
        cold = not instance.initialized
        future = instance.submit(event, tenant_id)
        timeout: float | None = None
        if self.enforce_timeouts:
            timeout = spec.timeout_s + (INIT_TIMEOUT_S if cold else 0.0)
        try:
            outcome = future.result(timeout=timeout)
        except FutureTimeoutError:
            pool.discard(instance)
            LOG.warning("%s: instance %s timed out; discarded", spec.full_path, instance.instance_id)
            raise InvocationError(
                "Sandbox.Timedout", f"Task timed out after {spec.timeout_s:.2f} seconds"
            ) from None
        except BaseException:
            pool.discard(instance)
            raise
        if outcome.discard:
            pool.discard(instance)
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


_sys_path_lock = threading.Lock()


def layer_dirs(provider: Any, cwd: Path) -> list[Path]:
    """The local directories of the layers the template's functions use (``SamFunctionProvider``).

    A source layer (``ContentUri: layers/shared/``) keeps its packages at its root, a built one under
    ``python/``: both are returned when present, ``python/`` first, like Lambda's ``/opt/python``.
    """
    dirs: list[Path] = []
    for function in provider.get_all():
        for layer in function.layers or []:
            if not getattr(layer, "codeuri", None):
                continue
            root = Path(resolve_code_path(str(cwd), layer.codeuri))
            for candidate in (root / "python", root):
                if candidate.is_dir() and candidate not in dirs:
                    dirs.append(candidate)
    return dirs


def add_to_sys_path(dirs: list[Path]) -> None:
    """Put layer directories at the front of ``sys.path`` (once each), as Lambda does with /opt/python."""
    with _sys_path_lock:
        present = {str(Path(p).resolve()) for p in sys.path if p}
        for directory in reversed(dirs):
            resolved = str(directory.resolve())
            if resolved not in present:
                sys.path.insert(0, resolved)
                present.add(resolved)
