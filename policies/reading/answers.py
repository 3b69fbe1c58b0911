"""Final-answer extraction and normalisation, for agreement and voting.

:func:`extract_answer` pulls the final answer out of a model reply;
:func:`normalize_answer` turns an answer into a canonical string so that
equivalent answers compare equal ("1,000" == "1000", "85.0" == "85",
"Yes." == "yes", "The Eiffel Tower" == "eiffel tower").

Both are heuristics tuned for short replies of small instruction models
(e.g. SmolLM2-135M answering arithmetic or trivia). They are pure, fast and
import nothing beyond the standard library.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

__all__ = [
    "AnswerReading",
    "SHORT_REPLY_WORDS",
    "answer_candidates",
    "answers_equivalent",
    "extract_answer",
    "is_yes_no_question",
    "looks_cut_off",
    "normalize_answer",
    "offered_options",
    "read_answer",
]

SHORT_REPLY_WORDS = 12
"""A reply of at most this many words may be taken whole as its own answer."""

# ----------------------------------------------------------------------------- patterns

_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_HASH_MARKER = re.compile(r"^[ \t]*#{4}[ \t]*(.+?)[ \t]*$", re.MULTILINE)  # GSM8K style "#### 85"
_ANSWER_MARKER = re.compile(
    r"\b(?:final\s+|correct\s+)?answer\b(?P<about>\s+(?:to|for|of)\s+(?:\w+\s+){0,2}(?:question|problem|riddle))?\s*"
    r"(?:is\b|would\s+be\b|will\s+be\b|should\s+be\b|[:=\uff1a])"
    r"\s*[:\-]?[ \t]*(?P<value>[^\n]*)",
    re.IGNORECASE,
)
_TRAILING_EQUALS = re.compile(r"=\s*(?P<value>[^=\n]+?)\s*[.!]?\s*$")
_NUMBER = re.compile(
    r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])(?!(?:st|nd|rd|th)\b)|(?<![\w.\d])-?\.\d+"
)
"""A number as an answer: not an ordinal ("the 16th century" names no number)."""
_ASKS_FOR_ENTITY = re.compile(r"^\s*(?:who|whom|whose|where)\b", re.IGNORECASE)
_BARE_EXPRESSION = re.compile(
    r"(?<![=\d.])\s*-?\d+(?:\.\d+)?(?:\s*[-+*/\u00d7\u00f7^]\s*-?\d+(?:\.\d+)?)+\s*$"
)
_TAIL_CHARS = 200
_COPULA_TAIL = re.compile(
    r"^(?P<subject>.+?)\s+(?:is|are|was|were|equals)\s+(?P<value>[^\s].*?)\s*[.!]?$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_VALUE_STOP = re.compile(r"(?:\.\s|,\s|;\s|(?<!\s)\s+(?:because|since|as\s+(?:it|this|we))\b)", re.IGNORECASE)
_LONG_BLANKS = re.compile(r"[^\S\n]{9,}")
_MARKDOWN = re.compile(r"\*\*|__|`")
_LATEX_WRAP = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$")

_JSON_ANSWER_KEYS = ("answer", "final_answer", "final", "result", "output")
_ARTICLES = frozenset({"a", "an", "the"})
_DANGLING_WORDS = frozenset(
    """a an the of to in on at for from by with and or but so then thus therefore
    is are was were be been being equals equal gives get gets give we our my its
    plus minus times divided multiplied into that which who whose because if when while where""".split()
)
_DANGLING_CHARS = set(",:;=+-*/\u00d7\u00f7^(\\[{&|<")

# ----------------------------------------------------------------------------- helpers


def _without_thinking(text: str) -> str:
    """``text`` without its ``<think>...</think>`` blocks, and cut at an unclosed ``<think>`` (one linear pass:
    a lazy regex would rescan the rest of the text from every unclosed tag)."""
    low = text.lower()
    out: list[str] = []
    i = 0
    while True:
        start = low.find("<think>", i)
        if start < 0:
            out.append(text[i:])
            break
        out.append(text[i:start])
        end = low.find("</think>", start)
        if end < 0:
            break
        out.append(" ")
        i = end + len("</think>")
    return "".join(out)


def _strip_wrappers(value: str) -> str:
    """Trim whitespace, quotes, markdown and trailing sentence punctuation from a value."""
    value = _MARKDOWN.sub("", value)
    value = _LATEX_WRAP.sub("", value).strip()
    value = value.strip(" \t\"'\u201c\u201d\u2018\u2019")
    value = re.sub(r"[.!?;:,]+$", "", value).strip()
    return value.strip(" \t\"'\u201c\u201d\u2018\u2019")


def _marker_value(raw: str) -> str:
    """The answer after a marker: up to the end of its sentence / clause."""
    raw = raw.strip()
    stop = _VALUE_STOP.search(raw + " ")
    if stop is not None:
        raw = raw[: stop.start()]
    return _strip_wrappers(raw)


def _last_boxed(text: str) -> str | None:
    """Contents of the last ``\\boxed{...}`` (nested braces allowed), if any."""
    result = None
    for match in _BOXED.finditer(text):
        depth, i = 1, match.end()
        while i < len(text) and depth:
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
            i += 1
        if depth == 0:
            inner = _strip_wrappers(text[match.end() : i - 1])
            if inner:
                result = inner
    return result


def _json_answer(text: str) -> tuple[bool, str | None]:
    """(is_json_object, answer). A JSON reply is a tool call unless it has an answer key."""
    stripped = text.strip()
    if not (stripped.startswith("{") and stripped.endswith("}")):
        return False, None
    try:
        data = json.loads(stripped)
    except ValueError:
        return False, None
    if not isinstance(data, dict):
        return False, None
    for key in _JSON_ANSWER_KEYS:
        if key in data and data[key] is not None and str(data[key]).strip():
            return True, str(data[key]).strip()
    return True, None


def looks_cut_off(text: str) -> bool:
    """Whether a reply seems to stop mid-sentence (e.g. it hit ``max_tokens``).

    True when it ends on a connective character (",", ":", "=", "+", "(", ...),
    on a function word ("... to get", "... the answer is", "... and"), or on an
    arithmetic expression that was never evaluated ("Let me add 37 + 48").
    A reply ending in sentence punctuation, a closing bracket, or a content word
    or number is taken as finished.
    """
    t = _MARKDOWN.sub("", text).rstrip()
    if not t:
        return True
    last = t[-1]
    if last in ".!?)]}\"'\u201d\u2019":
        return False
    if last in _DANGLING_CHARS:
        return True
    if last.isdigit():
        return bool(_BARE_EXPRESSION.search(t[-_TAIL_CHARS:]))  # the tail only: a search over all of it is quadratic
    words = re.findall(r"[A-Za-z']+", t[-40:])
    return bool(words) and last.isalpha() and words[-1].lower() in _DANGLING_WORDS


def _short_reply_answer(text: str) -> str | None:
    """The answer of a short one-line reply: its predicate if it reads
    "<subject> is <X>." with a short X that is not a noun phrase with an article
    ("The capital of France is Paris." -> "Paris"; but "Paris is the capital of
    France." stays whole), else the whole reply without trailing punctuation."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    last = sentences[-1] if sentences else text
    match = _COPULA_TAIL.match(last.strip())
    if match:
        value = _strip_wrappers(match.group("value"))
        words = value.split()
        if value and len(words) <= 3 and words[0].lower() not in _ARTICLES | {"not", "no"}:
            return value
    whole = _strip_wrappers(text)
    return whole or None


# ----------------------------------------------------------------------------- public


def extract_answer(text: str | None, prompt: str | None = None) -> str | None:
    """The final answer of a model reply, or None when it has none: :func:`read_answer`'s text.

    A hedge keeps its alternatives ("cold or warm"); see :func:`answer_candidates`.
    """
    reading = read_answer(text, prompt)
    return reading.text if reading is not None and reading.text else None


_NUMBER_TOKEN = re.compile(
    r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?(?![\w])"
    r"|(?<![\w.\d])-?\.\d+"
    r"|[^\W_]+"
)
_LATEX_TEXT = re.compile(r"\\(?:text|mathrm|textbf|mathbf|boxed|fbox)\s*\{([^{}]*)\}")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")


def _canonical_number(token: str) -> str:
    """'1,000' -> '1000', '85.0' -> '85', '3.50' -> '3.5', '-0' -> '0', '.5' -> '0.5', '6/8' -> '6/8'."""
    if "/" in token:
        num, den = token.split("/", 1)
        return f"{_canonical_number(num)}/{_canonical_number(den)}"
    try:
        d = Decimal(token.replace(",", ""))
    except InvalidOperation:
        return token
    if d == 0:
        return "0"
    out = format(d.normalize(), "f")
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return out


def normalize_answer(s: str | None) -> str:
    """Canonical form of an answer, for equality tests between answers.

    Lowercases; unwraps ``\\boxed{}``/``\\text{}``/``\\frac{a}{b}`` (-> ``a/b``)
    and ``$``; drops punctuation, apostrophes and the articles a/an/the;
    collapses whitespace; canonicalises numbers ("1,000" -> "1000",
    "85.0" -> "85", "3.50" -> "3.5", "-0" -> "0", ".5" -> "0.5"). A number
    followed by at most two unit-like words is reduced to the number
    ("85 apples", "$12.50 dollars" -> "85", "12.5"). ``None`` -> "".
    """
    if not s:
        return ""
    text = str(s).lower()
    text = _LATEX_FRAC.sub(r"\1/\2", text)
    for _ in range(3):  # nested \boxed{\text{...}}
        text = _LATEX_TEXT.sub(r"\1", text)
    text = _LATEX_WRAP.sub(" ", text)
    text = re.sub(r"['\u2019\u2018`]", "", text)
    parts: list[str] = []
    for match in _NUMBER_TOKEN.finditer(text):
        token = match.group(0)
        if token[0].isdigit() or token[0] in "-.":
            parts.append(_canonical_number(token))
        elif token not in _ARTICLES:
            parts.append(token)
    if (
        2 <= len(parts) <= 3
        and _is_number(parts[0])
        and all(p.isalpha() for p in parts[1:])
    ):
        parts = parts[:1]
    return " ".join(parts)


def _is_number(token: str) -> bool:
    return bool(re.fullmatch(r"-?\d+(?:\.\d+)?(?:/\d+)?", token))


# ----------------------------------------------------------------------------- readings with candidates

_HEDGE_SPLIT = re.compile(r"\s+(?:or|and/or|or maybe|or perhaps)\s+|\s*/\s*(?=\D)", re.IGNORECASE)
_ELLIPSIS = re.compile(r"(?:\.\.\.|\u2026)\s*$")
_QUOTED = re.compile(r"[\"\u201c]([^\"\u201d\n]{1,60})[\"\u201d]|(?<![A-Za-z])'([^'\n]{1,40})'(?![A-Za-z])")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*\u2022]|\d+[.)])[ \t]+(?P<item>.+?)[ \t]*$", re.MULTILINE)
_FIRST_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'\u201c(]?[A-Z0-9])|\n+")
_YES_NO_QUESTION = re.compile(
    r"^(?:is|are|was|were|do|does|did|can|could|will|would|should|has|have)\b", re.IGNORECASE
)


