"""Signals and answer extraction on hand-made token distributions (no model needed)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pytest

from thinkdial.policies.estimate.signals import (
    TOKEN_SIGNALS,
    agreement,
    compute_token_signals,
    group_confidence,
    mean_confidence,
    mean_entropy,
    min_token_prob,
    tail_confidence,
    token_confidence,
    token_entropy,
    verifier_yes_probability,
)
from thinkdial.policies.reading.answers import extract_answer, looks_cut_off, normalize_answer

# ----------------------------------------------------------------------------- fakes


@dataclass
class Alt:
    token: str
    logprob: float


@dataclass
class Tok:
    token: str
    logprob: float
    entropy: float | None = None
    top: list[Alt] = field(default_factory=list)


@dataclass
class Comp:
    text: str = ""
    tokens: list[Tok] | None = None


def tok(chosen: str, probs: dict[str, float], *, entropy: bool = False) -> Tok:
    """A token whose top alternatives have these probabilities (best first)."""
    alts = [Alt(t, math.log(p)) for t, p in sorted(probs.items(), key=lambda kv: -kv[1])]
    h = -sum(p * math.log(p) for p in probs.values()) if entropy else None
    return Tok(chosen, math.log(probs[chosen]), h, alts)


def confident(word: str = "a") -> Tok:
    return tok(word, {word: 0.97, "x": 0.01, "y": 0.01, "z": 0.01})


def unsure(word: str = "a") -> Tok:
    return tok(word, {word: 0.3, "x": 0.25, "y": 0.25, "z": 0.2})


def comp(tokens: list[Tok] | None, text: str = "") -> Comp:
    return Comp(text=text or "".join(t.token for t in tokens or []), tokens=tokens)


TOKEN_FUNCS = [mean_entropy, min_token_prob, mean_confidence, group_confidence, tail_confidence]

# ----------------------------------------------------------------------------- token signals


def test_confident_sequence_beats_uncertain_one_on_every_signal():
    sure = comp([confident() for _ in range(20)])
    shaky = comp([unsure() for _ in range(20)])
    assert mean_entropy(sure) < mean_entropy(shaky)
    assert min_token_prob(sure) > min_token_prob(shaky)
    assert mean_confidence(sure) > mean_confidence(shaky)
    assert group_confidence(sure) > group_confidence(shaky)
    assert tail_confidence(sure) > tail_confidence(shaky)


def test_exact_values():
    c = comp([confident(), unsure()])
    assert min_token_prob(c) == pytest.approx(0.3)
    # DeepConf token confidence: minus the mean of the top-k logprobs.
    expected = -(math.log(0.97) + 3 * math.log(0.01)) / 4
    assert token_confidence(confident()) == pytest.approx(expected)
    assert mean_confidence(c) == pytest.approx((expected + token_confidence(unsure())) / 2)


def test_entropy_uses_backend_value_when_present():
    t = tok("a", {"a": 0.5, "b": 0.5})
    t.entropy = 2.0  # full-distribution entropy from the backend wins over top-k
    assert token_entropy(t) == 2.0
    assert mean_entropy(comp([t])) == 2.0


def test_entropy_approximated_from_renormalised_top_k():
    # Top-2 holding 0.4 + 0.4 of the mass: renormalised to a fair coin -> log 2.
    t = Tok("a", math.log(0.4), None, [Alt("a", math.log(0.4)), Alt("b", math.log(0.4))])
    assert token_entropy(t) == pytest.approx(math.log(2))
    # Matches the exact entropy when the top-k is the whole distribution.
    exact = tok("a", {"a": 0.7, "b": 0.2, "c": 0.1}, entropy=True)
    approx = tok("a", {"a": 0.7, "b": 0.2, "c": 0.1})
    assert token_entropy(approx) == pytest.approx(exact.entropy)


def test_entropy_adds_chosen_token_missing_from_top():
    t = Tok("c", math.log(0.5), None, [Alt("a", math.log(0.25)), Alt("b", math.log(0.25))])
    assert token_entropy(t) == pytest.approx(-(0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25)))


def test_group_confidence_finds_the_worst_window():
    tokens = [confident() for _ in range(40)]
    tokens[10:14] = [unsure() for _ in range(4)]
    c = comp(tokens)
    hi, lo = token_confidence(confident()), token_confidence(unsure())
    # Window of 4 lands exactly on the confused stretch.
    assert group_confidence(c, window=4) == pytest.approx(lo)
    # Window of 8 contains it plus 4 confident tokens.
    assert group_confidence(c, window=8) == pytest.approx((4 * lo + 4 * hi) / 8)
    # The whole-sequence mean hides the dip that the group measure exposes.
    assert group_confidence(c, window=8) < mean_confidence(c)
    # Position of the dip does not matter, only its presence.
    moved = tokens[:]
    moved[30:34], moved[10:14] = moved[10:14], moved[30:34]
    assert group_confidence(comp(moved), window=4) == pytest.approx(lo)


def test_group_confidence_short_sequence_is_whole_mean():
    c = comp([confident(), unsure(), confident()])
    assert group_confidence(c, window=16) == pytest.approx(mean_confidence(c))
    assert group_confidence(c, window=3) == pytest.approx(mean_confidence(c))
    with pytest.raises(ValueError):
        group_confidence(c, window=0)


def test_tail_confidence_only_looks_at_the_tail():
    shaky_start = comp([unsure() for _ in range(20)] + [confident() for _ in range(8)])
    shaky_end = comp([confident() for _ in range(20)] + [unsure() for _ in range(8)])
    assert tail_confidence(shaky_start, tail=8) == pytest.approx(token_confidence(confident()))
    assert tail_confidence(shaky_end, tail=8) == pytest.approx(token_confidence(unsure()))
    assert mean_confidence(shaky_end) > mean_confidence(shaky_start)  # but the tail says otherwise
    # Shorter than the tail: the whole sequence.
    short = comp([confident(), unsure()])
    assert tail_confidence(short, tail=32) == pytest.approx(mean_confidence(short))


@pytest.mark.parametrize("func", TOKEN_FUNCS)
def test_missing_tokens_give_none(func):
    assert func(Comp(text="hi", tokens=None)) is None
    assert func(Comp(text="", tokens=[])) is None


def test_tokens_without_alternatives():
    bare = comp([Tok("a", math.log(0.9)), Tok("b", math.log(0.5))])
    assert min_token_prob(bare) == pytest.approx(0.5)
    assert mean_entropy(bare) is None  # neither entropy nor alternatives
    assert mean_confidence(bare) is None  # DeepConf needs >= 2 alternatives
    assert group_confidence(bare) is None
    assert tail_confidence(bare) is None
    assert compute_token_signals(bare) == {"min_token_prob": pytest.approx(0.5)}
    # With backend entropy but no alternatives, entropy still works.
    with_h = comp([Tok("a", math.log(0.9), 0.3), Tok("b", math.log(0.5), 0.9)])
    assert mean_entropy(with_h) == pytest.approx(0.6)


def test_positions_without_alternatives_are_skipped_for_confidence():
    c = comp([confident(), Tok("b", math.log(0.5)), confident()])
    assert mean_confidence(c) == pytest.approx(token_confidence(confident()))
    assert token_confidence(Tok("b", math.log(0.5), None, [Alt("b", math.log(0.5))])) is None


def test_non_finite_logprobs_are_ignored():
    t = Tok("a", math.log(0.5), None, [Alt("a", math.log(0.5)), Alt("b", math.log(0.5)), Alt("c", -math.inf)])
    assert token_confidence(t) == pytest.approx(-math.log(0.5))
    assert token_entropy(t) == pytest.approx(math.log(2))


def test_compute_token_signals_keys():
    signals = compute_token_signals(comp([confident() for _ in range(5)]))
    assert set(signals) == set(TOKEN_SIGNALS)
    assert all(isinstance(v, float) for v in signals.values())
    assert compute_token_signals(Comp(text="no logprobs")) == {}


def test_works_on_the_real_pydantic_types_if_available():
    base = pytest.importorskip("thinkdial.models.base")
    t = base.TokenInfo(
        token="85",
        logprob=math.log(0.9),
        top=[base.TokenAlternative(token="85", logprob=math.log(0.9)),
             base.TokenAlternative(token="86", logprob=math.log(0.1))],
    )
    c = base.Completion(text="85", tokens=[t])
    assert compute_token_signals(c)["min_token_prob"] == pytest.approx(0.9)
    assert compute_token_signals(base.Completion(text="85")) == {}


def test_signals_are_fast():
    import time

    c = comp([confident() if i % 7 else unsure() for i in range(500)])
    start = time.perf_counter()
    for _ in range(20):
        compute_token_signals(c)
    assert (time.perf_counter() - start) / 20 < 0.05


# ----------------------------------------------------------------------------- agreement


def test_agreement_counts():
    assert agreement(["85", "85", "86", "85"]) == pytest.approx(0.75)
    assert agreement(["85", "85.0", "85.", " 85 "]) == 1.0  # normalised before counting
    assert agreement(["Paris", "paris", "The Paris."]) == 1.0
    assert agreement(["a", "b", "c", "d"]) == pytest.approx(0.25)
    assert agreement(["yes"]) == 1.0


def test_agreement_none_and_empty_disagree():
    assert agreement([]) is None
    assert agreement([None, None]) == 0.0
    assert agreement(["", "  ", "."]) == 0.0
    assert agreement(["7", None, "7", ""]) == pytest.approx(0.5)
    # None answers never win, even when they are the most common.
    assert agreement([None, None, None, "7"]) == pytest.approx(0.25)


# ----------------------------------------------------------------------------- verifier


def test_verifier_probability_from_alternatives():
    t = Tok("Yes", math.log(0.6), None, [
        Alt("Yes", math.log(0.6)), Alt("No", math.log(0.2)), Alt(" yes", math.log(0.1)),
        Alt("The", math.log(0.05)), Alt("NO", math.log(0.05)),
    ])
    p = verifier_yes_probability(comp([t, tok(".", {".": 0.99, "!": 0.01})]))
    assert p == pytest.approx(0.7 / (0.7 + 0.25))


def test_verifier_skips_leading_markup_and_space():
    lead = tok("**", {"**": 0.9, "Yes": 0.05, "No": 0.05})
    answer = Tok("\u2581no", math.log(0.8), None, [Alt("\u2581no", math.log(0.8)), Alt("\u2581yes", math.log(0.2))])
    assert verifier_yes_probability(comp([lead, answer])) == pytest.approx(0.2)


def test_verifier_correct_incorrect_variants():
    t = Tok(" incorrect", math.log(0.9), None, [Alt(" incorrect", math.log(0.9)), Alt(" correct", math.log(0.1))])
    assert verifier_yes_probability(comp([t])) == pytest.approx(0.1)


def test_verifier_chosen_token_missing_from_top_still_counts():
    t = Tok("Yes", math.log(0.5), None, [Alt("No", math.log(0.5))])
    assert verifier_yes_probability(comp([t])) == pytest.approx(0.5)


def test_verifier_first_content_token_alternatives():
    # The model opened with "The", but had yes/no mass at that position.
    t = tok("The", {"The": 0.5, "Yes": 0.3, "No": 0.1, "It": 0.1})
    c = comp([t, confident(" answer")], text="The answer looks right")
    assert verifier_yes_probability(c) == pytest.approx(0.75)


def test_verifier_text_fallback():
    assert verifier_yes_probability(Comp(text="Yes, the answer is right.")) == 1.0
    assert verifier_yes_probability(Comp(text="No.")) == 0.0
    assert verifier_yes_probability(Comp(text="**YES**")) == 1.0
    assert verifier_yes_probability(Comp(text="Verdict: the answer is no.")) == 0.0
    assert verifier_yes_probability(Comp(text="Correct.")) == 1.0
    # Tokens without any yes/no information fall back to the text too.
    assert verifier_yes_probability(comp([Tok("Yes", math.log(0.9))], text="Yes")) == 1.0


def test_verifier_unrecognisable_is_none():
    assert verifier_yes_probability(Comp(text="I am not sure what you mean by that question.")) is None
    assert verifier_yes_probability(Comp(text="")) is None
    c = comp([tok("Maybe", {"Maybe": 0.6, "Perhaps": 0.4})], text="Maybe")
    assert verifier_yes_probability(c) is None
    # "Nothing", "Yesterday": not a yes/no.
    assert verifier_yes_probability(Comp(text="Nothing to add.")) is None
    assert verifier_yes_probability(Comp(text="Yesterday it was.")) is None


# ----------------------------------------------------------------------------- answers


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("The answer is 85.", "85"),
        ("37 + 48 = 85", "85"),
        ("37 + 48 = 85.", "85"),
        ("Paris", "Paris"),
        ("Paris.", "Paris"),
        ("The capital of France is Paris.", "Paris"),
        ("**Answer:** 12", "12"),
        ("**Final Answer**: 12", "12"),
        ("Final answer: 1,000", "1,000"),
        ("So the final answer is $\\boxed{42}$.", "42"),
        ("We get \\boxed{\\frac{1}{2}} in the end", "\\frac{1}{2}"),
        ("Natalia sold 48 clips in April and 24 in May.\n#### 72", "72"),
        ("The answer is Paris, the capital of France.", "Paris"),
        ("The answer is 85 because 37 + 48 = 85.", "85"),
        ("Answer: The capital of France is Paris.", "Paris"),
        ("To find the total, we add 37 and 48. 37 + 48 = 85. So there are 85 apples.", "85 apples"),
        ("She has 12 apples left.", "12"),
        ("Yes.", "yes"),
        ("No, 9 is not a prime number.", "no"),
        ("<think>37 + 48 is 85</think>\nThe answer is 85.", "85"),
        ('{"answer": "85"}', "85"),
        ("The result is -3.5.", "-3.5"),
        ("Paris is the capital of France.", "Paris is the capital of France"),
    ],
)
def test_extract_answer(reply, expected):
    assert extract_answer(reply) == expected


@pytest.mark.parametrize(
    "reply",
    [
        "",
        "   ",
        None,
        # cut off mid-sentence by max_tokens: the numbers are work in progress
        "Let's think step by step. First, we add 37 and 48 to get",
        "To solve this, I will compute 37 + 48",
        "The capital of France is",
        "Sure! The answer is",
        "We need to find 12 * 7 =",
        "<think>Let me think about 37 + 48",
        # long, no marker, no number
        "I am not completely sure about this question, but I think it depends on many different factors.",
        # a tool call is not an answer
        '{"tool": "calculator", "arguments": {"expression": "37 + 48"}}',
    ],
)
def test_extract_answer_none(reply):
    assert extract_answer(reply) is None


def test_looks_cut_off():
    assert looks_cut_off("First we add 37 and")
    assert looks_cut_off("The sum is 37 + 48")
    assert looks_cut_off("The result:")
    assert not looks_cut_off("The sum is 85")
    assert not looks_cut_off("37 + 48 = 85")
    assert not looks_cut_off("It is Paris.")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,000", "1000"),
        ("85.0", "85"),
        ("3.50", "3.5"),
        ("85.", "85"),
        ("$12.50", "12.5"),
        ("-0", "0"),
        ("0.5", "0.5"),
        (".5", "0.5"),
        ("1,234,567.00", "1234567"),
        ("yes.", "yes"),
        ("Yes", "yes"),
        ("  YES!  ", "yes"),
        ("The Eiffel Tower", "eiffel tower"),
        ("an apple", "apple"),
        ("Paris!", "paris"),
        ("85 apples", "85"),
        ("85%", "85"),
        ("\\boxed{85}", "85"),
        ("\\frac{1}{2}", "1/2"),
        ("\\text{Paris}", "paris"),
        ("don't know", "dont know"),
        ("New   York\n City", "new york city"),
        ("(B)", "b"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalize_answer(raw, expected):
    assert normalize_answer(raw) == expected


def test_normalized_answers_agree_across_phrasings():
    replies = ["The answer is 85.", "37 + 48 = 85", "**Answer:** 85.0", "So there are 85 apples.", "\\boxed{85}"]
    answers = [extract_answer(r) for r in replies]
    assert {normalize_answer(a) for a in answers} == {"85"}
    assert agreement(answers) == 1.0
    assert agreement(answers + ["The answer is 86.", "Let me compute 37 +"]) == pytest.approx(5 / 7)
