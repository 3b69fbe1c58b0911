"""Grading a reply against a task's ``check``, the way a person would read it.

Small models answer in sentences ("The capital of France is Paris.", "104 is
larger than 78.", 'The opposite of "hot" is "cold".'), so graders first find
the *answer* in a reply, then compare:

* the answer is what an explicit marker gives ("The answer is X", "Answer: X",
  "**X**", ``\\boxed{X}``, "#### X", "... = X"); else the first sentence's
  predicate or subject ("<subject> is X", "X is larger than Y"); else the reply;
* a hedge ("cold or warm") names two answers and is wrong for ``exact``;
* numbers are read from the answer, not the question: "There are 5 letters in
  the word 'house'" reads 5, "104 is larger than 78." reads 104, "eight" reads 8.

:func:`grade` returns a bool; :func:`grade_detail` also says what was read.
The graders depend on nothing but the standard library, so their behaviour
does not move when the agent's own answer extraction changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from thinkdial.benchmark.tasks import Task, regex_flags, resolve_python_check

__all__ = [
    "Grade",
    "answer_spans",
    "extract_number",
    "grade",
    "grade_detail",
    "normalize",
]

_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*", re.MULTILINE)
_LATEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$(?!\d)")
_BOXED = re.compile(r"\\boxed\s*\{([^{}]*)\}")
_BOLD = re.compile(r"\*\*([^*\n]{1,80})\*\*")
_MARKER = re.compile(
    r"\b(?:final\s+|correct\s+|short\s+)?answer\s*(?:is|would\s+be|will\s+be|should\s+be|[:=\uff1a])\s*[:\-]?\s*(?P<v>[^\n]+)"
    r"|^\s*#{4}\s*(?P<h>[^\n]+)",
    re.IGNORECASE | re.MULTILINE,
)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'\u201c(]?[A-Z0-9])|\n+")
_CLAUSE_STOP = re.compile(r"(?:\.\s|\.$|;|,\s+(?:because|since|which|so|and\s+(?:the|it|this))\b|\s+because\b|\s+since\b)", re.IGNORECASE)
_COPULA = re.compile(
    r"^(?P<subj>.+?)\s+(?:is|are|was|were|equals|would\s+be|will\s+be|makes|comes\s+to|gives|=)\s+(?P<pred>.+)$",
    re.IGNORECASE,
)
_COMPARATIVE = re.compile(
    r"^(?:the\s+number\s+)?(?P<subj>[^,]+?)\s+is\s+(?:the\s+|a\s+|an\s+)?(?:much\s+)?(?P<adj>larger|greater|bigger|higher|more|"
    r"smaller|less|lower|fewer|largest|greatest|biggest|highest|smallest|lowest|fewest)\b(?P<rest>.*)$",
    re.IGNORECASE,
)
_SMALL_WORDS = re.compile(r"\b(?:smaller|smallest|less|least|lower|lowest|fewer|fewest|minimum)\b", re.IGNORECASE)
_LARGE_WORDS = re.compile(r"\b(?:larger|largest|greater|greatest|bigger|biggest|higher|highest|more|most|maximum)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"\u201c\u2018']([^\"\u201d\u2019'\n]{1,60})[\"\u201d\u2019']")
_NUMBER = re.compile(r"(?<![\w.])[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?(?![\d])|(?<![\w\d])[-\u2212]?\.\d+")
_ARTICLES = {"a", "an", "the"}
_WORD_NUMBERS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
}
_WORD_NUMBER = re.compile(r"\b(" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_HEDGE = re.compile(r"\s+(?:or|and/or)\s+|\s*/\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Grade:
    """The verdict on one reply and what the grader read as its answer."""

    correct: bool
    answer: str | None
    """The answer the grader read (a number as text for ``number``), or None when it found none."""


# ----------------------------------------------------------------------------- reading answers


def normalize(text: str | None) -> str:
    """Lowercase; drop quotes, apostrophes, punctuation, markdown and the articles a/an/the; collapse spaces.

    Digits keep their decimal point and sign ("3.5", "-2"); "1,000" becomes "1000".
    """
    if not text:
        return ""
    t = _LATEX.sub(" ", _MARKDOWN.sub("", str(text))).lower()
    t = re.sub(r"(?<=\d),(?=\d{3}\b)", "", t)
    t = re.sub(r"['\u2019\u2018`]", "", t)
    t = re.sub(r"(?<!\d)[.]|[.](?!\d)|[^\w\s.\-]|(?<=\w)-|-(?!\d)", " ", t)
    words = [w.strip(".") for w in t.split() if w.strip(".")]
    if len(words) == 1:
        return words[0]  # "A" is the answer to "What is the last letter of 'banana'?", not an article
    return " ".join(w for w in words if w not in _ARTICLES)


def _clean(output: str) -> str:
    t = _THINK.sub(" ", str(output))
    return t.strip()


def _clause(value: str) -> str:
    """``value`` up to the end of its sentence or clause, without wrapping punctuation."""
    stop = _CLAUSE_STOP.search(value)
    if stop is not None:
        value = value[: stop.start()]
    return value.strip().strip(" \t\"'\u201c\u201d\u2018\u2019*_`").rstrip(".!?,;:").strip()


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def answer_spans(output: str | None) -> list[str]:
    """Where the answer may be in a reply, most telling first.

    Explicit markers (``\\boxed{}``, "answer is/Answer:", "####", bold), then the
    first sentence's comparative subject ("X is larger than Y" -> X), predicate
    and subject ("S is P" -> P, S), the first sentence, the first line, and the
    whole reply.
    """
    if not output:
        return []
    text = _clean(output)
    spans: list[str] = []
    spans += [m.group(1) for m in _BOXED.finditer(text)]
    for m in _MARKER.finditer(text):
        spans.append(_clause(m.group("v") or m.group("h") or ""))
    spans += [b.strip() for b in _BOLD.findall(text)]
    plain = _LATEX.sub(" ", _MARKDOWN.sub("", text))
    sentences = _sentences(plain)
    if sentences:
        first = sentences[0].rstrip(".!?").strip()
        comp = _COMPARATIVE.match(first)
        if comp:
            spans.append(comp.group("subj"))
        cop = _COPULA.match(first)
        if cop:
            spans.append(_clause(cop.group("pred")))
            spans.append(cop.group("subj"))
        spans.append(first)
    first_line = plain.splitlines()[0] if plain.splitlines() else plain
    spans.append(first_line.strip())
    spans.append(plain.strip())
    out: list[str] = []
    for s in spans:
        s = s.strip()
        if s and s not in out:
            out.append(s)
    return out


def _to_float(token: str) -> float | None:
    token = token.replace("\u2212", "-").replace(",", "").replace(" ", "")
    try:
        if "/" in token:
            num, den = token.split("/", 1)
            return float(num) / float(den)
        return float(token)
    except (ValueError, ZeroDivisionError):
        return None


def _numbers(text: str) -> list[float]:
    """Numbers in ``text`` in order, digits or number words ("eight", "twenty five")."""
    found: list[tuple[int, float]] = []
    for m in _NUMBER.finditer(text):
        value = _to_float(m.group(0))
        if value is not None:
            found.append((m.start(), value))
    taken = [m.span() for m in _NUMBER.finditer(text)]
    words = list(_WORD_NUMBER.finditer(text))
    i = 0
    while i < len(words):
        m = words[i]
        if any(a <= m.start() < b for a, b in taken):
            i += 1
            continue
        value = float(_WORD_NUMBERS[m.group(1).lower()])
        start = m.start()
        # "twenty five", "twenty-five", "two hundred"
        while i + 1 < len(words) and re.fullmatch(r"[\s-]+(?:and\s+)?", text[words[i].end():words[i + 1].start()]):
            nxt = float(_WORD_NUMBERS[words[i + 1].group(1).lower()])
            value = value * nxt if nxt in (100.0, 1000.0) else value + nxt
            i += 1
        if value == 1.0 and m.group(1).lower() == "one" and not re.match(r"\s*(?:[.!]|$)", text[m.end():]):
            # "one of the ..." / "one letter"? Keep "one" only when it stands alone or before a noun of count.
            if re.match(r"\s+(?:of|another|more|day|way|thing)\b", text[m.end():], re.IGNORECASE):
                i += 1
                continue
        found.append((start, value))
        i += 1
    return [v for _, v in sorted(found)]


_STOP = frozenset("the a an is are was were of in on to and or what how many much which does do did there with for".split())


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _STOP}


def _relevant_clause(sentence: str, prompt: str) -> str:
    """Of a sentence's clauses that hold a number, the one that talks about what the prompt asks
    ("A day is 24 hours, and a week is 7 days." asked about a week -> "a week is 7 days")."""
    clauses = [c for c in re.split(r",\s*(?:and|but|so|while)?\s*|;\s*|\s+and\s+(?=\D*\b(?:is|are|has|have)\b)", sentence) if c.strip()]
    numbered = [c for c in clauses if _numbers(c)]
    if len(numbered) < 2 or not prompt:
        return sentence
    asked = _content_words(prompt)
    scores = [len(_content_words(c) & asked) for c in numbered]
    best = max(scores)
    if best == 0 or scores.count(best) > 1:
        return sentence
    return numbered[scores.index(best)]


def extract_number(output: str | None, prompt: str = "") -> float | None:
    """The number a reply gives as its answer, read as a person would, or None.

    In order: a number after an explicit marker (``\\boxed{}``, "answer is", "Answer:",
    "####", bold; after the last "=" of that value); the subject of a comparison in
    the first sentence ("104 is larger than 78." -> 104); the first number after
    "is/are/equals/has/=" in the first sentence that is not one of the prompt's own
    numbers; a reply that is one number; the only number of the first sentence not in
    the prompt; the last number of the reply that is not in the prompt; the last number.
    """
    if not output:
        return None
    text = _clean(output)
    if not text:
        return None
    given = set(_numbers(prompt)) if prompt else set()

    markers = [m.group(1) for m in _BOXED.finditer(text)]
    markers += [m.group("v") or m.group("h") or "" for m in _MARKER.finditer(text)]
    for value in reversed(markers):
        value = _clause(value.split("\n")[0]) or value
        value = value.rsplit("=", 1)[-1] if "=" in value else value
        nums = _numbers(value)
        if nums:
            return nums[0]
    plain = _LATEX.sub(" ", _MARKDOWN.sub("", text))
    equals = re.search(r"=\s*([^=\n]+?)\s*[.!]?\s*$", plain.splitlines()[0] if plain.splitlines() else plain)
    sentences = _sentences(plain) or [plain]
    first = sentences[0].rstrip(".!?")
    if equals:
        nums = _numbers(equals.group(1))
        if nums:
            return nums[0]
    comp = _COMPARATIVE.match(first)
    if comp:
        nums = _numbers(comp.group("subj"))
        if len(nums) == 1:
            # "17 is larger than 71" answers "which is smaller?" with 71: the reply's claim, read in the question's direction
            asks_small = bool(_SMALL_WORDS.search(prompt)) and not _LARGE_WORDS.search(prompt)
            asks_large = bool(_LARGE_WORDS.search(prompt)) and not _SMALL_WORDS.search(prompt)
            says_small = bool(_SMALL_WORDS.fullmatch(comp.group("adj")))
            other = re.match(r"[^.]*?\bthan\b\s*(?P<y>[^,.;]+)", comp.group("rest"), re.IGNORECASE)
            if other and ((asks_small and not says_small) or (asks_large and says_small)):
                y = _numbers(other.group("y"))
                if len(y) == 1:
                    return y[0]
            return nums[0]
    first = _relevant_clause(first, prompt)
    verb = re.search(r"\b(?:is|are|was|were|equals|has|have|had|makes|gives|comes\s+to|totals?|be)\b|=", first, re.IGNORECASE)
    if verb:
        after = [n for n in _numbers(first[verb.end():])]
        fresh = [n for n in after if n not in given]
        if fresh:
            return fresh[0]
        if after:
            return after[0]
    all_nums = _numbers(plain)
    if len(all_nums) == 1 and len(plain.split()) <= 3:
        return all_nums[0]
    first_nums = [n for n in _numbers(first) if n not in given]
    if len(set(first_nums)) == 1:
        return first_nums[0]
    fresh_all = [n for n in all_nums if n not in given]
    if fresh_all:
        return fresh_all[-1]
    return all_nums[-1] if all_nums else None


def _is_hedge(span: str, matched: str) -> bool:
    """Whether ``span`` offers ``matched`` as one of several alternatives ("cold or warm")."""
    parts = [normalize(p) for p in _HEDGE.split(span) if normalize(p)]
    return len(parts) > 1 and len(set(parts)) > 1 and matched in parts


def _quoted_candidates(text: str, prompt: str) -> list[str]:
    """Quoted strings of the first sentence that the prompt does not itself quote or contain."""
    first = (_sentences(text) or [text])[0]
    prompt_n = normalize(prompt)
    out = []
    for q in _QUOTED.findall(first):
        nq = normalize(q)
        if nq and not re.search(rf"\b{re.escape(nq)}\b", prompt_n):
            out.append(q)
    return out


_YES_NO_QUESTION = re.compile(r"^\s*(?:is|are|was|were|do|does|did|can|could|will|would|has|have)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|never|cannot|no)\b|n't\b", re.IGNORECASE)
_FUNCTION_WORDS = {"is", "are", "was", "were", "do", "does", "did", "can", "could", "will", "would", "has", "have",
                   "than", "that", "this", "with", "from", "into", "kind", "just", "answer", "only", "say", "reply",
                   "explain", "briefly", "number", "indeed"}


def _declared_polarity(first: str, prompt: str) -> str | None:
    """A yes/no question answered by restating it: "100 is not divisible by 3." is a no, "The Earth is indeed
    round." a yes; None when the sentence does not restate the question (it shares none of its content words)."""
    question = prompt.strip().split("?", 1)[0]
    if not _YES_NO_QUESTION.match(question) or re.search(r"\bor\b", question, re.IGNORECASE):
        return None
    content = {w for w in normalize(question).split() if len(w) > 2 and w not in _FUNCTION_WORDS}
    if not content & set(normalize(first).split()):
        return None
    return "no" if _NEGATION.search(first) else "yes"


