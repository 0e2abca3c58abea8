"""What API Gateway does before a request reaches a function, for the local server: limits, timeouts and
the error responses the gateway answers itself.

* A body over the API Gateway payload limit (10 MB) is answered 413 from its ``Content-Length``, before
  any of it is read (a chunked body: as soon as it passes the limit); the connection is then closed
  gracefully (lingering close: the rest of the body is read in small pieces and dropped, for at most
  :data:`LINGER_S`), so the client reads the 413 instead of a connection reset.
* A request target longer than API Gateway's URL limit is 414; a request line plus headers over its
  10,240-byte limit (or a header line or header count past the HTTP parser's) is 431.
* Every read of the request head waits at most ``read_timeout_s`` (a stalled client is dropped); the
  whole body must arrive within ``read_timeout_s`` too (a slow client gets 408 and is dropped).
* Header values arrive as UTF-8 (API Gateway passes them on as sent); WSGI hands them over as latin-1
  text, so each one that is valid UTF-8 is decoded as such.
* Errors answered here carry the service's JSON error body: the template's ``GatewayResponses`` when it
  defines one for the case (an unknown route is ``MISSING_AUTHENTICATION_TOKEN``, a body too large
  ``REQUEST_TOO_LARGE``, a failed function ``DEFAULT_5XX``), else
  ``{"error": "<code>", "message": "...", "status_code": N}`` -- or, for an unknown route or a failed
  function of a template without ``GatewayResponses``, API Gateway's own default (for a failed function,
  SAM's ``502 {"message": "Internal server error"}``, the same).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import logging
import socket
import time
from collections.abc import Callable, Iterable, Mapping
from http import HTTPStatus
from typing import Any

from werkzeug.serving import DechunkedInput, WSGIRequestHandler

LOG = logging.getLogger("mockupaws_local.gateway")

MAX_BODY_BYTES = 10 * 1024 * 1024
"""API Gateway's payload limit (REST APIs): 10 MB."""
MAX_URL_BYTES = 8192
"""API Gateway's URL length limit (edge-optimized REST APIs), request target included."""
MAX_HEAD_BYTES = 10240
"""API Gateway's limit on the request line and header values together (REST APIs)."""
DEFAULT_READ_TIMEOUT_S = 10.0
ENV_READ_TIMEOUT = "MOCKUPAWS_LOCAL_READ_TIMEOUT_S"
LINGER_S = 2.0
_CHUNK = 64 * 1024

# (status, code, message) of the errors answered here; a template's GatewayResponses may replace some.
_ERRORS: dict[str, tuple[int, str, str]] = {
    "bad_request": (400, "bad_request", "the request could not be parsed"),
    "request_timeout": (408, "request_timeout", "the request was not received in time"),
    "payload_too_large": (413, "payload_too_large", "the request body is over the API Gateway limit"),
    "uri_too_long": (414, "uri_too_long", "the request URL is over the API Gateway limit"),
    "headers_too_large": (
        431,
        "headers_too_large",
        "the request line and headers are over the API Gateway limit",
    ),
    "not_found": (404, "not_found", "no such route"),
}
# Which gateway response type of a template stands for which of the errors above.
_RESPONSE_TYPES = {"payload_too_large": "REQUEST_TOO_LARGE", "not_found": "MISSING_AUTHENTICATION_TOKEN"}
# SAM CLI's answer when the Lambda integration fails (a handler exception, a timeout, no response), which
# is also API Gateway's default: the template's DEFAULT_5XX replaces it, as it does when deployed.
_SAM_LAMBDA_FAILURE = (502, {"message": "Internal server error"})
# API Gateway's own answer to an unknown route when the template does not define one.
_API_GATEWAY_UNKNOWN_ROUTE = (403, {"message": "Missing Authentication Token"})


@dataclasses.dataclass(frozen=True)
class GatewayResponse:
    status: int
    body: bytes
    content_type: str = "application/json"


def error_response(code: str, message: str | None = None) -> GatewayResponse:
    """The service's error body for one of the errors of this module."""
    status, error, default_message = _ERRORS[code]
    body = {"error": error, "message": message or default_message, "status_code": status}
    return GatewayResponse(status, json.dumps(body).encode())


