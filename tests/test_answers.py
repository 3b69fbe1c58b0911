"""Answer reading on real drafts of the embedded model (from bench/data/difficulty_corpus.jsonl)."""

from __future__ import annotations

import pytest

from thinkdial.policies.reading.answers import answer_candidates, answers_equivalent, extract_answer, read_answer


@pytest.mark.parametrize(
    ("draft", "prompt", "answer", "hedged"),
    [
        ('The opposite of "hot" is "cold" or ...', 'What is the opposite of "hot"?', "cold", True),
        ('The opposite of "happy" is "sad" or "sadness" ...', "What's the opposite of happy?", "sad or sadness", True),
        ('The opposite of "happy" is "sad" or "sadness" is the opposite of "happy" is "sad" or "sadn',
         "Name a word that means the opposite of happy.", "sad or sadness", True),
        ('The answer is "January".', "Which month comes before February?", "January", False),
        ('The first letter of the word "cloud" is "C".', "What is the first letter of the word cloud?", "C", False),
        ("The capital of Australia is Canberra. It is located in the Australian Capital Territory.",
         "What is the capital of Australia?", "Canberra", False),
        ("1 liter is equal to 1000 milliliters.", "How many milliliters are in 1 liters?", "1000 milliliters", False),
        ("6 days is 6 * 7 = 42 hours.", "How many hours are in 6 days?", "42 hours", False),
        ("18 * 19 = 37", "Multiply 18 by 19.", "37", False),
        ("71 + 18 = 20\n\nI'm not sure what to do with that.", "If you add 71 and 18, what do you get?", "20", False),
        ("The sequence is 1, 4, 9, 16.\n\nThe next number in the sequence is 17.",
         "Continue the sequence: 1, 4, 9, 16. What is the next number?", "17", False),
        ("100 is not divisible by 3 because 100 is not a multiple of 3 (100 = 2 * 3 * 5).",
         "Is 100 divisible by 3?", "no", False),
        ("Yes, the Earth is round.", "Is the Earth round?", "yes", False),
        ('The word "apple" has 5 letters.', 'How many letters are in the word "apple"?', "5", False),
        ("The Python code will print 7.", "What does this Python code print?\nprint(5 + 2)", "7", False),
        ("I think it is Paris.", "What is the capital of France?", "Paris", True),
        ("- Paris\n- Lyon", "Name a French city.", "Paris", True),
    ],
)
def test_read_answer_on_real_drafts(draft: str, prompt: str, answer: str, hedged: bool) -> None:
    reading = read_answer(draft, prompt)
    assert reading is not None
    assert reading.text == answer
    assert reading.hedged is hedged
    if reading.start >= 0 and reading.how != "yes_no_statement":
        assert draft[reading.start : reading.end].lower() == reading.candidates[0].lower()[: reading.end - reading.start]


@pytest.mark.parametrize(
    "draft",
    [
        "To solve this problem, we need to think about the total value of 9 and 8. We can start by",
        "Frozen water is a type of hydromorphic water that",
        "",
        '{"tool": "calculator", "arguments": {"expression": "2+2"}}',
    ],
)
def test_no_answer(draft: str) -> None:
    assert read_answer(draft) is None
    assert extract_answer(draft) is None


def test_candidates_and_equivalence() -> None:
    assert answer_candidates("cold or warm") == ["cold", "warm"]
    assert answer_candidates('"sad" or "sadness"') == ["sad", "sadness"]
    assert answer_candidates("cold or ...") == ["cold"]
    assert answer_candidates("a cat or a dog that sits on the mat all day") == ["a cat or a dog that sits on the mat all day"]
    assert answer_candidates(None) == []
    assert answers_equivalent("cold or warm", "Cold")
    assert answers_equivalent("1,000 meters", "1000")
    assert answers_equivalent('"Paris"', "paris")
    assert not answers_equivalent("cold", "warm")
    assert not answers_equivalent(None, "x")


def test_an_ordinal_is_not_a_number_answer_and_who_questions_get_no_number() -> None:
    chain = ("The play's inspiration was likely inspired by the infamous French playwright, William Shakespeare, "
             "who wrote the iconic Romeo and Juliet story in 16th-century France.")
    reading = read_answer(chain, "Who wrote Romeo and Juliet?")  # a real thinker reply, once read as "16"
    assert reading is None or reading.text != "16"
    assert read_answer("It was built in the 3rd century, over 1700 years ago.", "How many years ago?").text == "1700 years"
    assert read_answer("It has 8 legs.", "How many legs does a spider have?").text == "8"


def test_a_choice_question_starting_with_is_is_not_a_yes_no_question() -> None:
    assert read_answer("486 is indeed the greater number.", "Is 453 or 486 the greater number?").text == "486"
    assert read_answer("The sun is a star.", "Is the sun a star? Answer yes or no.").text == "yes"


def test_answer_to_this_question_marker_and_yes_no_restatement_read_from_real_drafts() -> None:
    from thinkdial.policies.reading.answers import read_answer

    got = read_answer("The answer to this question is no, 2 is not a prime number. A prime number is", "Is 2 a prime number?")
    assert got is not None and got.text == "no"
    # a later "no" in the explanation does not hide the restated answer of the first sentence
    got = read_answer("The Earth is indeed round. It's a perfect sphere, with no curvature, no matter.", "Is the Earth round?")
    assert got is not None and got.text == "yes"
    # a long quoted sentence after "the answer to this question is" is read as before: the option it names
    got = read_answer('The answer to this classic question is "A cat is bigger than a horse." This is b',
                      "Which is bigger, a cat or a horse? Explain briefly.")
    assert got is not None and got.text == "cat"


@pytest.mark.parametrize(
    ("prompt", "options"),
    [
        ("Which is larger, 0.5 or 0.75?", ("0.5", "0.75")),
        ("Which is smaller, 1/3 or 1/2?", ("1/3", "1/2")),
        ("Which is bigger, a bus or a car?", ("bus", "car")),
        ("What is the capital of Australia?", None),
    ],
)
def test_offered_options_read_whole_numbers_and_fractions(prompt: str, options: tuple[str, str] | None) -> None:
    from thinkdial.policies.reading.answers import offered_options

    assert offered_options(prompt) == options
