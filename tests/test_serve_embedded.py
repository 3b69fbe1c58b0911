"""``thinkdial serve`` as the README starts it: one command, the embedded model, real clients (slow: a real model)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import openai
import pytest
from pydantic import Field

from thinkdial.tools import calculator, evaluate

pytestmark = pytest.mark.slow

ASK = [{"role": "user", "content": "What is 37 + 48?"}]
EXPRESSION = calculator.parameters["properties"]["expression"]["pattern"]
"""The built-in calculator's argument pattern: under a JSON grammar it keeps a small model's call well formed."""
CALCULATOR = {"type": "function", "function": {"name": "calculator", "description": calculator.description,
                                               "parameters": calculator.parameters}}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``thinkdial serve --port 0`` in a subprocess (the embedded default, the default SQLite spend store)."""
    tmp = tmp_path_factory.mktemp("serve")
    trace = tmp / "trace.jsonl"
    env = {**os.environ, "XDG_DATA_HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "thinkdial.cli", "serve", "--port", "0", "--trace", str(trace)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )
    assert proc.stdout is not None
    base = None
    deadline = time.monotonic() + 180
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        found = re.search(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", line)
        if found:
            base = found.group(1) + "/v1"
            break
    if base is None:
        proc.kill()
        pytest.fail("thinkdial serve did not start:\n" + "".join(seen))
    try:
        yield base, trace
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(30) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    assert (tmp / "thinkdial" / "serve-spend.sqlite3").exists()  # spend was booked in the default store


def test_the_readme_command_serves_the_embedded_model(server: tuple[str, Path]) -> None:
    base, _ = server
    client = openai.OpenAI(base_url=base, api_key="unused", max_retries=0)
    assert {m.id for m in client.models.list().data} >= {"thinkdial/adaptive", "thinkdial/fast", "thinkdial/think"}
    raw = client.chat.completions.with_raw_response.create(model="thinkdial/fast", messages=ASK, max_tokens=32)
    reply = raw.parse()
    assert reply.model == "embedded" and reply.choices[0].message.content
    assert raw.headers["x-thinkdial-route"] == "fast" and 0.0 <= float(raw.headers["x-thinkdial-difficulty"]) <= 1.0
    chunks = list(client.chat.completions.create(model="thinkdial/fast", messages=ASK, max_tokens=32, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices).strip()


def test_a_client_tool_round_trip_on_the_embedded_model(server: tuple[str, Path]) -> None:
    base, trace = server
    client = openai.OpenAI(base_url=base, api_key="unused", max_retries=0)
    messages: list[dict] = [*ASK]
    first = client.chat.completions.create(model="thinkdial/think", messages=messages, tools=[CALCULATOR])  # type: ignore[arg-type]
    choice = first.choices[0]
    assert choice.finish_reason == "tool_calls", choice
    call = choice.message.tool_calls[0]  # type: ignore[index]
    assert call.function.name == "calculator"  # type: ignore[union-attr]
    result = evaluate(json.loads(call.function.arguments)["expression"])  # type: ignore[union-attr]
    assert result == 85
    messages += [choice.message.model_dump(exclude_none=True), {"role": "tool", "tool_call_id": call.id, "content": str(result)}]
    second = client.chat.completions.create(model="thinkdial/adaptive", messages=messages, tools=[CALCULATOR])  # type: ignore[arg-type]
    assert second.choices[0].finish_reason == "stop" and "85" in (second.choices[0].message.content or "")
    routes = [json.loads(line) for line in trace.read_text().splitlines()[1:]]
    assert any(e["type"] == "route" and e["route"] == "think" for e in routes)


def test_a_pydantic_ai_agent_with_a_tool_end_to_end_on_the_embedded_model(server: tuple[str, Path]) -> None:
    from pydantic_ai import Agent as PydanticAgent
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    base, _ = server
    model = OpenAIChatModel("thinkdial/think", provider=OpenAIProvider(base_url=base, api_key="unused"))
    agent = PydanticAgent(model)
    used: list[str] = []

    @agent.tool_plain(name="calculator")
    def calculator_tool(expression: Annotated[str, Field(pattern=EXPRESSION, max_length=200)]) -> str:
        """Evaluate an arithmetic expression and return the result."""
        used.append(expression)
        return str(evaluate(expression))

    result = agent.run_sync("What is 37 + 48?")
    assert used, "the agent's own tool was never called"
    assert result.output.strip()
