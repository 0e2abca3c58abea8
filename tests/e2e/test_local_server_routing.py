"""The local dev server (mockupaws_local) over real HTTP, against a toy SAM template.

Independent of the database fixtures: the toy functions (tests/e2e/fixtures/toy) need no database.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from mockupaws_local.server import ServerHandle, start_server

ROOT = Path(__file__).resolve().parents[2]
TOY_TEMPLATE = Path(__file__).resolve().parent / "fixtures" / "toy" / "template.yaml"
CONCURRENCY = 3


def http(
    base: str, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    assert base.startswith("http://127.0.0.1:")
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:  # noqa: S310 - the local test server
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def get_json(base: str, path: str, method: str = "GET", **kwargs: Any) -> tuple[int, Any]:
    status, _headers, raw = http(base, method, path, **kwargs)
    return status, json.loads(raw)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerHandle]:
    previous = os.environ.get("TOY_OVERRIDDEN")
    os.environ["TOY_OVERRIDDEN"] = "from-process"  # the shell environment beats the template
    handle = start_server(
        TOY_TEMPLATE,
        0,
        "127.0.0.1",
        {
            "TOY_FROM_CALLER": "caller",
            "TOY_TICKS_FILE": str(tmp_path_factory.mktemp("toy") / "ticks.jsonl"),
            "MOCKUPAWS_LOCAL_CONCURRENCY": str(CONCURRENCY),
            "MOCKUPAWS_AGGREGATE_INTERVAL_S": "1",
        },
    )
    try:
        yield handle
    finally:
        handle.stop()
        if previous is None:
            os.environ.pop("TOY_OVERRIDDEN", None)
        else:
            os.environ["TOY_OVERRIDDEN"] = previous


def test_mounts_every_api_event_of_the_template(server: ServerHandle) -> None:
    mounted = {(r.function, r.path, m) for r in server.routes for m in r.methods}
    assert {
        ("EchoFunction", "/api/v1/items/{id}", "GET"),
        ("EchoFunction", "/api/v1/items/{id}/{action}", "POST"),
        ("EchoFunction", "/upload", "POST"),
        ("OtherFunction", "/boom", "GET"),
        ("OtherFunction", "/slow", "GET"),
        ("OtherFunction", "/ticks", "GET"),
        ("BrokenFunction", "/broken", "GET"),
    } == mounted
    lines = server.describe()
    assert f"Mounting EchoFunction at {server.url}/api/v1/items/{{id}} [GET]" in lines
    assert any(line.startswith("Schedule TickFunction/Every (rate(5 minutes))") for line in lines)


def test_path_and_query_parameters_reach_the_handler(server: ServerHandle) -> None:
    status, event = get_json(server.url, "/api/v1/items/42?x=1&y=two")
    assert status == 200
    assert event["httpMethod"] == "GET"
    assert event["path"] == "/api/v1/items/42"
    assert event["resource"] == "/api/v1/items/{id}"
    assert event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"x": "1", "y": "two"}
    assert event["stage"] == "v1"

    status, event = get_json(server.url, "/api/v1/items/7/archive", method="POST", body=b"{}")
    assert status == 200
    assert event["resource"] == "/api/v1/items/{id}/{action}"
    assert event["pathParameters"] == {"id": "7", "action": "archive"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/nope"), ("GET", "/api/v1/items"), ("DELETE", "/api/v1/items/1"), ("GET", "/upload")],
)
def test_unknown_routes_answer_like_api_gateway(server: ServerHandle, method: str, path: str) -> None:
    status, body = get_json(server.url, path, method=method)
    assert status == 403
    assert body == {"message": "Missing Authentication Token"}


def _captured_until(capsys: pytest.CaptureFixture[str], text: str, timeout_s: float = 5.0) -> tuple[str, str]:
    """What the server wrote to stdout and stderr, once ``text`` is in it (the lines of a worker are
    forwarded by a thread of the server, a moment after the reply)."""
    out = err = ""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        captured = capsys.readouterr()
        out, err = out + captured.out, err + captured.err
        if text in out or text in err:
            break
        time.sleep(0.05)
    return out, err


def test_handler_exception_is_a_502_without_details(
    server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _headers, raw = http(server.url, "GET", "/boom")
    assert status == 502
    assert json.loads(raw) == {"message": "Internal server error"}
    assert b"secret" not in raw
    assert "Traceback" not in raw.decode()
    out, err = _captured_until(capsys, "toy: about to fail")
    assert "RuntimeError: toy failure with a secret detail" in err
    assert "Traceback (most recent call last)" in err
    assert 'File "' + str(TOY_TEMPLATE.parent / "functions" / "other" / "app.py") + '"' in err
    assert "worker.py" not in err  # the runtime's own frames are left out, as Lambda does
    assert "toy: about to fail\n" in out  # the function's stdout reaches the server's stdout


def test_init_failure_is_a_502_and_the_instance_is_not_reused(server: ServerHandle) -> None:
    for _ in range(2):
        status, body = get_json(server.url, "/broken")
        assert status == 502
        assert body == {"message": "Internal server error"}
    assert server.runner.instances("BrokenFunction") == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a killed child not reaped yet is a zombie
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (ProcessLookupError, FileNotFoundError):  # reaped between the kill(0) and the read
        return False


def test_timeout_is_a_502_and_kills_the_instance(server: ServerHandle) -> None:
    assert get_json(server.url, "/ticks")[0] == 200  # warm: a cold start gets the 10 s init allowance too
    before = {i.pid for i in server.runner.instances("OtherFunction")}
    started = time.monotonic()
    status, body = get_json(server.url, "/slow?s=1.6")  # OtherFunction has Timeout: 1
    elapsed = time.monotonic() - started
    assert status == 502
    assert body == {"message": "Internal server error"}
    assert elapsed < 1.5
    after = {i.pid for i in server.runner.instances("OtherFunction")}
    assert all(not i.busy for i in server.runner.instances("OtherFunction"))
    killed = before - after
    assert len(killed) == 1  # the instance that timed out is gone, its process killed
    deadline = time.monotonic() + 5
    while any(_alive(pid) for pid in killed) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in killed)


def test_a_templates_default_5xx_answers_for_a_failed_function(tmp_path: Path) -> None:
    # The toy template defines no GatewayResponses (above: SAM's and API Gateway's default 502). A copy
    # that defines DEFAULT_5XX, as template.yaml does, gets that body for a failed function, as deployed.
    toy = tmp_path / "toy"
    shutil.copytree(TOY_TEMPLATE.parent, toy)
    failed = '{"error": "bad_gateway", "message": "the toy failed", "status_code": 502}'
    template = (toy / "template.yaml").read_text()
    api = "      StageName: v1\n"
    assert api in template
    responses = (
        "      GatewayResponses:\n        DEFAULT_5XX:\n          StatusCode: 502\n"
        f"          ResponseTemplates:\n            application/json: '{failed}'\n"
    )
    (toy / "template.yaml").write_text(template.replace(api, api + responses))
    handle = start_server(toy / "template.yaml", 0, "127.0.0.1", {"MOCKUPAWS_AGGREGATE_INTERVAL_S": "3600"})
    try:
        for path in ("/boom", "/broken"):  # a handler exception; an init failure
            status, headers, raw = http(handle.url, "GET", path)
            assert (status, json.loads(raw)) == (502, json.loads(failed)), path
            assert headers["Content-Type"] == "application/json"
            assert int(headers["Content-Length"]) == len(raw)
        status, event = get_json(handle.url, "/api/v1/items/5")  # other answers pass through untouched
        assert status == 200
        assert event["pathParameters"] == {"id": "5"}
    finally:
        handle.stop()


def test_gzip_body_arrives_intact_base64_encoded(server: ServerHandle) -> None:
    # The toy API declares BinaryMediaTypes "*/*" (like template.yaml): SAM base64-encodes every body.
    payload = gzip.compress(b'{"message": "hello"}\n' * 50)
    status, event = get_json(
        server.url,
        "/upload",
        method="POST",
        body=payload,
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert status == 200
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == payload
    assert event["headers"]["Content-Encoding"] == "gzip"

    raw = bytes(range(256))
    status, event = get_json(
        server.url, "/upload", method="POST", body=raw, headers={"Content-Type": "application/octet-stream"}
    )
    assert status == 200
    assert base64.b64decode(event["body"]) == raw


def test_parallel_requests_share_at_most_n_instances_one_invocation_each(server: ServerHandle) -> None:
    n_requests = 7
    barrier = threading.Barrier(n_requests)

    def call(_: int) -> tuple[int, Any]:
        barrier.wait()
        return get_json(server.url, "/slow?s=0.4")

    started = time.monotonic()
    with ThreadPoolExecutor(n_requests) as pool:
        results = list(pool.map(call, range(n_requests)))
    elapsed = time.monotonic() - started

    assert all(status == 200 for status, _ in results)
    instances = {body["instance"] for _, body in results}
    assert 1 < len(instances) <= CONCURRENCY
    assert all(body["in_flight_in_instance"] == 1 for _, body in results)  # one at a time per instance
    assert elapsed >= 0.4 * -(-n_requests // CONCURRENCY) - 0.05  # the rest waited for a free instance
    assert len(server.runner.instances("OtherFunction")) <= CONCURRENCY


def test_each_instance_is_a_process_with_the_function_on_its_path(server: ServerHandle) -> None:
    _, first = get_json(server.url, "/api/v1/items/1")
    code_dir = TOY_TEMPLATE.parent / "functions" / "echo"
    assert first["module"] == "app"  # imported as Lambda does, from the code directory
    assert first["layer"] == "toylayer"
    assert first["pid"] != os.getpid()
    assert first["pid"] in {i.pid for i in server.runner.instances("EchoFunction")}
    assert first["cwd"] == str(code_dir)
    assert first["sys_path_head"] == [str(code_dir), str(TOY_TEMPLATE.parent / "layers" / "shared")]
    assert first["context"]["log_stream_name"]


def test_concurrent_instances_never_interleave_their_lines(
    server: ServerHandle, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each request makes its instance print long JSON lines; the server's stdout gets each one whole."""
    n_requests, lines_each = 12, 20
    capsys.readouterr()

    def call(index: int) -> int:
        return http(server.url, "GET", f"/api/v1/items/{index}?shout={lines_each}")[0]

    with ThreadPoolExecutor(n_requests) as pool:
        assert set(pool.map(call, range(n_requests))) == {200}
    assert len({i.pid for i in server.runner.instances("EchoFunction")}) > 1  # really concurrent
    out = ""
    deadline = time.monotonic() + 5
    while out.count("\n") < n_requests * lines_each and time.monotonic() < deadline:
        out += capsys.readouterr().out
        time.sleep(0.05)
    records = [json.loads(line) for line in out.splitlines()]  # every line parses on its own
    assert sorted(r["shout"] for r in records) == sorted(
        str(i) for i in range(n_requests) for _ in range(lines_each)
    )


