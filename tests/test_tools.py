"""Tests for the ``tools`` package: @tool, Tool.call, ToolSet, call schema and the built-in tools."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel

from thinkdial.tools import (
    Tool,
    ToolContext,
    ToolResult,
    ToolSet,
    calculator,
    evaluate,
    python_tool,
    tool,
    tool_call_schema,
    workspace_tools,
)


def run(coro: Any) -> Any:
    """Run a coroutine to completion (no pytest-asyncio needed)."""
    return asyncio.run(coro)


# --------------------------------------------------------------------------- fixtures / sample tools


class Point(BaseModel):
    x: float
    y: float


@tool
def describe(
    name: str,
    count: int,
    ratio: float = 0.5,
    flag: bool = False,
    tags: list[str] | None = None,
    mode: Literal["fast", "slow"] = "fast",
    ctx: ToolContext | None = None,
) -> str:
    """Describe something in a sentence.

    This second paragraph is not part of the description.

    Args:
        name: Who or what to describe.
        count (int): How many there are,
            counted carefully.
        ratio: A fraction between 0 and 1.
        ctx: Injected; must not show up in the schema.

    Returns:
        The sentence.
    """
    return f"{name} x{count} ratio={ratio} flag={flag} tags={tags} mode={mode}"


@tool(name="adder", description="Add two integers.", timeout=30.0)
def add(a: int, b: int) -> int:
    """Ignored docstring."""
    return a + b


@tool
async def async_mul(a: float, b: float) -> float:
    """Multiply two numbers asynchronously."""
    await asyncio.sleep(0)
    return a * b


# --------------------------------------------------------------------------- schema derivation


def test_schema_types_defaults_and_docstring() -> None:
    params = describe.parameters
    assert params["type"] == "object"
    assert params["additionalProperties"] is False
    assert params["required"] == ["name", "count"]
    props = params["properties"]
    assert list(props) == ["name", "count", "ratio", "flag", "tags", "mode"]
    assert props["name"]["type"] == "string"
    assert props["count"]["type"] == "integer"
    assert props["ratio"] == {"default": 0.5, "description": "A fraction between 0 and 1.", "type": "number"}
    assert props["flag"]["type"] == "boolean" and props["flag"]["default"] is False
    assert props["mode"]["enum"] == ["fast", "slow"]
    assert {"type": "array", "items": {"type": "string"}} in props["tags"]["anyOf"]
    assert props["name"]["description"] == "Who or what to describe."
    assert props["count"]["description"] == "How many there are, counted carefully."
    assert describe.description == "Describe something in a sentence."
    assert "ctx" not in props
    assert "title" not in json.dumps(params)


def test_decorator_options_and_still_callable() -> None:
    assert isinstance(add, Tool)
    assert add.name == "adder"
    assert add.description == "Add two integers."
    assert add.timeout == 30.0
    assert add.is_async is False
    assert add(2, 3) == 5  # callable like the original function
    assert describe.timeout is None
    assert async_mul.is_async is True
    assert run(async_mul(2, 4)) == 8


def test_nested_models_are_inlined_without_refs() -> None:
    @tool
    def centroid(points: list[Point]) -> Point:
        """Average of points."""
        n = len(points)
        return Point(x=sum(p.x for p in points) / n, y=sum(p.y for p in points) / n)

    text = json.dumps(centroid.parameters)
    assert "$ref" not in text and "$defs" not in text
    item = centroid.parameters["properties"]["points"]["items"]
    assert item["type"] == "object"
    assert item["required"] == ["x", "y"]
    assert item["additionalProperties"] is False

    result = run(centroid.call({"points": [{"x": 0, "y": 0}, {"x": 2, "y": 4}]}))
    assert result.ok, result.content
    assert isinstance(result.value, Point)
    assert json.loads(result.content) == {"x": 1.0, "y": 2.0}


def test_bad_definitions_are_rejected_early() -> None:
    with pytest.raises(TypeError, match=r"\*args"):

        @tool
        def bad(*numbers: int) -> int:
            return sum(numbers)

    with pytest.raises(ValueError, match="timeout"):
        tool(name="zero", timeout=0)(lambda: 1)
    with pytest.raises(ValueError, match="name"):
        tool(name="has space")(lambda: 1)
    with pytest.raises(ValueError, match="name="):
        tool(lambda: 1)  # "<lambda>" is no tool name


# --------------------------------------------------------------------------- calling


def test_sync_and_async_calls_succeed() -> None:
    result = run(add.call('{"a": 2, "b": 40}'))
    assert isinstance(result, ToolResult)
    assert result.ok and result.content == "42" and result.value == 42
    assert result.seconds >= 0

    result = run(async_mul.call({"a": 1.5, "b": 4}))
    assert result.ok and result.content == "6.0" and result.value == 6.0


def test_context_is_injected(tmp_path: Path) -> None:
    seen: list[ToolContext] = []

    @tool
    def where(label: str, context: ToolContext) -> str:
        """Report the workspace."""
        seen.append(context)
        return f"{label}:{context.workspace}:{context.remaining}"

    assert list(where.parameters["properties"]) == ["label"]
    ctx = ToolContext(workspace=tmp_path, remaining={"tokens": 10}, extra={"k": 1})
    result = run(where.call({"label": "w"}, ctx))
    assert result.ok and result.content == f"w:{tmp_path}:{{'tokens': 10}}"
    assert seen[-1] is ctx
    result = run(where.call({"label": "w"}))  # a default context when none is given
    assert result.ok and isinstance(seen[-1], ToolContext) and seen[-1].workspace is None


def test_results_are_rendered_as_text() -> None:
    @tool
    def structured() -> dict[str, Any]:
        """Return a dict."""
        return {"a": [1, 2], "p": Point(x=1, y=2)}

    @tool
    def nothing() -> None:
        """Return nothing."""

    result = run(structured.call("{}"))
    assert result.ok and json.loads(result.content) == {"a": [1, 2], "p": {"x": 1.0, "y": 2.0}}
    assert result.value["p"] == Point(x=1, y=2)
    assert run(nothing.call("")).content == "None"  # empty argument text means {}
    assert "value" not in result.model_dump()  # raw values stay out of serialised traces


def test_malformed_json_gives_a_clear_message() -> None:
    result = run(add.call('{"a": 1, "b": '))
    assert result.ok is False
    assert "not valid JSON" in result.content
    assert "Expecting value" in result.content  # quotes the parse error
    assert '"a": <integer>' in result.content and '"b": <integer>' in result.content

    result = run(add.call("[1, 2]"))
    assert result.ok is False and "must be a JSON object" in result.content


def test_wrong_types_missing_and_unknown_arguments() -> None:
    result = run(add.call('{"a": "three", "c": 1}'))
    assert result.ok is False
    lines = result.content.splitlines()
    assert any("'a'" in line and "integer" in line and '"three"' in line for line in lines)
    assert any("missing required argument 'b'" in line for line in lines)
    assert any("unknown argument 'c'" in line for line in lines)
    assert "Expected arguments: a (integer, required), b (integer, required)" in result.content

    # Numeric strings are accepted for numbers (lax validation, as models often quote numbers).
    assert run(add.call({"a": "3", "b": 4})).value == 7


def test_raising_tools_report_type_and_message() -> None:
    @tool
    def explode(reason: str) -> str:
        """Fail on purpose."""
        raise RuntimeError(reason)

    @tool
    async def explode_async() -> str:
        """Fail on purpose, asynchronously."""
        raise KeyError("missing")

    result = run(explode.call({"reason": "disk on fire"}))
    assert result.ok is False and result.content == "RuntimeError: disk on fire"
    result = run(explode_async.call({}))
    assert result.ok is False and result.content == "KeyError: 'missing'"


def test_hanging_sync_tool_times_out_quickly() -> None:
    @tool(timeout=0.2)
    def hang() -> str:
        """Never finishes in time."""
        time.sleep(3)
        return "late"

    start = time.perf_counter()
    result = run(hang.call({}))
    elapsed = time.perf_counter() - start
    assert result.ok is False
    assert "timed out after 0.2 s" in result.content
    assert elapsed < 1.5  # asyncio.run is not held up by the abandoned thread


def test_hanging_async_tool_times_out() -> None:
    @tool(timeout=0.2)
    async def hang_async() -> str:
        """Never finishes in time."""
        await asyncio.sleep(10)
        return "late"

    start = time.perf_counter()
    result = run(hang_async.call({}))
    assert result.ok is False and "timed out after 0.2 s" in result.content
    assert time.perf_counter() - start < 1.5


def test_tool_raising_timeouterror_itself_is_not_a_tool_timeout() -> None:
    @tool(timeout=5)
    def gives_up() -> str:
        """Raise TimeoutError on its own."""
        raise TimeoutError("upstream slow")

    result = run(gives_up.call({}))
    assert result.ok is False and result.content == "TimeoutError: upstream slow"


# --------------------------------------------------------------------------- ToolSet and call schema


def test_toolset_lookup_iteration_and_unknown_tool() -> None:
    def plain(text: str) -> str:
        """Echo text."""
        return text

    tools = ToolSet([add, async_mul, plain])
    assert tools.names == ["adder", "async_mul", "plain"]
    assert len(tools) == 3 and "adder" in tools
    assert tools.get("adder") is add and tools.get("nope") is None
    assert [t.name for t in tools] == tools.names
    assert isinstance(tools.get("plain"), Tool)  # plain functions are wrapped

    assert run(tools.call("adder", '{"a": 1, "b": 2}')).content == "3"
    result = run(tools.call("subtract", "{}"))
    assert result.ok is False
    assert "Unknown tool 'subtract'" in result.content
    assert "adder, async_mul, plain" in result.content

    with pytest.raises(ValueError, match="duplicate"):
        tools.add(add)


def test_tool_call_schema_shape() -> None:
    schema = tool_call_schema([add, describe])
    text = json.dumps(schema)
    assert "$ref" not in text and "$defs" not in text
    assert set(schema) == {"anyOf"}
    first, second = schema["anyOf"]
    assert first["properties"]["tool"] == {"type": "string", "enum": ["adder"]}
    assert first["properties"]["arguments"] == add.parameters
    assert first["required"] == ["tool", "arguments"] and first["additionalProperties"] is False
    assert second["properties"]["tool"]["enum"] == ["describe"]
    assert ToolSet([add, describe]).call_schema() == schema
    with pytest.raises(ValueError):
        tool_call_schema([])


def test_tool_call_schema_converts_to_a_llama_cpp_grammar() -> None:
    llama_grammar = pytest.importorskip("llama_cpp.llama_grammar")

    @tool
    def centroid(points: list[Point], note: str | None = None) -> str:
        """Average points."""
        return ""

    schema = tool_call_schema([calculator, add, describe, centroid])
    grammar = llama_grammar.json_schema_to_gbnf(json.dumps(schema))
    assert '"\\"calculator\\""' in grammar and '"\\"expression\\""' in grammar
    llama_grammar.LlamaGrammar.from_string(grammar, verbose=False)  # parses without error


def test_tool_call_schema_accepts_and_rejects_calls() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = tool_call_schema([calculator, add])
    jsonschema.validate({"tool": "calculator", "arguments": {"expression": "37 + 48"}}, schema)
    jsonschema.validate({"tool": "adder", "arguments": {"a": 1, "b": 2}}, schema)
    for bad in (
        {"tool": "calculator", "arguments": {"expr": "1"}},
        {"tool": "adder", "arguments": {"expression": "1"}},
        {"tool": "nope", "arguments": {}},
        {"tool": "adder"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


# --------------------------------------------------------------------------- calculator


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("37 + 48", "85"),
        ("2 + 3 * 4", "14"),
        ("(2 + 3) * 4", "20"),
        ("2 ** 3 ** 2", "512"),
        ("-2 ** 2", "-4"),
        ("10 / 4", "2.5"),
        ("10 / 2", "5"),
        ("7 // 2", "3"),
        ("7 % 3", "1"),
        ("0.1 + 0.2", "0.3"),
        ("1 / 3", "0.333333333333"),
        ("sqrt(16) + abs(-3)", "7"),
        ("round(2.567, 2)", "2.57"),
        ("min(4, 2, 9) + max(1, 5)", "7"),
        ("log(8, 2)", "3"),
        ("log10(1000)", "3"),
        ("exp(0)", "1"),
        ("floor(2.7) + ceil(2.1)", "5"),
        ("sin(0) + cos(0)", "1"),
        ("tan(pi / 4)", "1"),
        ("2 * pi", "6.28318530718"),
        ("e", "2.71828182846"),
        ("2 ** 100", "1267650600228229401496703205376"),
        # model habits
        ("37 x 48", "1776"),
        ("37x48", "1776"),
        ("6 × 7", "42"),
        ("2^10", "1024"),
        ("1,000 + 5", "1005"),
        ("1,234,567 * 2", "2469134"),
        ("12 * 3 =", "36"),
        ("max(1,200)", "200"),  # commas inside a call are argument separators
    ],
)
def test_calculator_results(expression: str, expected: str) -> None:
    assert calculator(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os')", "not allowed"),
        ("().__class__", "attribute access is not allowed"),
        ("math.pi", "attribute access is not allowed"),
        ("x + 1", "unknown name 'x'"),
        ("lambda: 1", "lambda is not allowed"),
        ("'a' * 3", "only numbers"),
        ("[1, 2]", "not allowed"),
        ("1 < 2", "comparison is not allowed"),
        ("9 ** 9 ** 9", "too large"),
        ("10 ** 400", "too large"),
        ("2 ** 1100 + 1", "too large"),
        ("1e308 * 10", "too large"),
        ("1 / 0", "division by zero"),
        ("5 % 0", "division by zero"),
        ("0 ** -1", "division by zero"),
        ("sqrt(-1)", "math domain error"),
        ("log(0)", "math domain error"),
        ("(-8) ** 0.5", "not a real number"),
        ("sqrt(1, 2)", "takes 1 argument"),
        ("round(2.5, ndigits=1)", "keyword arguments"),
        ("1 +", "could not parse"),
        ("", "empty"),
        ("1+" * 300 + "1", "too long"),
        ("(" * 60 + "1" + ")" * 60, "nested too deeply"),
        ("-" * 100 + "1", "nested too deeply"),
    ],
)
def test_calculator_refuses(expression: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        evaluate(expression)


def test_calculator_tool_reports_errors_as_results() -> None:
    assert calculator.parameters["required"] == ["expression"]
    # Refused by the schema's pattern before evaluation is even attempted.
    result = run(calculator.call('{"expression": "__import__(\'os\').system(\'echo hi\')"}'))
    assert result.ok is False and "pattern" in result.content
    # Inside the pattern but not valid arithmetic: the evaluator's error comes back as the result.
    result = run(calculator.call({"expression": "1 / 0"}))
    assert result.ok is False and result.content.startswith(("ValueError:", "ZeroDivisionError:"))
    result = run(calculator.call({"expression": "37 + 48"}))
    assert result.ok and result.content == "85"


# --------------------------------------------------------------------------- file tools


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "sub").mkdir(parents=True)
    (root / "notes.txt").write_text("hello workspace\n")
    (root / "sub" / "deep.txt").write_text("deep")
    (root / "blob.bin").write_bytes(b"\x00\x01\x02binary")
    (root / "big.txt").write_text("abcdefghij" * 100)
    (tmp_path / "secret.txt").write_text("top secret")
    return root


def _file_tools(root: Path) -> ToolSet:
    return ToolSet(workspace_tools(root))


def test_read_file_and_list_dir(workspace: Path) -> None:
    tools = _file_tools(workspace)
    assert tools.names == ["read_file", "list_dir"]
    assert tools.get("read_file").parameters["required"] == ["path"]  # type: ignore[union-attr]

    result = run(tools.call("read_file", {"path": "notes.txt"}))
    assert result.ok and result.content == "hello workspace\n"
    assert run(tools.call("read_file", {"path": "sub/deep.txt"})).content == "deep"

    result = run(tools.call("read_file", {"path": "big.txt", "max_bytes": 25}))
    assert result.ok and result.content.startswith("abcdefghijabcdefghijabcde\n")
    assert "truncated" in result.content and "1000 bytes" in result.content

    listing = run(tools.call("list_dir", {})).content.splitlines()
    assert listing[0] == "sub/"
    assert "notes.txt  (16 bytes)" in listing
    assert run(tools.call("list_dir", {"path": "sub"})).content == "deep.txt  (4 bytes)"


def test_file_tools_clear_errors(workspace: Path) -> None:
    tools = _file_tools(workspace)
    result = run(tools.call("read_file", {"path": "missing.txt"}))
    assert result.ok is False and "FileNotFoundError" in result.content and "missing.txt" in result.content
    result = run(tools.call("read_file", {"path": "blob.bin"}))
    assert result.ok is False and "binary file" in result.content
    result = run(tools.call("read_file", {"path": "sub"}))
    assert result.ok is False and "is a directory" in result.content
    result = run(tools.call("list_dir", {"path": "notes.txt"}))
    assert result.ok is False and "not a directory" in result.content


@pytest.mark.parametrize("path", ["../secret.txt", "sub/../../secret.txt", "SECRET_ABS"])
def test_file_tools_refuse_escapes(workspace: Path, path: str) -> None:
    if path == "SECRET_ABS":
        path = str(workspace.parent / "secret.txt")
    tools = _file_tools(workspace)
    result = run(tools.call("read_file", {"path": path}))
    assert result.ok is False
    assert "outside the workspace" in result.content
    assert "top secret" not in result.content
    assert run(tools.call("list_dir", {"path": ".."})).ok is False


@pytest.mark.skipif(not hasattr(os, "symlink") or sys.platform == "win32", reason="needs symlinks")
def test_file_tools_refuse_symlink_escapes(workspace: Path) -> None:
    (workspace / "link.txt").symlink_to(workspace.parent / "secret.txt")
    (workspace / "linkdir").symlink_to(workspace.parent)
    (workspace / "inside.txt").symlink_to(workspace / "notes.txt")
    tools = _file_tools(workspace)
    for call in (("read_file", {"path": "link.txt"}), ("read_file", {"path": "linkdir/secret.txt"}),
                 ("list_dir", {"path": "linkdir"})):
        result = run(tools.call(*call))
        assert result.ok is False and "outside the workspace" in result.content
        assert "top secret" not in result.content and "secret.txt" not in result.content.replace(call[1]["path"], "")
    assert run(tools.call("read_file", {"path": "inside.txt"})).content == "hello workspace\n"


def test_workspace_root_must_exist(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        workspace_tools(tmp_path / "nope")


# --------------------------------------------------------------------------- python runner

# The sandbox is the default; where bubblewrap is missing these behaviours are checked in the weak mode
# (tests/test_sandbox.py covers the isolation itself and skips there).
from thinkdial.tools.python_runner import bwrap_path  # noqa: E402

ISOLATION = "sandbox" if bwrap_path() else "process"


def test_python_runner_output_and_errors() -> None:
    runner = python_tool(timeout=5.0, isolation=ISOLATION)
    assert runner.name == "run_python" and runner.parameters["required"] == ["code"]

    result = run(runner.call({"code": "print(sum(range(10)))"}))
    assert result.ok and result.content == "45"

    result = run(runner.call({"code": "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)"}))
    assert result.ok and result.content == "out\n[stderr]\nerr\n[exit code 3]"

    result = run(runner.call({"code": "raise ValueError('boom')"}))
    assert "ValueError: boom" in result.content and "[exit code 1]" in result.content

    result = run(runner.call({"code": "pass"}))
    assert result.content == "(no output)"

    # isolated: temp working dir, near-empty environment, output truncated
    code = "import os; print(os.getcwd()); print(sorted(os.environ))"
    cwd, env = run(runner.call({"code": code})).content.splitlines()
    assert Path(cwd).name == "work" and Path(cwd).resolve() != Path.cwd().resolve()
    assert "HOME" in env and not any(name in env for name in ("PYTHONPATH", "VIRTUAL_ENV", "USER"))
    result = run(runner.call({"code": "print('y' * 100000)"}))
    assert len(result.content) < 10000 and "characters omitted" in result.content


def test_python_runner_timeout_kills_process() -> None:
    runner = python_tool(timeout=0.5, isolation=ISOLATION)
    start = time.perf_counter()
    result = run(runner.call({"code": "import time\nprint('started', flush=True)\ntime.sleep(30)"}))
    assert result.ok is False
    assert "TimeoutError" in result.content and "0.5 s" in result.content and "killed" in result.content
    assert "started" in result.content  # partial output is kept
    assert time.perf_counter() - start < 3


def test_python_runner_memory_limit() -> None:
    runner = python_tool(timeout=5.0, memory_mb=128, isolation=ISOLATION)
    result = run(runner.call({"code": "x = bytearray(512 * 1024 * 1024)\nprint('allocated')"}))
    assert "allocated" not in result.content
    assert "MemoryError" in result.content and "memory limit of 128 MB" in result.content
    ok = run(runner.call({"code": "x = bytearray(16 * 1024 * 1024)\nprint(len(x))"}))
    assert ok.content == str(16 * 1024 * 1024)


def test_tools_package_does_not_import_other_packages() -> None:
    import subprocess

    code = (
        "import sys, thinkdial.tools; "
        "print(sorted(m for m in sys.modules if m.startswith('thinkdial.') and not m.startswith('thinkdial.tools')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- non-regular files


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_read_file_refuses_a_fifo_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    read_file = {t.name: t for t in workspace_tools(tmp_path)}["read_file"]
    started = time.perf_counter()
    result = asyncio.run(read_file.call({"path": "pipe"}))
    assert result.ok is False and "not a regular file" in result.content
    assert time.perf_counter() - started < 5  # refused, not blocked until the tool timeout


def test_read_file_refuses_a_symlink_to_a_device(tmp_path: Path) -> None:
    (tmp_path / "dev").mkdir()
    os.symlink("/dev/zero", tmp_path / "zero")
    result = asyncio.run({t.name: t for t in workspace_tools(tmp_path)}["read_file"].call({"path": "zero"}))
    assert result.ok is False and ("outside the workspace" in result.content or "not a regular file" in result.content)


# --------------------------------------------------------------------------- calculator work bounds

_HOSTILE = [
    "round(1, -10**9)",
    "round(1.5, 10**9)",
    "round(10**300, -10**9)",
    "round(10**300, -10**300)",
    "9**9**9",
    "(10**300)**(10**300)",
    "10**300 * 10**300 * 10**300",
    "round(2, -(10**300))",
    "max(10**307, 10**308) // 3 % 7",
    "sqrt(10**308) * 10**300",
]


@pytest.mark.parametrize("expression", _HOSTILE)
def test_no_calculator_expression_runs_long(expression: str) -> None:
    started = time.perf_counter()
    result = asyncio.run(calculator.call({"expression": expression}))
    assert time.perf_counter() - started < 2, f"{expression} took too long"
    assert result.content  # an answer or a clear refusal, promptly


def test_round_beyond_the_digit_cap_keeps_python_semantics() -> None:
    assert evaluate("round(1, -10**9)") == 0
    assert evaluate("round(1.25, 10**9)") == 1.25
    assert evaluate("round(1234, -2)") == 1200
