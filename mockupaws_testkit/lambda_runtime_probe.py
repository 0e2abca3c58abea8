"""A stand-in for the Lambda Python runtime, run by ``tests/integration/test_built_artifact.py`` with the
*Lambda runtime's* interpreter (python3.12) in isolated mode (``-I -S``), so nothing of the dev
virtualenv is importable: ``sys.path`` is the standard library plus the directories given in the
``--path`` arguments (the built layer's ``python/`` dir as ``/opt/python`` would be, and a directory
standing in for the runtime's own boto3). Each function's built directory goes first on ``sys.path``
while its handler module is imported, as ``/var/task`` would.

It must not import anything from this repository: it is executed by path, not as ``mockupaws_testkit``.

Protocol: one JSON request per line on stdin, one JSON reply per line on the *original* stdout
(handlers' logs are redirected to stderr). Requests:

- ``{"op": "init", "functions": {"LogicalId": {"dir": ..., "handler": "app.lambda_handler"}}}``:
  import every handler (a cold start each) -> ``{"ok": true, "imported": {...}}``;
- ``{"op": "tokens", "texts": [...]}`` -> where tiktoken and the encoding file come from, the counts;
- ``{"op": "invoke", "function": "LogicalId", "event": {...}}`` -> the handler's return value;
- ``{"op": "modules"}`` -> ``{name: file}`` of every loaded module that has a file;
- ``{"op": "exit"}``.

The network is disabled before anything is imported: Python-level sockets may only be Unix sockets
(a Lambda in a VPC has no internet; libpq's own connection to PostgreSQL does not go through Python).
"""

from __future__ import annotations

import importlib
import json
import os
import socket
import sys
import traceback
import uuid
from typing import Any


class NetworkDisabledError(OSError):
    pass


def _disable_network() -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise NetworkDisabledError("network access is disabled in this probe")

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> None:
        if self.family != socket.AF_UNIX:
            refuse()
        original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family != socket.AF_UNIX:
            refuse()
        return original_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.create_connection = refuse
    socket.getaddrinfo = refuse


class Context:
    """The attributes of the Lambda context object that handlers and powertools read."""

    def __init__(self, function: str) -> None:
        self.function_name = function
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = 512
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function}"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function}"
        self.log_stream_name = "probe"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def _import_handler(directory: str, handler: str) -> Any:
    module_name, _, attribute = handler.rpartition(".")
    sys.path.insert(0, directory)
    try:
        module = importlib.import_module(module_name)
    finally:
        sys.path.remove(directory)
        # every function's module is called "app": forget it so the next function gets its own
        sys.modules.pop(module_name, None)
    return getattr(module, attribute)


def main() -> int:
    extra_paths = [arg.split("=", 1)[1] for arg in sys.argv[1:] if arg.startswith("--path=")]
    sys.path[0:0] = extra_paths
    _disable_network()
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # handlers (powertools) log to stdout: keep it off the protocol channel
    sys.stdout = sys.stderr
    handlers: dict[str, Any] = {}

    for line in sys.stdin:
        request = json.loads(line)
        reply: dict[str, Any]
        try:
            op = request["op"]
            if op == "exit":
                return 0
            if op == "init":
                imported = {}
                for name, spec in request["functions"].items():
                    handlers[name] = _import_handler(spec["dir"], spec["handler"])
                    imported[name] = handlers[name].__module__
                reply = {"ok": True, "imported": imported}
            elif op == "tokens":
                import tiktoken

                from mockupaws.tokens import counter as tokens

                reply = {
                    "ok": True,
                    "tiktoken": tiktoken.__file__,
                    "tiktoken_native": sys.modules["tiktoken._tiktoken"].__file__,
                    "encoding_file": str(tokens.encoding_file()),
                    "counts": [tokens.count_tokens(text) for text in request["texts"]],
                }
            elif op == "invoke":
                name = request["function"]
                result = handlers[name](request["event"], Context(name))
                reply = {"ok": True, "result": result}
            elif op == "modules":
                reply = {
                    "ok": True,
                    "modules": {
                        name: module.__file__
                        for name, module in list(sys.modules.items())
                        if getattr(module, "__file__", None)
                    },
                    "sys_path": sys.path,
                }
            else:
                reply = {"ok": False, "error": f"unknown op {op!r}"}
        except BaseException:
            reply = {"ok": False, "error": traceback.format_exc()}
        replies.write(json.dumps(reply, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
