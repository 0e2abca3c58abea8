"""The ``make dev`` server (``python -m mockupaws_local``) as a process of its own, on the real template and
the test database: what its log says under load, and what it does with abusive clients.

Its stdout is what a developer sees: the functions' JSON log lines and EMF metrics, forwarded by the
server from its worker processes. Every line of it after the start-up banner must be one JSON document.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
READ_TIMEOUT_S = 1.0
BANNER = "Press CTRL+C to quit"
NOT_FOUND = {"error": "not_found", "message": "no such route", "status_code": 404}
TOO_LARGE = {
    "error": "payload_too_large",
    "message": "the request body is over the API Gateway limit",
    "status_code": 413,
}


@dataclass
class DevServer:
    process: subprocess.Popen[bytes]
    port: int
    stdout: list[str] = field(default_factory=list)  # lines after the banner
    stderr: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_kib(self) -> int:
        with open(f"/proc/{self.process.pid}/status") as status:
            line = next(x for x in status if x.startswith("VmRSS:"))
        return int(line.split()[1])

    def lines_since(self, start: int, *, until: int, timeout_s: float = 10.0) -> list[str]:
        """The stdout lines from index ``start``, once there are at least ``until`` of them."""
        deadline = time.monotonic() + timeout_s
        while len(self.stdout) - start < until and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.stdout[start:]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _collect(stream: Any, into: list[str], banner: threading.Event | None = None) -> None:
    seen_banner = banner is None
    for raw in stream:
        line = raw.decode("utf-8", errors="replace").rstrip("\n")
        if seen_banner:
            into.append(line)
        elif BANNER in line:
            seen_banner = True
            assert banner is not None
            banner.set()


@pytest.fixture(scope="module")
def dev_server(app_env: str) -> Iterator[DevServer]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": app_env, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockupaws_local",
            "--port",
            str(port),
            "--schedule-interval",
            "0",
            "--read-timeout",
            str(READ_TIMEOUT_S),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    server = DevServer(process, port)
    banner = threading.Event()
    threads = [
        threading.Thread(target=_collect, args=(process.stdout, server.stdout, banner), daemon=True),
        threading.Thread(target=_collect, args=(process.stderr, server.stderr), daemon=True),
    ]
    for thread in threads:
        thread.start()
    try:
        assert banner.wait(120), f"no banner; stderr: {server.stderr[-20:]}"
        # The instances start in the background: wait for the ones these tests use (a loaded machine,
        # coverage measuring every process, can make a cold start take many seconds).
        assert request(server, "GET", "/api/v1/scenarios")[0] == 200
        assert request(server, "POST", "/flush")[0] == 200
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request(
    server: DevServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any]:
    req = urllib.request.Request(server.url + path, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:  # noqa: S310 - loopback test server
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def running_scenario(dev_server: DevServer) -> Iterator[str]:
    status, scenario = request(
        dev_server,
        "POST",
        "/api/v1/scenarios",
        json.dumps({"name": f"dev-server-{uuid.uuid4().hex[:8]}"}).encode(),
        {"Content-Type": "application/json"},
    )
    assert status == 201, scenario
    assert request(dev_server, "POST", f"/api/v1/scenarios/{scenario['id']}/start")[0] == 200
    yield scenario["id"]
    request(dev_server, "POST", f"/api/v1/scenarios/{scenario['id']}/stop")
    request(dev_server, "DELETE", f"/api/v1/scenarios/{scenario['id']}")


def ingest(server: DevServer, scenario_id: str, records: list[dict[str, Any]]) -> int:
    status, _reply = request(
        server,
        "POST",
        "/ingest",
        json.dumps(records).encode(),
        {"Content-Type": "application/json", "X-Scenario-ID": scenario_id},
    )
    return status


def records_logged(lines: list[str], message: str) -> list[dict[str, Any]]:
    return [r for r in map(json.loads, lines) if isinstance(r, dict) and r.get("message") == message]


# --------------------------------------------------------------------------------------------------
# The log
# --------------------------------------------------------------------------------------------------


def test_twenty_requests_in_a_row_carry_twenty_correlation_ids(
    dev_server: DevServer, running_scenario: str
) -> None:
    start = len(dev_server.stdout)
    for index in range(20):
        assert ingest(dev_server, running_scenario, [{"message": f"request {index}"}]) == 202
    deadline = time.monotonic() + 10
    ingested: list[dict[str, Any]] = []
    while len(ingested) < 20 and time.monotonic() < deadline:
        ingested = records_logged(dev_server.stdout[start:], "ingested")
        time.sleep(0.05)
    assert len(ingested) == 20
    assert len({r["correlation_id"] for r in ingested}) == 20
    assert all(uuid.UUID(r["correlation_id"]) for r in ingested)
    assert len({r["function_request_id"] for r in ingested}) == 20


def test_twelve_concurrent_clients_leave_every_stdout_line_whole(
    dev_server: DevServer, running_scenario: str
) -> None:
    clients, requests_each, batch = 12, 6, 50
    start = len(dev_server.stdout)

    def client(index: int) -> list[int]:
        return [
            ingest(
                dev_server,
                running_scenario,
                [
                    {"message": f"client {index} request {n} record {i} user{i}@example.com"}
                    for i in range(batch)
                ],
            )
            for n in range(requests_each)
        ]

    with ThreadPoolExecutor(clients) as pool:
        statuses = [status for result in pool.map(client, range(clients)) for status in result]
    assert statuses == [202] * clients * requests_each
    # per request: an "ingested" log line, the service-wide EMF document and two per-scenario ones
    lines = dev_server.lines_since(start, until=4 * clients * requests_each)
    parsed = [json.loads(line) for line in lines]  # each line is one JSON document on its own
    assert all(isinstance(record, dict) for record in parsed)
    assert len(records_logged(lines, "ingested")) == clients * requests_each
    emf = [record for record in parsed if "_aws" in record and "IngestedLogs" in record]
    assert len(emf) == clients * requests_each
    assert sum(_number(record["IngestedLogs"]) for record in emf) == clients * requests_each * batch
    assert "user0@example.com" not in "\n".join(lines)  # no raw message in the log


def _number(value: float | list[float]) -> float:
    """An EMF metric value: a number, or a list of them."""
    return sum(value) if isinstance(value, list) else value


def test_the_load_runs_on_several_worker_processes(dev_server: DevServer, running_scenario: str) -> None:
    """Concurrent requests are served by several instances of the function, each a process."""
    workers = _children(dev_server.process.pid)
    assert len(workers) >= 2  # prewarmed instances plus the ones the load above started
    for pid in workers:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            assert b"mockupaws_local/worker.py" in cmdline.read()


def _children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [int(child) for child in children.read().split()]


# --------------------------------------------------------------------------------------------------
# Abusive clients
# --------------------------------------------------------------------------------------------------


def _read_response(sock: socket.socket, timeout_s: float) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the one response on ``sock`` (the server closes after it)."""
    sock.settimeout(timeout_s)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(status_line.split()[1]), headers, body


