"""PII detection and redaction for ingested log messages (docs/pii.md).

``scan(message)`` reports which PII types a message contains and returns the whole message with every
match replaced by its placeholder (``[EMAIL]``, ``[SSN]``, ``[CREDIT_CARD]``, ``[PHONE]``,
``[IP_ADDRESS]``).

How it works, and why it is cheap enough to run on every ingested log:

* Regular expressions only *propose* candidates; each candidate is then validated in Python: Luhn and
  issuer prefix and length for cards, SSA rules for SSNs, NANP rules and country codes for phones,
  octet ranges and surrounding context for IPv4, RFC 4291 group counts for IPv6, label and TLD rules for
  emails. Validation runs on candidates only, never on the whole message.
* Every pass but one is anchored on literal text that the regex engine finds with a fast C search and
  that log lines hold rarely: ``@`` (email), ``+`` (international phone), ``(`` (``(415) 555-0132``),
  ``-`` (SSN, ``415-555-0132``), ``.`` (IPv4, ``415.555.0132``), ``::`` or ``:h:h:h:`` (IPv6). A pass
  whose character is absent is skipped. Cards have no such anchor, so the message is first reduced to
  its digit "shape" (``bytes.translate``) and the card pass runs only if that shape holds 13
  consecutive digits or grouped 4-4-4 / 4-6-4 digits.
* A candidate never starts or ends inside a word, a hex id or a longer digit/dot/dash run.
* Overlapping detections are resolved leftmost-longest: the one that starts first wins, and among
  those starting at the same place the longest wins. So a card number is never also a phone, and an
  IPv4-suffixed IPv6 address is one IP.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Final, Literal, get_args

__all__ = ["PII_TYPES", "PLACEHOLDERS", "PiiScan", "PiiType", "scan"]

PiiType = Literal["credit_card", "email", "ip_address", "phone", "secret", "ssn"]
PII_TYPES: Final[tuple[PiiType, ...]] = get_args(PiiType)

PLACEHOLDERS: Final[dict[str, str]] = {
    "credit_card": "[CREDIT_CARD]",
    "email": "[EMAIL]",
    "ip_address": "[IP_ADDRESS]",
    "phone": "[PHONE]",
    "secret": "[SECRET]",
    "ssn": "[SSN]",
}


@dataclass(frozen=True, slots=True)
class PiiScan:
    """The outcome of scanning one message."""

    types: tuple[str, ...]
    """Sorted, unique PII types found (a subset of :data:`PII_TYPES`)."""
    redacted: str
    """The whole message with every match replaced by its placeholder."""

    @property
    def has_pii(self) -> bool:
        return bool(self.types)


# A detection: (start, end, type).
_Span = tuple[int, int, str]


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _glued(ch: str) -> bool:
    """Whether a number next to ``ch`` is part of a longer token (word, dotted or dashed run, "+...")."""
    return ch in ".-+" or _is_word_char(ch)


# An extension after a phone number goes with it: "x12", " x 623", "ext.12", " ext 527", "EXT623",
# "#12" ("415-555-0132x12" is one phone). ``_EXTENSION_AHEAD`` lets a candidate end before one.
_EXTENSION_AHEAD: Final = r"(?:[xX#]|[eE][xX][tT](?:[eE][nN][sS][iI][oO][nN])?\.?)[ ]?[0-9]"
_EXTENSION: Final = re.compile(
    r"[ ]?(?:[xX#]|[eE][xX][tT](?:[eE][nN][sS][iI][oO][nN])?\.?)[ ]?[0-9]{1,6}(?![\w.-])"
)


def _phone_end(message: str, end: int) -> int:
    """Where a phone number whose digits end at ``end`` ends: after its extension, if one follows;
    -1 if the number is glued to a word without being an extension."""
    ext = _EXTENSION.match(message, end)
    if ext is not None:
        return ext.end()
    if end < len(message) and _is_word_char(message[end]):
        return -1
    return end


# ==================================================================================================
# SSN and NANP "415-555-0132", anchored on "-".
# ==================================================================================================
# Both start at the first dash; the three digits before it are checked by lookbehinds. An SSN may not
# follow a word character or a dash (it would be part of a longer run). A NANP number may be followed
# by its extension ("415-555-0132x12").
_DASH_CANDIDATES: Final = re.compile(
    r"""
    -(?:
        (?<=[0-9]{3}-)(?<![\w-][0-9]{3}-)(?P<ssn>[0-9]{2}-[0-9]{4})(?![\w-])
      | (?<=[0-9]{3}-)(?P<nanp>[0-9]{3}-[0-9]{4})(?:(?=EXT)|(?!\w|[-.][0-9]))
    )
    """.replace("EXT", _EXTENSION_AHEAD),
    re.VERBOSE,
)


def _valid_ssn(area: str, group: str, serial: str) -> bool:
    """SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    if area in ("000", "666") or area[0] == "9":
        return False
    return group != "00" and serial != "0000"


def _valid_nanp(area: str, exchange: str) -> bool:
    """NANP rules, for numbers written without separators ("+14155550132"): area code and exchange
    start with 2-9; neither is an N11 service code; area codes with 9 in the middle (N9X) are reserved.

    Numbers in a strong shape ("415-555-0132", "(415) 555-0132", "+1 415 555 0132") are not held to
    these rules: written like that in a log, a number with a reserved code is still someone's number
    (a test line, a typo, a number of another plan), and a leak cannot be taken back."""
    if area[0] < "2" or exchange[0] < "2":
        return False
    if area[1:] == "11" or exchange[1:] == "11":
        return False
    return area[1] != "9"


def _nanp_start(message: str, area_start: int, sep: str) -> int:
    """Where a NANP number whose area code starts at ``area_start`` begins, or -1 if it is glued to
    something. A leading trunk "1" written with the same separator ("1-800-555-0199") belongs to it."""
    if area_start == 0:
        return 0
    before = message[area_start - 1]
    if before == sep and area_start >= 2 and message[area_start - 2] == "1":
        if area_start == 2 or not _glued(message[area_start - 3]):
            return area_start - 2
        return -1
    return -1 if _glued(before) else area_start


