"""Exact checks of the numeric claims a draft states (``thinkdial.policies.checks.numbers``)."""

from __future__ import annotations

import pytest

from thinkdial.policies.checks import ClaimCheck, default_checks, run_checks


def check_claims(text: str, prompt: str | None = None, answer: str | None = None) -> ClaimCheck:
    """The default checks on ``text``; given the ``answer`` read from it, the claim that answer implies too."""
    stated = [c for c in default_checks() if c.name != "implied"]
    found = run_checks(stated, text, prompt)
    if answer is None:
        return found
    implied = run_checks([c for c in default_checks() if c.name == "implied"], answer, prompt)
    return ClaimCheck(found.checked + implied.checked, found.false + implied.false, found.first_false or implied.first_false)


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


@pytest.mark.parametrize(
    ("text", "checked", "false"),
    [  # real drafts of the embedded model (bench/data/difficulty_corpus.jsonl)
        ("15 is indeed greater than 51.", 1, 1),
        ("632 is not less than 566.", 1, 0),
        ("153 is a larger than 961.", 1, 1),
        ("5 is a bigger number than 3.", 1, 0),
        ("5 is much bigger than 3 and 2 is a smaller number than 1.", 2, 1),
        ("10 is indeed an odd number.", 1, 1),
        ("No, 9 is not a prime number.", 1, 0),
        ("No, 2 is not a prime number. A prime number is a positive integer", 1, 1),
        ("100 is not divisible by 3 because", 1, 0),
        ("12 is a multiple of 5.", 1, 1),
        ("The day before Wednesday is Friday.", 1, 1),
        ("The day after Sunday is Monday.", 1, 0),
        ("Tuesday comes before Wednesday.", 1, 0),
        ("The month after December is January.", 1, 0),
        ("Today is Friday, and yesterday was a Monday.", 2, 2),
        ('The last letter of "pencil" is "P".', 1, 1),
        ("The last letter of 'apple' is 'e'.", 1, 0),
        ("The first letter of the word music is \"S\".", 1, 1),
        ('The word "house" has 12 letters.', 1, 1),
        ('The word "tiger" has five letters.', 1, 0),
        ('The letter "o" appears 1 time in "bottle".', 1, 0),
        ('The letter "c" appears 10 times in "music."', 1, 1),
        ('The number of letters in the word "cloud" is 10.', 1, 1),
        ("The first letter of the word planet is a double consonant.", 0, 0),  # no letter named
        ("It has 5 letters.", 0, 0),  # which word is not said
        ("He is not even a day older than May.", 0, 0),
    ],
)
def test_number_properties_spelling_and_calendar_claims(text: str, checked: int, false: int) -> None:
    found = check_claims(text)
    assert (found.checked, found.false) == (checked, false), found


