"""``python -m mockupaws_local``: run the API locally the way ``sam local start-api`` routes it.

Database: ``$DATABASE_URL`` when set; otherwise an embedded PostgreSQL under ``.pgdata/dev`` (created
on first run, kept across runs). On exit (Ctrl-C or SIGTERM) the embedded server is **stopped**
unless ``--keep-db-running`` (or ``MOCKUPAWS_PG_KEEP_RUNNING=1``) is given or another process still
uses it; its data stays in place either way. Migrations (``mockupaws.store.migrations.apply``) run before
the API starts listening.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from mockupaws_local import pg

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG = logging.getLogger("mockupaws_local")


def _default_template() -> Path:
    local = Path("template.yaml")
    return local if local.is_file() else REPO_ROOT / "template.yaml"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _parse_overrides(items: Sequence[str]) -> dict[str, str]:
    overrides: dict[str, str] = {}
    for item in items:
        for pair in item.split():
            key, sep, value = pair.partition("=")
            if not sep or not key:
                raise SystemExit(f"--parameter-overrides: expected KEY=VALUE, got {pair!r}")
            overrides[key.removeprefix("ParameterKey=")] = value
    return overrides


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mockupaws_local",
        description="Serve template.yaml's API like `sam local start-api`, each function instance a process.",
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT") or 3000), help="default $PORT or 3000"
    )
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1")
    parser.add_argument("--template", "-t", type=Path, default=None, help="default ./template.yaml")
    parser.add_argument(
        "--pgdata", type=Path, default=pg.DEFAULT_DATA_DIR, help="embedded PostgreSQL data dir (.pgdata/dev)"
    )
    parser.add_argument(
        "--keep-db-running",
        action="store_true",
        default=_truthy(os.environ.get("MOCKUPAWS_PG_KEEP_RUNNING")),
        help="leave the embedded PostgreSQL running on exit (default: stop it)",
    )
    parser.add_argument(
        "--no-database", action="store_true", help="no database setup and no migrations (toy templates)"
    )
    parser.add_argument(
        "--env-vars", "-n", type=Path, default=None, help="a `sam local --env-vars` JSON file"
    )
    parser.add_argument(
        "--parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE", help="template parameter values"
    )
    parser.add_argument("--concurrency", type=int, default=None, help="instances per function (default 4)")
    parser.add_argument(
        "--schedule-interval",
        type=float,
        default=None,
        help="seconds between schedule runs (default 60; 0=off)",
    )
    parser.add_argument(
        "--read-timeout",
        type=float,
        default=None,
        help="seconds a client may take to send each part of a request head, and its whole body (default 10)",
    )
    parser.add_argument(
        "--no-prewarm",
        action="store_true",
        help="start no function instance before its first request (default: one per function, at start)",
    )
    parser.add_argument("--verbose", "-v", action="store_true", help="debug logging (SAM CLI's too)")
    return parser


def run_migrations(database_url: str) -> list[str] | None:
    """``mockupaws.store.migrations.apply`` (with the statement timeout, as the deployed migration
    function does); None when the layer has no migrations module."""
    try:
        module = importlib.import_module("mockupaws.store.migrations")
    except ModuleNotFoundError as exc:
        if exc.name in {"mockupaws", "mockupaws.store", "mockupaws.store.migrations"}:
            return None
        raise
    from mockupaws.config import Settings

    default_timeout = Settings.model_fields["db_statement_timeout_ms"].default
    timeout_ms = int(os.environ.get("DB_STATEMENT_TIMEOUT_MS", default_timeout))
    applied: Any = module.apply(database_url, statement_timeout_ms=timeout_ms)
    return [str(name) for name in applied or []]


def _redact(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        params = conninfo_to_dict(url)
    except Exception:
        return "<unparseable DATABASE_URL>"
    if params.get("password"):
        params["password"] = "***"  # noqa: S105 - redaction marker, not a secret
        return make_conninfo(**params)  # type: ignore[arg-type]
    return url


def _configure_logging(verbose: bool) -> None:
    log_format = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING)
    for handler in logging.root.handlers:
        handler.setFormatter(log_format)
    logging.getLogger("werkzeug").setLevel(logging.INFO)
    # Our own handler, not the root's: powertools' Logger(service="mockupaws") adds a filter to the
    # root handlers that drops every record whose logger name contains "mockupaws".
    ours = logging.getLogger("mockupaws_local")
    handler = logging.StreamHandler()
    handler.setFormatter(log_format)
    ours.addHandler(handler)
    ours.setLevel(logging.DEBUG if verbose else logging.INFO)
    ours.propagate = False


def _raise_interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    signal.signal(signal.SIGTERM, _raise_interrupt)

    from mockupaws_local.server import start_server

    template = (args.template or _default_template()).resolve()
    if not template.is_file():
        print(f"error: template not found: {template}", file=sys.stderr)
        return 2
    overrides = _parse_overrides(args.parameter_overrides)
    env_vars: dict[str, dict[str, object]] | None = None
    if args.env_vars is not None:
        env_vars = json.loads(args.env_vars.read_text())
    env: dict[str, str] = {}
    handle = None
    try:
        if not args.no_database:
            database_url = pg.ensure_database(args.pgdata, keep_running=args.keep_db_running)
            env["DATABASE_URL"] = database_url
            print(f"Database: {_redact(database_url)}", flush=True)
            applied = run_migrations(database_url)
            if applied is None:
                print("Migrations: mockupaws.store.migrations not found in the layer; skipped", flush=True)
            else:
                print(f"Migrations: {', '.join(applied) if applied else 'schema up to date'}", flush=True)
        try:
            handle = start_server(
                template,
                args.port,
                args.host,
                env,
                parameter_overrides=overrides,
                env_vars=env_vars,
                concurrency=args.concurrency,
                schedule_interval_s=args.schedule_interval,
                prewarm=not args.no_prewarm,
                read_timeout_s=args.read_timeout,
            )
        except OSError as exc:
            print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
            return 1
        for line in handle.describe():
            print(line, flush=True)
        print(
            f"mockupAWS local API running on {handle.url} "
            f"(each function instance a process, up to {handle.runner.concurrency} per function). "
            "Press CTRL+C to quit",
            flush=True,
        )
        handle.wait()
    except KeyboardInterrupt:
        print("\nShutting down...", flush=True)
    finally:
        if handle is not None:
            handle.stop()
        for data_dir in pg.shutdown():
            if args.keep_db_running:
                state = "left running"
            else:
                state = "stopped (unless another process still uses it)"
            print(f"Embedded PostgreSQL {state}; data kept in {data_dir}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