def _dash_pass(message: str, spans: list[_Span]) -> None:
    search = _DASH_CANDIDATES.search
    pos = 0
    while (m := search(message, pos)) is not None:
        dash = m.start()
        ssn = m.group("ssn")
        if ssn is not None:
            if _valid_ssn(message[dash - 3 : dash], ssn[0:2], ssn[3:7]):
                spans.append((dash - 3, m.end(), "ssn"))
                pos = m.end()
                continue
        else:
            start = _nanp_start(message, dash - 3, "-")
            end = _phone_end(message, m.end()) if start >= 0 else -1
            if end > 0:
                spans.append((start, end, "phone"))
                pos = end
                continue
        pos = dash + 1


# ==================================================================================================
# IPv4, NANP "415.555.0132" and SSN "078.05.1120", anchored on ".".
# ==================================================================================================
# All start at the first dot. The first octet (1-3 digits) is found in Python by walking back. A
# dotted quad followed by "-" and a letter is a version ("1.2.3.4-SNAPSHOT", "1.0.0.1-el8").
_DOT_CANDIDATES: Final = re.compile(
    r"""
    \.(?:
        (?<=[0-9]\.)(?P<ipv4>[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})(?!\w|\.[0-9]|-[A-Za-z])
      | (?<=[0-9]{3}\.)(?P<nanp>[0-9]{3}\.[0-9]{4})(?:(?=EXT)|(?!\w|[-.][0-9]))
      | (?<=[0-9]{3}\.)(?<![\w.-][0-9]{3}\.)(?P<ssn>[0-9]{2}\.[0-9]{4})(?![\w-]|\.[0-9])
    )
    """.replace("EXT", _EXTENSION_AHEAD),
    re.VERBOSE,
)

# Read backwards from a dotted quad: text that makes it a version rather than an address, i.e. a
# version word ("version 1.2.3.4", "Version=4.0.0.0", "ver: 1.2.3.4", "rev 1.2.3.4") or a product
# token ("Chrome/120.0.0.0": a token that starts after a space, "(", ";", "," or "[" and has no "/" in
# it; a URL path like "/hosts/10.0.0.1" is not one).
_VERSION_BEFORE_REVERSED: Final = re.compile(
    r"[\s:=]{0,2}(?:noisrev|rev|ver)(?!\w)|/[\w.-]*[a-z](?=[\s(;,\[]|$)", re.IGNORECASE
)
_VERSION_CONTEXT_CHARS: Final = 32
# Every octet 0-255 without leading zeros (a leading zero means octal to some parsers: not an address).
_IPV4_OCTETS: Final = re.compile(r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?!\Z)|\Z)){4}")


def _ipv4_start(message: str, dot: int) -> int:
    """The start of the first octet that ends at ``dot``, or -1 if it is too long or glued."""
    start = dot - 1  # a digit (lookbehind)
    while start > 0 and "0" <= message[start - 1] <= "9":
        start -= 1
        if dot - start > 3:
            return -1
    if start > 0 and (message[start - 1] == "." or _is_word_char(message[start - 1])):
        return -1
    return start


def _valid_ipv4(message: str, start: int, end: int) -> bool:
    if _IPV4_OCTETS.fullmatch(message, start, end) is None:
        return False
    before = message[max(0, start - _VERSION_CONTEXT_CHARS) : start]
    if "/" not in before and "v" not in before and "V" not in before:
        return True  # no version word and no product token: the common case, without the regex
    return _VERSION_BEFORE_REVERSED.match(before[::-1]) is None


def _dot_pass(message: str, spans: list[_Span]) -> None:
    search = _DOT_CANDIDATES.search
    pos = 0
    while (m := search(message, pos)) is not None:
        dot = m.start()
        if m.group("ipv4") is not None:
            start = _ipv4_start(message, dot)
            if start >= 0 and _valid_ipv4(message, start, m.end()):
                spans.append((start, m.end(), "ip_address"))
                pos = m.end()
                continue
        elif m.group("nanp") is not None:
            start = _nanp_start(message, dot - 3, ".")
            end = _phone_end(message, m.end()) if start >= 0 else -1
            if end > 0:
                spans.append((start, end, "phone"))
                pos = end
                continue
        elif _valid_ssn(message[dot - 3 : dot], message[dot + 1 : dot + 3], message[dot + 4 : dot + 8]):
            spans.append((dot - 3, m.end(), "ssn"))
            pos = m.end()
            continue
        pos = dot + 1


