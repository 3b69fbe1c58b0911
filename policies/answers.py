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

import json
import re
from decimal import Decimal, InvalidOperation

__all__ = ["extract_answer", "normalize_answer", "looks_cut_off", "SHORT_REPLY_WORDS"]

SHORT_REPLY_WORDS = 12
"""A reply of at most this many words may be taken whole as its own answer."""

# ----------------------------------------------------------------------------- patterns

_THINK_BLOCK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_BOXED = re.compile(r"\\(?:boxed|fbox)\s*\{")
_HASH_MARKER = re.compile(r"^\s*#{4}\s*(.+?)\s*$", re.MULTILINE)  # GSM8K style "#### 85"
_ANSWER_MARKER = re.compile(
    r"\b(?:final\s+|correct\s+)?answer\b\s*"
    r"(?:is\b|would\s+be\b|will\s+be\b|should\s+be\b|[:=\uff1a])"
    r"\s*[:\-]?[ \t]*(?P<value>[^\n]*)",
    re.IGNORECASE,
)
_TRAILING_EQUALS = re.compile(r"=\s*(?P<value>[^=\n]+?)\s*[.!]?\s*$")
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d])|(?<![\w.\d])-?\.\d+")
_BARE_EXPRESSION = re.compile(
    r"(?<![=\d.])\s*-?\d+(?:\.\d+)?(?:\s*[-+*/\u00d7\u00f7^]\s*-?\d+(?:\.\d+)?)+\s*$"
)
_COPULA_TAIL = re.compile(
    r"^(?P<subject>.+?)\s+(?:is|are|was|were|equals)\s+(?P<value>[^\s].*?)\s*[.!]?$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_VALUE_STOP = re.compile(r"(?:\.\s|,\s|;\s|\s+(?:because|since|as\s+(?:it|this|we))\b)", re.IGNORECASE)
_MARKDOWN = re.compile(r"\*\*|__|`")
_LATEX_WRAP = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$")

_JSON_ANSWER_KEYS = ("answer", "final_answer", "final", "result", "output")
_ARTICLES = frozenset({"a", "an", "the"})
_YES_NO = {"yes": "yes", "no": "no"}
_DANGLING_WORDS = frozenset(
    """a an the of to in on at for from by with and or but so then thus therefore
    is are was were be been being equals equal gives get gets give we our my its
    plus minus times divided multiplied into""".split()
)
_DANGLING_CHARS = set(",:;=+-*/\u00d7\u00f7^(\\[{&|<")

# ----------------------------------------------------------------------------- helpers


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
        return bool(_BARE_EXPRESSION.search(t))
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


def extract_answer(text: str | None) -> str | None:
    """The final answer of a model reply, or None when it has none.

    Tried in order (``<think>...</think>`` blocks are ignored, markdown bold
    and LaTeX ``$`` delimiters are looked through):

    1. A JSON object reply: its ``answer`` / ``final_answer`` / ``result`` /
       ``output`` value; any other JSON object (a tool call) has no answer.
    2. Explicit markers, the last one wins: ``\\boxed{X}``, then
       ``Final answer: X`` / ``Answer: X`` / ``the answer is X`` (the value
       runs to the end of its sentence or clause), then GSM8K ``#### X``.
    3. ``... = X`` ending the reply ("37 + 48 = 85" -> "85").
    4. A reply that starts with a bare "Yes"/"No" -> "yes"/"no".
    5. If the reply looks cut off mid-sentence (see :func:`looks_cut_off`):
       None; its numbers are unfinished work, not an answer.
    6. The last number in the reply ("So she has 12 apples left." -> "12").
    7. A short reply (<= :data:`SHORT_REPLY_WORDS` words): the reply itself,
       or its predicate when it reads "<subject> is <X>."
       ("The capital of France is Paris." -> "Paris").
    8. Otherwise None.

    The returned string keeps its surface form; compare answers with
    :func:`normalize_answer`.
    """
    if not text:
        return None
    t = _THINK_BLOCK.sub(" ", text)
    if "<think>" in t.lower():  # thinking that never closed: no answer yet
        t = t[: t.lower().index("<think>")]
    t = t.strip()
    if not t:
        return None

    is_json, value = _json_answer(t)
    if is_json:
        return value

    boxed = _last_boxed(t)
    if boxed:
        return boxed

    clean = _LATEX_WRAP.sub("", _MARKDOWN.sub("", t)).strip()

    for match in reversed(list(_ANSWER_MARKER.finditer(clean))):
        value = _marker_value(match.group("value"))
        if value:
            # "Answer: The capital of France is Paris." -> "Paris"
            return _short_reply_answer(value) if len(value.split()) > 3 else value
    hashes = [v for v in (_strip_wrappers(m.group(1)) for m in _HASH_MARKER.finditer(clean)) if v]
    if hashes:
        return hashes[-1]

    equals = _TRAILING_EQUALS.search(clean)
    if equals:
        value = _strip_wrappers(equals.group("value"))
        if value and len(value.split()) <= 4:
            return value

    first = re.match(r"\s*(yes|no)\b(?=\s*(?:[,.!;:]|$))", clean, re.IGNORECASE)
    if first:
        return _YES_NO[first.group(1).lower()]

    if looks_cut_off(clean):
        return None

    numbers = _NUMBER.findall(clean)
    if numbers:
        return numbers[-1]

    if len(clean.split()) <= SHORT_REPLY_WORDS and "\n" not in clean.strip():
        return _short_reply_answer(clean)
    return None


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