@pytest.mark.parametrize(
    ("prompt", "text", "answer", "false"),
    [
        ("How much is 2 + 6? Give the answer as a number.", "The answer is 10.", "10", 1),
        ("What is 2 plus 6? Answer with just the number.", "8", "8", 0),
        ("Compute 23 + 45.", "68", "68", 0),
        ("Is 9 a prime number?", "No.", "no", 0),
        ("Is 7 a prime number?", "No.", "no", 1),
        ("Is 15 greater than 51?", "Yes.", "yes", 1),
        ("Which is smaller, 969 or 563?", "The answer is 969.", "969", 1),
        ("Is 453 or 486 the greater number?", "486", "486", 0),
        ("If today is Tuesday, what day will it be in 3 days? One word.", "Friday", "Friday", 0),
        ("If today is Tuesday, what day will it be in 3 days? One word.", 'The answer is "Wednesday"', "Wednesday", 1),
        ("Tomorrow is Tuesday. What day is today?", "Tomorrow is Wednesday.", "Wednesday", 1),
        ("Tomorrow is Sunday. What day is today?", "Saturday", "Saturday", 0),
        ("Which day of the week comes before Thursday?", "Wednesday", "Wednesday", 0),
        ("What day was yesterday if today is Monday?", "Sunday", "Sunday", 0),
        ("How many letters are in the word strawberry?", "10", "10", 0),
        ("How many r's are in strawberry?", "2", "2", 1),
        ('How many times does the letter "o" appear in "window"?', "1", "1", 0),
        ("What is the first letter of the word cloud?", "C", "C", 0),
        ("Does the word house have 6 letters?", "Yes", "yes", 1),
        ("What do 6 and 3 add up to?", "The answer is 15.", "15", 1),
        ("Add 9 and 6.", "15", "15", 0),
        ("What's the sum of 24 and 23?", "47", "47", 0),
        ("Subtract 21 from 44. Be concise.", "Subtract 21 from 44, which is 4.", "4", 1),
        ("What do you get when you multiply 12 by 7?", "72", "72", 1),
        ("What is the product of 8 and 10?", "80", "80", 0),
        ("Which letter does the word mountain start with?", "M", "M", 0),
        ("What letter does 'banana' end with?", "n", "n", 1),
        ("Find the next number in the pattern 1, 1, 2, 3, 5.", "The next number in the pattern 1, 1, 2, 3, 5 is 10.", "10", 1),
        ("Continue the sequence: 1, 4, 9, 16. What is the next number?", "The next number in the sequence is 25.", "25", 0),
        ("What number comes next: 7, 14, 21, ...? Answer with just the number.", "The answer is 21.", "21", 1),
        ("What number comes next: 2, 4, 8, 16?", "32", "32", 0),
    ],
)
def test_the_claim_an_answer_makes_about_its_question_is_checked(prompt: str, text: str, answer: str, false: int) -> None:
    found = check_claims(text, prompt, answer)
    assert found.checked >= 1 and (found.false > 0) == bool(false), found


@pytest.mark.parametrize(
    ("prompt", "answer"),
    [
        ("What is the capital of France?", "Paris"),
        ("What number comes next: 1, 5, 2, 8?", "10"),  # no simple rule fits
        ("How many centimeters are in 5 meters?", "500"),
        ("Is the Earth round?", "yes"),
        ("Which is bigger, a horse or a cat?", "horse"),
        ("Is 9 a prime number?", "maybe"),  # not a yes or a no: nothing is claimed
        ("What is 2 + 2?", "four or five"),
    ],
)
def test_questions_without_a_checkable_claim_check_nothing(prompt: str, answer: str) -> None:
    from thinkdial.policies.checks.implied import implied_statements

    assert check_claims("I think so.", prompt, answer).checked == 0
    assert all(check_claims(statement, premises).checked == 0 for statement, _, premises in implied_statements(prompt, answer))


def test_repeating_a_premise_is_not_a_claim() -> None:
    assert check_claims("Today is Wednesday.", "If today is Wednesday, what day was yesterday?").checked == 0


def test_long_questions_are_read_in_linear_time() -> None:
    import time

    started = time.perf_counter()
    check_claims("yes", "Is " + "a " * 5000 + "prime?", "yes")
    check_claims("3", "How many times does the letter a appear in " + "a" * 20000 + "?", "3")
    check_claims("The day before " * 2000, "Which day " * 2000 + "?", "Monday")
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(
    ("terms", "expected"),
    [([2, 4, 6, 8], 10), ([100, 90, 80, 70], 60), ([3, 6, 12], 24), ([1, 1, 2, 3, 5], 8), ([1, 4, 9, 16], 25),
     ([1, 2, 4, 7], 11), ([4, 6, 9], None), ([1, 2], None), ([5, 1, 7, 2], None)],
)
def test_the_next_term_follows_the_simplest_rule_or_none(terms: list[int], expected: int | None) -> None:
    from thinkdial.policies.checks.sequences import next_term

    assert next_term(terms) == expected