_OPTIONS = re.compile(
    r"(?:^|[\s,:])(?:a |an |the )?([\w./-]+)\s+or\s+(?:a |an |the )?([\w./-]+?)(?=[\s?,]|\.(?!\d)|$)", re.IGNORECASE
)


def offered_options(prompt: str | None) -> tuple[str, str] | None:
    """The two options a question offers ("Is 453 or 486 the greater number?" -> 453, 486), or None."""
    if not prompt:
        return None
    match = _OPTIONS.search(prompt.strip().split("?", 1)[0])
    if match is None or match.group(1).lower() in {"yes", "either", "whether"}:
        return None
    return match.group(1), match.group(2)


def _choice_answer(sentence: str, prompt: str | None) -> str | None:
    """The one option a reply's first sentence names, when the question offers two ("453 or 486", "a horse or a cat")."""
    options = offered_options(prompt)
    if options is None or not sentence:
        return None
    named = [opt for opt in options if re.search(rf"(?<![\w.]){re.escape(opt)}(?![\w]|\.\d)", sentence, re.IGNORECASE)]
    return named[0] if len(named) == 1 else None


def is_yes_no_question(prompt: str) -> bool:
    """"Is the sun a star?" is; "Is 453 or 486 the greater number?" offers a choice and is not."""
    question = prompt.strip().split("?", 1)[0]
    return bool(_YES_NO_QUESTION.match(question)) and not re.search(r"\bor\b", question, re.IGNORECASE)


