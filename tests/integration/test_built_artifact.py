"""The built artifact is what runs (docs/development.md).

``sam build`` (with python3.12, the Lambda runtime's version) builds the template into
``.aws-sam/test-build/`` (kept between runs, so its cache makes a rebuild quick). The output is then
run by python3.12 in isolated mode with nothing but the standard library, the built layer's
``python/`` directory (what Lambda mounts at ``/opt/python``), each function's built directory while
its handler is imported (``/var/task``) and boto3 (which the Lambda runtime provides) on ``sys.path``
-- see ``mockupaws_testkit/lambda_runtime_probe.py``. The network is off in that process.

So a dependency missing from ``layers/shared/requirements.txt``, a file SAM does not package, a
wheel without a cp312 build, or code that only works from the checkout fails here.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from mockupaws_testkit.apigw import json_body, rest_event

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BUILD_ROOT = ROOT / ".aws-sam" / "test-build"
PROBE = ROOT / "mockupaws_testkit" / "lambda_runtime_probe.py"
# What the Lambda Python runtime itself provides besides the standard library.
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
REPLY_TIMEOUT_S = 60


def _is_python312(candidate: Path) -> bool:
    """True when ``candidate`` runs and is Python 3.12 (a pyenv shim without a 3.12 behind it fails)."""
    try:
        out = subprocess.run(
            [str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except OSError:
        return False
    return out.returncode == 0 and out.stdout.strip() == "3.12"


def find_python312() -> Path | None:
    """python3.12 on PATH, else pyenv's 3.12 (as the Makefile's ``make build`` finds it)."""
    candidates: list[Path] = []
    found = shutil.which("python3.12")
    if found:
        candidates.append(Path(found))
    pyenv = shutil.which("pyenv")
    if pyenv:
        for version in ("3.12", "3.12.1"):
            out = subprocess.run([pyenv, "prefix", version], capture_output=True, text=True, check=False)
            if out.returncode == 0:
                candidates += [Path(prefix) / "bin" / "python3.12" for prefix in out.stdout.split()]
    return next((c for c in candidates if c.is_file() and _is_python312(c)), None)


def find_sam() -> Path:
    beside = Path(sys.executable).parent / "sam"
    if beside.is_file():
        return beside
    found = shutil.which("sam")
    if not found:
        pytest.fail("the SAM CLI (`sam`) is not installed in this environment (requirements-dev.txt has it)")
    return Path(found)


@dataclass
class Build:
    python: Path
    build_dir: Path
    template: dict[str, Any]

    @property
    def functions(self) -> dict[str, dict[str, Any]]:
        return {
            name: resource["Properties"]
            for name, resource in self.template["Resources"].items()
            if resource["Type"] == "AWS::Serverless::Function"
        }

    @property
    def layer_dir(self) -> Path:
        (layer,) = (
            resource["Properties"]["ContentUri"]
            for resource in self.template["Resources"].values()
            if resource["Type"] == "AWS::Serverless::LayerVersion"
        )
        return self.build_dir / str(layer) / "python"

    def function_dir(self, name: str) -> Path:
        return self.build_dir / str(self.functions[name]["CodeUri"])


@pytest.fixture(scope="module")
def build() -> Iterator[Build]:
    python = find_python312()
    if python is None:
        pytest.fail(
            "python3.12 (the Lambda runtime's version) was not found: neither `python3.12` on PATH nor "
            "`pyenv prefix 3.12` / `pyenv prefix 3.12.1`. Install Python 3.12 (e.g. `pyenv install 3.12`) "
            "-- `sam build` needs it too."
        )
    BUILD_ROOT.mkdir(parents=True, exist_ok=True)
    build_dir = BUILD_ROOT / "build"
    # One build at a time in this checkout (another `make test` may be running).
    with (BUILD_ROOT / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        env = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
        env["SAM_CLI_TELEMETRY"] = "0"
        command = [
            str(find_sam()),
            "build",
            "--template",
            str(ROOT / "template.yaml"),
            "--build-dir",
            str(build_dir),
            "--cache-dir",
            str(BUILD_ROOT / "cache"),
            "--cached",
            "--parallel",
        ]
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.fail(
                f"sam build failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
            )
        from samcli.yamlhelper import yaml_parse

        template = yaml_parse((build_dir / "template.yaml").read_text())
        yield Build(python=python, build_dir=build_dir, template=template)


def runtime_packages_dir(target: Path) -> Path:
    """A directory holding only what the Lambda runtime adds to ``sys.path`` besides the stdlib: boto3
    and its dependencies (links into this environment: pure Python, version-independent)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        assert spec is not None, f"{name} is not installed in the dev environment"
        assert spec.origin is not None
        origin = Path(spec.origin)
        source = origin.parent if spec.submodule_search_locations else origin
        (target / source.name).symlink_to(source)
    return target


