"""Exact checks of the numeric claims a draft states (``thinkdial.policies.claims``)."""

from __future__ import annotations

import pytest

from thinkdial.policies.claims import check_claims


@pytest.mark.parametrize(
    ("text", "checked", "false"),
    [
        ("2 + 6 = 10", 1, 1),
        ("2 + 6 = 8", 1, 0),
        ("71 + 18 = 20\n\nI'm not sure what to do with that.", 1, 1),
        ("23 * 14 = 322", 1, 0),
        ("23 x 14 = 312", 1, 1),
        ("12 × 4 = 48 eggs", 1, 0),
        ("Sara has 20 - 8 = 12 dollars left.", 1, 0),
        ("10 / 4 = 2.5", 1, 0),
        ("10 / 3 = 3.33", 1, 0),
        ("1,000 + 250 = 1,250", 1, 0),
        ("3 * 4 + 2 = 14", 1, 0),
        ("7 plus 5 is 12", 1, 0),
        ("7 plus 5 is 13", 1, 1),
        ("104 is larger than 78.", 1, 0),
        ("78 is larger than 104.", 1, 1),
        ("17 is smaller than 71", 1, 0),
        ("53 > 35", 1, 0),
        ("35 > 53", 1, 1),
        ("Paris is the capital of France.", 0, 0),
        ("1 meter = 100 centimeters", 0, 0),  # no operator: a conversion, not arithmetic
        ("The year 2023 is a good year.", 0, 0),
        ("", 0, 0),
    ],
)
def test_claims_read_from_real_draft_shapes(text: str, checked: int, false: int) -> None:
    found = check_claims(text)
    assert (found.checked, found.false) == (checked, false), found


def test_first_false_claim_is_reported_and_all_true_needs_a_claim() -> None:
    found = check_claims("First 4 + 4 = 8, then 8 * 2 = 18.")
    assert found.checked == 2 and found.false == 1 and found.first_false == "8 * 2 = 18"
    assert not found.all_true and check_claims("4 + 4 = 8").all_true and not check_claims("hello").all_true


def test_huge_or_malformed_expressions_are_skipped_not_computed() -> None:
    assert check_claims("9 ** 99999999 = 1").checked == 0
    assert check_claims("5 / 0 = 1").checked == 0


@pytest.mark.parametrize(
    ("text", "false"),
    [
        ("17 + 25 = 32 + 25 = 57.", 1),  # a real draft: the first step is wrong, the chain reads on
        ("17 + 25 = 42", 0),
        ("3 + 4 = 7 = 7", 0),
        ("2 * 3 = 6 + 1 = 7", 0),  # a running computation: 6 is the result, "+ 1" the next step
        ("(2 + 3) * 4 = 5 * 4 = 20", 0),
        ("6 * 7 = 48 + 2 = 50", 1),
        ("(2 + 3) * 4 = 20", 0),
    ],
)
def test_chains_of_equalities_are_checked_side_by_side(text: str, false: int) -> None:
    found = check_claims(text)
    assert found.checked == 1 and found.false == false, found


def test_pathological_text_is_read_in_linear_time() -> None:
    import time

    started = time.perf_counter()
    for text in ["1 + " * 3000, "1 - " * 3000 + "x", "(1 + (2 + " * 500, "1" * 5000, "12 is 3 is " * 1000]:
        check_claims(text)
    assert time.perf_counter() - started < 5  # a backtracking regex took minutes on the first of these
