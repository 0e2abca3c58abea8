"""Redaction-first PII rules: each rule's positive next to the look-alike it must leave alone.

A leak cannot be taken back while a false positive costs a few characters of preview, so a value in
a strong shape (separators, parentheses, "+" and a country code, an extension, an SSN context word)
is redacted even where a numbering plan reserves it; bare digit runs keep strict validation.
"""

from __future__ import annotations

import pytest

from mockupaws.pii.detector import scan


def kinds(text: str) -> tuple[str, ...]:
    return scan(text).types


# Each case: (positive, its look-alike, type). The positive's value is fully redacted; the
# look-alike is not reported as that type.
PAIRS = [
    # Phones: an extension goes with the number; glued to a word (not an extension), it is an id.
    ("call 415-555-0132x12 now", "call 415-555-0132abc now", "phone"),
    ("call (415)555-0132x1234 now", "call (415)555-0132abc now", "phone"),
    ("call +1-415-555-0132x12 now", "call +1-415-555-0132abc now", "phone"),
    ("call 523-222-8888EXT623 now", "call 523-222-8888EXTRA now", "phone"),
    ("call (523)222-8888 ext 527 now", "call 222-8888 ext 527 now", "phone"),
    ("call 312-515-2239 ext. 12 now", "call 515-2239 ext. 12 now", "phone"),
    # Country code in parentheses; a parenthesised number that is not a country code is not one.
    ("call (+41) 22 730 5989 now", "call (+0) 22 730 5989 now", "phone"),
    ("call (+44) 20 7946 0958 now", "call (+283) 20 7946 0958 now", "phone"),
    # Reserved/unassigned NANP codes in a strong shape are phones; bare runs keep the plan's rules.
    ("call 212-911-0100 now", "call 2129110100 now", "phone"),
    ("call (291) 555-0100 now", "count 2915550100 now", "phone"),
    ("call 123-456-7890 now", "order 123-456-78901 now", "phone"),
    ("call +1 123 456 7890 now", "call +11234567890 now", "phone"),
    ("call 911.555.0100 now", "version 911.555.0100.1 now", "phone"),
    # E-mail with a punycode or IDN TLD; a punycode-looking label without "@" is a host name.
    ("mail x@example.xn--p1ai ok", "host example.xn--p1ai ok", "email"),
    ("mail a@xn--d1acufc.xn--p1ai ok", "mail a@xn--d1acufc ok", "email"),
    ("mail user@пример.рф ok", "mail user@пример.р ok", "email"),  # noqa: RUF001 (Cyrillic on purpose)
    # Cards grouped with dots; a dotted run that fails Luhn is not one.
    ("card 4111.1111.1111.1111 ok", "card 4111.1111.1111.1112 ok", "credit_card"),
    ("card 5555.5555.5555.4444 ok", "card 5555.5555.5555.4444.1 ok", "credit_card"),
    # Live Luhn brands outside the old issuer list; a Luhn-valid number of no brand stays.
    ("maestro 6759649826438453 ok", "account 1234567812345670 ok", "credit_card"),
    ("maestro 5018 0000 0000 0009 ok", "serial 7018 0000 0000 0005 ok", "credit_card"),
    ("dankort 5019717010103742 ok", "dankort 5019717010103743 ok", "credit_card"),
    ("mir 2200 0000 0000 0004 ok", "ids 2100 0000 0000 0009 ok", "credit_card"),
    ("uatp 122000000000003 ok", "epoch_ms 1748503543012 ok", "credit_card"),
    ("troy 9792 0000 0000 0003 ok", "ids 9791 0000 0000 0004 ok", "credit_card"),
    # SSN with spaces needs an SSN context word near; dotted ones stand alone.
    ("ssn 078 05 1120 on file", "sizes 078 05 1120 on file", "ssn"),
    ("Social Security Number: 078 05 1120", "status 200 05 1120 bytes", "ssn"),
    ("id 078 05 1120 (SSN)", "id 078 05 1120 (ssh)", "ssn"),
    ("ssn=078.05.1120 ok", "ssn=078.05.11200 ok", "ssn"),
    ("ssn 078.05.1120", "ssn 078.00.1120", "ssn"),
]


@pytest.mark.parametrize(("positive", "look_alike", "kind"), PAIRS)
def test_positive_is_redacted_and_its_look_alike_is_not(positive: str, look_alike: str, kind: str) -> None:
    # When the positive is scanned, it is reported and no digit or address of the value survives
    result = scan(positive)
    assert kind in result.types, (positive, result)
    value = positive.split(" ", 1)[1].rsplit(" ", 1)[0] if positive.count(" ") >= 2 else positive
    assert f"[{kind.upper()}]" in result.redacted, result.redacted
    assert not any(part in result.redacted for part in value.split() if any(c.isdigit() for c in part)), (
        value,
        result.redacted,
    )
    # And the look-alike is not reported as that type
    assert kind not in kinds(look_alike), (look_alike, scan(look_alike))


def test_bare_digit_runs_keep_strict_validation() -> None:
    # Epoch milliseconds, order ids and counters stay untouched
    for text in (
        "ts=1709820131482 ok",
        "order_id=98765432109876543",
        "counter=4155550132",
        "delta +1234567",
        "took 1705312345678 ms",
        "imei 490154203237518",
    ):
        assert scan(text).types == (), text


def test_extension_is_redacted_with_the_number() -> None:
    assert scan("call 415-555-0132x12, then").redacted == "call [PHONE], then"
    assert scan("call 312-515-2239 ext. 12 now").redacted == "call [PHONE] now"
    assert scan("(523)222-8888 x 623").redacted == "[PHONE]"


def test_spaced_ssn_context_is_near_not_anywhere() -> None:
    # A context word 48+ characters away does not make a spaced group an SSN
    far = "ssn check passed " + "x" * 60 + " sizes 078 05 1120"
    assert "ssn" not in scan(far).types
    assert scan("SSN 078 05 1120").redacted == "SSN [SSN]"