# ==================================================================================================
# Card numbers.
# ==================================================================================================
# Gate: the message's digit shape (every digit mapped to "0") must hold 13 consecutive digits, or
# groups 4-4-4 / 4-6-4 separated by spaces, dashes or dots. Non-ASCII text only adds bytes >= 0x80, so the
# gate never misses a card.
_DIGITS_TO_ZERO: Final = bytes.maketrans(b"123456789", b"000000000")
_CARD_SHAPE: Final = re.compile(rb"0000(?:0{9}|[ .-]0000[ .-]0000|[ .-]000000[ .-]0000)")
# The candidate: a boundary character (the message is prefixed with a space), a whole digit run, then
# either nothing more (a run of 13+ digits) or groups with one consistent separator: 4-4-4 and up to
# two more groups of 1-4 (4-4-4-4, 4-4-4-4-3, or a card and a trailing group that validation drops),
# or Amex/Diners 4-6-5 / 4-6-4.
_CARD_CANDIDATES: Final = re.compile(
    r"""
    [^0-9A-Za-z_](?P<run>[0-9]++)
    (?:
        (?<=[0-9]{13})
      | (?P<sep>[ .-])(?:[0-9]{4}(?P=sep)[0-9]{4}(?:(?P=sep)[0-9]{1,4}){0,2}|[0-9]{6}(?P=sep)[0-9]{4,5})
    )
    (?![\w-]|\.[0-9])
    """,
    re.VERBOSE,
)
_DIGIT_RUN: Final = re.compile(r"[0-9]+")
_LUHN_PLAIN: Final = bytes.maketrans(b"0123456789", bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
_LUHN_DOUBLED: Final = bytes.maketrans(b"0123456789", bytes([0, 2, 4, 6, 8, 1, 3, 5, 7, 9]))
_CARD_MIN_DIGITS: Final = 13
_CARD_MAX_DIGITS: Final = 19


def _luhn_ok(digits: str) -> bool:
    raw = digits.encode("ascii")
    total = sum(raw[-1::-2].translate(_LUHN_PLAIN)) + sum(raw[-2::-2].translate(_LUHN_DOUBLED))
    return total % 10 == 0


def _issuer_length_ok(digits: str) -> bool:
    """Whether the number has the prefix of a live card brand and a length that brand uses. (Prefixes
    are compared as strings of equal length, which orders them like numbers.)"""
    n = len(digits)
    first = digits[0]
    p2 = digits[:2]
    p3 = digits[:3]
    p4 = digits[:4]
    if first == "4":  # Visa (Visa Electron, Visa/Dankort 4571)
        return n in (13, 16, 19)
    if first == "6" or p2 == "50" or "56" <= p2 <= "58":
        # Maestro (50, 56-69; Dankort 5019, Verve 506/507), Discover, UnionPay, RuPay, Troy's 65, ...
        return 13 <= n <= 19
    if first == "1":  # UATP (AirPlus)
        return n == 15
    if "2200" <= p4 <= "2204":  # Mir
        return 16 <= n <= 19
    if p2 in ("81", "82"):  # UnionPay 81, RuPay 82
        return 16 <= n <= 19
    if p4 == "9792":  # Troy
        return n == 16
    if "51" <= p2 <= "55" or "2221" <= p4 <= "2720":  # Mastercard
        return n == 16
    if p2 in ("34", "37"):  # American Express
        return n == 15
    if "3528" <= p4 <= "3589":  # JCB
        return 16 <= n <= 19
    if "300" <= p3 <= "305" or p2 in ("36", "38", "39") or p4 == "3095":  # Diners Club
        return 14 <= n <= 19
    return False


def _valid_card_number(digits: str) -> bool:
    return (
        _CARD_MIN_DIGITS <= len(digits) <= _CARD_MAX_DIGITS and _issuer_length_ok(digits) and _luhn_ok(digits)
    )


def _grouped_card_end(text: str, start: int, end: int, sep: str) -> int:
    """The end of the card number in grouped ``text[start:end]``, or -1. If the whole candidate is not
    a valid number, trailing groups (an expiry month, a CVV) are dropped one at a time."""
    candidate = text[start:end]
    while True:
        digits = candidate.replace(sep, "")
        if len(digits) < _CARD_MIN_DIGITS:
            return -1
        if _valid_card_number(digits):
            return start + len(candidate)
        if sep == ".":  # a longer dotted run is one token (an OID, a version): no groups are dropped
            return -1
        candidate = candidate[: candidate.rfind(sep)]


def _card_end(padded: str, m: re.Match[str]) -> int:
    """The end (in ``padded``) of the card number that candidate ``m`` holds, or -1."""
    boundary = padded[m.start()]
    start = m.start() + 1
    # Not after "-" or "+" (a dashed id, a phone), a decimal point, or a non-ASCII word character.
    if (
        boundary in "-+"
        or (boundary == "." and "0" <= padded[start - 2 : start - 1] <= "9")
        or (boundary >= "\x80" and _is_word_char(boundary))
    ):
        return -1
    run = m.group("run")
    sep = m.group("sep")
    if sep is None:
        return m.end() if _valid_card_number(run) else -1
    return _grouped_card_end(padded, start, m.end(), sep) if len(run) == 4 else -1


def _card_pass(message: str, spans: list[_Span], shape: bytes, first: re.Match[bytes]) -> None:
    """``shape``: the message's digit shape; ``first``: the first card shape in it."""
    padded = " " + message  # a position p in padded is p - 1 in message
    if not message.isascii():  # byte offsets in the shape are not character offsets: scan it all
        pos = 0
        while (m := _CARD_CANDIDATES.search(padded, pos)) is not None:
            end = _card_end(padded, m)
            if end > 0:
                spans.append((m.start(), end - 1, "credit_card"))
                pos = end
            else:
                pos = m.start() + 1
        return
    # ASCII: only look where the shape says a card may be, each time from the start of that digit run.
    shape_match: re.Match[bytes] | None = first
    while shape_match is not None:
        start = shape_match.start()
        while start > 0 and "0" <= message[start - 1] <= "9":
            start -= 1
        # padded[start] is the character before the run. No brand's prefix starts with 0 or 7, and one
        # starting with 1 (UATP) is 15 digits: epoch milliseconds (13 digits from 1) are skipped here.
        lead = message[start]
        if lead == "1":
            maybe = message[start : start + 15].isdigit() and not message[start + 15 : start + 16].isdigit()
        else:
            maybe = lead not in "07"
        m = _CARD_CANDIDATES.match(padded, start) if maybe else None
        end = _card_end(padded, m) if m is not None else -1
        if end > 0:
            spans.append((start, end - 1, "credit_card"))
            pos = end - 1
        else:  # no card starts at this run: look again after it
            run = _DIGIT_RUN.match(message, start)
            pos = run.end() if run is not None else start + 1
        shape_match = _CARD_SHAPE.search(shape, pos)


# ==================================================================================================
# Phones written with "+" and a country code, and NANP numbers with the area code in parentheses.
# ==================================================================================================
# "+" and a country code (or the country code in parentheses: "(+41) 22 730 5989"), then digit groups
# separated by one space, dot or dash; a group may be in parentheses ("+1 (415) 555-0132",
# "+44 (0)20 7946 0958"). A group glued to letters ("4bf9...") ends the candidate, unless the letters
# start an extension ("+1-415-555-0132x12"); a country code glued to letters rejects it.
_NOT_GLUED: Final = r"(?:(?=EXT)|(?!\w))".replace("EXT", _EXTENSION_AHEAD)
_INTL_CANDIDATES: Final = re.compile(
    r"(?:\(\+[1-9][0-9]{0,2}\)|\+[1-9][0-9]*+)"
    r"(?:(?:[ .-]?\([0-9]{1,4}\)[ .-]?[0-9]++|[ .-][0-9]++)NG)*+NG".replace("NG", _NOT_GLUED)
)
# "(415) 555-0132", "(415)555-0132": the parentheses make it a phone, whatever the codes.
_NANP_PAREN: Final = re.compile(
    r"\([0-9]{3}\)[ .-]?[0-9]{3}[ .-]?[0-9]{4}(?:(?=EXT)|(?!\w|[-.][0-9]))".replace("EXT", _EXTENSION_AHEAD)
)


def _codes(spec: str) -> frozenset[str]:
    """Expand "20 27 30-34" into the set of codes."""
    codes: set[str] = set()
    for item in spec.split():
        first, _, last = item.partition("-")
        codes.update(str(n) for n in range(int(first), int(last or first) + 1))
    return frozenset(codes)


# ITU-T E.164 country codes: 1 (NANP) and 7 have one digit; these have two or three.
_COUNTRY_CODES_2: Final = _codes("20 27 30-34 36 39 40 41 43-49 51-58 60-66 81 82 84 86 90-95 98")
_COUNTRY_CODES_3: Final = _codes(
    "211-213 216 218 220-239 240-258 260-269 290 291 297-299 350-359 370-378 380-383 385-387 389 "
    "420 421 423 500-509 590-599 670 672-683 685-692 800 808 850 852 853 855 856 870 878 880-883 886 "
    "888 960-968 970-977 992-998"
)
_E164_MAX_DIGITS: Final = 15
_INTL_MIN_DIGITS: Final = 8
_INTL_MIN_DIGITS_UNGROUPED: Final = 9  # "+1234567"-like counters are more often deltas than phones


def _phone_digits(text: str) -> bytes:
    return text.replace("(0)", "").encode("ascii").translate(None, b" +().-")


def _intl_phone_length(candidate: str) -> int:
    """The length of the phone number at the start of ``candidate`` ("+..."), or -1.

    If the candidate is too long, it is a phone followed by another number: space-separated chunks are
    dropped from the end (a chunk such as "123-45-6789" is kept or dropped whole). A chunk that is an
    IPv4 address ends the phone. A "(0)" trunk prefix is not counted (it is not dialled from abroad).
    """
    nanp = candidate[1] == "1" or candidate.startswith("(+1)")
    max_digits = 11 if nanp else _E164_MAX_DIGITS
    digits = _phone_digits(candidate)
    length = len(candidate)
    if len(digits) > max_digits or "." in candidate:
        digits = b""
        length = -1  # the first chunk has no space before it
        for chunk in candidate.split(" "):
            part = _phone_digits(chunk)
            if len(digits) + len(part) > max_digits or (length > 0 and _IPV4_OCTETS.fullmatch(chunk)):
                break
            digits += part
            length += len(chunk) + 1
    grouped = length > 0 and not candidate[1:length].isdigit()
    if nanp:
        if len(digits) != 11:
            return -1
        # Grouped ("+1 415 555 0132") is a strong shape; "+14155550132" must follow the plan.
        return length if grouped or _valid_nanp(digits[1:4].decode(), digits[4:7].decode()) else -1
    if len(digits) < (_INTL_MIN_DIGITS if grouped else _INTL_MIN_DIGITS_UNGROUPED):
        return -1
    code = digits[:3].decode()
    if code[0] != "7" and code[:2] not in _COUNTRY_CODES_2 and code not in _COUNTRY_CODES_3:
        return -1
    return length


def _intl_phone_pass(message: str, spans: list[_Span]) -> None:
    for m in _INTL_CANDIDATES.finditer(message):
        start = m.start()
        if start > 0 and (message[start - 1] == "+" or _is_word_char(message[start - 1])):
            continue
        length = _intl_phone_length(m.group())
        end = _phone_end(message, start + length) if length > 0 else -1
        if end > 0:
            spans.append((start, end, "phone"))


_TRUNK_PREFIX_AFTER: Final = frozenset(" \t\n=(\"'<[,;")


def _paren_phone_pass(message: str, spans: list[_Span]) -> None:
    for m in _NANP_PAREN.finditer(message):
        start = m.start()
        end = _phone_end(message, m.end())
        if (start > 0 and _is_word_char(message[start - 1])) or end < 0:
            continue
        # A leading trunk "1" ("1 (800) 555-0199") belongs to the number, if it stands alone.
        if message[max(0, start - 2) : start] in ("1 ", "1-", "1.") and (
            start == 2 or (start > 2 and message[start - 3] in _TRUNK_PREFIX_AFTER)
        ):
            start -= 2
        spans.append((start, end, "phone"))


# ==================================================================================================
# IPv6.
# ==================================================================================================
# Every address holds "::" or, written in full, three colons with hex groups between them (a time
# such as 10:23:45 has two): the pass finds these anchors with a fast literal search, walks back to the
# start of the hex-and-colon run that holds the anchor, and reads the candidate from there: hex groups
# joined by colons ("::" allowed) with an optional IPv4 tail, not followed by more of the run (a colon
# and a space, or a port after an IPv4 tail, may follow). The structure is then checked in Python.
_IPV6_ANCHOR: Final = re.compile(r"::|:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:")
_IPV6_CANDIDATE: Final = re.compile(
    r"(?:[0-9A-Fa-f]{1,4}|(?=::))(?::[0-9A-Fa-f]{0,4}){2,7}"
    r"(?:(?<=:)[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?!\w|\.[0-9])|(?!\w|:[0-9A-Fa-f:]|\.[0-9]))"
)
_HEX_OR_COLON: Final = frozenset("0123456789abcdefABCDEF:")
_IPV6_RUN: Final = re.compile(r"[0-9A-Fa-f:.]*")  # always matches
_IPV6_MAX_CHARS: Final = 45  # "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"


def _valid_ipv6(text: str) -> bool:
    """RFC 4291 text form, for a candidate made of hex groups of 1-4 digits joined by colons, with an
    optional dotted IPv4 tail (as the candidate pattern guarantees)."""
    if not any("0" <= ch <= "9" for ch in text):  # "dead::beef", "cafe::" are identifiers
        return False
    if "." in text:  # the IPv4 tail stands for the last two groups
        head = text[: text.rfind(":") + 1]
        if _IPV4_OCTETS.fullmatch(text, len(head)) is None:
            return False
        text = head + "0:0"
    if "::" in text:
        if ":::" in text or text.count("::") > 1:
            return False
        head, _, tail = text.partition("::")
        groups = (head.split(":") if head else []) + (tail.split(":") if tail else [])
        if len(groups) > 7:
            return False
    else:
        groups = text.split(":")
        if len(groups) != 8:  # a time (10:23:45), a partial run
            return False
        if all(len(g) == 2 for g in groups):  # a MAC-like EUI-64 (00:1a:2b:ff:fe:3c:4d:5e)
            return False
    return all(groups)  # no group left empty by a single leading or trailing colon


def _ipv6_start(message: str, anchor: int) -> int:
    """The start of the candidate around ``anchor``, or -1 if it is glued to a word or a longer run."""
    floor = max(0, anchor - _IPV6_MAX_CHARS)
    start = anchor
    while start > floor and message[start - 1] in _HEX_OR_COLON:
        start -= 1
    if message[start] == ":" and message[start + 1] != ":":
        return start + 1  # "addr:fe80::1": the colon ends a key (whose last letter is not hex)
    if start > 0 and (message[start - 1] in ".:" or _is_word_char(message[start - 1])):
        return -1
    return start


def _ipv6_pass(message: str, spans: list[_Span]) -> None:
    search = _IPV6_ANCHOR.search
    match = _IPV6_CANDIDATE.match
    pos = 0
    while (anchor := search(message, pos)) is not None:
        # Whatever happens, no other address starts in this hex-colon-dot run: continue after it.
        run = _IPV6_RUN.match(message, anchor.start())
        pos = run.end() if run is not None else anchor.end()
        start = _ipv6_start(message, anchor.start())
        m = match(message, start) if start >= 0 else None
        if m is None:
            continue
        text = m.group()
        end = m.end()
        if text[-1] == ":" and text[-2] != ":":  # a colon after the address: "from ::1: refused"
            text = text[:-1]
            end -= 1
        if _valid_ipv6(text):
            spans.append((start, end, "ip_address"))


# ==================================================================================================
# Email.
# ==================================================================================================
# Found from the "@": a dotted domain whose last label (the TLD) is 2+ letters; the local part is then
# read backwards from the "@".
# The TLD is 2+ letters (any script: "рф", "中国") or its punycode form ("xn--p1ai").
_EMAIL_DOMAIN: Final = re.compile(
    r"@((?:[^\W_][\w-]*+\.)+([^\W\d_]{2,63}|[xX][nN]--[A-Za-z0-9-]{1,59}))(?![\w-]|\.[^\W_])"
)
_DOMAIN_MAX: Final = 253
_LOCAL_PART_MAX: Final = 64
_LOCAL_PART_REVERSED: Final = re.compile(r"[\w.%+-]{1,65}")  # one more than allowed, to see a too-long one


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# File names look like local@domain.tld ("icon@2x.png"); these extensions are not TLDs.
_FILE_EXTENSIONS: Final = _word_set(
    "png jpg jpeg gif svg webp bmp ico tif tiff css js mjs cjs jsx ts tsx json yaml yml toml ini "
    "cfg conf txt log csv tsv xml html htm pdf doc docx xls xlsx map lock tar gz tgz bz2 xz jar "
    "war class dll exe bin dat tmp bak swp pyc wasm"
)


def _email_pass(message: str, spans: list[_Span]) -> None:
    for m in _EMAIL_DOMAIN.finditer(message):
        domain = m.group(1)
        if (
            len(domain) > _DOMAIN_MAX
            or m.group(2).lower() in _FILE_EXTENSIONS
            or "_" in domain  # not in host names
            or "-." in domain  # a label ending in "-"
        ):
            continue
        at = m.start()
        local = _LOCAL_PART_REVERSED.match(message[max(0, at - _LOCAL_PART_MAX - 1) : at][::-1])
        if local is None:
            continue
        # Dots cannot lead or repeat in a local part: text up to the last ".." or leading "." is
        # punctuation ("see...jane@example.com").
        local_part = local.group()[::-1].rpartition("..")[2].lstrip(".")
        if not local_part or len(local_part) > _LOCAL_PART_MAX:
            continue
        spans.append((at - len(local_part), m.end(), "email"))


# ==================================================================================================
# SSN written with spaces ("078 05 1120"), when an SSN context word is near.
# ==================================================================================================
# Three digit groups separated by spaces are common in logs (a status, a count, a size), so the shape
# alone is not enough: like Presidio's context words, "ssn", "ss#", "social security" (and "soc sec")
# within a few words before or after make it an SSN. Dashed and dotted SSNs need no context.
_SPACED_SSN_SHAPE: Final = b"000 00 0000"
_SPACED_SSN: Final = re.compile(r"(?<![\w.+-])(?<![0-9] )([0-9]{3}) ([0-9]{2}) ([0-9]{4})(?![\w-]|[ .][0-9])")
_SSN_CONTEXT: Final = re.compile(
    r"(?<![A-Za-z])(?:ssns?|ss#|ssn#|social[\s_-]*security|soc[\s._-]*sec)(?![A-Za-z])", re.IGNORECASE
)
_SSN_CONTEXT_BEFORE: Final = 48
_SSN_CONTEXT_AFTER: Final = 32


def _spaced_ssn_pass(message: str, spans: list[_Span]) -> None:
    for m in _SPACED_SSN.finditer(message):
        if not _valid_ssn(m.group(1), m.group(2), m.group(3)):
            continue
        start, end = m.span()
        if (
            _SSN_CONTEXT.search(message, max(0, start - _SSN_CONTEXT_BEFORE), start) is None
            and _SSN_CONTEXT.search(message, end, end + _SSN_CONTEXT_AFTER) is None
        ):
            continue
        spans.append((start, end, "ssn"))


# ==================================================================================================
# Secrets: credentials that must never reach a model provider.
# ==================================================================================================
# Rules follow the documented formats that gitleaks and detect-secrets match (provider prefixes, AWS
# key ids, JWTs, PEM blocks, URL user info, secret-named keys, Authorization headers). There is no
# entropy-only rule: trace ids, UUIDs, hashes and base64 payloads carry no credential by their shape.
#
# Cost: each rule group runs only when something cheap says it may apply: a prefixed token lives in a
# run of 20+ token characters that starts with a known prefix (found on a translated copy of the
# message with a fast substring search), a key-value secret needs a keyword in the lower-cased
# message, a URL password needs "://" and "@", a PEM block needs "-----BEGIN".

# Provider tokens by documented prefix (a token is a whole run of [A-Za-z0-9_-]: nothing glued before
# or after). A body made of one repeated character ("ghp_xxxx...") is a mask in documentation, not a
# token.
_TOKEN_RULES: Final = re.compile(
    r"""
    (?:
        gh[pousr]_(?P<gh>[A-Za-z0-9]{36})                                # GitHub PAT, OAuth, app, refresh
      | github_pat_(?P<ghfg>\w{50,255})                                  # GitHub fine-grained PAT
      | gl(?:pat|dt|ft|rt|cbt|ptt|imt|oas|soat|ffct|agent)-(?P<gl>[\w-]{20,50})  # GitLab
      | GR1348941(?P<glr>[\w-]{20,50})                                   # GitLab runner registration
      | xox[abposre]-(?:[0-9]+-)+(?P<slack>[A-Za-z0-9]{10,})             # Slack
      | [sr]k_(?:live|test|prod)_(?P<stripe>[A-Za-z0-9]{10,99})          # Stripe secret / restricted
      | sk-ant-(?:api|admin)[0-9]{2}-(?P<anthropic>[\w-]{20,})           # Anthropic
      | sk-(?:(?:proj|svcacct|admin)-)?(?P<openai>[\w-]{20,})            # OpenAI
      | AIza(?P<google>[\w-]{35})                                        # Google API key
      | npm_(?P<npm>[A-Za-z0-9]{36})                                     # npm
      | pypi-(?P<pypi>AgE[\w-]{50,})                                     # PyPI
      | hf_(?P<hf>[A-Za-z0-9]{34})                                       # Hugging Face
      | dop_v1_(?P<digitalocean>[a-f0-9]{64})                            # DigitalOcean
      | shp(?:at|ca|pa|ss)_(?P<shopify>[a-fA-F0-9]{32})                  # Shopify
      | (?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)(?P<aws>[A-Z0-9]{16})         # AWS access key id
      | (?P<jwt>eyJ[\w-]{10,}\.eyJ[\w-]{10,}(?:\.[\w-]*)?)               # JWT (signature optional)
    )
    (?![\w-])
    """,
    re.VERBOSE,
)
# Cheap hints that a prefixed token may be present (each a literal-led search the regex engine runs
# fast); only a message with a hint is searched with ``_TOKEN_RULES``.
_TOKEN_HINT_UNDERSCORE: Final = re.compile(
    r"_(?:(?<=gh[pousr]_)|(?<=github_pat_)|(?<=npm_)|(?<=hf_)|(?<=dop_v1_)|(?<=shp[acps][asta]_)|(?<=[sr]k_))"
)
_TOKEN_HINT_GITLAB: Final = re.compile(r"gl(?:pat|dt|ft|rt|cbt|ptt|imt|oas|soat|ffct|agent)-")
_TOKEN_HINT_AWS_GOOGLE: Final = re.compile(r"A(?:KIA|SIA|BIA|CCA|3T|Iza)")
# Other tokens with a documented shape that is not one run of token characters.
_SENDGRID: Final = re.compile(r"(?<![\w.-])SG\.[\w-]{22}\.[\w-]{43}(?![\w.-])")
_SLACK_WEBHOOK: Final = re.compile(
    r"hooks\.slack\.com/services/(T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+)"
)
# The AWS secret access key that goes with a key id: 40 characters of base64 standing alone.
_AWS_SECRET_KEY: Final = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_HEX_CHARS: Final = frozenset("0123456789abcdefABCDEF")


_MASK_CHARS: Final = frozenset("xX*")


def _is_mask(body: str) -> bool:
    """A documentation mask: "x", "X" or "*" repeated ("ghp_xxxx...", "xxxx_xxxx"), nothing else. A body
    of another repeated character ("AKIAZZZZZZZZZZZZZZZZ") has a real key's shape and is redacted."""
    chars = set(body) - {"_", "-"}
    return len(chars) == 1 and chars <= _MASK_CHARS


def _jwt_header_ok(token: str) -> bool:
    """A JWT's first segment decodes to a JSON header naming an algorithm or a type."""
    header = token[: token.index(".")]
    try:
        decoded = base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))
    except ValueError:
        return False
    return decoded.startswith(b"{") and (b'"alg"' in decoded or b'"typ"' in decoded or b'"kid"' in decoded)