def template_gateway_responses(stacks: Iterable[Any]) -> dict[str, GatewayResponse]:
    """The ``GatewayResponses`` of the template's ``AWS::Serverless::Api`` resources that have a literal
    status and JSON template, by response type (``MISSING_AUTHENTICATION_TOKEN``, ...)."""
    found: dict[str, GatewayResponse] = {}
    for stack in stacks:
        for resource in (stack.resources or {}).values():
            if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Api":
                continue
            responses = (resource.get("Properties") or {}).get("GatewayResponses") or {}
            for kind, spec in responses.items() if isinstance(responses, dict) else ():
                status = spec.get("StatusCode") if isinstance(spec, dict) else None
                templates = (spec.get("ResponseTemplates") or {}) if isinstance(spec, dict) else {}
                body = templates.get("application/json") if isinstance(templates, dict) else None
                if isinstance(status, int | str) and str(status).isdigit() and isinstance(body, str):
                    found.setdefault(kind, GatewayResponse(int(status), body.encode()))
    return found


@dataclasses.dataclass(frozen=True)
class Gateway:
    """The limits and error responses of one server."""

    responses: Mapping[str, GatewayResponse] = dataclasses.field(default_factory=dict)
    read_timeout_s: float = DEFAULT_READ_TIMEOUT_S
    max_body_bytes: int = MAX_BODY_BYTES
    max_url_bytes: int = MAX_URL_BYTES
    max_head_bytes: int = MAX_HEAD_BYTES

    def error(self, code: str) -> GatewayResponse:
        kind = _RESPONSE_TYPES.get(code)
        if kind is not None and kind in self.responses:
            return self.responses[kind]
        return error_response(code)

    def unknown_route(self) -> GatewayResponse:
        if "MISSING_AUTHENTICATION_TOKEN" in self.responses:
            return self.responses["MISSING_AUTHENTICATION_TOKEN"]
        status, body = _API_GATEWAY_UNKNOWN_ROUTE
        return GatewayResponse(status, json.dumps(body).encode())

    def request_handler(self) -> type[WSGIRequestHandler]:
        """A werkzeug request handler class that applies this gateway's limits."""
        return type(
            "GatewayRequestHandler",
            (_GatewayRequestHandler,),
            {"gateway": self, "timeout": self.read_timeout_s},
        )

    def wsgi(self, app: Callable[..., Any]) -> Callable[..., Any]:
        """``app`` with UTF-8 header values, and SAM's answer to a failed function replaced by the
        gateway's (see the module docstring)."""

        def gateway_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
            for key, value in list(environ.items()):
                if key.startswith("HTTP_") and isinstance(value, str) and not value.isascii():
                    with contextlib.suppress(UnicodeEncodeError, UnicodeDecodeError):  # else left as received
                        environ[key] = value.encode("latin-1").decode("utf-8")
            failure = self.responses.get("DEFAULT_5XX")
            if failure is None:
                return app(environ, start_response)
            held: list[tuple[str, list[tuple[str, str]]]] = []

            def hold_502(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
                if not status.startswith("502 "):
                    return start_response(status, headers, exc_info)
                held.append((status, headers))  # answered below, once the body tells whose 502 it is
                return lambda _data: None  # SAM's service answers through the returned iterable only

            body_parts = app(environ, hold_502)
            if not held:
                return body_parts
            try:
                body = b"".join(body_parts)
            finally:
                close = getattr(body_parts, "close", None)
                if close is not None:
                    close()
            status, headers = held[-1]
            if _is_sam_lambda_failure(status, body):
                status = f"{failure.status} {HTTPStatus(failure.status).phrase}"
                headers = [("Content-Type", failure.content_type), ("Content-Length", str(len(failure.body)))]
                body = failure.body
            start_response(status, headers)
            return [body]

        return gateway_app


def _is_sam_lambda_failure(status: str, body: bytes) -> bool:
    expected_status, expected_body = _SAM_LAMBDA_FAILURE
    if not status.startswith(f"{expected_status} "):
        return False
    try:
        return bool(json.loads(body) == expected_body)
    except ValueError:
        return False


class _Rejected(Exception):
    def __init__(self, code: str, *, linger: bool = True) -> None:
        super().__init__(code)
        self.code = code
        self.linger = linger


class _GatewayRequestHandler(WSGIRequestHandler):
    gateway: Gateway

    # -- errors found by http.server while parsing the request head --------------------------------

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        mapped = {
            HTTPStatus.REQUEST_URI_TOO_LONG: "uri_too_long",
            HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE: "headers_too_large",
            HTTPStatus.REQUEST_TIMEOUT: "request_timeout",
        }.get(HTTPStatus(code), "bad_request")
        self.log_error("code %d, message %s", code, message)
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":  # else no status line would be sent
            self.request_version = "HTTP/1.1"
        self._answer(self.gateway.error(mapped), linger=mapped != "request_timeout")

    # -- the request, once its head is parsed --------------------------------------------------------

    def run_wsgi(self) -> None:
        try:
            self._check_head()
            self._read_body()
        except _Rejected as rejected:
            self.log_request(self.gateway.error(rejected.code).status)
            self._answer(self.gateway.error(rejected.code), linger=rejected.linger)
            return
        super().run_wsgi()

    def _check_head(self) -> None:
        gateway = self.gateway
        if len(self.path.encode("latin-1", errors="replace")) > gateway.max_url_bytes:
            raise _Rejected("uri_too_long")
        head = len(self.requestline) + sum(len(k) + len(v) for k, v in self.headers.items())
        if head > gateway.max_head_bytes:
            raise _Rejected("headers_too_large")
        length = self.headers.get("Content-Length")
        if length is not None:
            if not length.strip().isdigit():
                raise _Rejected("bad_request")
            if int(length) > gateway.max_body_bytes:
                raise _Rejected("payload_too_large")

    def _read_body(self) -> None:
        """The whole body, read here within the deadline and the limit, then handed to the WSGI app as an
        in-memory stream with its ``Content-Length``."""
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        length = int(self.headers.get("Content-Length") or 0)
        if not chunked and length == 0:
            return
        if self.headers.get("Expect", "").lower().strip() == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            del self.headers["Expect"]
        deadline = time.monotonic() + self.gateway.read_timeout_s
        limit = self.gateway.max_body_bytes
        body = io.BytesIO()
        source: Any = DechunkedInput(self.rfile) if chunked else self.rfile  # type: ignore[arg-type]
        remaining = length
        try:
            while chunked or remaining > 0:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Rejected("request_timeout", linger=False)
                self.connection.settimeout(left)
                want = _CHUNK if chunked else min(_CHUNK, remaining)
                data = source.read(want) if chunked else self.rfile.read1(want)
                if not data:
                    if chunked:
                        break
                    raise _Rejected("bad_request", linger=False)  # the client closed mid-body
                body.write(data)
                remaining -= len(data)
                if body.tell() > limit:
                    raise _Rejected("payload_too_large")
        except TimeoutError:
            raise _Rejected("request_timeout", linger=False) from None
        except OSError:  # DechunkedInput: a malformed chunk
            raise _Rejected("bad_request", linger=False) from None
        finally:
            self.connection.settimeout(self.gateway.read_timeout_s)
        for name in ("Transfer-Encoding", "Content-Length"):
            del self.headers[name]
        self.headers["Content-Length"] = str(body.tell())
        body.seek(0)
        self.rfile = body  # what werkzeug reads the body from

    def _answer(self, response: GatewayResponse, *, linger: bool) -> None:
        """Send ``response`` and close the connection; with ``linger``, let the client finish sending
        first (reading and dropping what it sends) so that it reads the answer, not a reset."""
        self.close_connection = True
        try:
            self.send_response_only(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if getattr(self, "command", None) != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:
            return
        if not linger:
            return
        try:
            self.connection.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_S
            while (left := deadline - time.monotonic()) > 0:
                self.connection.settimeout(left)
                if not self.connection.recv(_CHUNK):
                    break
        except OSError:
            pass
