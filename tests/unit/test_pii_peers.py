"""The peers' own published test cases for these types, run against this detector.

``tests/data/peers/peer_cases.jsonl`` holds test cases copied from Presidio, scrubadub, CommonRegex,
detect-secrets and gitleaks (where each comes from, its licence and commit: ``tests/data/peers/README.md``),
one JSON object per line: ``{"peer", "source", "type", "text", "expected"}``, ``expected`` being the
peer's own verdict for that type. Where this detector deliberately answers otherwise, the case carries
a ``deviation`` with the reason (docs/pii.md lists them). Every other case must get the peer's verdict:
recall 1.00 on the positives the peers agree on, and no negative flagged.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockupaws.pii.detector import PII_TYPES, scan

PEER_CASES = Path(__file__).resolve().parents[1] / "data" / "peers" / "peer_cases.jsonl"
PEERS = {"presidio", "scrubadub", "commonregex", "detect-secrets", "gitleaks"}


@dataclass(frozen=True)
class PeerCase:
    peer: str
    source: str
    type: str
    text: str
    expected: bool
    deviation: str | None

    @property
    def ours(self) -> bool:
        """The verdict this detector gives: the peer's, unless a documented deviation says otherwise."""
        return self.expected != (self.deviation is not None)


def load_cases() -> list[PeerCase]:
    cases = []
    for number, line in enumerate(PEER_CASES.read_text(encoding="utf-8").splitlines(), start=1):
        row = json.loads(line)
        assert set(row) <= {"peer", "source", "type", "text", "expected", "deviation"}, number
        assert row["peer"] in PEERS, number
        assert row["type"] in PII_TYPES, number
        assert isinstance(row["expected"], bool), number
        assert row.get("deviation", "x").strip(), f"line {number}: a deviation needs its reason"
        cases.append(
            PeerCase(
                row["peer"], row["source"], row["type"], row["text"], row["expected"], row.get("deviation")
            )
        )
    return cases


CASES = load_cases()


def test_every_peer_and_type_is_represented() -> None:
    assert {c.peer for c in CASES} == PEERS
    assert {c.type for c in CASES} == set(PII_TYPES)
    assert len({(c.peer, c.type, c.text) for c in CASES}) == len(CASES), "duplicate cases"
    # Deviations stay the exception, each with its reason
    assert sum(c.deviation is not None for c in CASES) <= len(CASES) // 6


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.peer}-{c.type}-{c.text[:40]}")
def test_peer_case(case: PeerCase) -> None:
    found = case.type in scan(case.text).types
    assert found == case.ours, (case.peer, case.source, case.text, case.deviation)


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def test_scores_against_the_peers_verdicts() -> None:
    # Scored against the peers' own verdicts (so every deviation counts as a mistake), per type
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in PII_TYPES}
    for case in CASES:
        found = case.type in scan(case.text).types
        counts[case.type][("t" if found == case.expected else "f") + ("p" if found else "n")] += 1
    print(f"\nPeer cases: {len(CASES)} ({sum(c.deviation is not None for c in CASES)} documented deviations)")
    print(
        f"{'type':<12} {'cases':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'TN':>4} "
        f"{'precision':>9} {'recall':>7} {'F1':>6}"
    )
    for kind, c in counts.items():
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0
        recall = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0
        print(
            f"{kind:<12} {c.total():>5} {c['tp']:>4} {c['fp']:>4} {c['fn']:>4} {c['tn']:>4} "
            f"{precision:>9.3f} {recall:>7.3f} {f1(c['tp'], c['fp'], c['fn']):>6.3f}"
        )
    # Positives the peers agree on (no deviation) are all found; negatives without a deviation are clean
    agreed_positives = [c for c in CASES if c.expected and c.deviation is None]
    assert all(c.type in scan(c.text).types for c in agreed_positives)
    agreed_negatives = [c for c in CASES if not c.expected and c.deviation is None]
    assert not any(c.type in scan(c.text).types for c in agreed_negatives)