def _token_ok(m: re.Match[str]) -> bool:
    kind = m.lastgroup
    body = m.group(kind) if kind is not None else m.group()
    if kind == "jwt":
        return _jwt_header_ok(body)
    if _is_mask(body):
        return False
    if kind == "openai":
        # Keys mix upper case, lower case and digits; a lower-case slug ("sk-worker-7d9f8b6c5d-x2k4p",
        # a pod name) is not one.
        return (
            any(c.isupper() for c in body)
            and any(c.islower() for c in body)
            and any(c.isdigit() for c in body)
        )
    return True


def _token_hint(message: str) -> bool:
    return (
        _TOKEN_HINT_UNDERSCORE.search(message) is not None
        or _TOKEN_HINT_AWS_GOOGLE.search(message) is not None
        or "eyJ" in message
        or "xox" in message
        or "sk-" in message
        or _TOKEN_HINT_GITLAB.search(message) is not None
        or "GR1348941" in message
        or "pypi-" in message
    )


def _token_pass(message: str, spans: list[_Span]) -> bool:
    """Prefixed tokens, each a whole run of token characters. Returns whether an AWS key id was found."""
    aws = False
    for m in _TOKEN_RULES.finditer(message):
        start = m.start()
        if (start == 0 or not _is_token_char(message[start - 1])) and _token_ok(m):
            spans.append((start, m.end(), "secret"))
            aws = aws or m.lastgroup == "aws"
    return aws


