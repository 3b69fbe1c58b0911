"""Whole runs driven by scripted models that emit anything, under random budgets, policies and settings.

A :class:`Case` is everything one run needs (task, both models' replies and
capabilities, prices, budget, agent settings), generated from a seed by
:func:`generate`. :func:`run_case` runs it under a time bound and says how it
ended. A run is **sound** when it ends with a documented ``stop_reason`` (or
one of the documented exceptions: ``BudgetExceededError`` under a strict
budget, ``UnpricedModelError`` for a dollar ceiling over an unpriced model),
never crosses a ceiling, and finishes in time. Anything else is a failure
with a signature (kind, exception type, the innermost thinkdial frame), and
:func:`shrink` reduces its case to a small input that still fails the same way.

Used by ``tests/test_fuzz_runs.py`` (a few hundred runs) and
``bench/fuzz_runs.py`` (ten thousand and more).
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import random
import re
import signal
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from thinkdial import Agent, Budget, tool
from thinkdial.errors import (
    BilledCallError,
    BudgetExceededError,
    ModelCallError,
    StreamInterruptedError,
    UnpricedModelError,
)
from thinkdial.models import Completion, ModelCapabilities, Pricing, ScriptedModel, ScriptedReply, TokenInfo, ToolCall, Usage
from thinkdial.models.base import ModelRequest, TokenAlternative
from thinkdial.models.scripted import scripted_tokens

DOCUMENTED_STOPS = frozenset({"final", "budget", "max_steps", "error"})
"""What ``RunResult.stop_reason`` may be for a run nobody cancelled."""

SECONDS_SLACK = 0.5
"""How far past ``max_seconds`` a run may end (the last call is cancelled; its bookkeeping takes a moment)."""


class Hang(BaseException):
    """The run passed its time bound. Not an ``Exception``: no handler in the code under test swallows it."""


# -- what models say -------------------------------------------------------------------------------------

UNICODE_DIGITS = "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९০১২৩৪৫৬৭৮৯０１２３４５６７８９𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗²³¹⁰⁴⁵₀₁₂½¾⅓ⅫⅣ①②⑩"
CONTROL = "".join(chr(c) for c in [*range(0, 32), 127, 0x85, 0x2028, 0x2029, 0x200B, 0x200E, 0x202E, 0xFEFF])
WORDS = ("the", "answer", "is", "Yes", "No", "prime", "even", "odd", "not", "so", "x", "=", "+", "-", "*", "/", "^", "**",
         "because", "therefore", "Monday", "February", "sqrt", "%", "of", "than", "greater", "smaller", "Answer:", "Final",
         "answer:", "\\boxed{", "}", "```", "<think>", "</think>", "Wait,", "hmm", "$", "€", "∞", "NaN", "inf", "-0",
         "calculator", "{", "}", '"tool":', '"arguments":', "null", "true", "…", "...")
MERSENNE = (2**61 - 1, 2**89 - 1, 2**107 - 1, 2**127 - 1, 2**521 - 1)


def _digits(rng: random.Random, n: int) -> str:
    return str(rng.randint(1, 9)) + "".join(rng.choice("0123456789") for _ in range(n - 1))


def number(rng: random.Random) -> str:
    """A number as a model might write it: small, huge (up to 6,000 digits), odd notation, odd script."""
    roll = rng.random()
    if roll < 0.35:
        return str(rng.randint(-1000, 100000))
    if roll < 0.45:
        return _digits(rng, rng.choice([20, 300, 4301, 5000, 6000]))
    if roll < 0.5:
        return rng.choice("0123456789") * rng.choice([50, 4400, 5000])
    if roll < 0.55:
        return str(rng.choice(MERSENNE))
    if roll < 0.6:
        return f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 12)}f}"
    if roll < 0.65:
        return rng.choice(["1e400", "-1e-400", "1e99999", "9" * 40 + "e9999", "1E+308", "0x1F", "0b101", "1_000_000", "NaN", "inf"])
    if roll < 0.7:
        return f"{rng.randint(1, 999)},{rng.randint(100, 999)},{rng.randint(100, 999)}"
    if roll < 0.8:
        return "".join(rng.choice(UNICODE_DIGITS) for _ in range(rng.randint(1, 30)))
    if roll < 0.85:
        return f"{rng.randint(1, 99)}/{rng.choice([0, 3, 7, 10**50])}"
    if roll < 0.9:
        return f"{rng.randint(2, 99)}**{rng.choice([2, 99, 9999, 10**9])}"
    return f"-{_digits(rng, rng.randint(1, 40))}.{_digits(rng, rng.randint(1, 40))}"


def claim(rng: random.Random) -> str:
    """A sentence that states something an exact check might test."""
    a, b, c = number(rng), number(rng), number(rng)
    templates = [
        f"{a} + {b} = {c}", f"{a} * {b} = {c}", f"{a} - {b} is {c}.", f"{a} / {b} = {c}", f"{a}^{b} = {c}",
        f"{a} is even.", f"{a} is odd.", f"Yes, {a} is prime.", f"No, {a} is not prime.", f"{a} is a perfect square.",
        f"{a} is divisible by {b}.", f"{a} > {b}", f"{a} is smaller than {b}.", f"The square root of {a} is {b}.",
        f"x = {a}+", f"x = {a}", f"The answer is {a}.", f"Answer: {a}", f"\\boxed{{{a}}}", f"{a}% of {b} is {c}",
        f"The next term is {a}.", f"{a}, {b}, {c}, ...", f"'{a}' has {b} letters.", f"There are {b} r's in strawberry.",
        f"{a}! = {b}", f"gcd({a}, {b}) = {c}", f"{a} mod {b} = {c}", "Monday comes after Sunday.", "February has 30 days.",
        f"The day after {rng.choice(['Monday', 'Sunday', 'Blursday'])} is {rng.choice(['Tuesday', 'Monday', '7'])}.",
    ]
    return rng.choice(templates)


def piece(rng: random.Random) -> str:
    """One fragment of model text."""
    roll = rng.random()
    if roll < 0.3:
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
    if roll < 0.55:
        return claim(rng)
    if roll < 0.62:
        return number(rng)
    if roll < 0.68:
        return "".join(rng.choice(CONTROL) for _ in range(rng.randint(1, 20)))
    if roll < 0.72:
        return "\x1b[" + rng.choice(["31m", "2J", "0;0H", "?25l", "1337;File=x"]) + "text\x1b[0m"
    if roll < 0.78:
        top = 0x10FFFF if rng.random() < 0.5 else 0x2FFF
        return "".join(chr(rng.randint(32, top)) for _ in range(rng.randint(1, 40)))
    if roll < 0.8:
        return "\ud800" + "x" + "\udfff"  # lone surrogates: no UTF-8 encoding exists
    if roll < 0.87:
        unit = rng.choice(["a", "7", "ab ", "the answer is 5. ", "\n", " ", "9,", "(", "[", "{", "<think>", "Wait, "])
        return unit * rng.choice([100, 1000, 5000, 20000])
    if roll < 0.92:
        return rng.choice(["<think>", "</think>", "<think></think>", "<thi", "nk>", "</", "<think>" + "hmm " * 50])
    if roll < 0.96:
        return '{"tool": "calculator", "arguments": {"expression": "' + rng.choice(["37 + 48", "9**9**9", "1/0", number(rng)]) + '"}}'
    return rng.choice(["", " ", "\n\n", "```python\nprint(1)\n```", "| a | b |\n|---|---|\n| 1 | 2 |", "- item\n- item"])


def text(rng: random.Random, max_pieces: int = 6) -> str:
    """Model text: a few fragments joined by spaces, newlines or nothing."""
    return "".join(piece(rng) + rng.choice([" ", "\n", "", ". "]) for _ in range(rng.randint(0, max_pieces))).strip(" ")


# -- tool calls ----------------------------------------------------------------------------------------------

TOOL_NAMES = ("calculator", "echo", "explode", "count", "read_file", "list_dir", "sleepy", "", "missing", "café", "a" * 300,
              "calculator\x00", "../etc/passwd")


def arguments(rng: random.Random, name: str) -> str:
    """Raw JSON-ish arguments: valid, malformed, oversized, deeply nested, or of the wrong type."""
    roll = rng.random()
    if roll < 0.3:
        good = {
            "calculator": {"expression": rng.choice(["37 + 48", "2**10", "9**9**9", "1/0", "sqrt(-1)", number(rng), text(rng, 2)])},
            "echo": {"text": text(rng, 3)},
            "count": {"n": rng.choice([1, -5, 10**40, "7", 3.5, None])},
            "read_file": {"path": rng.choice(["notes.txt", "../../etc/passwd", "/etc/shadow", "\x00", "a" * 5000, "."])},
            "list_dir": {"path": rng.choice([".", "..", "missing", "\x00", "notes.txt", "/proc/self"])},
        }.get(name, {})
        import json

        try:
            return json.dumps(good, ensure_ascii=rng.random() < 0.5)
        except (TypeError, ValueError):
            return "{}"
    if roll < 0.4:
        return rng.choice(['{"expression": ', "{", "}", "", "null", "[]", '"text"', "42", "{'a': 1}", '{"a": NaN}',
                           '{"a": 1e999}', '{"text": "\\ud800"}', '{"x": 1, "x": 2}', '{"n": 1} trailing'])
    if roll < 0.45:
        depth = rng.choice([100, 1000, 50000])
        return "[" * depth + "]" * depth
    if roll < 0.5:
        return '{"text": "' + "x" * rng.choice([10_000, 200_000]) + '"}'
    if roll < 0.55:
        return '{"expression": "' + _digits(rng, rng.choice([500, 5000])) + " * " + _digits(rng, 400) + '"}'
    return text(rng, 3)


def calls(rng: random.Random) -> tuple[tuple[str, str], ...]:
    n = rng.choice([1, 1, 1, 2, 3, 20])
    out = []
    for _ in range(n):
        name = rng.choice(TOOL_NAMES)
        out.append((name, arguments(rng, name)))
    return tuple(out)


# -- a case ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """One scripted reply (or failure) of a model."""

    text: str = ""
    thinking: str = ""
    calls: tuple[tuple[str, str], ...] = ()
    confidence: float | tuple[float, ...] = 0.9
    logprobs: bool = True
    probes: tuple[str, ...] = ()
    failure: str = ""
    """``"call"`` (an unbilled failure), ``"billed"``, ``"stream"`` (cut mid-answer), or ``""``."""
    odd_tokens: bool = False
    """Return a ready ``Completion`` whose token data is odd (-inf logprobs, NaN entropy, no alternatives)."""


@dataclass(frozen=True)
class Case:
    """Everything one randomized run needs. Defaults are the plainest run."""

    seed: int = 0
    task: str = "What is 37 + 48?"
    fast: tuple[Reply, ...] = (Reply("85"),)
    thinker: tuple[Reply, ...] = (Reply("85"),)
    fast_caps: tuple[bool, bool, bool, bool, bool] = (False, False, True, True, True)
    """tools, reasoning, prefill, logprobs, probes."""
    thinker_caps: tuple[bool, bool, bool, bool, bool] = (False, False, True, True, True)
    prices: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """fast input, fast output, thinker input, thinker output (USD per million tokens)."""
    priced: bool = True
    context_window: int | None = 8192
    budget: tuple[tuple[str, Any], ...] | None = (("max_tokens", 4000),)
    """``Budget`` fields; None runs with no budget argument (the default ceiling)."""
    policy: str = "adaptive"
    verify: str | float = "never"
    strategy: str = "auto"
    levels: tuple[int, int, int] | None = None
    estimate_mode: str = "staged"
    draft_tokens: int = 96
    tools: tuple[str, ...] = ()
    structured: bool = False
    tool_timeout: float | None = 60.0
    system_prompt: str | None = None
    history: tuple[str, ...] = ()
    trace: bool = False


def _reply(rng: random.Random) -> Reply:
    roll = rng.random()
    if roll < 0.04:
        return Reply(failure=rng.choice(["call", "billed", "stream"]))
    confidence: float | tuple[float, ...] = rng.choice([rng.random(), 1.0, 0.0, 1e-9])
    if rng.random() < 0.2:
        confidence = tuple(rng.random() for _ in range(rng.randint(1, 8)))
    return Reply(
        text=text(rng),
        thinking=text(rng, 3) if rng.random() < 0.3 else "",
        calls=calls(rng) if rng.random() < 0.25 else (),
        confidence=confidence,
        logprobs=rng.random() < 0.85,
        probes=tuple(text(rng, 2) for _ in range(rng.randint(1, 3))) if rng.random() < 0.3 else (),
        odd_tokens=rng.random() < 0.05,
    )


def _caps(rng: random.Random) -> tuple[bool, bool, bool, bool, bool]:
    return (rng.random() < 0.4, rng.random() < 0.3, rng.random() < 0.6, rng.random() < 0.85, rng.random() < 0.5)


def _budget(rng: random.Random) -> tuple[tuple[str, Any], ...] | None:
    if rng.random() < 0.08:
        return None
    fields: list[tuple[str, Any]] = []
    if rng.random() < 0.5:
        fields.append(("max_cost_usd", rng.choice([0.0, 1e-9, 1e-6, rng.uniform(0, 0.002), rng.uniform(0, 0.05)])))
    if rng.random() < 0.7:
        fields.append(("max_tokens", rng.choice([0, 1, 50, rng.randint(0, 600), rng.randint(0, 6000)])))
    if rng.random() < 0.4:
        fields.append(("max_steps", rng.randint(1, 8)))
    if rng.random() < 0.1:
        fields.append(("max_seconds", rng.uniform(0.01, 1.0)))
    if not fields or rng.random() < 0.03:
        fields = [("max_steps", rng.randint(1, 12))] if rng.random() < 0.5 else fields
    if rng.random() < 0.2:
        fields.append(("strict", True))
    return tuple(fields)


def generate(seed: int) -> Case:
    """A random case from ``seed`` (the same seed gives the same case)."""
    rng = random.Random(seed)
    tools = tuple(t for t in ("calculator", "echo", "explode", "count", "files", "sleepy") if rng.random() < 0.35)

    def price() -> tuple[float, float]:
        return (0.0, 0.0) if rng.random() < 0.3 else (rng.uniform(0, 50), rng.uniform(0, 200))

    return Case(
        seed=seed,
        task=rng.choice(["What is 37 + 48?", "Is 97 prime?", "Explain why the sky is blue.", "Which is smaller, 969 or 563?",
                         "What day comes after Monday?", "How many r's are in strawberry?", text(rng, 4).strip() or "?"]),
        fast=tuple(_reply(rng) for _ in range(rng.randint(1, 8))),
        thinker=tuple(_reply(rng) for _ in range(rng.randint(1, 8))),
        fast_caps=_caps(rng),
        thinker_caps=_caps(rng),
        prices=(*price(), *price()),
        priced=rng.random() < 0.95,
        context_window=rng.choice([None, 8192, 8192, 8192, rng.randint(8, 400)]),
        budget=_budget(rng),
        policy=rng.choice(["adaptive", "adaptive", "fast", "think", "share:0.5", f"chaos:{rng.randint(0, 10**6)}"]),
        verify=rng.choice(["never", "never", "always", "think", 0.3]),
        strategy=rng.choice(["auto", "auto", "native", "cot", "parallel"]),
        levels=tuple(rng.randint(1, 600) for _ in range(3)) if rng.random() < 0.3 else None,  # type: ignore[arg-type]
        estimate_mode=rng.choice(["staged", "tokens"]),
        draft_tokens=rng.choice([1, 5, 96, rng.randint(1, 300)]),
        tools=tools,
        structured=rng.random() < 0.1,
        tool_timeout=rng.choice([None, 60.0, 0.05]),
        system_prompt=rng.choice([None, None, "", text(rng, 2)]),
        history=tuple(text(rng, 2) for _ in range(rng.randint(0, 3))) if rng.random() < 0.15 else (),
        trace=rng.random() < 0.2,
    )


# -- building and running ---------------------------------------------------------------------------------------


@tool
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@tool
def explode() -> str:
    """Always fails."""
    raise RuntimeError("boom")


@tool
def count(n: int, unit: str = "items") -> str:
    """Count to n."""
    return f"{n} {unit}"


@tool(timeout=0.05)
async def sleepy() -> str:
    """Sleeps past its timeout."""
    await asyncio.sleep(1.0)
    return "awake"


class Answer(BaseModel):
    """A structured answer."""

    value: int
    reason: str = ""


class ChaosPolicy:
    """A routing policy that does anything: keep, escalate at any level, sample more, stop."""

    def __init__(self, seed: int) -> None:
        self.name = "chaos"
        self._rng = random.Random(seed)

    def decide(self, ctx: Any) -> Any:
        from thinkdial.policies.routing import RouteAction

        action = self._rng.choice(["keep", "escalate", "escalate", "sample_more", "stop"])
        return RouteAction(action, level=self._rng.choice([None, "low", "medium", "high"]), reason="chaos")  # type: ignore[arg-type]


def _script_item(reply: Reply, model: Callable[[], ScriptedModel]) -> Any:
    if reply.failure == "call":
        return ModelCallError("scripted failure", "")

    def spent(request: ModelRequest, out: int) -> Usage:
        m = model()
        n_in = m.count_tokens(request.messages, request.tools)
        n_out = min(out, request.max_tokens)
        return Usage(input_tokens=n_in, output_tokens=n_out, cost_usd=m.pricing.cost(n_in, n_out), unpriced=not m.pricing.known)

    if reply.failure == "billed":
        return lambda request: BilledCallError("scripted billed failure", usage=spent(request, request.max_tokens))
    if reply.failure == "stream":
        return lambda request: StreamInterruptedError("scripted cut stream", usage=spent(request, 3), partial=reply.text[:20])
    if reply.odd_tokens:
        def odd(request: ModelRequest) -> Completion:
            words = scripted_tokens(reply.text)[: request.max_tokens]
            weird = [math.inf * -1, math.nan, 0.0, -1e308, 5.0]
            tokens = [TokenInfo(token=w, logprob=weird[i % len(weird)], entropy=weird[(i + 1) % len(weird)],
                                top=[] if i % 2 else [TokenAlternative(token=w, logprob=weird[(i + 2) % len(weird)])])
                      for i, w in enumerate(words)]
            return Completion(text="".join(words).strip(), tokens=tokens, usage=spent(request, len(words)), model=model().name,
                              finish_reason="stop")
        return odd
    return ScriptedReply(
        text=reply.text, thinking=reply.thinking,
        tool_calls=[ToolCall(id=f"call_{i}" if i % 3 else "", name=n, arguments=a) for i, (n, a) in enumerate(reply.calls)],
        confidence=reply.confidence, logprobs=reply.logprobs, probes=reply.probes,
    )


def _model(name: str, replies: tuple[Reply, ...], caps: tuple[bool, ...], price: tuple[float, float], case: Case) -> ScriptedModel:
    holder: list[ScriptedModel] = []
    pricing = Pricing(input_per_mtok=price[0], output_per_mtok=price[1]) if case.priced else Pricing.unknown()
    model = ScriptedModel(
        [_script_item(r, lambda: holder[0]) for r in replies] or ["ok"], name=name, pricing=pricing,
        context_window=case.context_window, repeat_last=True,
        capabilities=ModelCapabilities(tools=caps[0], reasoning=caps[1], prefill=caps[2], logprobs=caps[3], probes=caps[4]),
    )
    holder.append(model)
    return model


def build(case: Case, workdir: Path) -> tuple[Agent, Budget | None]:
    """The agent and budget of ``case`` (fresh models: scripted models keep their place in the script)."""
    from thinkdial.models import Message
    from thinkdial.tools import calculator, workspace_tools

    available: dict[str, list[Any]] = {
        "calculator": [calculator], "echo": [echo], "explode": [explode], "count": [count], "sleepy": [sleepy],
        "files": workspace_tools(workdir),
    }
    fast = _model("fast", case.fast, case.fast_caps, case.prices[:2], case)
    thinker = _model("thinker", case.thinker, case.thinker_caps, case.prices[2:], case)
    policy: Any = ChaosPolicy(int(case.policy.split(":")[1])) if case.policy.startswith("chaos:") else case.policy
    thinking: dict[str, Any] = {"strategy": case.strategy}
    if case.levels is not None:
        thinking["levels"] = dict(zip(("low", "medium", "high"), case.levels, strict=True))
    options: dict[str, Any] = {}
    if case.system_prompt is not None:
        options["system_prompt"] = case.system_prompt
    agent = Agent(
        fast=fast, thinker=thinker, tools=[t for name in case.tools for t in available[name]], policy=policy,
        verify=case.verify, thinking=thinking, estimate={"mode": case.estimate_mode, "draft_tokens": case.draft_tokens},
        output_type=Answer if case.structured else None, tool_timeout=case.tool_timeout, **options,
    )
    agent._fuzz_history = [Message(role="user" if i % 2 == 0 else "assistant", content=h) for i, h in enumerate(case.history)]  # type: ignore[attr-defined]
    budget = None if case.budget is None else Budget(**dict(case.budget))
    return agent, budget


@dataclass
class Outcome:
    """How one run ended. ``kind`` is ``"ok"`` for a sound run, else the failure's kind."""

    kind: str
    """``ok``, ``exception`` (an undocumented exception), ``crossing`` (a token, cost or step ceiling crossed),
    ``overtime`` (ended more than :data:`SECONDS_SLACK` past ``max_seconds``), ``hang`` (past the time bound),
    ``bad_result`` (an undocumented stop_reason or a malformed result)."""
    seconds: float
    stop_reason: str = ""
    detail: str = ""
    where: str = ""
    """The innermost thinkdial frame (``policies/claims.py:check``) of an exception or hang."""
    exception: str = ""

    @property
    def signature(self) -> tuple[str, str, str]:
        """What makes two failures the same: kind, exception type, where (or which ceiling)."""
        return (self.kind, self.exception, self.where or self.detail.split(":")[0])

    @property
    def in_policies(self) -> bool:
        """Whether the failure lies in ``policies/`` (the lead's rewrite fixes those)."""
        return self.where.startswith("policies/")