def test_a_100_mb_body_is_413_at_once_without_reading_it(
    dev_server: DevServer, running_scenario: str
) -> None:
    size = 100 * 1024 * 1024
    rss_before = dev_server.rss_kib()
    sock = socket.create_connection(("127.0.0.1", dev_server.port))
    try:
        started = time.monotonic()
        sock.sendall(
            f"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            f"X-Scenario-ID: {running_scenario}\r\nContent-Length: {size}\r\n\r\n".encode()
        )
        sent = [0]

        def send_body() -> None:  # a client that keeps sending the whole body regardless
            chunk = b"x" * (1024 * 1024)
            try:
                while sent[0] < size:
                    sock.sendall(chunk)
                    sent[0] += len(chunk)
            except OSError:
                pass

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        status, headers, body = _read_response(sock, timeout_s=5)
        elapsed = time.monotonic() - started
        sender.join(10)
    finally:
        sock.close()
    assert status == 413
    assert json.loads(body) == TOO_LARGE
    assert headers["content-type"] == "application/json"
    assert elapsed < 1.0
    assert dev_server.rss_kib() - rss_before < 20 * 1024
    assert status_of_scenario_total(dev_server, running_scenario) is not None


def status_of_scenario_total(server: DevServer, scenario_id: str) -> int | None:
    status, scenario = request(server, "GET", f"/api/v1/scenarios/{scenario_id}")
    return int(scenario["total_requests"]) if status == 200 else None


