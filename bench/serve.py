"""``thinkdial serve``: what the server adds to a request, and how many requests a second it takes.

1. Overhead: the same request through a server in its own process (the ``openai`` async client, HTTP on
   127.0.0.1, uvicorn, translation, the SQLite spend store) against ``Agent.run_messages`` in-process, on the
   same model, requests alternating: the embedded model (``--embedded-runs``, policy ``fast``, a 16-token
   answer) and ScriptedModel (pure overhead).
2. Throughput: requests per second at 1, 8 and 32 concurrent clients against a ScriptedModel-backed server in
   its own process (so the figure is the server's, not the model's or the client's), policy ``fast``.

Run: .venv/bin/python bench/serve.py [--runs 200] [--embedded-runs 10] [--requests 600]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

ASK = [{"role": "user", "content": "What is 37 + 48?"}]


def scripted_agent():  # type: ignore[no-untyped-def]
    from thinkdial import Agent
    from thinkdial.models import ScriptedModel

    fast = ScriptedModel("The answer is 85.", name="fast")
    return Agent(fast=fast, thinker=ScriptedModel("Answer: 85", name="thinker"), estimate="tokens", policy="fast")


def embedded_agent():  # type: ignore[no-untyped-def]
    from thinkdial import Agent

    return Agent(policy="fast", tools=[])


def start_server(kind: str, tmp: str) -> tuple[subprocess.Popen[bytes], str]:
    """A ``kind`` ("scripted" or "embedded") server in its own process; (process, base URL) once it answers."""
    import httpx

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--port", str(port), "--store", str(Path(tmp) / f"{kind}.db")])
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
            return proc, f"http://127.0.0.1:{port}/v1"
        except httpx.HTTPError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.1)


def overhead(kind: str, runs: int, max_tokens: int | None) -> tuple[float, float, float]:
    """(in-process seconds, served seconds, served seconds outside the run) per request, medians; requests
    alternate so load from elsewhere hits both alike, and "outside the run" (wall time minus the run's own time,
    as the server reports it) does not depend on that load at all."""
    import openai

    from thinkdial.models.base import Message
    from thinkdial.serve.engine import derive

    agent = scripted_agent() if kind == "scripted" else embedded_agent()
    if max_tokens is not None:
        agent = derive(agent, estimate=agent.estimate.model_copy(update={"draft_tokens": max_tokens, "long_draft_tokens": max_tokens}),
                       thinking=agent.thinking.model_copy(update={"answer_tokens": max_tokens, "long_answer_tokens": max_tokens}))
    messages = [Message(role="user", content=ASK[0]["content"])]
    extra = {"max_tokens": max_tokens} if max_tokens else {}
    inproc: list[float] = []
    served: list[float] = []
    outside: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server(kind, tmp)
        try:
            async def both() -> None:
                client = openai.AsyncOpenAI(base_url=base, api_key="x", max_retries=0)
                for i in range(runs + 2):
                    t = time.perf_counter()
                    await agent.run_messages(messages)
                    a = time.perf_counter() - t
                    t = time.perf_counter()
                    reply = await client.chat.completions.create(model="thinkdial/fast", messages=ASK, **extra)  # type: ignore[arg-type]
                    b = time.perf_counter() - t
                    if i >= 2:  # warm-up: weights, caches, connections
                        inproc.append(a)
                        served.append(b)
                        outside.append(b - reply.model_extra["thinkdial"]["seconds"])  # type: ignore[index]
                await client.close()

            asyncio.run(both())
        finally:
            proc.terminate()
            proc.wait(10)
    return statistics.median(inproc), statistics.median(served), statistics.median(outside)


def serve_in_this_process(kind: str, port: int, store: str) -> None:
    """A bench server (ScriptedModel or the embedded model) behind uvicorn, in this (child) process."""
    import uvicorn

    from thinkdial.serve.app import ServeOptions, create_app
    from thinkdial.serve.engine import Engine
    from thinkdial.serve.spend import SQLiteSpendStore

    agent = scripted_agent() if kind == "scripted" else embedded_agent()
    app = create_app(Engine.default(agent), ServeOptions(max_concurrency=64, store=SQLiteSpendStore(store)))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def load(base: str, clients: int, requests: int) -> tuple[float, float, int]:
    """(requests/s, median latency s, failures) with ``clients`` concurrent clients sending ``requests`` in all."""
    import httpx

    body = {"model": "thinkdial/fast", "messages": ASK}
    left = requests
    latencies: list[float] = []
    failures = 0

    async def client(http: httpx.AsyncClient) -> None:
        nonlocal left, failures
        while left > 0:
            left -= 1
            t = time.perf_counter()
            r = await http.post(f"{base}/chat/completions", json=body)
            latencies.append(time.perf_counter() - t)
            failures += r.status_code != 200

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        for _ in range(20):  # warm-up
            await http.post(f"{base}/chat/completions", json=body)
        t = time.perf_counter()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        elapsed = time.perf_counter() - t
    return requests / elapsed, statistics.median(latencies), failures


def throughput(requests: int) -> list[tuple[int, float, float, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        proc, base = start_server("scripted", tmp)
        try:
            return [(n, *asyncio.run(load(base, n, requests))) for n in (1, 8, 32)]
        finally:
            proc.terminate()
            proc.wait(10)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=200, help="requests per side on ScriptedModel")
    p.add_argument("--embedded-runs", type=int, default=10, help="requests per side on the embedded model (0 skips)")
    p.add_argument("--requests", type=int, default=600, help="requests per concurrency level")
    p.add_argument("--serve", choices=["scripted", "embedded"], help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    p.add_argument("--store", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.serve:
        serve_in_this_process(args.serve, args.port, args.store)
        return
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    print(f"machine: {platform.machine()} cores={os.cpu_count()} python={platform.python_version()}  date: {date.today().isoformat()}")
    print("| model | in-process Agent.run_messages | through thinkdial serve | difference | ratio | served, outside the run |")
    print("|---|---|---|---|---|---|")
    rows: list[tuple[str, str, int, int | None]] = [("ScriptedModel", "scripted", args.runs, None)]
    if args.embedded_runs:
        rows.append(("embedded (SmolLM2-135M), 16-token answer", "embedded", args.embedded_runs, 16))
    for name, kind, runs, cap in rows:
        inproc, served, outside = overhead(kind, runs, cap)
        print(f"| {name} | {inproc * 1000:.1f} ms | {served * 1000:.1f} ms | {(served - inproc) * 1000:+.1f} ms | "
              f"{served / inproc:.2f} | {outside * 1000:.1f} ms |")
    print()
    print("| concurrent clients | requests/s | median latency | failures |")
    print("|---|---|---|---|")
    for n, rps, median, failures in throughput(args.requests):
        print(f"| {n} | {rps:.0f} | {median * 1000:.1f} ms | {failures} |")


if __name__ == "__main__":
    main()