def test_schedule_fires_in_process_with_an_eventbridge_event(server: ServerHandle) -> None:
    deadline = time.monotonic() + 6
    ticks: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        _, body = get_json(server.url, "/ticks")
        ticks = body["ticks"]
        if len(ticks) >= 2:
            break
        time.sleep(0.2)
    assert len(ticks) >= 2
    event = ticks[0]["event"]
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["account"] == "123456789012"
    assert event["detail"] == {}
    assert event["resources"][0].startswith("arn:aws:events:")
    assert event["time"].endswith("Z")
    assert server.scheduler.fired["TickFunction/Every"] >= 2


def test_function_environment_merges_template_process_and_caller(server: ServerHandle) -> None:
    _, event = get_json(server.url, "/api/v1/items/1")
    env = event["env"]
    assert env["TOY_GLOBAL"] == "from-globals"  # Globals
    assert env["TOY_STAGE"] == "dev"  # !Ref Stage, resolved to the parameter's default
    assert env["TOY_OVERRIDDEN"] == "from-process"  # the process environment wins over the template
    assert env["TOY_FUNCTION_ONLY"] == "echo-only"  # the function's own variables
    assert env["TOY_FROM_CALLER"] == "caller"  # start_server(env=...) reaches every function
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "EchoFunction"
    assert env["AWS_SAM_LOCAL"] == "true"
    assert env["LAMBDA_TASK_ROOT"].endswith("functions/echo")

    _, other = get_json(server.url, "/ticks")
    assert other["function_only"] is None  # another function does not see EchoFunction's variables
    assert "TOY_FUNCTION_ONLY" not in os.environ  # nor does the process
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ


