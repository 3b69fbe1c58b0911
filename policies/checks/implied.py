"""The statement an answer makes about its question, so that it can be checked like any other claim.

A reply that only says ``10`` to "How much is 2 + 6?" states nothing checkable
by itself; together with the question it claims ``2 + 6 is 10``. This module
rewrites a question and its answer into such declarative statements:

- "What is / how much is / compute X" answered A: ``X is A``; arithmetic in words too ("Subtract 21 from 44"
  answered A: ``44 - 21 is A``);
- "Which letter does W start / end with?" answered L: the first / last letter of W is L;
- "Is X Y?" answered yes or no: ``X is Y``, which must hold (yes) or fail (no);
- "Which day / month ... R" answered A: ``A R`` ("Which day comes before Friday?" -> ``Thursday comes before Friday``);
- "How many letters are in W" / "How many times does L appear in W" answered N;
- "Which is bigger, 453 or 486?" answered 486: ``486 is bigger than 453``;
- "What number comes next: 2, 4, 6, 8?" answered 10: ``the next number in the sequence 2, 4, 6, 8 is 10``.

Statements are only rewritten, never judged here: the claim checkers decide
whether each can be checked at all.
"""

from __future__ import annotations

import re

from thinkdial.policies.checks.base import Claim
from thinkdial.policies.reading.answers import read_answer
from thinkdial.policies.reading.question import Question

__all__ = ["ImpliedClaimCheck", "implied_statements", "statement_claims"]

_NUM = r"-?\d+(?:\.\d+)?"
_WORDED_ARITHMETIC = [  # (question, operator): "Add 9 and 6." -> "9 + 6 is <answer>"
    (re.compile(rf"^(?:what\s+(?:do|does)\s+)?(?P<a>{_NUM})\s+and\s+(?P<b>{_NUM})\s+(?:add\s+up\s+to|make|sum\s+to)\b", re.I), "+"),
    (re.compile(rf"^add\s+(?P<a>{_NUM})\s+(?:and|to)\s+(?P<b>{_NUM})\b", re.I), "+"),
    (re.compile(rf"^(?:what\s+is|what's|find|compute|calculate)\s+the\s+sum\s+of\s+(?P<a>{_NUM})\s+and\s+(?P<b>{_NUM})\b", re.I), "+"),
    (re.compile(rf"^(?:what\s+is|what's|find|compute|calculate)\s+the\s+product\s+of\s+(?P<a>{_NUM})\s+and\s+(?P<b>{_NUM})\b", re.I), "*"),
    (re.compile(rf"^(?:what\s+is|what's|find|compute|calculate)\s+the\s+difference\s+between\s+(?P<a>{_NUM})\s+and\s+(?P<b>{_NUM})\b", re.I), "-"),
    (re.compile(rf"^(?:what\s+do\s+you\s+get\s+(?:when|if)\s+you\s+)?subtract\s+(?P<b>{_NUM})\s+from\s+(?P<a>{_NUM})\b", re.I), "-"),
    (re.compile(rf"^(?:what\s+do\s+you\s+get\s+(?:when|if)\s+you\s+)?multiply\s+(?P<a>{_NUM})\s+(?:by|and)\s+(?P<b>{_NUM})\b", re.I), "*"),
    (re.compile(rf"^(?:what\s+do\s+you\s+get\s+(?:when|if)\s+you\s+)?divide\s+(?P<a>{_NUM})\s+by\s+(?P<b>{_NUM})\b", re.I), "/"),
]
_LETTER_AT_END = re.compile(
    r"^(?:which|what)\s+letter\s+does\s+(?:the\s+word\s+)?[\"'\u201c\u2018]?(?P<word>[A-Za-z]+)[\"'\u201d\u2019]?\s+"
    r"(?P<end>start|begin|end)\s+with\b",
    re.IGNORECASE,
)
_VALUE_OF = re.compile(r"^(?:what\s+is|what's|how\s+much\s+is|compute|calculate|evaluate|work\s+out)\s+(?P<x>.+)$", re.I)
_BE_QUESTION = re.compile(r"^(?P<verb>is|are|was|were)\s+(?P<rest>.+)$", re.IGNORECASE)
_DO_QUESTION = re.compile(
    r"^(?:does|do)\s+(?P<subject>.+?)\s+(?P<verb>have|contain|appear|occur|come|fall)\b(?P<rest>.*)$", re.IGNORECASE
)
_CALENDAR = re.compile(r"^(?:what|which)\s+(?:day|month)(?:\s+of\s+the\s+(?:week|year))?\s+(?P<rest>.+)$", re.I)
_Q = "[\"'\u201c\u201d\u2018\u2019]?"
_LENGTH = re.compile(
    rf"^(?:how\s+many\s+letters\s+(?:are\s+)?(?:there\s+)?(?:in|does)|count\s+the\s+letters\s+in)\s+"
    rf"(?:the\s+word\s+)?{_Q}(?P<word>[A-Za-z]+){_Q}",
    re.IGNORECASE,
)
_OCCURRENCES = re.compile(
    rf"^how\s+many\s+(?:times\s+does\s+(?:the\s+letter\s+)?{_Q}(?P<letter>[A-Za-z]){_Q}\s+(?:appear|occur|show\s+up)"
    rf"|{_Q}(?P<letter2>[A-Za-z]){_Q}'?s(?:\s+are)?(?:\s+there)?)\s+in\s+(?:the\s+word\s+)?{_Q}(?P<word>[A-Za-z]+){_Q}",
    re.IGNORECASE,
)
_NEXT_IN_SEQUENCE = re.compile(r"\b(?:comes\s+next|next\s+(?:number|term)|continue\s+the\s+(?:sequence|pattern|series))\b", re.I)
_TERM_LIST = re.compile(r"-?\d+(?:\s*,\s*-?\d+){2,11}")
_COMPARATIVE = re.compile(r"\b(larger|bigger|greater|smaller|less|lower|higher|more|fewer)\b", re.IGNORECASE)
_MAX_SUBJECT_WORDS = 8
_ONE_VALUE = re.compile(r"-?[\w.,]+")
_YES = {"yes", "true", "correct"}  # the answer comes without its final "."
_NO = {"no", "false", "incorrect"}
_COUNT = re.compile(r"^\d{1,3}$|^(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)$", re.I)