_CONCLUSION = re.compile(r"^(?:so|therefore|thus|hence|in total|that means|this means)\b[,:]?\s*", re.IGNORECASE)
_HEDGE_WORDS = re.compile(
    r"\b(?:i think|i believe|probably|maybe|perhaps|might be|could be|not sure|i'm not sure|i am not sure|"
    r"possibly|it depends|approximately|about|around)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AnswerReading:
    """What a reply answers, read as a person would.

    ``text`` is the answer (a hedge keeps its alternatives: "cold or warm");
    ``candidates`` the distinct answers it names (two or more when it hedges);
    ``hedged`` whether it names several or qualifies the one it gives ("I think",
    "probably", a trailing "or ..."); ``start``/``end`` the characters of the
    reply that spell the answer (``-1`` when the answer is not a literal part of
    it); ``how`` which rule found it.
    """

    text: str
    candidates: list[str] = field(default_factory=list)
    hedged: bool = False
    start: int = -1
    end: int = -1
    how: str = ""


def answer_candidates(answer: str | None) -> list[str]:
    """The distinct answers a (possibly hedged) answer names.

    "cold or warm" -> ["cold", "warm"]; '"sad" or "sadness"' -> ["sad", "sadness"];
    "cold or ..." -> ["cold"]; "85" -> ["85"]; "" / None -> []. Parts longer
    than four words are not split (a sentence that happens to contain "or").
    """
    if not answer:
        return []
    value = _ELLIPSIS.sub("", answer.strip()).strip()
    value = re.sub(r"\s+(?:or|and/or)\s*$", "", value, flags=re.IGNORECASE)
    parts = [p for p in (_strip_wrappers(x) for x in _HEDGE_SPLIT.split(value)) if p and p not in {"...", "\u2026"}]
    if len(parts) > 1 and all(len(p.split()) <= 4 for p in parts):
        out: list[str] = []
        seen: set[str] = set()
        for p in parts:
            key = normalize_answer(p)
            if key and key not in seen:
                seen.add(key)
                out.append(p)
        return out
    whole = _strip_wrappers(value)
    return [whole] if whole else []


def answers_equivalent(a: str | None, b: str | None) -> bool:
    """Whether two answers say the same thing: equal after :func:`normalize_answer`
    (case, quotes, articles, "1,000" vs "1000", "85 apples" vs "85"), or a shared
    candidate when either hedges ("cold or warm" ~ "cold")."""
    if not a or not b:
        return False
    na, nb = normalize_answer(a), normalize_answer(b)
    if na and na == nb:
        return True
    ca = {normalize_answer(x) for x in answer_candidates(a)} - {""}
    cb = {normalize_answer(x) for x in answer_candidates(b)} - {""}
    return bool(ca & cb)


def _locate(text: str, answer: str, after: int = 0) -> tuple[int, int]:
    """Character span of ``answer`` in ``text`` (case-insensitive, first at or after ``after``), or (-1, -1)."""
    if not answer:
        return -1, -1
    low, needle = text.lower(), answer.lower()
    i = low.find(needle, after)
    if i < 0:
        i = low.find(needle)
    if i < 0:
        first = needle.split()[0] if needle.split() else needle
        i = low.find(first, after)
        if i < 0:
            return -1, -1
        return i, i + len(first)
    return i, i + len(needle)


def _first_sentence(clean: str) -> str:
    parts = [p for p in _FIRST_SENTENCE_END.split(clean.strip()) if p.strip()]
    return parts[0].strip() if parts else clean.strip()


def _reading(text: str, value: str, how: str, after: int = 0, hedged: bool = False) -> AnswerReading:
    value = _ELLIPSIS.sub("", value).strip()
    trailing_or = bool(re.search(r"\s+or\s*(?:\.\.\.|\u2026)?\s*$", value, re.IGNORECASE))
    value = re.sub(r"\s+or\s*(?:\.\.\.|\u2026)?\s*$", "", value, flags=re.IGNORECASE)
    value = _strip_wrappers(value)
    cands = answer_candidates(value)
    start, end = _locate(text, cands[0] if cands else value, after)
    return AnswerReading(value, cands, hedged or trailing_or or len(cands) > 1, start, end, how)


@functools.lru_cache(maxsize=4096)
def read_answer(text: str | None, prompt: str | None = None) -> AnswerReading | None:
    """Read the answer of a short-answer reply, or None when it states none.

    Understands what small models write: explicit markers ("The answer is X",
    "Answer: X", ``\\boxed{X}``, "#### X"), quoted answers
    ('The opposite of "hot" is "cold".' -> cold), hedges ('"sad" or "sadness"',
    "cold or ..." — uncertain, not unanswered: ``hedged`` is set and the
    alternatives are in ``candidates``), a first sentence that answers before an
    explanation follows ("The capital of Australia is Canberra. It is ..."),
    "... = X", numbers with units ("5000 meters"), lists (the first item), and a
    leading yes/no. ``prompt`` (the request) helps with yes/no questions and
    number questions.
    """
    if not text:
        return None
    raw = text
    t = _without_thinking(text)
    if not t.strip():
        return None
    is_json, value = _json_answer(t.strip())
    if is_json:
        return AnswerReading(value, answer_candidates(value), False, *_locate(raw, value or ""), "json") if value else None
    boxed = _last_boxed(t)
    if boxed:
        return _reading(raw, boxed, "boxed", max(0, raw.rfind("boxed")))
    # Long runs of blanks become one: patterns such as "\s+(?:is|because)" retry at every blank of a run.
    clean = _LONG_BLANKS.sub(" ", _LATEX_WRAP.sub("", _MARKDOWN.sub("", t))).strip()
    hedge_words = bool(_HEDGE_WORDS.search(_first_sentence(clean)))

    markers = list(_ANSWER_MARKER.finditer(clean))
    for match in reversed(markers):
        value = _marker_value(match.group("value"))
        if value and match.group("about") and len(value.split()) > 3:
            continue  # "The answer to this classic question is "A cat is bigger than a horse."": read it otherwise
        if value:
            if len(value.split()) > 3:
                inner = _short_reply_answer(value)
                value = inner or value
            return _reading(raw, value, "marker", max(0, raw.lower().rfind("answer")), hedge_words)
    hashes = [v for v in (_strip_wrappers(m.group(1)) for m in _HASH_MARKER.finditer(clean)) if v]
    if hashes:
        return _reading(raw, hashes[-1], "hash", max(0, raw.rfind("####")))

    picked = _choice_answer(_first_sentence(clean), prompt)
    if picked is not None:
        return _reading(raw, picked, "choice", max(0, raw.find(picked)), hedge_words)
    first = re.match(r"\s*(yes|no)\b(?=\s*(?:[,.!;:]|$))", clean, re.IGNORECASE)
    if first:
        return AnswerReading(first.group(1).lower(), [first.group(1).lower()], hedge_words,
                             *_locate(raw, first.group(1)), "yes_no")
    sentence0 = _first_sentence(clean)
    if prompt and is_yes_no_question(prompt) and not re.search(r"\b(yes|no)\b", sentence0, re.IGNORECASE):
        if not looks_cut_off(sentence0) and 3 <= len(sentence0.split()) <= 25:  # "7" restates nothing
            negated = re.search(r"\b(?:not|never|no|cannot|can't|don't|doesn't|isn't|aren't|won't)\b", sentence0,
                                re.IGNORECASE)
            verdict = "no" if negated else "yes"
            start = raw.find(sentence0[:20])
            return AnswerReading(verdict, [verdict], hedge_words, start, start + len(sentence0), "yes_no_statement")

    items = [m.group("item") for m in _LIST_ITEM.finditer(clean)]
    if len(items) >= 2 and re.match(r"\s*(?:[-*\u2022]|\d+[.)])\s", clean.split("\n")[0] + " ") is not None:
        return _reading(raw, _short_reply_answer(items[0]) or items[0], "list", 0, True)

    sentence = _first_sentence(clean)
    sentence_start = max(0, raw.find(sentence[:20])) if sentence else 0
    # "X = Y" in the first sentence: the computed value.
    eq = re.search(r"=\s*(?P<value>-?(?>[\d,]*\.?\d+)(?:\s+[A-Za-z]+)?)(?!\s*[-+*/x\u00d7\u00f7^(\d])\s*[.!)]?(?:\s|$)",
                   sentence)
    if eq and not looks_cut_off(sentence):
        return _reading(raw, eq.group("value"), "equals", sentence_start + eq.start("value"), hedge_words)
    equals = _TRAILING_EQUALS.search(clean)
    if equals:
        value = _strip_wrappers(equals.group("value"))
        if value and len(value.split()) <= 4:
            return _reading(raw, value, "equals", max(0, raw.rfind("=")), hedge_words)

    whole_cut = looks_cut_off(clean)
    multi = len([p for p in _FIRST_SENTENCE_END.split(clean) if p.strip()]) > 1
    if multi:
        sentences = [p.strip() for p in _FIRST_SENTENCE_END.split(clean) if p.strip()]
        last = sentences[-1]
        if _CONCLUSION.match(last) and not looks_cut_off(last):
            got = _sentence_answer(_CONCLUSION.sub("", last), prompt)
            if got is not None:
                return _reading(raw, got, "conclusion", max(0, raw.rfind(last[:20])), hedge_words)
        for sent in sentences[:3]:
            if looks_cut_off(sent) or sent[-1:] not in ".!?" or not _COPULA_TAIL.match(sent):
                continue
            got = _sentence_answer(sent, prompt)
            if got is not None and not _restates(got, prompt):
                start = max(0, raw.find(sent[:20]))
                return _reading(raw, got, "first_sentence", start, hedge_words)
    if whole_cut:
        quoted = _cut_quoted_answer(sentence, prompt)
        if quoted is not None:
            return _reading(raw, quoted, "quoted_cut", sentence_start, True)
        return None
    got = _sentence_answer(clean, prompt) if not multi else None
    if got is not None:
        return _reading(raw, got, "short", 0, hedge_words)
    numbers = [] if prompt and _ASKS_FOR_ENTITY.match(prompt) else _NUMBER.findall(clean)
    if numbers:
        return _reading(raw, numbers[-1], "last_number", max(0, raw.rfind(numbers[-1])), hedge_words)
    if len(clean.split()) <= SHORT_REPLY_WORDS and "\n" not in clean.strip():
        value = _short_reply_answer(clean)
        return _reading(raw, value, "short", 0, hedge_words) if value else None
    return None


def _restates(answer: str, prompt: str | None) -> bool:
    """Whether an answer only repeats the request ("The sequence is 1, 4, 9, 16." -> "1")."""
    if not prompt:
        return False
    key = normalize_answer(answer)
    if not key:
        return False
    words = normalize_answer(prompt).split()
    return " ".join(words).find(key) >= 0 and len(key.split()) <= 2 and key in words


def _cut_quoted_answer(sentence: str, prompt: str | None) -> str | None:
    """A cut-off reply that still named quoted answers after its copula ('X is "sad" or "sadness" is ...')."""
    match = re.search(r"\s(?:is|are|was|were)\s+(?P<value>.+)", sentence)
    if not match:
        return None
    value = re.split(r"\s+(?:is|are|was|were)\s+", match.group("value"), maxsplit=1)[0]
    prompt_quotes = {normalize_answer(a or b) for a, b in _QUOTED.findall(prompt or "")}
    quoted = [q for q in (a or b for a, b in _QUOTED.findall(value)) if normalize_answer(q) not in prompt_quotes]
    if not quoted:
        return None
    return " or ".join(quoted) + ("" if len(quoted) > 1 else " or ...")


def _sentence_answer(sentence: str, prompt: str | None) -> str | None:
    """The answer one sentence gives, or None when it is not a short answering sentence."""
    s = sentence.strip()
    if not s:
        return None
    wants_number = bool(prompt and re.search(
        r"\bhow (?:many|much|long)\b|\bwhat number\b|\bnumber\b|[-+*/x\u00d7]\s*\d|\bsum\b|\bproduct\b|"
        r"\btimes\b|\bplus\b|\bminus\b|\bprint\(", prompt, re.IGNORECASE))
    quoted = [a or b for a, b in _QUOTED.findall(s)]
    prompt_quotes = {normalize_answer(a or b) for a, b in _QUOTED.findall(prompt or "")}
    fresh = [q for q in quoted if normalize_answer(q) not in prompt_quotes]
    match = _COPULA_TAIL.match(s)
    if match:
        value = re.split(r"\s+(?:is|are|was|were)\s+", match.group("value"), maxsplit=1)[0]
        v_quoted = [a or b for a, b in _QUOTED.findall(value)]
        if v_quoted:
            if re.search(r"\bor\b", value):
                return " or ".join(v_quoted) + (" or ..." if len(v_quoted) == 1 else "")
            return v_quoted[0]
        value = _strip_wrappers(value)
        words = value.split()
        if wants_number or len(_NUMBER.findall(value)) == 1:
            nums = _NUMBER.findall(value)
            if nums:
                unit = re.search(re.escape(nums[0]) + r"\s+([A-Za-z]+)", value)
                return nums[0] + (" " + unit.group(1) if unit else "")
        if value and len(words) <= 4 and words[0].lower() not in {"not", "no"}:
            if words[0].lower() in _ARTICLES and len(words) <= 3:
                return " ".join(words[1:]) or value
            if words[0].lower() not in _ARTICLES:
                return value
    nums_outside = [] if prompt and _ASKS_FOR_ENTITY.match(prompt) else _NUMBER.findall(_QUOTED.sub(" ", s))
    if nums_outside and (wants_number or not fresh or s.find(fresh[-1]) < s.find(nums_outside[-1])):
        return nums_outside[-1]
    if fresh:
        return " or ".join(fresh) if len(fresh) > 1 and re.search(r"\bor\b", s) else fresh[-1]
    if wants_number:
        nums = _NUMBER.findall(s)
        if nums:
            return nums[-1]
    if len(s.split()) <= SHORT_REPLY_WORDS:
        return _short_reply_answer(s)
    return None