def test_lambda_context(server: ServerHandle) -> None:
    _, event = get_json(server.url, "/api/v1/items/1")
    context = event["context"]
    assert context["function_name"] == "EchoFunction"
    assert context["memory_limit_in_mb"] == 256
    assert context["invoked_function_arn"] == "arn:aws:lambda:us-east-1:123456789012:function:EchoFunction"
    assert 0 < context["remaining_ms"] <= 10_000
    _, again = get_json(server.url, "/api/v1/items/1")
    assert again["context"]["aws_request_id"] != context["aws_request_id"]


def test_parameter_overrides_and_a_second_server_in_the_same_process() -> None:
    with start_server(
        TOY_TEMPLATE, 0, "127.0.0.1", {}, parameter_overrides={"Stage": "prod"}, schedule_interval_s=0
    ) as other:
        _, event = get_json(other.url, "/api/v1/items/9")
        assert event["env"]["TOY_STAGE"] == "prod"
        assert not other.scheduler.active


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_command_line_prints_routes_serves_and_stops_on_ctrl_c() -> None:
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mockupaws_local",
            "--template",
            str(TOY_TEMPLATE),
            "--port",
            str(port),
            "--no-database",
            "--schedule-interval",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 60  # generous: a loaded machine, coverage measuring the server
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if "Press CTRL+C to quit" in line:
                break
        url = f"http://127.0.0.1:{port}"
        assert f"Mounting EchoFunction at {url}/api/v1/items/{{id}} [GET]" in lines, lines
        status, event = get_json(url, "/api/v1/items/5")
        assert status == 200
        assert event["pathParameters"] == {"id": "5"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