class Runtime:
    """The probe process: handlers of the built artifact, invoked one request at a time."""

    def __init__(self, process: subprocess.Popen[str], stderr: IO[str], paths: list[Path]) -> None:
        self.process = process
        self.stderr = stderr
        self.paths = paths

    def call(self, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], REPLY_TIMEOUT_S)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            pytest.fail(f"the probe did not answer {request['op']!r}; its stderr:\n{self.log()[-6000:]}")
        reply: dict[str, Any] = json.loads(line)
        if not reply.get("ok"):
            pytest.fail(f"{request['op']} failed in the built artifact:\n{reply.get('error')}")
        return reply

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.call(op="invoke", function=function, event=event)["result"]
        return result

    def log(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()


@pytest.fixture(scope="module")
def runtime(build: Build, app_env: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    work = tmp_path_factory.mktemp("lambda-runtime")
    runtime_dir = runtime_packages_dir(work / "runtime")
    env = {
        # the functions' environment (template Globals), pointed at the test database
        "DATABASE_URL": app_env,
        "DB_SECRET_ARN": "",
        "DB_HOST": "",
        "DB_PORT": "5432",
        "DB_NAME": "mockupaws",
        "POWERTOOLS_SERVICE_NAME": "mockupaws",
        "POWERTOOLS_METRICS_NAMESPACE": "mockupAWS",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        # what Lambda sets
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(work),
        "TIKTOKEN_CACHE_DIR": str(work / "empty-tiktoken-cache"),
    }
    paths = [build.layer_dir, runtime_dir]
    stderr = (work / "stderr.log").open("w+")
    process = subprocess.Popen(
        [str(build.python), "-I", "-S", str(PROBE), *(f"--path={p}" for p in paths)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=env,
        cwd=work,
    )
    rt = Runtime(process, stderr, paths)
    try:
        functions = {
            name: {"dir": str(build.function_dir(name)), "handler": props["Handler"]}
            for name, props in build.functions.items()
        }
        rt.call(op="init", functions=functions)
        yield rt
    finally:
        if process.poll() is None:
            assert process.stdin is not None
            process.stdin.write(json.dumps({"op": "exit"}) + "\n")
            process.stdin.close()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        stderr.close()


def test_every_function_is_built_with_the_layer(build: Build) -> None:
    assert set(build.functions) == {
        "ScenariosFunction",
        "IngestFunction",
        "MetricsFunction",
        "AnalysisFunction",
        "AggregateFunction",
        "MigrateFunction",
        "DocsFunction",
        "HealthFunction",
        "ConsoleFunction",
    }
    for name, props in build.functions.items():
        module = props["Handler"].rpartition(".")[0]
        assert (build.function_dir(name) / f"{module}.py").is_file(), name
    assert (build.layer_dir / "mockupaws" / "__init__.py").is_file()
    assert (build.function_dir("DocsFunction") / "openapi.json").is_file()
    # the console's static files ship with its function, the vendored chart library included
    console_assets = build.function_dir("ConsoleFunction") / "assets"
    assert (console_assets / "index.html").is_file()
    assert (console_assets / "vendor" / "chart.umd.min.js").is_file()


def test_tiktoken_and_its_encoding_ship_in_the_layer(runtime: Runtime, build: Build) -> None:
    from mockupaws.tokens import counter as dev_tokens

    texts = ["hello world", "tiktoken is great!", "refund for jane@example.com, card 4111 1111 1111 1111"]
    reply = runtime.call(op="tokens", texts=texts)
    layer = str(build.layer_dir)
    assert reply["tiktoken"].startswith(layer)
    assert reply["tiktoken_native"].startswith(layer)
    assert "cpython-312" in Path(reply["tiktoken_native"]).name
    assert reply["encoding_file"].startswith(layer)
    # counted with the network off (the probe refuses every non-Unix socket), equal to the dev counts
    assert reply["counts"][:2] == [2, 6]
    assert reply["counts"] == [dev_tokens.count_tokens(t) for t in texts]


def test_a_log_with_pii_goes_through_the_built_scenarios_and_ingest_handlers(runtime: Runtime) -> None:
    def call(function: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        response = runtime.invoke(function, rest_event(method, path, **kwargs))
        return response["statusCode"], json_body(response)

    # Given a running scenario, created and started by the built scenarios function
    status, scenario = call(
        "ScenariosFunction", "POST", "/api/v1/scenarios", body={"name": f"built-{uuid.uuid4().hex[:12]}"}
    )
    assert status == 201, scenario
    sid = scenario["id"]
    status, started = call("ScenariosFunction", "POST", f"/api/v1/scenarios/{sid}/start")
    assert (status, started["status"]) == (200, "running"), started
    try:
        # When a log with PII is sent to the built ingest function
        message = "refund for jane@example.com, card 4111 1111 1111 1111"
        status, stored = call(
            "IngestFunction",
            "POST",
            "/ingest",
            headers={"X-Scenario-ID": sid},
            body={"message": message, "source": "billing"},
        )
        # Then it is stored redacted, PII-flagged and token-counted
        assert status == 202, stored
        assert stored["scenario_id"] == sid
        assert stored["has_pii"] is True
        assert {"email", "credit_card"} <= set(stored["pii_types"])
        assert "jane@example.com" not in stored["message_preview"]
        assert "[EMAIL]" in stored["message_preview"]
        assert stored["token_count"] > 0
        assert stored["size_bytes"] == len(message.encode())
        assert stored["sqs_blocks"] == 1
        # and the built metrics function sees it
        status, metrics = call("MetricsFunction", "GET", f"/api/v1/scenarios/{sid}/metrics")
        assert status == 200, metrics
        assert metrics["summary"]["total_requests"] == 1
        assert metrics["summary"]["pii_violations"] == 1
    finally:
        call("ScenariosFunction", "POST", f"/api/v1/scenarios/{sid}/stop")
        status, _ = call("ScenariosFunction", "DELETE", f"/api/v1/scenarios/{sid}")
        assert status == 204


def test_the_built_docs_and_migrate_functions_run(runtime: Runtime, build: Build) -> None:
    response = runtime.invoke("DocsFunction", rest_event("GET", "/openapi.json"))
    assert response["statusCode"] == 200
    assert "/ingest" in json_body(response)["paths"]
    page = runtime.invoke("ConsoleFunction", rest_event("GET", "/"))
    assert page["statusCode"] == 200
    assert page["headers"]["Content-Type"] == "text/html; charset=utf-8"
    assert 'type="module"' in page["body"]
    # the migrations and the price catalogue ship in the layer: the database is already migrated (and
    # the catalogue loaded), nothing is pending
    assert list(build.layer_dir.rglob("mockupaws/pricing/catalogue.json"))
    result = runtime.invoke("MigrateFunction", {})
    assert result["applied"] == []
    assert result["pending"] == []


def test_nothing_is_imported_from_outside_the_artifact(runtime: Runtime, build: Build) -> None:
    reply = runtime.call(op="modules")
    extra = [str(p) for p in runtime.paths]
    stdlib = [p for p in reply["sys_path"] if p not in extra]
    assert stdlib, reply["sys_path"]
    assert all(str(ROOT) not in p for p in stdlib), f"checkout on sys.path: {stdlib}"
    functions = [str(build.function_dir(name)) for name in build.functions]
    runtime_dir = str(runtime.paths[1])
    outside, from_runtime = [], set()
    for name, file in reply["modules"].items():
        if name == "__main__":  # the probe itself
            continue
        if file.startswith(runtime_dir):
            from_runtime.add(name.split(".")[0])
        elif not any(file.startswith(prefix) for prefix in [str(build.layer_dir), *functions, *stdlib]):
            outside.append(f"{name}: {file}")
    assert outside == []
    # everything but boto3 and its dependencies comes from the layer
    assert from_runtime <= set(RUNTIME_PACKAGES)
    assert "mockupaws" in {
        n.split(".")[0] for n, f in reply["modules"].items() if f.startswith(str(build.layer_dir))
    }
