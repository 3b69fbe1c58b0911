"""How often the local thinker's grammar-forced call is the right one, with and without offered values.

For every task of the ``agent`` suite: write its workspace, give the embedded model the think route's first
request (the task, the calculator and the workspace tools through the JSON grammar, ``GRAMMAR_CALL_TOKENS``)
with the grammar as it was (``schema``: each tool's own schema, optional arguments included), with the values
the tools offer (``offered``: the workspace's paths as an ``enum``), and as the think route sends it since issue 19 (``grounded``: offered
values narrowed to those the conversation mentions, and, when it names a file nobody has read, only the calls
that read it, required; ``phases.agent_steps.grounded_tool_specs``), and grade the call: the file the question names read (``read_value``,
``sum_file``, ``pointer``), the workspace listed (``listing``), a calculator expression worth the answer
(``calculator``).

    .venv/bin/python bench/agent_calls.py [--out bench/data/agent_calls.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from thinkdial import Agent, Budget
from thinkdial.benchmark.agent_tasks import make_workspace, split_of
from thinkdial.benchmark.tasks import Task, load_tasks, resolve_suite
from thinkdial.budget import Ledger
from thinkdial.models import ScriptedModel, local_tools
from thinkdial.models.base import Message, ModelRequest, ToolSpec
from thinkdial.phases.agent_steps import grounded_tool_specs
from thinkdial.phases.context import RunContext
from thinkdial.phases.think import GRAMMAR_CALL_TOKENS
from thinkdial.policies.estimate.grounding import tool_need
from thinkdial.prompts import SYSTEM_PROMPT
from thinkdial.tools import calculator, workspace_tools

VARIANTS = ("schema", "offered", "grounded")
_new_grammar_spec = local_tools.grammar_spec


def _old_grammar_spec(spec: ToolSpec) -> ToolSpec:
    """The grammar before issue 19: every argument of the tool's schema, optional ones included, plus an ``enum``
    of the offered values (none in the ``schema`` variant)."""
    props = dict(spec.parameters.get("properties", {}))
    for key, values in spec.offered.items():
        if key in props and values:
            props[key] = {**props[key], "enum": list(values)}
    return spec.model_copy(update={"parameters": {**spec.parameters, "properties": props}})


def _request(task: Task, tools: list, variant: str) -> ModelRequest:
    messages = [Message(role="system", content=SYSTEM_PROMPT), Message(role="user", content=task.prompt)]
    required = False
    if variant == "grounded":
        agent = Agent(fast=ScriptedModel("unused"), tools=tools)
        ctx = RunContext(settings=agent.settings(), task=task.prompt, ledger=Ledger(Budget()), emit=lambda e: None)
        specs, required = grounded_tool_specs(ctx, messages)
    else:
        specs = [
            ToolSpec(name=t.name, description=t.description, parameters=t.parameters,
                     offered=t.offered_values() if variant == "offered" else {})
            for t in tools
        ]
    return ModelRequest(messages=messages, max_tokens=GRAMMAR_CALL_TOKENS, tools=specs, temperature=0.0, seed=0,
                        tool_choice="required" if required else "auto")


def right_call(task: Task, name: str, arguments: str) -> bool:
    """Whether the call is the right first action for ``task``."""
    try:
        args = json.loads(arguments)
    except json.JSONDecodeError:
        return False
    if task.kind == "listing":
        return name == "list_dir" and args.get("path", ".") in (".", "./", "")
    if task.kind == "calculator":
        if name != "calculator":
            return False
        result = asyncio.run(calculator.call(args))
        try:
            return result.ok and abs(float(result.content) - float(task.check["value"])) < 1e-9
        except ValueError:
            return False
    files = tool_need(task.prompt, list(task.meta["workspace"])).files
    return name == "read_file" and bool(files) and args.get("path") == files[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/data/agent_calls.json")
    parser.add_argument("--resume", metavar="LOG", help="rows printed by an interrupted run: keep them, skip their calls")
    opts = parser.parse_args()
    from thinkdial.models.resolve import resolve_model

    model = resolve_model("embedded")
    rows: list[dict[str, Any]] = []
    if opts.resume:
        for line in Path(opts.resume).read_text().splitlines():
            if line.startswith('{"task"'):
                rows.append(json.loads(line))
    done = {(r["task"], r["variant"]) for r in rows}
    root = Path(tempfile.mkdtemp(prefix="agent-calls-"))
    for task in load_tasks(resolve_suite("agent")):
        folder = make_workspace(task, root / task.id)
        tools = [calculator, *workspace_tools(folder)]
        for variant in VARIANTS:
            if (task.id, variant) in done:
                continue
            request = _request(task, tools, variant)
            local_tools.grammar_spec = _new_grammar_spec if variant == "grounded" else _old_grammar_spec
            started = time.perf_counter()
            reply = asyncio.run(model.complete(request))
            call = reply.tool_calls[0] if reply.tool_calls else None
            row = {
                "task": task.id, "kind": task.kind, "split": split_of(task), "variant": variant,
                "call": f"{call.name}({call.arguments})" if call else f"answer: {reply.text[:80]}",
                "valid": call is not None and call.name != "invalid",
                "right": call is not None and right_call(task, call.name, call.arguments),
                "tokens": reply.usage.output_tokens, "seconds": round(time.perf_counter() - started, 1),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {}
    for variant in VARIANTS:
        for split in ("dev", "heldout", "all"):
            sel = [r for r in rows if r["variant"] == variant and (split == "all" or r["split"] == split)]
            summary[f"{variant}/{split}"] = {"n": len(sel), "valid": sum(r["valid"] for r in sel), "right": sum(r["right"] for r in sel)}
    print(json.dumps(summary, indent=1))
    Path(opts.out).parent.mkdir(parents=True, exist_ok=True)
    Path(opts.out).write_text(json.dumps({"summary": summary, "rows": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
