"""What the determinism fix costs: prompt evaluation per request, and chunked thinking with probes.

Each request now starts from an empty KV cache (its output cannot depend on earlier calls), and
probes read the cached context inside one generation instead of re-sending the growing prompt.

Measured here, same process, same loaded embedded model:
  * prompt evaluation per request: a 1-token request on a typical draft prompt, cold (cache
    emptied, what every request now pays) against warm (the identical prompt cached, which the old
    prefix reuse gave a repeated request);
  * think-route reasoning with a probe every 64 tokens up to 1024 tokens: one generation with probes
    (now) against the old scheme, re-created faithfully with public calls: a new request per 64-token
    chunk whose prompt carries the reasoning so far, plus a separate probe request after each chunk.

Run: .venv/bin/python bench/determinism.py
"""

from __future__ import annotations

import platform
import statistics
import time
from datetime import date

from thinkdial.models import LlamaCppModel, Message, ModelRequest, Probe, embedded_model_path

SUFFIX = "\n... I now know the final answer to the question. Answer:"
LONG = "Write a long, detailed story about a dragon who learns to count, chapter by chapter."
TASK = "Think step by step, then answer: a train leaves at 3 pm and travels 240 km at 80 km/h. When does it arrive?"


def prompt_eval(model: LlamaCppModel, rounds: int) -> tuple[float, float, int]:
    req = ModelRequest(messages=[Message(role="system", content="You are a helpful assistant. Answer concisely."),
                                 Message(role="user", content=TASK)], max_tokens=1)
    n = model.count_tokens(req.messages)
    cold, warm = [], []
    llama = model._llama
    for _ in range(rounds):
        t = time.perf_counter()
        model.complete_sync(req)  # starts from an empty cache
        cold.append(time.perf_counter() - t)
        tokens = model._prompt_tokens(req.messages, [], True)
        t = time.perf_counter()
        gen = llama.generate(tokens, temp=0.0, top_k=1)  # the old path: the identical prompt is cached
        next(gen)
        gen.close()
        warm.append(time.perf_counter() - t)
    return statistics.median(cold), statistics.median(warm), n


def think_with_probes(model: LlamaCppModel, budget: int, every: int) -> tuple[float, int, int]:
    lines: list[str] = []
    req = ModelRequest(messages=[Message(role="user", content=LONG)], max_tokens=budget, temperature=0.0,
                       probe=Probe(every=every, suffix=SUFFIX, should_stop=lambda line: lines.append(line) is not None))
    t = time.perf_counter()
    c = model.complete_sync(req)
    return time.perf_counter() - t, c.usage.input_tokens, c.usage.output_tokens


def think_in_chunks_old(model: LlamaCppModel, budget: int, every: int) -> tuple[float, int, int]:
    msgs = [Message(role="user", content=LONG)]
    reasoning, spent, input_n, output_n = "", 0, 0, 0
    t = time.perf_counter()
    while spent < budget:
        part = model.complete_sync(ModelRequest(messages=msgs, max_tokens=min(every, budget - spent), prefill=reasoning))
        input_n += part.usage.input_tokens
        output_n += part.usage.output_tokens
        spent += part.usage.output_tokens
        reasoning += (" " if reasoning else "") + part.text
        if part.finish_reason != "length":
            break
        probe = model.complete_sync(ModelRequest(messages=msgs, max_tokens=12, prefill=reasoning + SUFFIX, logprobs=False))
        input_n += probe.usage.input_tokens
        output_n += probe.usage.output_tokens
    return time.perf_counter() - t, input_n, output_n


def main() -> None:
    model = LlamaCppModel(embedded_model_path(), n_ctx=4096, name="embedded")
    model.load()
    model.complete_sync(ModelRequest(messages=[Message(role="user", content="hi")], max_tokens=2))  # warm up
    cold, warm, n = prompt_eval(model, 15)
    print(f"# {platform.machine()}, {date.today()}, embedded model")
    print(f"prompt of {n} tokens: cold {cold * 1000:.1f} ms, warm {warm * 1000:.1f} ms, cold/warm {cold / warm:.2f}")
    for budget in (256, 1024):
        new = think_with_probes(model, budget, 64)
        old = think_in_chunks_old(model, budget, 64)
        print(f"budget {budget}: probes in one generation {new[0]:.1f} s, input {new[1]} + output {new[2]} tokens; "
              f"chunked requests {old[0]:.1f} s, input {old[1]} + output {old[2]} tokens; "
              f"time ratio {new[0] / old[0]:.2f}, counted-token ratio {(new[1] + new[2]) / (old[1] + old[2]):.2f}")


if __name__ == "__main__":
    main()
