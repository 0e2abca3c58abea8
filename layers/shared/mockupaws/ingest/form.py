"""Python's ``logging.handlers.HTTPHandler`` body: a form-urlencoded ``LogRecord.__dict__``
(docs/ingest.md, "Python logging HTTPHandler"). Pure.

The record's message is ``msg % args``, as ``LogRecord.getMessage`` computes it: ``args`` arrives as
the ``repr`` of a tuple (or of a dict) and is read with :func:`ast.literal_eval` (literals only, never
code), bounded in size; ``exc_text`` and ``stack_info``, when the record carries them, follow on their
own lines as ``logging.Formatter`` writes them; ``msg`` conversions may not carry widths or precisions above
``_MAX_WIDTH`` (``%999999999d`` would build a gigantic string). Arguments that are not literals
(objects whose ``repr`` is ``<...>``), a template that does not match its arguments, or a missing
``msg`` are 422 -- never a message other than the one the program logged. ``created`` (epoch
seconds) is the event time, ``name`` (the logger's name) the source.
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from typing import Any, Final
from urllib.parse import parse_qs

from mockupaws.errors import InvalidBody, ValidationFailed
from mockupaws.ingest.limits import MAX_BODY_BYTES
from mockupaws.ingest.parse import (
    ParsedBody,
    RawRecord,
    _check_message_size,
    _clean_source,
    _epoch_to_datetime,
    _header_source,
    _RecordError,
)

__all__ = ["FORM_MEDIA_TYPE", "parse_logging_form"]

FORM_MEDIA_TYPE: Final = "application/x-www-form-urlencoded"
_MAX_ARGS_CHARS: Final = 64 * 1024
_MAX_WIDTH: Final = 4096
_MAX_FIELDS: Final = 200
# A printf conversion: flags, width, precision, length modifier, type (as in Objects/unicodeobject.c).
_CONVERSION: Final = re.compile(
    r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])"
)


def _refuse(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(
        f"Invalid logging record: {field} {reason}.", details=[{"index": 0, "field": field, "reason": reason}]
    )


def _check_template(template: str) -> None:
    for match in _CONVERSION.finditer(template):
        for size in (match.group(1), match.group(2)):
            if size == "*":
                raise _refuse("msg", "uses a * width or precision")
            if size is not None and int(size) > _MAX_WIDTH:
                raise _refuse("msg", f"has a width or precision above {_MAX_WIDTH}")


def _args_of(text: str) -> Any:
    if len(text) > _MAX_ARGS_CHARS:
        raise _refuse("args", f"is longer than {_MAX_ARGS_CHARS} characters")
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise _refuse(
            "args", "holds values that are not literals (format the message before logging it)"
        ) from None
    if type(value) not in (tuple, dict):
        raise _refuse("args", "must be a tuple or a dict")
    return value


def _message(template: str, args_text: str | None) -> str:
    if args_text is None or args_text in ("()", "None", ""):
        return template  # LogRecord.getMessage formats only when there are args
    args = _args_of(args_text)
    if not args:
        return template
    _check_template(template)
    try:
        return str(template % args)
    except (TypeError, ValueError, KeyError, OverflowError, MemoryError):
        raise _refuse("msg", "does not match its args") from None


def _one(fields: dict[str, list[str]], name: str) -> str | None:
    values = fields.get(name)
    return values[-1] if values else None


def parse_logging_form(raw: bytes, header_source: str | None) -> ParsedBody:
    """One record from an HTTPHandler body (``raw`` already decoded from base64/Content-Encoding)."""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidBody("The request body is too large.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidBody(f"The request body is not valid UTF-8 (at byte {exc.start}).") from None
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=_MAX_FIELDS, errors="strict")
    except (ValueError, UnicodeDecodeError):
        raise InvalidBody(
            f"The form body is not valid application/x-www-form-urlencoded (at most {_MAX_FIELDS} fields)."
        ) from None
    template = _one(fields, "msg")
    if template is None:
        raise _refuse(
            "msg", "is missing: a form body must be a logging.handlers.HTTPHandler record (msg, args, ...)"
        )
    message = _message(template, _one(fields, "args"))
    # What logging.Formatter.format appends: the traceback and the stack, when a formatter of another
    # handler had already rendered them into the record (HTTPHandler sends them as the text "None" else).
    for extra in ("exc_text", "stack_info"):
        rendered = _one(fields, extra)
        if rendered and rendered != "None":
            message = f"{message}\n{rendered}"
    if not message or message.isspace():
        raise _refuse("msg", "is empty")
    _check_message_size(message, 0)
    source = _header_source(header_source)
    name = _one(fields, "name")
    try:
        if name:
            source = _clean_source(name) or source
        created = _one(fields, "created")
        event_time: datetime | None = None
        if created:
            try:
                seconds = float(created)
            except ValueError:
                raise _RecordError("created", "must be epoch seconds") from None
            event_time = _epoch_to_datetime(seconds, "created")
    except _RecordError as exc:
        raise _refuse(exc.field, exc.reason) from None
    return ParsedBody(
        [RawRecord(message, source, event_time.astimezone(UTC) if event_time else None)], single=True
    )
