"""Database credentials from Secrets Manager (moto), as deployed: ``DB_SECRET_ARN`` + ``DB_HOST``, no
``DATABASE_URL``. The secret is fetched through powertools' parameters utility, cached, and fetched again
once when the database refuses the cached password (rotation).

The database is a dedicated embedded PostgreSQL for this module whose ``pg_hba.conf`` requires
SCRAM passwords from every role but the ``postgres`` superuser (the shared session server trusts every
local connection, which would prove nothing about credentials). The application connects as its own
role, ``mockupaws_app``, owner of the ``mockupaws`` database; ``DB_HOST`` is the server's unix-socket
directory.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import boto3
import botocore.client
import psycopg
import pytest
from moto import mock_aws
from psycopg import sql

from mockupaws.config import get_settings
from mockupaws.store import db, migrations
from mockupaws_local.pg import create_database
from mockupaws_testkit.dbenv import DedicatedServer, dedicated_server, function_env
from mockupaws_testkit.handlers import load_handler
from mockupaws_testkit.invoke import Reply, call
from mockupaws_testkit.lambda_context import FakeLambdaContext

ROLE = "mockupaws_app"
DATABASE = "mockupaws"
FIRST_PASSWORD = "first-" + secrets.token_urlsafe(12)
REGION = "us-east-1"


def role_url(pg: DedicatedServer, password: str, database: str = DATABASE) -> str:
    return f"postgresql://{ROLE}:{quote(password, safe='')}@/{database}?host={pg.socket_dir}&port={pg.port}"


@pytest.fixture(scope="module")
def server() -> Iterator[DedicatedServer]:
    with dedicated_server("secret") as pg:
        with pg.admin() as conn:
            hba = conn.execute("SHOW hba_file").fetchone()
            assert hba is not None
            # Only this dedicated server's authentication is changed: the superuser keeps trust (test
            # setup and assertions), every other role must present its password.
            Path(hba[0]).write_text(
                "# mockupAWS test_db_secret: passwords required\n"
                "local all postgres trust\n"
                "local all all scram-sha-256\n"
            )
            conn.execute("SELECT pg_reload_conf()")
            errors = conn.execute("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL").fetchone()
            assert errors == (0,)
            conn.execute(
                sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(ROLE), sql.Literal(FIRST_PASSWORD)
                )
            )
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(ROLE))
            )
        migrations.apply(role_url(pg, FIRST_PASSWORD))  # the schema, owned by the application role
        yield pg


def set_role_password(pg: DedicatedServer, password: str) -> None:
    with pg.admin() as conn:
        conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(ROLE), sql.Literal(password)))


@dataclass
class Aws:
    """The moto Secrets Manager holding the database secret, and every API call made to it."""

    client: Any
    secret_arn: str
    calls: list[str]

    def get_secret_value_calls(self) -> int:
        return self.calls.count("GetSecretValue")

    def rotate(self, pg: DedicatedServer, password: str) -> None:
        """What a rotation does: the role's password changes, then the secret's current version."""
        set_role_password(pg, password)
        self.client.put_secret_value(SecretId=self.secret_arn, SecretString=secret_string(password))


def secret_string(password: str) -> str:
    # An RDS rotation secret also names the instance endpoint; the functions must connect to DB_HOST
    # (e.g. the RDS Proxy) instead, so this host must never be used.
    return json.dumps(
        {
            "engine": "postgres",
            "username": ROLE,
            "password": password,
            "host": "instance-1.abcdefghijkl.us-east-1.rds.amazonaws.com",
            "port": 5432,
            "dbname": DATABASE,
        }
    )


@pytest.fixture
def aws(server: DedicatedServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Aws]:
    """moto's Secrets Manager with the credentials of ``mockupaws_app``, and the functions' environment
    as deployed (no DATABASE_URL), on a fresh execution environment (no connection, empty caches)."""
    set_role_password(server, FIRST_PASSWORD)
    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def counting(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(operation_name)
        return original(self, operation_name, api_params)

    aws_env: dict[str, str | None] = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_PROFILE": None,
        "AWS_ENDPOINT_URL": None,
        "AWS_ENDPOINT_URL_SECRETSMANAGER": None,
        "DB_STATEMENT_TIMEOUT_MS": None,
    }
    with function_env(aws_env) as env, mock_aws():
        client = boto3.client("secretsmanager", region_name=REGION)
        arn = client.create_secret(Name="mockupaws/db", SecretString=secret_string(FIRST_PASSWORD))["ARN"]
        env.setenv("DB_SECRET_ARN", arn)
        env.setenv("DB_HOST", server.socket_dir)
        env.setenv("DB_PORT", str(server.port))
        env.setenv("DB_NAME", DATABASE)
        env.setenv("DB_CONNECT_TIMEOUT_S", "1")
        env.delenv("DATABASE_URL", raising=False)
        get_settings.cache_clear()
        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
        yield Aws(client, arn, calls)


def list_scenarios() -> Reply:
    return call("scenarios", "GET", "/api/v1/scenarios")


def assert_ok(reply: Reply, status: int = 200) -> None:
    assert reply.status == status, reply.body


def new_connection() -> None:
    """Drop this execution environment's connection (as a database restart or idle timeout would), so
    the next request connects again."""
    db.reset()


def test_the_server_really_checks_passwords(server: DedicatedServer) -> None:
    for url in (role_url(server, "not-the-password"), role_url(server, "")):
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=1).close()
    with psycopg.connect(role_url(server, FIRST_PASSWORD)) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (ROLE,)


def test_handlers_work_with_credentials_from_the_secret(aws: Aws, server: DedicatedServer) -> None:
    assert get_settings().database_url is None
    created = call("scenarios", "POST", "/api/v1/scenarios", body={"name": f"secret-{time.time_ns()}"})
    assert_ok(created, 201)
    listed = list_scenarios()
    assert_ok(listed)
    assert created.body["id"] in {item["id"] for item in listed.body["items"]}
    info = db.connection().info
    assert info.user == ROLE
    assert info.host == server.socket_dir  # DB_HOST, not the host named in the secret
    assert aws.get_secret_value_calls() == 1


def test_the_secret_is_fetched_once_and_cached(aws: Aws) -> None:
    for _ in range(3):
        assert_ok(list_scenarios())
    new_connection()  # a new connection within max_age uses the cached secret
    assert_ok(list_scenarios())
    assert aws.get_secret_value_calls() == 1


def test_rotated_password_refetches_the_secret_once(aws: Aws, server: DedicatedServer) -> None:
    assert_ok(list_scenarios())
    assert aws.get_secret_value_calls() == 1

    rotated = "second-" + secrets.token_urlsafe(12)
    aws.rotate(server, rotated)
    assert_ok(list_scenarios())  # the open connection is not affected by the new password
    assert aws.get_secret_value_calls() == 1

    new_connection()
    assert_ok(list_scenarios())  # cached password refused -> fetched again, once -> connected
    assert aws.get_secret_value_calls() == 2
    assert db.connection().info.password == rotated

    new_connection()
    assert_ok(list_scenarios())  # the refetched secret is cached in turn
    assert aws.get_secret_value_calls() == 2


def test_rotation_mid_outage_of_the_old_connection(aws: Aws, server: DedicatedServer) -> None:
    """The password rotates and the live connection dies (e.g. the database restarts) between two
    requests: the next request reconnects, refetches once, and is retried transparently by db.run."""
    assert_ok(list_scenarios())
    pid = db.connection().info.backend_pid
    aws.rotate(server, "third-" + secrets.token_urlsafe(12))
    server.terminate_backend(pid)
    assert_ok(list_scenarios())
    assert aws.get_secret_value_calls() == 2


def test_password_refused_even_after_refetch_is_503(aws: Aws, server: DedicatedServer) -> None:
    set_role_password(server, "a-password-nobody-has")  # the secret was not updated
    reply = list_scenarios()
    assert reply.status == 503, reply.body
    assert reply.body["error"] == "service_unavailable"
    assert reply.headers.get("Retry-After")
    assert aws.get_secret_value_calls() == 2  # the cached value, then one refetch: not a loop


def test_unreachable_database_does_not_refetch_the_secret(
    aws: Aws, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert_ok(list_scenarios())
    monkeypatch.setenv("DB_HOST", str(tmp_path))  # no server listens there
    get_settings.cache_clear()
    new_connection()
    for _ in range(3):
        reply = list_scenarios()
        assert reply.status == 503, reply.body
        assert reply.body["error"] == "service_unavailable"
    assert aws.get_secret_value_calls() == 1  # an outage is no reason to hammer Secrets Manager


@pytest.mark.parametrize(
    "breakage",
    [
        pytest.param(
            lambda aws: aws.client.delete_secret(SecretId=aws.secret_arn, ForceDeleteWithoutRecovery=True),
            id="deleted",
        ),
        pytest.param(
            lambda aws: aws.client.put_secret_value(SecretId=aws.secret_arn, SecretString="not json"),
            id="not-json",
        ),
        pytest.param(
            lambda aws: aws.client.put_secret_value(
                SecretId=aws.secret_arn, SecretString='{"username": "x"}'
            ),
            id="no-password",
        ),
    ],
)
def test_unusable_secret_is_503_not_500(aws: Aws, breakage: Callable[[Aws], Any]) -> None:
    breakage(aws)
    reply = list_scenarios()
    assert reply.status == 503, reply.body
    assert reply.body["error"] == "service_unavailable"
    assert "Traceback" not in reply.raw


def test_migrations_run_with_credentials_from_the_secret(aws: Aws) -> None:
    result = load_handler("migrate").lambda_handler({}, FakeLambdaContext())
    assert result == {"applied": [], "pending": []}
    new_connection()
    timeout = db.run(lambda cur: cur.execute("SHOW statement_timeout").fetchone())
    assert timeout == {"statement_timeout": "20s"}  # DB_STATEMENT_TIMEOUT_MS's default, set by the runner


def test_statement_timeout_falls_back_to_the_role_when_not_the_owner(server: DedicatedServer) -> None:
    """A migration role that does not own the database sets the default for itself in that database."""
    other = f"not_owned_{secrets.token_hex(4)}"
    create_database(server.admin_url, other)
    with server.admin() as conn:
        conn.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(other), sql.Identifier(ROLE))
        )
    try:
        assert migrations.set_statement_timeout(role_url(server, FIRST_PASSWORD, other), 1234) == "role"
        with psycopg.connect(role_url(server, FIRST_PASSWORD, other)) as conn:
            assert conn.execute("SHOW statement_timeout").fetchone() == ("1234ms",)
        with server.admin() as conn:
            # The database default is untouched: other roles (here postgres) are not affected.
            assert (
                conn.execute(
                    "SELECT 1 FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase "
                    "WHERE d.datname = %s AND s.setrole = 0",
                    (other,),
                ).fetchone()
                is None
            )
    finally:
        with server.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(other)))