def _is_token_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_-"


def _aws_secret_key_pass(message: str, spans: list[_Span]) -> None:
    """Next to an AWS key id: a 40-character base64 value is its secret key (a 40-digit hex sha1 is
    not: a secret key mixes cases, or holds "/" or "+")."""
    for m in _AWS_SECRET_KEY.finditer(message):
        value = m.group()
        if not set(value) <= _HEX_CHARS and not _is_mask(value):
            spans.append((m.start(), m.end(), "secret"))


# Key-value secrets: "password=...", "db_pass: ...", '"client_secret": "..."', "apiKey => '...'",
# "X-Api-Key: ...", and Authorization headers. The key is split into words (snake, kebab, dotted or
# camel case); it names a secret if a word is a secret word and the key does not end in a word that
# makes it metadata about the secret ("password_changed_at", "secret_arn", "token_count").
_KEYWORD: Final = re.compile(r"pass|pwd|secret|token|key|auth")  # in the lower-cased message
_KEY_CHARS: Final = re.compile(r"[\w.-]*")
_SEPARATOR_AND_VALUE: Final = re.compile(
    r"""
    \\?["']?[ \t]*(?:=>|:=|=|:)[ \t]*
    (?P<value>
        \\"(?:[^"\\]|\\[^"])*\\"          # an escaped JSON string inside a string
      | "(?:[^"\\\n]|\\.)*"
      | '[^'\n]*'
      | `[^`\n]*`
      | [^\s,;&"'`]+
    )?
    """,
    re.VERBOSE,
)
_KEY_WORDS: Final = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_SECRET_WORDS: Final = _word_set("password passwd pwd passphrase secret secrete token apikey")
_SECRET_KEY_QUALIFIERS: Final = _word_set(
    "api secret private access auth signing encryption master client app consumer session account"
)
_METADATA_WORDS: Final = _word_set(
    "id ids arn name names type types count length len ttl expires expiry expiration exp at changed reset "
    "updated created version versions policy rotation rotated required enabled hint min max strength age "
    "path file ref prefix kind format mode url uri endpoint manager store size status valid invalid "
    "expired provider source limit used usage field header location region issuer audience scope scopes "
    "algorithm alg index count fingerprint"
)
_NON_VALUES: Final = _word_set("null none nil undefined true false")
_TEMPLATE_VALUE: Final = re.compile(
    r"\$\{?[A-Za-z_][\w.]*\}?|\{\{.*\}\}|\$\(.*\)|%\(?\w*\)?[sd]|<[^<>]*>|\[\w*\]"
)
_AUTH_SCHEMES: Final = _word_set(
    "bearer basic token digest negotiate ntlm apikey aws4-hmac-sha256 hoba mutual"
)
_MULTI_PART_SCHEMES: Final = _word_set("digest aws4-hmac-sha256 hoba mutual")
_BEARER: Final = re.compile(r"(?<![\w-])[Bb]earer\s+([A-Za-z0-9._~+/-]{16,}=*)")


