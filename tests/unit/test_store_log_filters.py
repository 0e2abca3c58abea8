"""The redacted-logs listing builds its WHERE clause from a table: every filter has its clause."""

from __future__ import annotations

from dataclasses import fields

from mockupaws.store import logs


def test_every_log_filter_has_its_clause_and_parameter() -> None:
    names = {field.name for field in fields(logs.LogFilter)}
    assert set(logs._FILTER_CLAUSES) == names
    for name, clause in logs._FILTER_CLAUSES.items():
        assert f"%({name})s" in clause
