"""Prompted chain of thought for plain models: one chain, or several with a confidence-weighted vote.

Votes compare the answers read from each chain's marked final answer; what the
strategy returns is the winning chain's final answer as the thinker wrote it,
whole (:func:`~thinkdial.policies.voting.split_cot`), never a span cut out of it.
"""

from __future__ import annotations

from thinkdial.models.base import Completion, Message, Probe, Usage
from thinkdial.phases.context import RunContext
from thinkdial.policies.estimate.signals import mean_confidence
from thinkdial.policies.reading.answers import extract_answer, normalize_answer
from thinkdial.policies.voting import SAMPLES_BY_LEVEL, Vote, split_cot, vote_is_settled, vote_key, weighted_vote
from thinkdial.prompts import COT_INSTRUCTION, PROBE_SUFFIX
from thinkdial.trace import Thinking


def cot_messages(messages: list[Message]) -> list[Message]:
    """The conversation with the chain-of-thought instruction as its system prompt."""
    return [Message(role="system", content=COT_INSTRUCTION), *[m for m in messages if m.role != "system"]]


async def one_chain(
    ctx: RunContext, messages: list[Message], budget: int, temperature: float, seed: int, stream: bool
) -> Completion | None:
    """One chain of thought. On models that can probe mid-generation, ask for the answer every
    ``probe_every`` tokens (Dynasor's probe-in-the-middle) and stop once the last ``probe_agreement``
    probes agree. A probe continues the cached context, so the cost stays linear in the thought's length."""
    s = ctx.settings
    thinker = s.thinker
    chunk = s.thinking.probe_every
    max_tokens = budget + s.thinking.answer_tokens
    if not thinker.capabilities.probes or chunk <= 0 or budget < 2 * chunk:
        return await ctx.call(
            "think", "think", thinker, messages, max_tokens, min_tokens=s.thinking.min_tokens, stream=stream,
            temperature=temperature, seed=seed,
        )
    agree = s.thinking.probe_agreement
    probes: list[str] = []
    settled: list[str] = []

    def should_stop(line: str) -> bool:
        answer = extract_answer(line)
        probes.append(normalize_answer(answer) if answer else "")
        recent = probes[-agree:]
        if len(recent) == agree and recent[0] and len(set(recent)) == 1:
            settled.append(line.strip())  # the probe's whole answer line, not the span read from it
            return True
        return False

    result = await ctx.call(
        "think", "think", thinker, messages, max_tokens, min_tokens=s.thinking.min_tokens, stream=stream,
        temperature=temperature, seed=seed, probe=Probe(every=chunk, suffix=PROBE_SUFFIX, should_stop=should_stop),
    )
    if result is None or not settled:
        return result
    ctx.emit(Thinking(step=ctx.state.step_no, text=f"[early exit: {agree} probes agree on {settled[0]!r}]"))
    return result.model_copy(update={"text": f"{result.text}\nAnswer: {settled[0]}"})


async def vote_chains(ctx: RunContext, messages: list[Message], level: str, budget: int, k: int) -> Completion | None:
    """Up to ``k`` chains (the first greedy), stopping once the vote cannot change; the winner's answer."""
    seed = ctx.settings.seed or 0
    chain_messages = cot_messages(messages)
    votes: list[Vote] = []
    chains: list[Completion] = []
    usage = Usage()
    for i in range(k):
        c = await one_chain(ctx, chain_messages, budget, temperature=0.0 if i == 0 else 0.7, seed=seed + i, stream=i == 0)
        if c is None:
            break
        chains.append(c)
        usage = usage + c.usage
        section, _ = split_cot(c.text)
        votes.append(Vote(vote_key(section), mean_confidence(c) or 0.0, c.text))
        if vote_is_settled(votes, k - i - 1):
            break
    if not chains:
        return None
    vote = weighted_vote(votes)
    winner = next((c for c in chains if c.text == vote.text), chains[0])
    answer, reasoning = split_cot(winner.text)
    ctx.state.step.think_signals.update({"chains": float(len(votes)), "vote_share": vote.share})
    return Completion(
        text=answer, thinking=reasoning, usage=usage, tokens=winner.tokens, model=winner.model,
        finish_reason=winner.finish_reason,
    )


class ChainOfThought:
    """One prompted chain of thought, capped at the budget."""

    name = "cot"

    async def think(self, ctx: RunContext, messages: list[Message], level: str, budget: int) -> Completion | None:
        return await vote_chains(ctx, messages, level, budget, k=1)


class ParallelChains:
    """Several chains (more at higher levels) and a confidence-weighted vote with early stop."""

    name = "parallel"

    async def think(self, ctx: RunContext, messages: list[Message], level: str, budget: int) -> Completion | None:
        return await vote_chains(ctx, messages, level, budget, k=SAMPLES_BY_LEVEL.get(level, 1))