def _grade_exact(answers: list[str], output: str, prompt: str) -> Grade:
    accepted = {normalize(a) for a in answers if normalize(a)}
    text = _clean(output)
    spans = answer_spans(text)
    if not spans:
        return Grade(False, None)
    quoted = _quoted_candidates(text, prompt)
    distinct = {normalize(q) for q in quoted}
    if len(distinct) == 1:  # one quoted answer, however often repeated
        spans.insert(min(len(spans), 1), quoted[0])
    for span in spans:
        n = normalize(span)
        if n in accepted:
            return Grade(True, span)
        if n.startswith(("yes ", "no ")) and n.split()[0] in accepted:
            return Grade(True, n.split()[0])
    # an accepted answer stated as a whole phrase in the first sentence, not as one of several alternatives
    first = (_sentences(_LATEX.sub(" ", _MARKDOWN.sub("", text))) or [text])[0]
    if accepted and accepted <= {"yes", "no"}:
        stated = _declared_polarity(first, prompt)
        if stated is not None:
            return Grade(stated in accepted, stated)
    nf, np_ = normalize(first), normalize(prompt)
    for a in sorted(accepted, key=len, reverse=True):
        if re.search(rf"(?<![\w.-]){re.escape(a)}(?![\w-])", nf) and not re.search(rf"(?<![\w.-]){re.escape(a)}(?![\w-])", np_):
            # the hedge test looks at the clause that holds the answer
            clause = first
            cop = _COPULA.match(first.rstrip(".!?"))
            if cop and a in normalize(cop.group("pred")):
                clause = _clause(cop.group("pred"))
            if _is_hedge(clause, a) or any(_is_hedge(q, a) for q in [", ".join(quoted)] if len(quoted) > 1):
                return Grade(False, clause)
            if len(quoted) > 1 and any(normalize(q) not in accepted for q in quoted):
                return Grade(False, " / ".join(quoted))
            return Grade(True, a)
    return Grade(False, spans[0])


