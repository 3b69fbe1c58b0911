"""Property-based tests: the answer reader and every check never raise and stay fast on any text."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from thinkdial.policies.checks import default_checks, run_checks
from thinkdial.policies.reading.answers import read_answer
from thinkdial.policies.reading.question import Question

CHECKS = default_checks()
PIECES = st.sampled_from([
    "=", " = ", "+", "-", "*", "x", "/", "(", ")", " is ", " not ", " larger than ", " prime", " even", " letters",
    "Answer:", "Yes", "No", " or ", "?", ".", "\n", "- ", "1. ", "```", "`", "Monday", "April", " before ", " after ",
    "the word \"banana\"", " has ", " 3", "0.5", "1/3", "2305843009213693951", "9" * 40, "7" * 600, "\u0663", "\uff11",
    "\x00", "\x1b[", "\u200b", "...", "\u2212", "\u00d7", "%", "^", "Tomorrow is Sunday.", "the next number is ",
])
TEXT = st.one_of(
    st.text(max_size=400),
    st.lists(PIECES, max_size=80).map("".join),
    st.tuples(st.lists(PIECES, min_size=1, max_size=6).map("".join), st.integers(1, 300)).map(lambda t: t[0] * t[1]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reply=TEXT, question=TEXT)
def test_reading_and_checking_never_raise(reply, question):
    start = time.perf_counter()
    read_answer(reply, question)
    found = run_checks(CHECKS, reply, question)
    Question.parse(question)
    assert found.checked >= found.false >= 0
    assert time.perf_counter() - start < 2.0


@settings(max_examples=40, deadline=None)
@given(piece=st.lists(PIECES, min_size=1, max_size=5).map("".join))
def test_time_grows_linearly_with_the_text(piece):
    """Ten times the text costs at most about ten times as long (plus slack for timer noise), never a square."""

    def cost(n: int) -> float:
        text = piece * n
        start = time.perf_counter()
        read_answer(text, "What is it?")
        run_checks(CHECKS, text, "What is it?")
        return time.perf_counter() - start

    small, large = cost(200), cost(2000)
    assert large < 30 * small + 0.25