def _secret_key(key: str) -> bool:
    words = [w.lower() for w in _KEY_WORDS.findall(key)]
    if not words or words[-1] in _METADATA_WORDS:
        return False
    if any(w in _SECRET_WORDS for w in words):
        return True
    if len(words) >= 2:
        if words[-1] == "pass":  # "db_pass" (a lone "pass" counts tests)
            return True
        if words[-1] == "key" and words[-2] in _SECRET_KEY_QUALIFIERS:
            return True
    return False


def _secret_value(value: str, key: str) -> bool:
    """Whether ``value`` (unquoted) is a credential rather than nothing, a mask (one character repeated:
    "********", "xxxxxx"), a null or a template."""
    if not any(c.isalnum() for c in value) or _is_mask(value) or (len(value) > 1 and len(set(value)) == 1):
        return False
    if value.lower() in _NON_VALUES or _TEMPLATE_VALUE.fullmatch(value) is not None:
        return False
    # "PWD=/srv/app": the shell's working directory, not a password.
    return not (key.lower() in ("pwd", "oldpwd") and value[0] in "/~")


def _unquote(text: str, start: int, end: int) -> tuple[int, int]:
    """The inside of a quoted value ``text[start:end]`` (the value itself if it is not quoted)."""
    if text.startswith('\\"', start):
        return start + 2, end - 2
    if text[start] in "\"'`":
        return start + 1, end - 1
    return start, end