def _yes_no(answer: str) -> bool | None:
    low = answer.strip().lower()
    return True if low in _YES else False if low in _NO else None


def _be_statements(verb: str, rest: str, expected: bool) -> list[tuple[str, bool]]:
    """"Is 9 a prime number" -> "9 is a prime number", with the verb tried after each word of the subject."""
    words = rest.split()
    return [(" ".join([*words[:i], verb, *words[i:]]), expected) for i in range(1, min(len(words), _MAX_SUBJECT_WORDS + 1))]


def _worded_arithmetic(question: str) -> str | None:
    """"What do 6 and 3 add up to" -> "6 + 3"; "Subtract 21 from 44" -> "44 - 21"."""
    for pattern, op in _WORDED_ARITHMETIC:
        if m := pattern.match(question):
            return f"{m['a']} {op} {m['b']}"
    return None


def implied_statements(prompt: str | Question, answer: str) -> list[tuple[str, bool, str]]:
    """Statements the ``answer`` makes about the question ``prompt`` asks: (statement, should hold, premises).

    For a yes/no question several readings are returned, one per place the verb may go; the caller keeps
    the first one it can check. The question is parsed once (:class:`Question`), however often it is asked.
    """
    q = Question.of(prompt)
    prompt, question, premises, options = q.text, q.asks, q.premises, q.options
    answer = answer.strip().rstrip(".")
    if not question or not answer or "=" in answer:  # "8*10 = 80" is a working, not an answer to restate
        return []
    out: list[tuple[str, bool]] = []
    yes_no = _yes_no(answer)
    if (m := _BE_QUESTION.match(question)) and yes_no is not None and not re.search(r"\bor\b", question, re.I):
        out = _be_statements(m["verb"].lower(), m["rest"], yes_no)
    elif (m := _DO_QUESTION.match(question)) and yes_no is not None:
        verb = m["verb"].lower()
        out = [(f"{m['subject']} {'has' if verb == 'have' else verb + 's'}{m['rest']}", yes_no)]
    elif (m := _LENGTH.match(question)) and _COUNT.match(answer):
        out = [(f'the word "{m["word"]}" has {answer} letters', True)]
    elif (m := _OCCURRENCES.match(question)) and _COUNT.match(answer):
        letter = m["letter"] or m["letter2"]
        out = [(f'the letter "{letter}" appears {answer} times in "{m["word"]}"', True)]
    elif m := _CALENDAR.match(question):
        rest = re.sub(r"\b(will|is|was)\s+it\b", r"\1", m["rest"], flags=re.IGNORECASE)
        out = [(f"{answer} {rest}", True)]
    elif options and (word := _COMPARATIVE.search(question)):
        chosen = [o for o in options if o.lower() == answer.lower()]
        if chosen:
            other = options[1] if chosen[0] == options[0] else options[0]
            out = [(f"{chosen[0]} is {word.group(1).lower()} than {other}", True)]
    elif _NEXT_IN_SEQUENCE.search(prompt) and (terms := _TERM_LIST.search(prompt)) and re.fullmatch(r"-?\d+", answer):
        out = [(f"the next number in the sequence {terms.group(0)} is {answer}", True)]
    elif (worded := _worded_arithmetic(question)) and _ONE_VALUE.fullmatch(answer):
        out = [(f"{worded} is {answer}", True)]
    elif (m := _LETTER_AT_END.match(question)) and re.fullmatch(r"[A-Za-z]", answer):
        which = "last" if m["end"].lower() == "end" else "first"
        out = [(f'the {which} letter of "{m["word"]}" is "{answer}"', True)]
    elif (m := _VALUE_OF.match(question)) and _ONE_VALUE.fullmatch(answer):
        out = [(f"{m['x']} is {answer}", True)]
    return [(statement, expected, premises) for statement, expected in out]


def statement_claims(text: str, premises: str = "") -> list[tuple[bool, str]]:
    """Every claim one statement makes that the loose readers can judge: numbers, sequences, spelling, calendar."""
    from thinkdial.policies.checks.calendar import calendar_claims
    from thinkdial.policies.checks.letters import letter_claims
    from thinkdial.policies.checks.numbers import numeric_claims
    from thinkdial.policies.checks.sequences import sequence_claims

    return numeric_claims(text) + sequence_claims(text) + letter_claims(text) + calendar_claims(text, premises)


class ImpliedClaimCheck:
    """The claim the answer read from a reply makes about its question ("What is 2 + 6?" answered 10:
    ``2 + 6 is 10``). A signal only: which part of a reply is "the answer" is a guess."""

    name = "implied"

    def claims(self, reply: str, question: Question) -> list[Claim]:
        if not question.text:
            return []
        reading = read_answer(reply, question.text)
        if reading is None or not reading.text:
            return []
        out: list[Claim] = []
        for statement, expected, premises in implied_statements(question, reading.text):
            found = statement_claims(statement, premises)
            if found:
                holds = all(ok for ok, _ in found)
                out.append(Claim(statement if expected else f"not: {statement}", holds == expected, False, self.name))
        return out