def _option_pattern(option: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.-]){re.escape(normalize(option))}(?![\w-])")


def _grade_choice(answers: list[str], options: list[str], output: str, prompt: str) -> Grade:
    """Exactly one option is named in the answer (first sentence, else the whole reply), and it is accepted."""
    text = _clean(output)
    accepted = {normalize(a) for a in answers}
    plain = _LATEX.sub(" ", _MARKDOWN.sub("", text))
    sentences = _sentences(plain) or [plain]
    marked = [m.group("v") or m.group("h") or "" for m in _MARKER.finditer(plain)]
    # "Yes, ..." / "No." at the very start is the answer to a yes/no question
    lead = re.match(r"\s*([\w-]+)\s*(?:[,.!:;]|$)", sentences[0])
    scopes = [_clause(v) for v in reversed(marked)]
    if lead and normalize(lead.group(1)) in {normalize(o) for o in options}:
        scopes.append(lead.group(1))
    scopes += [sentences[0], plain]
    patterns = {normalize(o): _option_pattern(o) for o in options}
    for scope in scopes:
        ns = normalize(scope)
        named = [o for o, p in patterns.items() if p.search(ns)]
        # in a longer answer, options also spelled out in the prompt do not count against it ("A or B? A.")
        if len(named) > 1 and scope is sentences[0]:
            named_q = [o for o in named if not re.search(rf"\bor\s+{re.escape(o)}\b|\b{re.escape(o)}\s+or\b", ns)]
            named = named_q if len(named_q) == 1 else named
        if len(named) == 1:
            return Grade(named[0] in accepted, named[0])
        if len(named) > 1:
            return Grade(False, " / ".join(named))
    return Grade(False, None)


