"""Checks are a declared seam: the protocol, the shared Question, Agent(checks=...), and bounded, never-raising checks."""

from __future__ import annotations

import time

import pytest

from thinkdial import Agent
from thinkdial.models import ScriptedModel, ScriptedReply
from thinkdial.policies.checks import DEFAULT_CHECK_NAMES, Check, Claim, default_checks, run_checks
from thinkdial.policies.checks.arithmetic import certain_identities
from thinkdial.policies.checks.numbers import is_prime
from thinkdial.policies.reading.answers import read_answer
from thinkdial.policies.reading.question import Question


class NoCapitalLondon:
    """A user's own check: "the capital of France is London" is false, and read with certainty."""

    name = "no_london"

    def __init__(self) -> None:
        self.seen: list[Question] = []

    def claims(self, reply: str, question: Question) -> list[Claim]:
        self.seen.append(question)
        if "london" in reply.lower() and "france" in question.text.lower():
            return [Claim("the capital of France is London", False, certain=True, check=self.name)]
        return []


def test_the_default_set_is_documented_and_each_is_a_check():
    checks = default_checks()
    assert tuple(c.name for c in checks) == DEFAULT_CHECK_NAMES
    assert all(isinstance(c, Check) for c in checks)


def test_a_user_check_acts_through_verification_and_sees_the_parsed_question():
    check = NoCapitalLondon()
    fast = ScriptedModel([ScriptedReply("London", confidence=0.99)], name="fast", repeat_last=True)
    thinker = ScriptedModel(["Paris"], name="thinker", repeat_last=True)
    agent = Agent(fast=fast, thinker=thinker, checks=[check], verify="always")
    result = agent.run_sync("What is the capital of France?", policy="fast")
    assert result.output == "Paris"
    assert result.steps[0].revisions == 1
    assert check.seen and all(q is check.seen[0] for q in check.seen)  # one parse per task, shared
    assert check.seen[0].asks.lower().startswith("what is the capital")


def test_checks_off():
    fast = ScriptedModel([ScriptedReply("2 + 2 = 5", confidence=0.99)], name="fast", repeat_last=True)
    thinker = ScriptedModel(["4"], name="thinker", repeat_last=True)
    off = Agent(fast=fast, thinker=thinker, checks=(), verify="always").run_sync("What is 2 + 2?", policy="fast")
    assert "claim_false" in off.steps[0].signals and off.steps[0].signals["claim_false"] == 0.0


def test_a_wrong_checks_argument_fails_at_construction_naming_it():
    with pytest.raises(TypeError, match=r"Agent\(checks=\.\.\.\)\[0\]"):
        Agent(fast=ScriptedModel(["x"]), checks=["arithmetic"])
    with pytest.raises(TypeError, match=r"Agent\(checks=\.\.\.\)"):
        Agent(fast=ScriptedModel(["x"]), checks="arithmetic")  # type: ignore[arg-type]


def test_a_check_that_raises_is_skipped():
    class Broken:
        name = "broken"

        def claims(self, reply, question):
            raise RuntimeError("bug in a user's check")

    assert run_checks([Broken(), *default_checks()], "2 + 2 = 5", "What is 2 + 2?").certain_false == "2 + 2 = 5"


@pytest.mark.parametrize(
    "text",
    [
        "2x + 1 = 7, so 2x = 6 and x = 3.",
        "1/3 is smaller than 1/2.",
        "In Python, 7 // 2 = 3 and 7 % 2 = 1.",
        "10 + 5 = 3 o'clock on a 12-hour clock.",
        "- 2 + 2 = 4",
        "1. 2 + 2 = 4",
        "2/3 = 0.666...",
        "2/3 = 0.66",
        "10 / 3 = 3 remainder 1",
        "1 + 1 = 10 in binary",
        "It is wrong to say that 2 + 2 = 5.",
        "The version is 3.11.7 = 3.11 + .7",
        "```\nx = 2 + 2 = 5\n```",
        "`2 + 2 = 5` is a famous false statement.",
        "If 2 + 2 = 5, then anything follows.",
        "2(3 + 4) = 14",
        "5! = 120",
        "2^10 = 1024",
        "1e3 + 1 = 1001",
        "12:30 + 45 = 13:15",
    ],
)
def test_the_certain_arithmetic_reading_leaves_anything_ambiguous_alone(text):
    assert [c for c in certain_identities(text) if not c.holds] == []


@pytest.mark.parametrize(
    ("text", "claim"),
    [("23 * 14 = 312", "23 * 14 = 312"), ("So 37 + 48 = 75.", "37 + 48 = 75"), ("(2 + 3) × 4 = 24", "( 2 + 3 ) × 4 = 24"),
     ("First 4 + 4 = 8, then 8 * 2 = 18.", "8 * 2 = 18")],
)
def test_the_certain_arithmetic_reading_catches_plain_false_identities(text, claim):
    assert [c.text for c in certain_identities(text) if not c.holds] == [claim]


def test_running_computations_and_rounding_are_true():
    for text in ("2 * 3 = 6 + 1 = 7", "22 / 7 = 3.14", "1/3 = 0.333", "1,000 + 2,500 = 3,500", "-3 - 4 = -7", "5 − 8 = −3"):
        assert certain_identities(text) and all(c.holds for c in certain_identities(text)), text


def test_primality_is_exact_and_bounded():
    assert is_prime(2305843009213693951)  # 2**61 - 1
    assert not is_prime(2305843009213693953)
    assert [n for n in range(60) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59]
    with pytest.raises(ValueError):
        is_prime(10**30)


ADVERSARIAL = [
    ("7" * 5000 + " is even.", "Is it even?"),
    ("Yes, 2305843009213693951 is prime.", "Is 2305843009213693951 prime?"),
    ("x = " + "9" * 8000 + "+", "What is x?"),
    ("1" + " + 1" * 12_500 + " = 3", "What is the sum?"),
    ("(" * 5000 + "1" + ")" * 5000 + " = 1", "What is it?"),
    ("9 ** 99999999 = 1", "What is 9 ** 99999999?"),
    ("\u0663 + \u0664 = \u0667 and \uff11\uff12 is prime", "What is 3 + 4?"),
    ("\x00\x1b[2J 2 + 2 = 5\r\n\x07" * 500, "What is 2 + 2?"),
    ("Final answer: 5" + " " * 20_000 + "x", "What is it?"),  # a blank run after a marker (randomized runs, seed 1158)
    ("<think> 41 " * 12_000 + "The answer is 85.", "What is it?"),
    ("$ so calculator even" + "\n" * 20_001 + ".", "What is it?"),
]


@pytest.mark.parametrize(("reply", "question"), ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_adversarial_text_never_raises_and_stays_fast(reply, question):
    start = time.perf_counter()
    read_answer(reply, question)
    found = run_checks(default_checks(), reply, question)
    assert time.perf_counter() - start < 2.0
    assert found.checked >= 0
