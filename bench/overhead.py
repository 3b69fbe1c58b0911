"""Framework overhead on the local path, measured against raw llama-cpp-python in the same run.

Three ways to generate the same greedy continuation of the same prompt on the
same loaded model:

* ``raw generate``: llama-cpp-python's ``Llama.generate`` loop plus detokenizing (the floor),
* ``raw chat``: ``Llama.create_chat_completion`` (what most scripts call),
* ``thinkdial``: ``LlamaCppModel`` with per-token uncertainty (logprob, entropy, top-5) on.

Rounds alternate the three so machine noise hits all of them alike; the
medians give tokens/s and the ratios thinkdial / raw.

Also: ``import agent`` must not import litellm, llama_cpp or textual, and
``thinkdial --help`` must return in well under half a second.

Run: .venv/bin/python bench/overhead.py [--tokens 128] [--rounds 5]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from datetime import date

PROMPT = "Write a long, detailed story about a lighthouse keeper who finds a message in a bottle."


def time_help(runs: int = 7) -> float:
    exe = [sys.executable, "-m", "thinkdial.cli", "--help"]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(exe, check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def heavy_imports() -> str:
    code = "import sys, agent, agent.cli; from agent import Agent, Budget; print(','.join(m for m in ('litellm','llama_cpp','textual') if m in sys.modules) or 'none')"
    return subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from thinkdial.models import LlamaCppModel, Message, ModelRequest, embedded_model_path

    model = LlamaCppModel(embedded_model_path(), n_ctx=2048)
    model.load()
    llama = model._llama
    messages = [Message(role="user", content=PROMPT)]
    request = ModelRequest(messages=messages, max_tokens=args.tokens, temperature=0.0)
    prompt_tokens = model._prompt_tokens(messages, [], True)
    import llama_cpp

    def raw_generate() -> int:
        n = 0
        for tok in llama.generate(prompt_tokens, temp=0.0, top_k=1, repeat_penalty=1.0):
            if llama_cpp.llama_vocab_is_eog(llama._model.vocab, tok):
                break
            llama.detokenize([tok])
            n += 1
            if n >= args.tokens:
                break
        return n

    def raw_chat() -> int:
        out = llama.create_chat_completion(
            messages=[{"role": "user", "content": PROMPT}], max_tokens=args.tokens, temperature=0.0, top_k=1
        )
        return out["usage"]["completion_tokens"]

    def thinkdial() -> int:
        c = model.complete_sync(request)
        assert c.tokens is not None and len(c.tokens) == c.usage.output_tokens
        return c.usage.output_tokens

    runners = {"raw generate": raw_generate, "raw chat": raw_chat, "thinkdial": thinkdial}
    for fn in runners.values():  # warm-up (and the prompt cache) for everyone
        fn()
    rates: dict[str, list[float]] = {k: [] for k in runners}
    counts: dict[str, int] = {}
    for _ in range(args.rounds):
        for name, fn in runners.items():
            t = time.perf_counter()
            n = fn()
            dt = time.perf_counter() - t
            counts[name] = n
            rates[name].append(n / dt)
    med = {k: statistics.median(v) for k, v in rates.items()}
    help_s = time_help()
    heavy = heavy_imports()

    print(f"machine: {platform.machine()} {platform.processor() or ''} cores={__import__('os').cpu_count()} python={platform.python_version()}")
    print(f"date: {date.today().isoformat()}  model: SmolLM2-135M-Instruct Q4_1  tokens/run: {counts}  rounds: {args.rounds}")
    for k, v in med.items():
        print(f"{k:>13}: {v:6.1f} tok/s (runs: {', '.join(f'{x:.1f}' for x in rates[k])})")
    print(f"ratio thinkdial / raw generate: {med['thinkdial'] / med['raw generate']:.3f}")
    print(f"ratio thinkdial / raw chat:     {med['thinkdial'] / med['raw chat']:.3f}")
    print(f"thinkdial --help: {help_s * 1000:.0f} ms (median of 7)")
    print(f"heavy modules after 'import agent': {heavy}")


if __name__ == "__main__":
    main()