_SOURCE = re.compile(r"[/\\](agent|policies|tools|tui)[/\\](.+\.py)$")
_INSTALLED = re.compile(r"[/\\]thinkdial[/\\](.+\.py)$")


def _where(tb: Any) -> str:
    """The innermost frame of thinkdial's own code in a traceback, as ``folder/file.py:function``."""
    best = ""
    for frame in traceback.extract_tb(tb):
        m = _SOURCE.search(frame.filename)
        if m:
            best = f"{m.group(1)}/{m.group(2)}:{frame.name}"
        elif (i := _INSTALLED.search(frame.filename)) and "site-packages" not in frame.filename:
            best = f"agent/{i.group(1)}:{frame.name}"
    return best


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds``, and again every 0.5 s until the block ends.

    asyncio logs and swallows an exception raised while it runs a callback, so one alarm may not end the run;
    the repeats do. An outer alarm (pytest-timeout's) is restored afterwards.
    """

    def fire(signum: int, frame: Any) -> None:
        raise Hang(f"still running after {seconds:g} s")

    old_handler = signal.signal(signal.SIGALRM, fire)
    old_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds, 0.5)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:
            signal.setitimer(signal.ITIMER_REAL, max(old_delay - (time.monotonic() - started), 0.001))


def run_case(case: Case, *, time_limit: float = 3.0, workdir: Path | None = None) -> Outcome:
    """Run ``case`` once and judge it (see the module docstring)."""
    from thinkdial.settings import DEFAULT_BUDGET
    from thinkdial.trace import Final, StepStarted, load_trace

    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        root = Path(workdir or tmp)
        (root / "notes.txt").write_text("37 + 48 = 85\n", encoding="utf-8")
        agent, budget = build(case, root)
        ceiling = budget or DEFAULT_BUDGET
        events: list[Any] = []
        trace_path = root / "run.jsonl" if case.trace else None
        started = time.perf_counter()
        result = None
        try:
            with deadline(time_limit):
                result = agent.run_sync(case.task, budget=budget, history=agent._fuzz_history,  # type: ignore[attr-defined]
                                        trace=trace_path, on_event=events.append)
        except Hang as exc:
            return Outcome("hang", time.perf_counter() - started, detail=str(exc), where=_where(exc.__traceback__), exception="Hang")
        except BudgetExceededError as exc:
            if not ceiling.strict:
                return _failure("exception", exc, started)
        except UnpricedModelError as exc:
            if case.priced or ceiling.max_cost_usd is None:
                return _failure("exception", exc, started)
        except Exception as exc:  # noqa: BLE001 - any other exception is what this harness looks for
            return _failure("exception", exc, started)
        seconds = time.perf_counter() - started
        finals = [e for e in events if isinstance(e, Final)]
        usage = result.usage if result is not None else (finals[-1].usage if finals else Usage())
        steps = sum(isinstance(e, StepStarted) for e in events)
        crossed = []
        if ceiling.max_tokens is not None and usage.total_tokens > ceiling.max_tokens:
            crossed.append(f"tokens: {usage.total_tokens} > {ceiling.max_tokens}")
        if ceiling.max_cost_usd is not None and usage.cost_usd > ceiling.max_cost_usd + 1e-12:
            crossed.append(f"cost: {usage.cost_usd:.9f} > {ceiling.max_cost_usd:.9f}")
        if ceiling.max_steps is not None and steps > ceiling.max_steps:
            crossed.append(f"steps: {steps} > {ceiling.max_steps}")
        if crossed:
            return Outcome("crossing", seconds, detail="; ".join(crossed))
        if ceiling.max_seconds is not None and seconds > ceiling.max_seconds + SECONDS_SLACK:
            # The time ceiling cancels calls in flight; CPU work between calls (the checks) cannot be interrupted.
            return Outcome("overtime", seconds, detail=f"seconds: {seconds:.2f} > {ceiling.max_seconds:.2f}")
        if result is None:
            return Outcome("ok", seconds, stop_reason="raised")
        problem = ""
        if result.stop_reason not in DOCUMENTED_STOPS:
            problem = f"stop_reason: {result.stop_reason!r}"
        elif not finals or events[-1] is not finals[-1]:
            problem = "final: the last event is not Final"
        elif case.structured and result.stop_reason == "final" and not isinstance(result.output, Answer):
            problem = f"output: structured run returned {type(result.output).__name__}"
        elif not case.structured and not isinstance(result.output, str):
            problem = f"output: {type(result.output).__name__}"
        if not problem and trace_path is not None:
            try:
                loaded = load_trace(trace_path)
                if not any(isinstance(e, Final) for e in loaded.events):
                    problem = "trace: no Final event in the trace file"
            except Exception as exc:  # noqa: BLE001
                return _failure("exception", exc, started, prefix="reading the trace back: ")
        if problem:
            return Outcome("bad_result", seconds, stop_reason=result.stop_reason, detail=problem)
        return Outcome("ok", seconds, stop_reason=result.stop_reason)


def _failure(kind: str, exc: BaseException, started: float, prefix: str = "") -> Outcome:
    return Outcome(kind, time.perf_counter() - started, detail=prefix + f"{type(exc).__name__}: {str(exc)[:200]}",
                   where=_where(exc.__traceback__), exception=type(exc).__name__)


# -- shrinking ---------------------------------------------------------------------------------------------------

_PLAIN = Case()


def _text_slots(case: Case) -> list[tuple[Any, ...]]:
    slots: list[tuple[Any, ...]] = [("task",)]
    for side in ("fast", "thinker"):
        for i, r in enumerate(getattr(case, side)):
            slots += [(side, i, "text"), (side, i, "thinking")]
            slots += [(side, i, "call", j) for j in range(len(r.calls))]
    return slots


def _get(case: Case, slot: tuple[Any, ...]) -> str:
    if slot[0] == "task":
        return case.task
    reply = getattr(case, slot[0])[slot[1]]
    return reply.calls[slot[3]][1] if slot[2] == "call" else getattr(reply, slot[2])


def _set(case: Case, slot: tuple[Any, ...], value: str) -> Case:
    if slot[0] == "task":
        return dataclasses.replace(case, task=value)
    replies = list(getattr(case, slot[0]))
    reply = replies[slot[1]]
    if slot[2] == "call":
        cs = list(reply.calls)
        cs[slot[3]] = (cs[slot[3]][0], value)
        replies[slot[1]] = dataclasses.replace(reply, calls=tuple(cs))
    else:
        replies[slot[1]] = dataclasses.replace(reply, **{slot[2]: value})
    return dataclasses.replace(case, **{slot[0]: tuple(replies)})


def _simpler(case: Case) -> Iterator[Case]:
    """Cases one simplification away from ``case``: fewer replies, plainer settings, shorter text."""
    for side in ("fast", "thinker"):
        replies = getattr(case, side)
        for i in range(len(replies)):
            if len(replies) > 1:
                yield dataclasses.replace(case, **{side: replies[:i] + replies[i + 1:]})
        for i, r in enumerate(replies):
            plain = dataclasses.replace(r, thinking="", calls=(), probes=(), confidence=0.9, logprobs=True, odd_tokens=False)
            if plain != r and not r.failure:
                yield dataclasses.replace(case, **{side: replies[:i] + (plain,) + replies[i + 1:]})
            for j in range(len(r.calls)):
                fewer = dataclasses.replace(r, calls=r.calls[:j] + r.calls[j + 1:])
                yield dataclasses.replace(case, **{side: replies[:i] + (fewer,) + replies[i + 1:]})
    for name in ("policy", "verify", "strategy", "levels", "estimate_mode", "draft_tokens", "tools", "structured", "tool_timeout",
                 "system_prompt", "history", "trace", "context_window", "prices", "priced", "budget", "fast_caps", "thinker_caps"):
        if getattr(case, name) != getattr(_PLAIN, name):
            yield dataclasses.replace(case, **{name: getattr(_PLAIN, name)})
    for slot in _text_slots(case):
        value = _get(case, slot)
        n = len(value)
        chunk = n // 2
        while chunk >= max(1, n // 64):
            for start in range(0, n, chunk):
                shorter = value[:start] + value[start + chunk:]
                if slot == ("task",) and not shorter.strip():
                    continue  # a blank task is the caller's mistake (run() refuses it), not the model's
                yield _set(case, slot, shorter)
            chunk //= 2


def shrink(case: Case, failing: Outcome, *, time_limit: float = 3.0, max_runs: int = 200) -> tuple[Case, int]:
    """A smaller case that fails with the same signature, and how many runs the search took."""
    target = failing.signature
    runs = 0
    improved = True
    while improved and runs < max_runs:
        improved = False
        for candidate in _simpler(case):
            if runs >= max_runs:
                break
            runs += 1
            if run_case(candidate, time_limit=time_limit).signature == target:
                case, improved = candidate, True
                break
    return case, runs


# -- describing --------------------------------------------------------------------------------------------------

_RUN = re.compile(r"(.{1,8}?)\1{7,}", re.DOTALL)


def compact(value: str, limit: int = 160) -> str:
    """A Python expression for ``value`` with long repetitions written as ``'7' * 5000``."""
    parts: list[str] = []
    pos = 0
    for m in _RUN.finditer(value):
        if m.start() > pos:
            parts.append(repr(value[pos:m.start()]))
        unit = m.group(1)
        parts.append(f"{unit!r} * {len(m.group(0)) // len(unit)}")
        rest = len(m.group(0)) % len(unit)
        if rest:
            parts.append(repr(unit[:rest]))
        pos = m.end()
    if pos < len(value):
        parts.append(repr(value[pos:]))
    out = " + ".join(parts) or "''"
    if len(out) > limit:
        out = out[: limit - 20] + f"… ({len(value)} chars)"
    return out


def describe(case: Case) -> str:
    """The case's fields that differ from the plainest run, on one line."""
    bits = [f"task={compact(case.task)}"]
    for side in ("fast", "thinker"):
        replies = getattr(case, side)
        if replies == getattr(_PLAIN, side):
            continue
        shown = []
        for r in replies:
            if r.failure:
                shown.append(f"<{r.failure} failure>")
                continue
            item = compact(r.text)
            if r.thinking:
                item += f" thinking={compact(r.thinking)}"
            if r.calls:
                item += " calls=[" + ", ".join(f"{compact(n, 40)}({compact(a, 80)})" for n, a in r.calls) + "]"
            if r.odd_tokens:
                item += " (odd token data)"
            shown.append(item)
        bits.append(f"{side}=[{'; '.join(shown)}]")
    for name in ("policy", "verify", "strategy", "levels", "estimate_mode", "draft_tokens", "tools", "structured", "tool_timeout",
                 "system_prompt", "history", "trace", "context_window", "prices", "priced", "budget", "fast_caps", "thinker_caps"):
        value = getattr(case, name)
        if value != getattr(_PLAIN, name):
            bits.append(f"{name}={value!r}"[:200])
    return ", ".join(bits)


@dataclass
class Tally:
    """Counts over many runs, and one shrunk example per distinct failure."""

    runs: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    stops: dict[str, int] = field(default_factory=dict)
    failures: dict[tuple[str, str, str], list[Any]] = field(default_factory=dict)
    """signature -> [count, first outcome, first case, shrunk case or None]."""
    slowest: tuple[float, int] = (0.0, -1)
    total_seconds: float = 0.0

    def add(self, case: Case, outcome: Outcome) -> None:
        self.runs += 1
        self.total_seconds += outcome.seconds
        self.kinds[outcome.kind] = self.kinds.get(outcome.kind, 0) + 1
        if outcome.kind == "ok":
            self.stops[outcome.stop_reason] = self.stops.get(outcome.stop_reason, 0) + 1
        else:
            entry = self.failures.setdefault(outcome.signature, [0, outcome, case, None])
            entry[0] += 1
        if outcome.seconds > self.slowest[0]:
            self.slowest = (outcome.seconds, case.seed)
