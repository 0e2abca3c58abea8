"""One function instance of the local server: a long-lived process, like a Lambda execution environment.

Started by :mod:`mockupaws_local.runner` as ``python <this file> <config JSON>``, by path and with the
standard library only, so that the function sees what Lambda gives it and nothing of the local server:

* ``sys.path``: the function's code directory first (``/var/task``), then its layers (``/opt/python``),
  then the interpreter's own paths (the virtualenv stands in for the runtime's boto3 and friends);
* the working directory is the code directory; the environment is the one the runner built from the
  template (the function's ``Environment.Variables`` + the ``AWS_*`` variables Lambda sets);
* the handler module is imported once, at start (the init phase, timed), then invocations run one at a
  time, each with its own Lambda context (a fresh ``aws_request_id``).

Protocol: one JSON object per line, requests on the ``request_fd`` pipe and replies on ``reply_fd``:
first ``{"op": "ready", "init_ms": ...}`` or ``{"op": "init_error", "error": {...}}`` (then the process
exits); then per request ``{"op": "invoke", "event": ..., "request_id": ...}`` one reply
``{"op": "result", "payload": "<JSON text>", "duration_ms": ...}`` or
``{"op": "error", "error": {...}, "fatal": bool, "duration_ms": ...}``. ``{"op": "exit"}`` or the end
of the request pipe ends the process. The function's own stdout and stderr are plain pipes that the
runner reads line by line (its logs), never mixed with the protocol.
"""

from __future__ import annotations

import decimal
import importlib
import io
import json
import os
import sys
import time
import traceback
from typing import Any, BinaryIO

_THIS_FILE = os.path.abspath(__file__)


class LambdaContext:
    """The Lambda context object handed to the handler (the attributes the Python runtime provides)."""

    def __init__(self, config: dict[str, Any], request_id: str, tenant_id: str | None) -> None:
        self.function_name: str = config["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = config["arn"]
        self.memory_limit_in_mb: int = config["memory_mb"]
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name: str = config["log_stream_name"]
        self.tenant_id = tenant_id
        self.identity: object | None = None
        self.client_context: object | None = None
        self._deadline = time.monotonic() + float(config["timeout_s"])

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))

    def __repr__(self) -> str:
        return f"LambdaContext(function_name={self.function_name!r}, aws_request_id={self.aws_request_id!r})"


def _json_default(value: object) -> object:
    # The Python runtime's marshaller turns Decimal into a number; anything else is a MarshalError.
    if isinstance(value, decimal.Decimal):
        return float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _error(exc: BaseException, prefix: str = "") -> dict[str, str]:
    """The error as the Lambda runtime logs it: a traceback of the function's frames only."""
    report = traceback.TracebackException.from_exception(exc)
    report.stack = traceback.StackSummary.from_list(
        [
            frame
            for frame in report.stack
            if frame.filename != _THIS_FILE and not frame.filename.startswith("<frozen importlib")
        ]
    )
    return {"type": f"{prefix}{type(exc).__name__}", "message": str(exc), "details": "".join(report.format())}


def _send(replies: BinaryIO, message: dict[str, Any]) -> None:
    replies.write(json.dumps(message).encode() + b"\n")
    replies.flush()


def _load_handler(handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    module = importlib.import_module(module_name)
    function = getattr(module, function_name, None)
    if not callable(function):
        raise AttributeError(f"Handler '{function_name}' missing on module '{module_name}'")
    return function


def main(argv: list[str]) -> int:
    config: dict[str, Any] = json.loads(argv[1])
    # Lambda's order: /var/task, then the layers, then the runtime. sys.path[0] is this file's
    # directory (the local server's package), which the function must not see.
    sys.path[0:1] = [config["code_dir"], *config["layer_dirs"]]
    os.chdir(config["code_dir"])
    # Whole lines reach the runner as soon as they are written (it forwards them line by line).
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(line_buffering=True)
    requests = os.fdopen(config["request_fd"], "rb")
    replies = os.fdopen(config["reply_fd"], "wb")

    started = time.perf_counter()
    try:
        handler = _load_handler(config["handler"])
    except BaseException as exc:
        kind = "Runtime.HandlerNotFound" if isinstance(exc, AttributeError) else "Runtime.ImportModuleError"
        error = _error(exc, prefix=f"{kind}: ")
        _send(
            replies, {"op": "init_error", "error": error, "init_ms": (time.perf_counter() - started) * 1000}
        )
        return 1
    _send(replies, {"op": "ready", "init_ms": (time.perf_counter() - started) * 1000, "pid": os.getpid()})

    for line in requests:
        request = json.loads(line)
        if request.get("op") == "exit":
            return 0
        context = LambdaContext(config, request["request_id"], request.get("tenant_id"))
        started = time.perf_counter()
        try:
            result = handler(request["event"], context)
        except BaseException as exc:
            # sys.exit() / KeyboardInterrupt end a Lambda runtime process (Runtime.ExitError).
            fatal = not isinstance(exc, Exception)
            duration_ms = (time.perf_counter() - started) * 1000
            _send(replies, {"op": "error", "error": _error(exc), "fatal": fatal, "duration_ms": duration_ms})
            if fatal:
                return 1
            continue
        duration_ms = (time.perf_counter() - started) * 1000
        try:
            payload = json.dumps(result, default=_json_default)
        except (TypeError, ValueError) as exc:
            error = {"type": "Runtime.MarshalError", "message": f"Unable to marshal response: {exc}"}
            _send(replies, {"op": "error", "error": error, "fatal": False, "duration_ms": duration_ms})
            continue
        _send(replies, {"op": "result", "payload": payload, "duration_ms": duration_ms})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
