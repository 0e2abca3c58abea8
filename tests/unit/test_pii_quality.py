"""Detection quality on the labelled data set: precision and recall per PII type (run with -s for the table).

``tests/data/pii_labelled.jsonl`` holds realistic log lines, one JSON object per line:
``{"text": "...", "types": ["email", ...]}`` with the PII types a careful human finds in the text. It has
at least 40 lines with each type and at least 40 look-alikes of each type (lines that resemble it but
are not it), plus PII-free lines. A line counts once per type: reported or not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockupaws.pii import detector
from mockupaws.pii.detector import PII_TYPES, PiiScan, scan

DATA_SET = Path(__file__).resolve().parents[1] / "data" / "pii_labelled.jsonl"
MIN_F1 = 0.98


@dataclass(frozen=True)
class Example:
    text: str
    types: frozenset[str]


@dataclass(frozen=True)
class Score:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        reported = self.true_positives + self.false_positives
        return self.true_positives / reported if reported else 1.0

    @property
    def recall(self) -> float:
        present = self.true_positives + self.false_negatives
        return self.true_positives / present if present else 1.0

    @property
    def f1(self) -> float:
        tp = self.true_positives
        return 2 * tp / (2 * tp + self.false_positives + self.false_negatives) if tp else 0.0


def load_examples(path: Path = DATA_SET) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        row = json.loads(line)
        assert set(row) == {"text", "types"}, f"line {number}: unexpected keys {sorted(row)}"
        assert row["types"] == sorted(set(row["types"])), f"line {number}: types must be sorted and unique"
        assert set(row["types"]) <= set(PII_TYPES), f"line {number}: unknown type in {row['types']}"
        examples.append(Example(text=row["text"], types=frozenset(row["types"])))
    return examples


def score_per_type(
    examples: Iterable[Example], detect: Callable[[str], Iterable[str]]
) -> tuple[dict[str, Score], list[str]]:
    """Precision/recall counts per type, and a description of every mistake."""
    counts = {kind: [0, 0, 0] for kind in PII_TYPES}
    mistakes = []
    for example in examples:
        found = set(detect(example.text))
        for kind in PII_TYPES:
            if kind in found and kind in example.types:
                counts[kind][0] += 1
            elif kind in found:
                counts[kind][1] += 1
                mistakes.append(f"false positive {kind}: {example.text!r}")
            elif kind in example.types:
                counts[kind][2] += 1
                mistakes.append(f"false negative {kind}: {example.text!r}")
    return {kind: Score(*c) for kind, c in counts.items()}, mistakes


def format_table(scores: dict[str, Score]) -> str:
    lines = [f"{'type':<12} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8} {'F1':>6}"]
    for kind, s in scores.items():
        lines.append(
            f"{kind:<12} {s.true_positives:>4} {s.false_positives:>4} {s.false_negatives:>4} "
            f"{s.precision:>10.3f} {s.recall:>8.3f} {s.f1:>6.3f}"
        )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return load_examples()


def test_data_set_is_large_and_balanced(examples: list[Example]) -> None:
    assert len(examples) >= 400
    assert len({e.text for e in examples}) == len(examples), "duplicate lines"
    for kind in PII_TYPES:
        positives = sum(kind in e.types for e in examples)
        negatives = sum(kind not in e.types for e in examples)
        assert positives >= 40, (kind, positives)
        assert negatives >= 40, (kind, negatives)
    assert sum(not e.types for e in examples) >= 150  # look-alikes and plain lines without any PII


def test_scoring_counts_mistakes_per_type() -> None:
    # Given a detector that always answers "email" on three labelled lines
    examples = [
        Example("a@b.co", frozenset({"email"})),
        Example("nothing", frozenset()),
        Example("ssn 123-45-6789", frozenset({"ssn"})),
    ]
    scores, mistakes = score_per_type(examples, lambda _text: ["email"])
    # Then email has one hit and two false positives, and the SSN is missed
    assert scores["email"] == Score(true_positives=1, false_positives=2, false_negatives=0)
    assert scores["email"].precision == pytest.approx(1 / 3)
    assert scores["ssn"] == Score(true_positives=0, false_positives=0, false_negatives=1)
    assert scores["ssn"].recall == 0.0
    assert scores["phone"].precision == scores["phone"].recall == 1.0
    assert len(mistakes) == 3


def test_precision_and_recall_per_type(examples: list[Example]) -> None:
    # When every labelled line is scanned
    scores, mistakes = score_per_type(examples, lambda text: scan(text).types)
    print(f"\nPII detection on {len(examples)} labelled lines ({DATA_SET.name})")
    print(format_table(scores))
    for mistake in mistakes:
        print(mistake)
    # Then no look-alike is flagged, and every type's F1 reaches the bar
    for kind, s in scores.items():
        assert s.false_positives == 0, (kind, s, mistakes)
        assert s.f1 >= MIN_F1, (kind, s, mistakes)


def test_detected_lines_leave_no_digits_of_a_card_or_ssn(examples: list[Example]) -> None:
    # Redaction check on the data set: on lines whose only PII is an SSN (or only a card), the
    # placeholder replaces the value, so the redacted line has fewer digits and contains the placeholder
    for example in examples:
        if example.types in (frozenset({"ssn"}), frozenset({"credit_card"})):
            result = scan(example.text)
            placeholder = "[SSN]" if "ssn" in example.types else "[CREDIT_CARD]"
            assert placeholder in result.redacted, example.text
            digits_before = sum(c.isdigit() for c in example.text)
            digits_after = sum(c.isdigit() for c in result.redacted)
            assert digits_before - digits_after >= 9, (example.text, result.redacted)


def _detected_regions(text: str, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, str]]:
    """The merged regions of ``text`` that the scan redacts, with the type of the first span of each."""
    seen: list[tuple[int, int, str]] = []
    real_redact = detector._redact

    def spy(message: str, spans: list[tuple[int, int, str]]) -> PiiScan:
        seen.extend(spans)
        return real_redact(message, spans)

    monkeypatch.setattr(detector, "_redact", spy)
    scan(text)
    monkeypatch.setattr(detector, "_redact", real_redact)
    regions: list[tuple[int, int, str]] = []
    for start, end, kind in sorted(seen, key=lambda s: (s[0], -s[1])):
        if regions and start < regions[-1][1]:
            regions[-1] = (regions[-1][0], max(regions[-1][1], end), regions[-1][2])
        else:
            regions.append((start, end, kind))
    return regions


_GLUE = ".-@_+"


def _glued(pair: str, at: int) -> bool:
    """Whether the character of ``pair`` at ``at`` (0 or -1) continues a value: a letter or digit, or
    an address or number joiner (".", "-", "@", "_", "+") with a letter or digit beyond it."""
    ch = pair[at : at + 1] if at == 0 else pair[-1:]
    beyond = pair[1:2] if at == 0 else pair[:1]
    return ch.isalnum() or (ch != "" and ch in _GLUE and beyond.isalnum())


def _leaks(text: str, start: int, end: int, kind: str) -> str | None:
    """What of a value survives next to its redacted region: a digit, letter or address part glued to it."""
    after = text[end : end + 2]
    # "scheme://[SECRET]@host": the host is not the value
    if _glued(after, 0) and not (kind == "secret" and after[:1] == "@"):
        return f"after: {after!r}"
    before = text[max(0, start - 2) : start]
    # "admin@10.0.0.5": a user at a host, the address is the host
    if _glued(before, -1) and not (kind == "ip_address" and before[-1:] == "@"):
        return f"before: {before!r}"
    return None


def test_no_digit_run_or_address_of_a_value_survives_in_the_preview(
    examples: list[Example], monkeypatch: pytest.MonkeyPatch
) -> None:
    # For every positive line of the labelled set, each redacted region swallows its whole value: no
    # digit, letter or address part of it is left glued to the placeholder (a CIDR suffix "/8", an IPv6
    # zone "%eth0" or a port ":443" are separate tokens and may stay)
    leaks = []
    for example in examples:
        if not example.types:
            continue
        regions = _detected_regions(example.text, monkeypatch)
        assert regions, example.text
        for start, end, kind in regions:
            leak = _leaks(example.text, start, end, kind)
            if leak:
                leaks.append(f"{kind} {leak} in {example.text!r}")
        preview = scan(example.text).redacted[:500]
        for kind in example.types:
            assert detector.PLACEHOLDERS[kind] in preview or len(example.text) > 500, (kind, example.text)
    assert not leaks, leaks
