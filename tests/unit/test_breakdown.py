"""Pure breakdown helpers: exact allocation of an amount by weights, PII type totals."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from mockupaws.report.breakdown import PiiTypeCount, allocate, pii_by_type


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (Decimal("1.00"), [1, 1, 1], ["0.333333333334", "0.333333333333", "0.333333333333"]),
        (Decimal("0.000000000003"), [1, 2], ["0.000000000001", "0.000000000002"]),
        (Decimal("10"), [0, 5, 0], ["0", "10", "0"]),
        (Decimal("0"), [3, 4], ["0", "0"]),
        (Decimal("0.00000000000000000011"), [1, 1], ["0.00000000000000000006", "0.00000000000000000005"]),
    ],
)
def test_allocate_splits_exactly(amount: Decimal, weights: list[int], expected: list[str]) -> None:
    parts = allocate(amount, weights)
    assert [Decimal(e) for e in expected] == parts
    assert sum(parts, Decimal(0)) == amount


def test_allocate_follows_fractional_weights_and_ties_go_to_the_earlier() -> None:
    parts = allocate(Decimal("1"), [Fraction(1, 3), Fraction(1, 3), Fraction(1, 3)], exponent=0)
    assert parts == [Decimal(1), Decimal(0), Decimal(0)]


def test_allocate_with_zero_weights_splits_evenly() -> None:
    assert allocate(Decimal("0.02"), [0, 0], exponent=-2) == [Decimal("0.01"), Decimal("0.01")]


def test_allocate_refuses_an_amount_finer_than_the_unit() -> None:
    with pytest.raises(ValueError, match="not a whole number"):
        allocate(Decimal("0.005"), [1], exponent=-2)


def test_pii_by_type_lists_known_types_first_then_stored_others() -> None:
    counts = [
        PiiTypeCount("a", "email", 2),
        PiiTypeCount("b", "email", 3),
        PiiTypeCount("b", "legacy_type", 1),
    ]
    result = pii_by_type(counts, ("phone", "email"))
    assert [(p.pii_type, p.logs) for p in result] == [("phone", 0), ("email", 5), ("legacy_type", 1)]
