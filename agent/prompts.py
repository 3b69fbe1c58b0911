"""Every prompt the run loop sends, in one place."""

from __future__ import annotations

SYSTEM_PROMPT = "You are a helpful assistant. Answer concisely."
"""The default system prompt of an ``Agent``."""

COT_INSTRUCTION = "Think step by step, briefly. Then write the final answer on its own last line as 'Answer: <answer>'."
"""System prompt of prompted chain of thought on short-answer steps."""

LONG_ANSWER_INSTRUCTION = (
    "You are a careful, helpful assistant. Answer the user's request completely and well: "
    "plan what a good answer needs, then write the whole answer."
)
"""System prompt of the think route on open-ended steps: a whole answer, never a fragment."""

PROBE_SUFFIX = "\n... I now know the final answer to the question. Answer:"
"""Appended to partial reasoning to read the answer it would give now (probe-in-the-middle)."""

VERIFY_PROMPT = (
    "Question: {question}\nProposed answer: {answer}\n"
    "Is the proposed answer correct? Reply with one word: yes or no."
)

REVISE_PROMPT = (
    "A checker thinks your answer '{answer}' may be wrong (confidence it is right: {p:.0%}). "
    "Reconsider the question carefully and give a corrected final answer."
)

REVISE_FALSE_CLAIM_PROMPT = (
    "Your answer '{answer}' says that {claim}, which is false. "
    "Work the question out again, step by step, and give a corrected final answer."
)

STRUCTURE_PROMPT = "Now give that answer as JSON matching the required schema."

STRUCTURE_FIX_PROMPT = "Invalid: {error}. Fix it."

TOOL_REPEAT_NOTE = " (you already called {name} with these arguments; give the final answer now)"

INVALID_TOOL_CALL = 'Your tool call was not valid JSON of the form {{"tool": NAME, "arguments": {{...}}}}: {raw}'

STALLED_ANSWER_PROMPT = "You are not making progress with the tools. Give your best final answer now from what you have."
"""Asks for an answer from the results so far when a run that has none stops for lack of progress."""
