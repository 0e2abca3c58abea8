"""Elasticsearch ``_bulk`` bodies (rsyslog omelasticsearch, Fluent Bit ``es``, Vector ``elasticsearch``,
Logstash ``elasticsearch``): action lines and documents in, records and the bulk reply out
(docs/ingest.md, "Elasticsearch bulk"). Pure.

- Lines are NDJSON; blank lines are skipped. An action line is an object with one key, ``index``,
  ``create``, ``update`` or ``delete``, whose value is the metadata object. ``index``, ``create`` and
  ``update`` are followed by a document line, ``delete`` is not.
- The whole request is refused (4xx, nothing stored) when a line is not JSON, an action is unknown
  or malformed, an action has no document line, there are no actions, there are more than
  ``MAX_RECORDS`` actions, a message is too large (413), or the documents name more than one scenario.
- Each ``index``/``create`` document is one record (message, source and event time read as on
  ``/ingest``). Its scenario is the action's ``_index``, else the path's index, else ``X-Scenario-ID``.
- Per-item errors (the reply's ``errors`` is true): ``update`` and ``delete`` (logs are only
  appended), a document that is not a valid record, an index that is not a scenario id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from mockupaws.errors import InvalidBody, InvalidJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from mockupaws.ingest import envelopes
from mockupaws.ingest.limits import MAX_RECORDS
from mockupaws.ingest.parse import (
    RawRecord,
    _header_source,
    _loads,
    _record_from,
    _RecordError,
    decode_body,
)

__all__ = ["BulkItem", "BulkRequest", "bulk_reply", "parse_bulk"]

_BULK_MEDIA: Final = frozenset({"", "application/json", "application/x-ndjson"})
_DOCUMENT_ACTIONS: Final = frozenset({"index", "create"})


@dataclass(frozen=True, slots=True)
class ItemError:
    status: int
    type: str
    reason: str


@dataclass(frozen=True, slots=True)
class BulkItem:
    action: str
    index: str  # as the reply shows it ("" when no index is known)
    doc_id: str | None
    record: RawRecord | None  # the record to store (index/create without error)
    error: ItemError | None


@dataclass(slots=True)
class BulkRequest:
    items: list[BulkItem] = field(default_factory=list)
    scenario_id: uuid.UUID | None = None  # the scenario of every record (None when nothing to store)

    @property
    def records(self) -> list[RawRecord]:
        return [item.record for item in self.items if item.record is not None]


def _media_check(content_type: str | None) -> None:
    media_type, _, params = (content_type or "").partition(";")
    if media_type.strip().lower() not in _BULK_MEDIA:
        raise UnsupportedMediaType(
            f"Unsupported Content-Type {media_type.strip()[:60]!r} for a bulk request; "
            "use application/x-ndjson or application/json."
        )
    for param in params.split(";"):
        name, sep, value = param.partition("=")
        if (
            sep
            and name.strip().lower() == "charset"
            and value.strip().strip('"').lower() not in ("utf-8", "utf8")
        ):
            raise UnsupportedMediaType("Send the bulk body as UTF-8 (charset=utf-8).")


def _scenario_of(index: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(index)
    except ValueError:
        return None


def parse_bulk(
    body: str | bytes | None,
    *,
    is_base64: bool,
    content_type: str | None,
    content_encoding: str | None,
    header_source: str | None,
    path_index: str | None,
    header_scenario: str | None,
) -> BulkRequest:
    """Parse a bulk body into items (see the module docstring for what is refused, and how)."""
    _media_check(content_type)
    raw = decode_body(body, is_base64=is_base64, content_encoding=content_encoding)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBody(f"The bulk body is not valid UTF-8 (at byte {exc.start}).") from None
    lines = [(number, line) for number, line in enumerate(text.split("\n"), 1) if line.strip()]
    default_source = _header_source(header_source)
    fallback_index = path_index or (header_scenario.strip() if header_scenario else None)
    check_surrogates = "\\u" in text
    request = BulkRequest()
    position = 0
    while position < len(lines):
        number, line = lines[position]
        position += 1
        action_line, problem = _loads(line)
        if problem is not None:
            raise InvalidJson(f"Malformed JSON on line {number} of the bulk body: {problem}.")
        if type(action_line) is not dict or len(action_line) != 1:
            raise InvalidBody(f"Line {number}: a bulk action line is an object with exactly one key.")
        ((action, meta),) = action_line.items()
        if action not in envelopes.BULK_ACTIONS:
            raise InvalidBody(
                f"Line {number}: unknown bulk action {str(action)[:40]!r}; "
                "expected one of index, create, update, delete."
            )
        if type(meta) is not dict:
            raise InvalidBody(f"Line {number}: the metadata of a {action} action must be an object.")
        if len(request.items) >= MAX_RECORDS:
            raise PayloadTooLarge(f"The bulk request holds more than {MAX_RECORDS} actions.")
        index_value = meta.get("_index")
        index = index_value if type(index_value) is str and index_value else fallback_index
        id_value = meta.get("_id")
        doc_id = id_value if type(id_value) is str else None
        document: Any = None
        if action != "delete":
            if position >= len(lines):
                raise InvalidBody(f"Line {number}: the {action} action has no document line after it.")
            doc_number, doc_line = lines[position]
            position += 1
            document, problem = _loads(doc_line)
            if problem is not None:
                raise InvalidJson(f"Malformed JSON on line {doc_number} of the bulk body: {problem}.")
        shown_index = index or ""
        if action not in _DOCUMENT_ACTIONS:
            error = ItemError(
                400,
                "illegal_argument_exception",
                f"mockupAWS only appends logs: the {action} action is not supported",
            )
            request.items.append(BulkItem(action, shown_index, doc_id, None, error))
            continue
        if index is None:
            error = ItemError(
                400,
                "action_request_validation_exception",
                "no index: set _index, the index in the path (/ingest/<scenario id>/_bulk) or X-Scenario-ID",
            )
            request.items.append(BulkItem(action, shown_index, doc_id, None, error))
            continue
        if _scenario_of(index) is None:
            error = ItemError(
                404, "index_not_found_exception", "no such index: the index must be a running scenario's id"
            )
            request.items.append(BulkItem(action, shown_index, doc_id, None, error))
            continue
        try:
            if type(document) is dict and "message" not in document and envelopes.classify(document):
                raise _RecordError(
                    "document", "is an envelope of several records: send one record per document"
                )
            record = _record_from(document, len(request.items), default_source, check_surrogates)
        except _RecordError as exc:
            error = ItemError(400, "document_parsing_exception", f"{exc.field} {exc.reason}")
            request.items.append(BulkItem(action, shown_index, doc_id, None, error))
            continue
        request.items.append(BulkItem(action, shown_index, doc_id, record, None))
    if not request.items:
        raise InvalidBody("The bulk request holds no actions.")
    scenarios = {_scenario_of(item.index) for item in request.items if item.record is not None}
    if len(scenarios) > 1:
        raise ValidationFailed(
            f"The bulk request's documents name {len(scenarios)} scenarios: send each scenario's "
            "documents in their own request (one request is stored in one scenario, all or nothing)."
        )
    request.scenario_id = next(iter(scenarios)) if scenarios else None
    return request


def bulk_reply(request: BulkRequest, took_ms: int) -> dict[str, Any]:
    """The bulk API's reply: one item per action, in order, ``errors`` true when any item failed."""
    items: list[dict[str, Any]] = []
    seq_no = 0
    for item in request.items:
        doc_id = item.doc_id or uuid.uuid4().hex[:20]
        if item.error is None:
            items.append(
                {
                    item.action: {
                        "_index": item.index,
                        "_id": doc_id,
                        "_version": 1,
                        "result": "created",
                        "_shards": {"total": 1, "successful": 1, "failed": 0},
                        "_seq_no": seq_no,
                        "_primary_term": 1,
                        "status": 201,
                    }
                }
            )
            seq_no += 1
        else:
            items.append(
                {
                    item.action: {
                        "_index": item.index,
                        "_id": doc_id,
                        "status": item.error.status,
                        "error": {"type": item.error.type, "reason": item.error.reason},
                    }
                }
            )
    return {"took": took_ms, "errors": any(item.error for item in request.items), "items": items}


ES_VERSION_DOCUMENT: Final[dict[str, Any]] = {
    "name": "mockupaws",
    "cluster_name": "mockupaws",
    "cluster_uuid": "mockupaws",
    "version": {
        "number": "8.11.0",
        "build_flavor": "default",
        "build_type": "mockupaws",
        "lucene_version": "9.8.0",
        "minimum_wire_compatibility_version": "7.17.0",
        "minimum_index_compatibility_version": "7.0.0",
    },
    "tagline": "You Know, for Search",
}
"""What ``GET /ingest`` answers: the root document Elasticsearch clients read before sending (Logstash
and Vector check ``version.number``). The version is the API this endpoint imitates, not a product."""