_AUTH_CREDENTIALS: Final = re.compile(r"[ \t]+([^\s\"'`,;]+)")


def _authorization_value(message: str, start: int, end: int, quoted: bool) -> tuple[int, int]:
    """The credentials of an Authorization value ``message[start:end]``: what follows the scheme word
    ("Bearer", "Basic", ...), or the whole value if it has none. A scheme with parameters
    ("Digest username=..., response=...") is redacted to the end of the quoted value or of the line."""
    if quoted:
        scheme_end = start
        while scheme_end < end and not message[scheme_end].isspace():
            scheme_end += 1
        if scheme_end < end and message[start:scheme_end].lower() in _AUTH_SCHEMES:
            while scheme_end < end and message[scheme_end].isspace():
                scheme_end += 1
            return scheme_end, end
        return start, end
    scheme = message[start:end].lower()
    if scheme not in _AUTH_SCHEMES:
        return start, end
    after = _AUTH_CREDENTIALS.match(message, end)
    if after is None:
        return end, end
    if scheme in _MULTI_PART_SCHEMES:
        line_end = message.find("\n", end)
        return after.start(1), len(message) if line_end < 0 else line_end
    return after.span(1)


_NEXT_PAIR: Final = re.compile(r"[A-Za-z_][\w.-]*[=:]")


def _key_start(message: str, position: int) -> int:
    """The start of the key name (letters, digits, "_", ".", "-") that holds ``position``."""
    start = position
    while start > 0 and (message[start - 1].isalnum() or message[start - 1] in "_.-"):
        start -= 1
    return start


def _key_value_pass(message: str, lowered: str, spans: list[_Span]) -> None:
    """Secrets named by their key, found from each keyword in the key's name."""
    searched_to = 0
    for keyword in _KEYWORD.finditer(lowered, 0):
        if keyword.start() < searched_to:
            continue
        key_start = _key_start(message, keyword.start())
        key_end = _KEY_CHARS.match(message, keyword.end()).end()  # type: ignore[union-attr]
        searched_to = key_end
        before = message[key_start - 1] if key_start > 0 else " "
        if before in "/\\":
            continue  # a path ("/etc/passwd: denied"), not a key
        m = _SEPARATOR_AND_VALUE.match(message, key_end)
        if m is None or m.group("value") is None:
            continue
        if before == ":" and message[m.start("value") - 1] == ":":
            continue  # a part of a colon-joined name ("arn:...:secret:db-AbCdEf"), not a key
        _key_value(message, message[key_start:key_end], m, spans)