def test_a_chunked_body_over_the_limit_is_413(dev_server: DevServer, running_scenario: str) -> None:
    before = status_of_scenario_total(dev_server, running_scenario)
    rss_before = dev_server.rss_kib()
    sock = socket.create_connection(("127.0.0.1", dev_server.port))
    try:
        sock.sendall(
            f"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            f"X-Scenario-ID: {running_scenario}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b"a log line\n" * 20_000
        try:
            for _ in range(60):  # 13 MB in all
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except OSError:
            pass  # the server answered and stopped reading
        status, _headers, body = _read_response(sock, timeout_s=5)
    finally:
        sock.close()
    assert status == 413
    assert json.loads(body) == TOO_LARGE
    assert dev_server.rss_kib() - rss_before < 30 * 1024  # at most the 10 MB it read, not the 13 MB
    assert status_of_scenario_total(dev_server, running_scenario) == before  # nothing stored


def test_a_chunked_body_under_the_limit_is_served(dev_server: DevServer, running_scenario: str) -> None:
    sock = socket.create_connection(("127.0.0.1", dev_server.port))
    try:
        sock.sendall(
            f"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            f"X-Scenario-ID: {running_scenario}\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
        )
        for part in (b"first line\n", b"second line\n"):
            sock.sendall(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        sock.sendall(b"0\r\n\r\n")
        status, _headers, body = _read_response(sock, timeout_s=10)
    finally:
        sock.close()
    assert status == 202, body
    assert json.loads(body)["accepted"] == 2


def test_a_client_that_stalls_in_its_headers_is_dropped(dev_server: DevServer) -> None:
    sock = socket.create_connection(("127.0.0.1", dev_server.port))
    try:
        sock.sendall(b"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and nothing more
        started = time.monotonic()
        sock.settimeout(READ_TIMEOUT_S + 5)
        assert sock.recv(1024) == b""  # closed by the server
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    assert READ_TIMEOUT_S - 0.2 <= elapsed < READ_TIMEOUT_S + 3


def test_a_client_that_stalls_in_its_body_gets_408_and_is_dropped(
    dev_server: DevServer, running_scenario: str
) -> None:
    before = status_of_scenario_total(dev_server, running_scenario)
    sock = socket.create_connection(("127.0.0.1", dev_server.port))
    try:
        sock.sendall(
            f"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
            f"X-Scenario-ID: {running_scenario}\r\nContent-Length: 100\r\n\r\nonly ten b".encode()
        )
        started = time.monotonic()
        status, _headers, body = _read_response(sock, timeout_s=READ_TIMEOUT_S + 5)
        elapsed = time.monotonic() - started
        assert sock.recv(1024) == b""  # and closed
    finally:
        sock.close()
    assert status == 408
    assert json.loads(body) == {
        "error": "request_timeout",
        "message": "the request was not received in time",
        "status_code": 408,
    }
    assert READ_TIMEOUT_S - 0.2 <= elapsed < READ_TIMEOUT_S + 3
    assert status_of_scenario_total(dev_server, running_scenario) == before


def _raw(server: DevServer, head: bytes) -> tuple[int, Any]:
    sock = socket.create_connection(("127.0.0.1", server.port))
    try:
        sock.sendall(head)
        status, headers, body = _read_response(sock, timeout_s=10)
    finally:
        sock.close()
    assert headers["content-type"] == "application/json"
    return status, json.loads(body)


@pytest.mark.parametrize(
    ("case", "head", "status", "code"),
    [
        (
            "URL over 8 KiB",
            b"GET /api/v1/scenarios?x=" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",
            414,
            "uri_too_long",
        ),
        ("request line over 64 KiB", b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, "uri_too_long"),
        (
            "headers over 10 KiB",
            b"GET /api/v1/scenarios HTTP/1.1\r\nX-Big: " + b"b" * 11_000 + b"\r\n\r\n",
            431,
            "headers_too_large",
        ),
        (
            "more than 100 headers",
            b"GET /api/v1/scenarios HTTP/1.1\r\n"
            + b"".join(b"X-H%d: v\r\n" % i for i in range(120))
            + b"\r\n",
            431,
            "headers_too_large",
        ),
        ("a malformed request line", b"NONSENSE\r\n\r\n", 400, "bad_request"),
    ],
)
def test_errors_of_the_server_itself_are_json(
    dev_server: DevServer, case: str, head: bytes, status: int, code: str
) -> None:
    answered, body = _raw(dev_server, head)
    assert (answered, body["error"], body["status_code"]) == (status, code, status), case
    assert body["message"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nope"), ("GET", "/flush"), ("DELETE", "/api/v1/scenarios")]
)
def test_unknown_routes_answer_the_templates_gateway_response(
    dev_server: DevServer, method: str, path: str
) -> None:
    assert request(dev_server, method, path) == (404, NOT_FOUND)


def test_header_values_arrive_as_utf8(dev_server: DevServer, running_scenario: str) -> None:
    source = "café-☕-日本"
    sock = socket.create_connection(("127.0.0.1", dev_server.port))
    body = json.dumps({"message": "hello"}).encode()
    try:
        sock.sendall(
            b"POST /ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"X-Scenario-ID: {running_scenario}\r\nContent-Length: {len(body)}\r\n".encode()
            + b"X-Log-Source: "
            + source.encode()
            + b"\r\n\r\n"
            + body
        )
        status, _headers, reply = _read_response(sock, timeout_s=10)
    finally:
        sock.close()
    assert status == 202, reply
    assert json.loads(reply)["source"] == source
