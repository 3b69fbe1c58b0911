"""A dollar ceiling fails closed: a model with no known price is refused, never counted as free.

Unit checks on the ledger and the agent (scripted models), then the issue's case against a real
OpenAI-compatible server on 127.0.0.1 through litellm: the Python API, the command line (exit 2)
and the chat UI (an error in the conversation).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from servers.reasoning import ReasoningServer

from thinkdial import Agent, Budget
from thinkdial.budget import Ledger, require_prices, unpriced_model_names
from thinkdial.config import ConfigError, load_config
from thinkdial.errors import UnpricedModelError
from thinkdial.models import Completion, Pricing, ScriptedModel, Usage
from thinkdial.models.fallback import FallbackModel
from thinkdial.models.resolve import resolve_model

UNPRICED = "openai/my-selfhosted"


# -- the ledger ----------------------------------------------------------------------------------


def test_plan_refuses_an_unknown_price_under_a_dollar_ceiling() -> None:
    ledger = Ledger(Budget(max_cost_usd=1.0))
    with pytest.raises(UnpricedModelError, match="my-model") as err:
        ledger.plan(Pricing.unknown(), prompt_tokens=10, max_tokens=100, model="my-model")
    assert "pricing=" in str(err.value) and "[prices." in str(err.value) and "Pricing.free()" in str(err.value)
    # Without a dollar ceiling the price does not matter; a declared free model always plans.
    assert Ledger(Budget(max_tokens=500)).plan(Pricing.unknown(), 10, 100).allowed
    assert Ledger(Budget(max_cost_usd=1.0)).plan(Pricing.free(), 10, 100).max_tokens == 100


def test_record_refuses_unpriced_usage_under_a_dollar_ceiling_but_books_its_tokens() -> None:
    ledger = Ledger(Budget(max_cost_usd=1.0, max_tokens=1000))
    with pytest.raises(UnpricedModelError, match="could not be counted"):
        ledger.record(Usage(input_tokens=10, output_tokens=20, unpriced=True), model="proxy-alias")
    assert ledger.spent.total_tokens == 30 and ledger.spent.unpriced  # the token ceiling still sees them
    Ledger(Budget(max_tokens=1000)).record(Usage(input_tokens=1, unpriced=True))  # no dollar ceiling: fine


def test_prices_are_validated() -> None:
    for bad in ({"input_per_mtok": -1.0}, {"output_per_mtok": float("nan")}, {"input_per_mtok": float("inf")}):
        with pytest.raises(ValueError):
            Pricing(**bad)  # type: ignore[arg-type]
    assert Pricing.free() == Pricing() and Pricing.free().known and not Pricing.unknown().known


def test_require_prices_names_every_unpriced_model_and_list_member() -> None:
    priced = ScriptedModel("ok", name="priced", pricing=Pricing(input_per_mtok=1.0, output_per_mtok=2.0))
    free = ScriptedModel("ok", name="free", pricing=Pricing.free())
    unknown = ScriptedModel("ok", name="mystery", pricing=Pricing.unknown())
    chain = FallbackModel([priced, unknown])
    assert not chain.pricing.known
    assert unpriced_model_names([priced, free, chain, unknown]) == ["mystery"]
    require_prices(Budget(max_tokens=10), [unknown])  # no dollar ceiling
    with pytest.raises(UnpricedModelError, match="mystery"):
        require_prices(Budget(max_cost_usd=0.5), [priced, chain])


# -- the agent -----------------------------------------------------------------------------------


def test_a_run_with_a_dollar_ceiling_refuses_to_start_on_an_unpriced_model() -> None:
    fast = ScriptedModel("Paris.", name="fast", pricing=Pricing(input_per_mtok=1.0, output_per_mtok=1.0))
    thinker = ScriptedModel("Paris.", name="unpriced-thinker", pricing=Pricing.unknown())
    agent = Agent(fast=fast, thinker=thinker, policy="fast")
    with pytest.raises(UnpricedModelError, match="unpriced-thinker"):
        agent.run_sync("Capital of France?", budget=Budget(max_cost_usd=0.05))
    assert fast.requests == [] and thinker.requests == []  # nothing was called
    # A token ceiling alone does not need prices.
    assert agent.run_sync("Capital of France?", budget=Budget(max_tokens=500)).stop_reason == "final"


def test_the_verifier_counts_only_when_answers_are_verified() -> None:
    model = ScriptedModel("Paris.", repeat_last=True, pricing=Pricing.free())
    verifier = ScriptedModel("Yes", name="unpriced-verifier", repeat_last=True, pricing=Pricing.unknown())
    budget = Budget(max_cost_usd=0.05)
    assert Agent(fast=model, verifier=verifier, policy="fast").run_sync("Capital of France?", budget=budget).stop_reason == "final"
    with pytest.raises(UnpricedModelError, match="unpriced-verifier"):
        Agent(fast=model, verifier=verifier, policy="fast", verify="always").run_sync("Capital of France?", budget=budget)


def test_a_reply_that_cannot_be_priced_stops_the_run_instead_of_counting_free() -> None:
    """A priced model whose reply says its cost is unknown (a proxy that routed elsewhere, say)."""

    def reply(request: Any) -> Completion:
        return Completion(text="Paris.", usage=Usage(input_tokens=12, output_tokens=2, unpriced=True), model="proxy")

    fast = ScriptedModel(reply, name="fast", pricing=Pricing(input_per_mtok=1.0, output_per_mtok=1.0))
    result = Agent(fast=fast, policy="fast").run_sync("Capital of France?", budget=Budget(max_cost_usd=0.05))
    assert result.stop_reason == "error"
    assert "could not be counted" in result.message and "proxy" in result.message
    assert result.usage.total_tokens == 14  # what it spent is still reported


def test_agent_prices_and_config_tables_price_remote_models(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[prices]\ninput_per_mtok = 0.0\n\n[prices."{UNPRICED}"]\ninput_per_mtok = 0.5\noutput_per_mtok = 1.5\n')
    prices = load_config(config).prices.remote()
    assert prices == {UNPRICED: Pricing(input_per_mtok=0.5, output_per_mtok=1.5)}
    model = resolve_model(UNPRICED, api_base="http://127.0.0.1:9/v1", prices=prices)
    assert model.pricing == Pricing(input_per_mtok=0.5, output_per_mtok=1.5)
    assert not resolve_model(UNPRICED, api_base="http://127.0.0.1:9/v1").pricing.known
    agent = Agent(fast=UNPRICED, api_base="http://127.0.0.1:9/v1", prices={UNPRICED: Pricing.free()})
    assert agent.fast.pricing.known and agent.fast.pricing.cost(1000, 1000) == 0.0
    with pytest.raises(TypeError, match="prices"):
        Agent(fast=ScriptedModel("x"), prices={UNPRICED: 0.5})  # type: ignore[dict-item]


def test_a_half_priced_config_table_is_an_error_naming_its_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[budget]\nmax_cost_usd = 0.01\n\n[prices."{UNPRICED}"]\ninput_per_mtok = 0.5\n')
    with pytest.raises(ConfigError, match=rf'line 4: \[prices."{UNPRICED}"\] needs output_per_mtok'):
        load_config(config)
    config.write_text(f'[prices."{UNPRICED}"]\ninput_per_mtok = 0.5\noutput_per_mtk = 1\n')
    with pytest.raises(ConfigError, match="line 3: unknown key 'output_per_mtk'.*did you mean 'output_per_mtok'"):
        load_config(config)


def test_litellm_prices_only_what_its_map_lists() -> None:
    """litellm answers get_model_info for a model missing from its map with prices of 0: that is not a price."""
    from thinkdial.models import LiteLLMModel

    base = "http://127.0.0.1:9/v1"
    assert LiteLLMModel("openai/gpt-4o-mini", api_base=base, api_key="k").pricing.input_per_mtok > 0
    assert LiteLLMModel("ollama/llama2", api_base=base, api_key="k").pricing == Pricing.free()  # listed, free
    for unlisted in (UNPRICED, "anthropic/claude-opus-4-1", "gemini/gemini-3-pro-preview"):
        assert not LiteLLMModel(unlisted, api_base=base, api_key="k").pricing.known, unlisted


# -- against a real server -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[ReasoningServer]:
    with ReasoningServer() as srv:
        yield srv


@pytest.mark.slow
def test_the_issue_case_is_refused_before_anything_is_sent(server: ReasoningServer) -> None:
    """Three runs of an unpriced self-hosted model with a one-micro-dollar ceiling used to answer 'final' at $0."""
    before = len(server.requests)
    agent = Agent(fast=UNPRICED, api_base=server.base, tools=[])
    for _ in range(3):
        with pytest.raises(UnpricedModelError, match=UNPRICED):
            agent.run_sync("What is 37 + 48?", budget=Budget(max_cost_usd=0.000001), policy="think")
    assert len(server.requests) == before


@pytest.mark.slow
def test_priced_or_declared_free_the_same_model_runs_within_its_ceiling(server: ReasoningServer) -> None:
    priced = Agent(fast=UNPRICED, api_base=server.base, tools=[], prices={UNPRICED: Pricing(input_per_mtok=2.0, output_per_mtok=8.0)})
    result = priced.run_sync("What is 37 + 48?", budget=Budget(max_cost_usd=0.000001), policy="think")
    assert result.stop_reason == "budget" and result.usage.cost_usd <= 0.000001  # the micro-dollar ceiling now binds
    result = priced.run_sync("What is 37 + 48?", budget=Budget(max_cost_usd=0.01), policy="fast")
    assert result.stop_reason == "final" and 0 < result.usage.cost_usd <= 0.01
    free = Agent(fast=UNPRICED, api_base=server.base, tools=[], prices={UNPRICED: Pricing.free()})
    result = free.run_sync("What is 37 + 48?", budget=Budget(max_cost_usd=0.000001), policy="fast")
    assert result.stop_reason == "final" and result.usage.cost_usd == 0.0 and "85" in str(result.output)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": str(cwd), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "thinkdial.cli", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env=env)


@pytest.mark.slow
def test_the_command_line_exits_2_naming_the_fix_then_runs_once_priced(server: ReasoningServer, tmp_path: Path) -> None:
    before = len(server.requests)
    proc = _cli("run", "What is 37 + 48?", "--fast", UNPRICED, "--api-base", server.base, "--max-cost", "0.01", "--no-tools",
                cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert UNPRICED in proc.stderr and f'[prices."{UNPRICED}"]' in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1  # one line
    assert len(server.requests) == before
    config = tmp_path / "thinkdial" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'[prices."{UNPRICED}"]\ninput_per_mtok = 0\noutput_per_mtok = 0\n')  # declared free
    proc = _cli("run", "What is 37 + 48?", "--fast", UNPRICED, "--api-base", server.base, "--max-cost", "0.01", "--no-tools",
                "--quiet", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "85" in proc.stdout


async def test_the_chat_shows_the_refusal_as_an_error() -> None:
    pytest.importorskip("textual")
    from textual.widgets import Input

    from thinkdial.tui.app import ChatApp
    from thinkdial.tui.widgets import AnswerView, Note

    fast = ScriptedModel("Paris.", name="mystery-model", pricing=Pricing.unknown(), repeat_last=True)
    app = ChatApp(fast=fast, thinker=fast, max_cost=0.05, agent_factory=lambda f, t: Agent(fast=f, thinker=t, tools=[]))
    async with app.run_test(size=(110, 40)) as pilot:
        prompt = app.query_one("#prompt", Input)
        prompt.focus()
        prompt.value = "Capital of France?"
        await pilot.press("enter")
        for _ in range(250):
            views = list(app.query(AnswerView))
            if views and views[-1].status != "streaming" and not app.answering:
                break
            await asyncio.sleep(0.02)
        assert views[-1].status == "error"
        assert any("mystery-model" in n.text and "dollar ceiling" in n.text for n in app.query(Note))
        assert fast.requests == []
