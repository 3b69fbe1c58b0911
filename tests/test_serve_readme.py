"""The README's ``thinkdial serve`` recipes run as written, against a live server (ScriptedModel agents on uvicorn)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.serve import serving

from thinkdial import Agent
from thinkdial.models import ScriptedModel
from thinkdial.serve.app import create_app
from thinkdial.serve.engine import Engine

README = Path(__file__).resolve().parents[1] / "README.md"
BASE = "http://127.0.0.1:8000/v1"


def recipes() -> list[str]:
    text = README.read_text()
    section = text[text.index("## `thinkdial serve`"):]
    section = section[: section.index("\n## ", 1)]
    return re.findall(r"^```python\n(.*?)^```", section, re.S | re.M)


RECIPES = recipes()


def test_the_readme_has_the_three_recipes() -> None:
    joined = "\n".join(RECIPES)
    assert len(RECIPES) == 3 and "from openai import OpenAI" in joined and "pydantic_ai" in joined and "from agents" in joined


@pytest.fixture(scope="module")
def base() -> Iterator[str]:
    agent = Agent(fast=ScriptedModel("85", name="fast-scripted"), thinker=ScriptedModel("Answer: 85", name="thinker-scripted"))
    with serving(create_app(Engine.default(agent))) as url:
        yield url


@pytest.mark.parametrize("code", RECIPES, ids=["openai", "pydantic-ai", "agents-sdk"][: len(RECIPES)])
def test_a_recipe_runs_against_a_live_server(code: str, base: str, capsys: pytest.CaptureFixture[str]) -> None:
    if "from agents import" in code:
        pytest.importorskip("agents", reason="the OpenAI Agents SDK is not a dev dependency (pip install openai-agents)")
    exec(compile(code.replace(BASE, base), "README.md", "exec"), {"__name__": "__readme__"})
    assert "85" in capsys.readouterr().out
