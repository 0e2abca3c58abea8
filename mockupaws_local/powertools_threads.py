"""Make powertools' per-request resolver state per thread, for the in-process local server.

powertools' ``resolve()`` stores the request in class attributes (``BaseRouter.current_event`` and
``BaseRouter.lambda_context``) shared by every resolver of the process. In Lambda (and in
``sam local start-api``) a process runs one invocation at a time, so that is harmless; the local server
runs every function instance as a thread of one process, where a handler could read another request's
event mid-invocation (found by ``bench/load.py``: one request's logs stored under another's reply).

:func:`install` turns both attributes into per-thread values, for the class and every instance, so each
function-instance thread sees only its own request, as a Lambda container does; it does the same for the
keys powertools' Logger adds to every line (Lambda context, correlation id). Local tooling only: the
deployed layer never imports this.
"""

from __future__ import annotations

import threading
from typing import Any

_PER_THREAD = ("current_event", "lambda_context")
_state = threading.local()
_installed = False
_lock = threading.Lock()


def _property(name: str) -> property:
    def get(_owner: object) -> Any:
        try:
            return getattr(_state, name)
        except AttributeError:
            raise AttributeError(name) from None

    def put(_owner: object, value: Any) -> None:
        setattr(_state, name, value)

    return property(get, put)


def install() -> None:
    """Idempotent. Must run before requests are served concurrently."""
    global _installed
    with _lock:
        if _installed:
            return
        from aws_lambda_powertools.event_handler import api_gateway

        router = api_gateway.BaseRouter
        # Class-level assignments (``BaseRouter.current_event = ...``) go through the metaclass; instance
        # reads and writes (``app.current_event``) through the class. Both land in the same thread-local.
        meta = type("PerThreadRouterMeta", (type(router),), {n: _property(n) for n in _PER_THREAD})
        for name in _PER_THREAD:
            setattr(router, name, _property(name))
        router.__class__ = meta  # type: ignore[method-assign]
        _per_thread_log_keys()
        _installed = True


def _per_thread_log_keys() -> None:
    """powertools' Logger keeps the keys it adds to every line (Lambda context, correlation id) in its
    formatter's ``log_format`` dict, one per process. Here each thread starts from the keys the formatter
    was built with and keeps its own, so a log line names its own request."""
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    base_attr = "_mockupaws_base_log_format"

    def get(formatter: Any) -> Any:
        formats: dict[int, Any] = _state.__dict__.setdefault("log_formats", {})
        key = id(formatter)
        if key not in formats:
            # A formatter built before install() has its keys in its instance dict.
            base = formatter.__dict__.get(base_attr) or formatter.__dict__.get("log_format") or {}
            formats[key] = dict(base)
        return formats[key]

    def put(formatter: Any, value: Any) -> None:
        if base_attr not in formatter.__dict__:  # the formatter's __init__: the keys every thread starts with
            formatter.__dict__[base_attr] = value
        _state.__dict__.setdefault("log_formats", {})[id(formatter)] = value

    LambdaPowertoolsFormatter.log_format = property(get, put)  # type: ignore[assignment]


def installed() -> bool:
    return _installed
