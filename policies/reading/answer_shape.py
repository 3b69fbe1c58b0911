"""Does a step want a short answer or a whole one? Read from the request and from the draft.

Short answers (a number, a name, yes/no) are judged by the answer they state;
open-ended requests (explain, write, list, summarise, code) have no single
answer to extract, and a draft that is still going when its token cap ends
is unfinished, not unanswerable.
"""

from __future__ import annotations

import re
from typing import Literal

Shape = Literal["short", "long"]

_LONG_REQUEST = re.compile(
    r"\b(explain|describe|write|compose|draft|summari[sz]e|list|outline|compare|discuss|elaborate|"
    r"give me (?:some|a few|\w+) (?:tips|ideas|examples|reasons|ways|steps)|tips|ideas|steps? by steps?|"
    r"how (?:do|does|can|to|should)|why (?:do|does|is|are)|what are (?:the|some)|benefits|advantages|"
    r"poem|story|essay|letter|email|haiku|song|function|script|program|class|implement|code|"
    r"in detail|paragraph|overview|plan|"
    r"name (?:the|some|a few|two|three|four|five|six|seven|\d+) (?:\w+ )?\w+s)\b",
    re.IGNORECASE,
)
_SHORT_FORMAT = re.compile(
    r"\b(just the (?:number|answer|name|word)|one word|single word|yes or no|only the (?:number|answer|name)|"
    r"answer with (?:a|one|just|only)|reply with (?:a|one|just|only)|in one word)\b",
    re.IGNORECASE,
)
_LIST_OR_CODE = re.compile(r"(^|\n)[ \t]*(?:[-*•]|\d+[.)])[ \t]+\S|```|\bdef \w+\(|\bfunction \w+\(|\bclass \w+[:(]")


def request_shape(request: str) -> Shape:
    """``"long"`` when the request asks for an explanation, a text, a list or code; else ``"short"``."""
    if _SHORT_FORMAT.search(request):
        return "short"
    return "long" if _LONG_REQUEST.search(request) else "short"


def draft_shape(draft: str) -> Shape:
    """``"long"`` when the draft itself is a list, code, or several sentences of prose."""
    if _LIST_OR_CODE.search(draft):
        return "long"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", draft.strip()) if len(s.split()) >= 3]
    return "long" if len(sentences) >= 3 or len(draft.split()) >= 60 else "short"


def step_shape(request: str, draft: str = "") -> Shape:
    """The step's shape: the request decides; a short request whose draft is a list or code is long too."""
    if request_shape(request) == "long":
        return "long"
    if _SHORT_FORMAT.search(request):
        return "short"
    return "long" if draft and _LIST_OR_CODE.search(draft) else "short"