def grade_detail(task: Task | Mapping[str, Any], output: Any) -> Grade:
    """Grade ``output`` (a reply; non-strings are ``str()``-ed) against ``task``'s check, with what was read."""
    if isinstance(task, Task):
        check, prompt, as_dict = task.check, task.prompt, task.to_dict()
    else:
        check, prompt, as_dict = dict(task["check"]), str(task.get("prompt", "")), dict(task)
    text = "" if output is None else str(output)
    kind = check["type"]
    if not text.strip() and kind != "python":
        return Grade(False, None)
    if kind == "exact":
        return _grade_exact(list(check["answers"]), text, prompt)
    if kind == "number":
        value = extract_number(text, prompt)
        if value is None:
            return Grade(False, None)
        ok = abs(value - float(check["value"])) <= float(check.get("tolerance", 0)) + 1e-9
        return Grade(ok, f"{value:g}")
    if kind == "contains":
        sensitive = bool(check.get("case_sensitive", False))
        hay = text if sensitive else text.lower()

        def has(s: str) -> bool:
            return (s if sensitive else s.lower()) in hay

        ok = all(has(s) for s in check.get("all", [])) and (not check.get("any") or any(has(s) for s in check["any"]))
        return Grade(ok, None)
    if kind == "regex":
        m = re.search(check["pattern"], text, regex_flags(check.get("flags", "")))
        return Grade(m is not None, m.group(0) if m else None)
    if kind == "choice":
        return _grade_choice(list(check["answers"]), list(check["options"]), text, prompt)
    if kind == "python":
        func = resolve_python_check(check["function"])
        return Grade(bool(func(text, as_dict)), None)
    raise ValueError(f"unknown check type {kind!r}")


def grade(task: Task | Mapping[str, Any], output: Any) -> bool:
    """Whether ``output`` answers ``task`` correctly according to its ``check``."""
    return grade_detail(task, output).correct