def _key_value(message: str, key: str, m: re.Match[str], spans: list[_Span]) -> None:
    value = m.group("value")
    start, end = m.span("value")
    quoted = value[0] in "\"'`" or value.startswith('\\"')
    if quoted:
        start, end = _unquote(message, start, end)
    else:
        if message[m.start() : start].endswith((" ", "\t")) and _NEXT_PAIR.match(value):
            return  # "password= user=bob": the value is empty, "user=bob" is the next pair
        if _TEMPLATE_VALUE.fullmatch(value) is not None:
            return  # "secret: [REDACTED]", "password=<your-password>"
        end = start + len(value.rstrip("})]"))  # '{"password": null}', "(pwd=abc)"
    if key.lower().endswith("authorization"):
        start, end = _authorization_value(message, start, end, quoted)
        if start < end:
            spans.append((start, end, "secret"))
        return
    if _secret_key(key) and _secret_value(message[start:end], key):
        spans.append((start, end, "secret"))


def _bearer_pass(message: str, spans: list[_Span]) -> None:
    for m in _BEARER.finditer(message):
        if not _is_mask(m.group(1)):
            spans.append((m.start(1), m.end(1), "secret"))


# Passwords in URLs: "scheme://user:password@host" (the user goes with it: "postgres://[SECRET]@db").
_URL_USERINFO: Final = re.compile(
    r"(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}://([^\s:/?#@\"'<>\[\]{}]*:[^\s/?#@\"'<>{}]+)@"
)


def _url_password_pass(message: str, spans: list[_Span]) -> None:
    for m in _URL_USERINFO.finditer(message):
        password = m.group(1).partition(":")[2]
        if _secret_value(password, "password"):
            spans.append((m.start(1), m.end(1), "secret"))


# PEM private keys: the whole block, from BEGIN to END (or to the end of the message if it was cut).
_PEM_PRIVATE_KEY: Final = re.compile(
    r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|\Z)",
    re.DOTALL,
)


def _pem_pass(message: str, spans: list[_Span]) -> None:
    for m in _PEM_PRIVATE_KEY.finditer(message):
        spans.append((m.start(), m.end(), "secret"))


def _rare_token_pass(message: str, spans: list[_Span]) -> None:
    """SendGrid keys ("SG.x.y") have no cheap hint of their own: they are looked for when another
    secret hint is in the message (a token prefix or a secret keyword)."""
    if "SG." in message:
        spans.extend((m.start(), m.end(), "secret") for m in _SENDGRID.finditer(message))


_TOKEN_CHARS_TO_A: Final = bytes(
    ord("a") if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-") else ord(" ") for b in range(256)
)
_TOKEN_RUN: Final = b"a" * 20  # every token with a prefix holds a run of 20+ token characters


def _secret_pass(message: str, spans: list[_Span], utf8: bytes, has_at: bool) -> None:
    """Every secret rule whose cheap gate passes. Each substring test is a pass over the message, so
    the gates are few: the token hints run only when the message holds a run of 20+ token characters
    (found on a translated copy), a URL password needs the "@" the scan already looked for, and PEM
    blocks ("... PRIVATE KEY-----") and SendGrid keys are looked for behind the "key" keyword."""
    if _token_hint(message):
        if _token_pass(message, spans):
            _aws_secret_key_pass(message, spans)
        _rare_token_pass(message, spans)
    if "hooks.slack.com" in message:
        spans.extend((m.start(1), m.end(1), "secret") for m in _SLACK_WEBHOOK.finditer(message))
    if has_at and "://" in message:
        _url_password_pass(message, spans)
    lowered = message.lower()
    if len(lowered) != len(message):  # a few characters lower-case to two ("İ"): keep offsets aligned
        lowered = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in message)
    if (
        "pass" in lowered
        or "pwd" in lowered
        or "secret" in lowered
        or "token" in lowered
        or "key" in lowered
        or "auth" in lowered
        or "bearer" in lowered
    ):
        _key_value_pass(message, lowered, spans)
        _bearer_pass(message, spans)
        _rare_token_pass(message, spans)
        if "-----BEGIN" in message:
            _pem_pass(message, spans)


# ==================================================================================================
# Scan.
# ==================================================================================================
_NO_TYPES: Final[tuple[str, ...]] = ()


def _longest_first(span: _Span) -> tuple[int, int]:
    return span[0], -span[1]


def _redact(message: str, spans: list[_Span]) -> PiiScan:
    if len(spans) == 1:
        start, end, kind = spans[0]
        return PiiScan((kind,), message[:start] + PLACEHOLDERS[kind] + message[end:])
    # Leftmost-longest: in order of start, longest first, a detection inside the previous one is
    # dropped (a card is not also a phone); one that only partly overlaps it (rare: values glued
    # together) keeps its part after it, so that nothing of it survives and its type is reported.
    spans.sort(key=_longest_first)
    parts: list[str] = []
    types: set[str] = set()
    pos = 0
    previous = ""
    for start, end, kind in spans:
        if end <= pos:
            continue
        if start < pos and previous == "secret" and kind == "email":
            continue  # "user:password@host": the "password@host" e-mail candidate is the URL's host
        parts.append(message[pos:start])  # empty if it starts inside the previous one
        parts.append(PLACEHOLDERS[kind])
        types.add(kind)
        pos = end
        previous = kind
    parts.append(message[pos:])
    return PiiScan(tuple(sorted(types)), "".join(parts))


def scan(message: str) -> PiiScan:
    """Detect the PII in ``message`` (docs/pii.md): the types found, and the message with each value
    replaced by its type's placeholder."""
    spans: list[_Span] = []
    has_at = "@" in message
    if has_at:
        _email_pass(message, spans)
    if "-" in message:
        _dash_pass(message, spans)
    if "." in message:
        _dot_pass(message, spans)
    utf8 = message.encode("utf-8", "surrogatepass")
    _secret_pass(message, spans, utf8, has_at)
    shape = utf8.translate(_DIGITS_TO_ZERO)
    card_shape = _CARD_SHAPE.search(shape)
    if card_shape is not None:
        _card_pass(message, spans, shape, card_shape)
    if "+" in message:
        _intl_phone_pass(message, spans)
    if "(" in message:
        _paren_phone_pass(message, spans)
    if ":" in message:
        _ipv6_pass(message, spans)
    if _SPACED_SSN_SHAPE in shape:
        _spaced_ssn_pass(message, spans)
    if not spans:
        return PiiScan(_NO_TYPES, message)
    return _redact(message, spans)
