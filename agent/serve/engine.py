"""One request as one run: the model name picks an agent, the body picks the tools, ceilings and policy.

The run is :meth:`thinkdial.Agent.run_messages` with the request's tools as ``external_tools``, so a step
that decides on one of them ends the run and the call goes back to the client. Tools the server was
started with (the calculator by default) run server-side within the same request; a client tool named
like a server tool wins over it.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from thinkdial.agent import Agent
from thinkdial.budget import Budget
from thinkdial.models.base import Message, Model, ToolSpec, Usage
from thinkdial.policies.routing import RouteAction, RouteContext, RoutingPolicy, get_policy
from thinkdial.result import RunResult
from thinkdial.serve.protocol import (
    APIError,
    ChatRequest,
    bad_request,
    budget_of,
    response_schema,
    schema_output_type,
    to_messages,
    tool_plan,
)
from thinkdial.serve.spend import NANO, UNLIMITED, Amount
from thinkdial.settings import DEFAULT_BUDGET
from thinkdial.tools import ToolSet
from thinkdial.trace import TraceHeader, _thinkdial_version

PREFIX = "thinkdial/"
BUILTIN = ("adaptive", "fast", "think")
"""Model names every server offers (``thinkdial/adaptive`` ...): the policy of the same name."""


@dataclass
class ForcedLevel:
    """A policy whose escalations think at a fixed level: what ``reasoning_effort`` asks for."""

    inner: RoutingPolicy
    level: str
    name: str = ""

    def __post_init__(self) -> None:
        self.name = f"{self.inner.name}@{self.level}"

    def decide(self, ctx: RouteContext) -> RouteAction:
        action = self.inner.decide(ctx)
        if action.action != "escalate":
            return action
        return RouteAction("escalate", self.level, f"{action.reason}; reasoning_effort={self.level}")  # type: ignore[arg-type]


def combine(server: Budget, client: Budget | None) -> Budget:
    """Each ceiling at the lower of the server's per-request one and the client's (None = no limit)."""
    if client is None:
        return server

    def low(a: Any, b: Any) -> Any:
        return b if a is None else a if b is None else min(a, b)

    return Budget(**{k: low(getattr(server, k), getattr(client, k)) for k in ("max_cost_usd", "max_tokens", "max_steps", "max_seconds")})


def worst_case(budget: Budget, models: list[Model]) -> Amount:
    """What a run under ``budget`` could spend at most, for reserving: its token ceiling, and its cost ceiling
    or those tokens at the dearest price among its models (``UNLIMITED`` where unbounded)."""
    tokens = UNLIMITED if budget.max_tokens is None else budget.max_tokens
    if budget.max_cost_usd is not None:
        nano = int(budget.max_cost_usd * NANO)
    elif tokens != UNLIMITED:
        dearest = max((max(m.pricing.input_per_mtok, m.pricing.output_per_mtok) for m in models), default=0.0)
        nano = math.ceil(tokens * dearest * 1000)  # $/Mtok * 1e9 nano / 1e6 tokens
    else:
        nano = UNLIMITED
    return Amount(tokens=tokens, nano_usd=nano)


def amount_of(usage: Usage) -> Amount:
    """What a run spent, in the store's units."""
    return Amount(tokens=usage.total_tokens, nano_usd=round(usage.cost_usd * NANO))


@dataclass
class Prepared:
    """A validated request, ready to run."""

    model: str
    agent: Agent
    messages: list[Message]
    external: list[ToolSpec]
    budget: Budget
    policy: RoutingPolicy
    stops: list[str]

    @property
    def models(self) -> list[Model]:
        return [self.agent.fast, self.agent.thinker, self.agent.verifier]


class Engine:
    """The models a server offers (``thinkdial/adaptive`` ... and config profiles) and how a request becomes a run.

    Args:
        agents: model name -> the agent serving it (its models, tools and policy).
        budget: each request's ceiling (a request's own ``thinkdial.budget`` may only lower it).
    """

    def __init__(self, agents: Mapping[str, Agent], *, budget: Budget = DEFAULT_BUDGET) -> None:
        if not agents:
            raise ValueError("a server needs at least one model")
        self.agents = dict(agents)
        self.budget = budget
        self.created = int(time.time())

    @classmethod
    def default(cls, agent: Agent, profiles: Mapping[str, Agent] | None = None, **kwargs: Any) -> Engine:
        """``thinkdial/adaptive``, ``/fast`` and ``/think`` on ``agent``'s models and tools, plus named profiles."""
        agents = {PREFIX + name: derive(agent, policy=get_policy(name)) for name in BUILTIN}
        for name, profile in (profiles or {}).items():
            if name in BUILTIN:
                raise ValueError(f"profile {name!r} would hide the built-in model thinkdial/{name}")
            agents[PREFIX + name] = profile
        return cls(agents, **kwargs)

    def models(self) -> list[dict[str, Any]]:
        """``GET /v1/models``'s ``data``."""
        return [self.model_card(name) for name in self.agents]

    def model_card(self, name: str) -> dict[str, Any]:
        a = self.agents[name]
        return {
            "id": name, "object": "model", "created": self.created, "owned_by": "thinkdial",
            "thinkdial": {"policy": a.policy.name, "fast": a.fast.name, "thinker": a.thinker.name,
                          "tools": [t.name for t in a.tools]},
        }

    def prepare(self, req: ChatRequest) -> Prepared:
        """Read a request into a run.

        Raises:
            APIError: 404 for an unknown model, 400 naming the field for anything else wrong.
        """
        base = self.agents.get(req.model)
        if base is None:
            raise APIError(404, f"The model {req.model!r} does not exist; GET /v1/models lists them: "
                           + ", ".join(self.agents), param="model", code="model_not_found")
        messages = to_messages(req)
        plan = tool_plan(req)
        policy = base.policy
        ext = req.thinkdial
        if ext is not None and ext.policy is not None:
            try:
                policy = get_policy(ext.policy)
            except (ValueError, TypeError) as exc:
                raise bad_request("thinkdial.policy", str(exc)) from None
        if req.reasoning_effort in ("none", "minimal"):
            policy = get_policy("fast")
        elif req.reasoning_effort is not None:
            policy = ForcedLevel(policy, req.reasoning_effort)
        fmt = response_schema(req)
        overrides: dict[str, Any] = {"policy": policy}
        if not plan.server_tools:
            overrides["tools"] = []
        if fmt is not None:
            overrides["output_type"] = schema_output_type(*fmt)
        cap = req.answer_cap
        if cap is not None:
            t, e = base.thinking, base.estimate
            overrides["thinking"] = t.model_copy(update={"answer_tokens": min(t.answer_tokens, cap),
                                                         "long_answer_tokens": min(t.long_answer_tokens, cap)})
            overrides["estimate"] = e.model_copy(update={"draft_tokens": min(e.draft_tokens, cap),
                                                         "long_draft_tokens": min(e.long_draft_tokens, cap)})
        if req.seed is not None:
            overrides["seed"] = req.seed
        return Prepared(
            model=req.model, agent=derive(base, **overrides), messages=messages, external=plan.client,
            budget=combine(self.budget, budget_of(req)), policy=policy, stops=req.stops,
        )


def derive(agent: Agent, **overrides: Any) -> Agent:
    """A copy of ``agent`` with some of its settings changed: the same model objects (nothing reloads) and
    everything else it holds (estimator, checks, calibrations) shared, no constructor run per request.

    Overrides: ``policy``, ``tools``, ``output_type``, ``thinking``, ``estimate``, ``seed`` (validated values).
    """
    new = copy.copy(agent)
    for name, value in overrides.items():
        if name == "tools":
            new.toolset = ToolSet(value)
            new.tools = list(new.toolset)
            new.tool_specs = [ToolSpec(name=t.name, description=t.description, parameters=t.parameters) for t in new.tools]
        elif name == "policy":
            new.policy = get_policy(value)
        elif name in ("output_type", "thinking", "estimate", "seed"):
            setattr(new, name, value)
        else:
            raise TypeError(f"derive() cannot change {name!r}")
    return new


@dataclass
class RunWatch:
    """Watches a run's events: what it spent so far, the first route decision, and which model wrote what."""

    request_id: str
    sink: Callable[[str, Any], None] | None = None
    usage: Usage = field(default_factory=Usage)
    routed: asyncio.Event = field(default_factory=asyncio.Event)
    first_route: Any = None
    difficulty: float = 0.0
    first_difficulty: float = 0.0
    draft_model: dict[int, str] = field(default_factory=dict)
    writer_model: dict[int, str] = field(default_factory=dict)
    draft_cut: dict[int, bool] = field(default_factory=dict)
    structure_model: str = ""

    def __call__(self, event: Any) -> None:
        kind = getattr(event, "type", "")
        if kind == "model_called":
            self.usage = self.usage + event.usage
            if event.purpose == "draft":
                self.draft_model[event.step] = event.model
            elif event.purpose in ("think", "revise"):
                self.writer_model[event.step] = event.model
            elif event.purpose == "structure":
                self.structure_model = event.model
        elif kind == "draft":
            self.draft_cut[event.step] = event.finish_reason == "length"
        elif kind == "signals":
            self.difficulty = event.difficulty
        elif kind == "route" and self.first_route is None:
            self.first_route, self.first_difficulty = event, self.difficulty
            self.routed.set()
        if self.sink is not None:
            self.sink(self.request_id, event)

    def writer(self, result: RunResult, fallback: str) -> str:
        """The model that wrote the answer: the structured-output call's, the thinker's on a think step, else the draft's."""
        if self.structure_model and result.stop_reason == "final":
            return self.structure_model
        if not result.steps:
            return fallback
        step = result.steps[-1]
        if (step.route == "think" or step.revisions) and step.index in self.writer_model:
            return self.writer_model[step.index]
        return self.draft_model.get(step.index, fallback)

    def answer_cut(self, result: RunResult) -> bool:
        """Whether the answer is a draft that ``max_tokens`` (or the draft cap) cut short."""
        if not result.steps:
            return False
        step = result.steps[-1]
        return step.route == "fast" and not step.revisions and self.draft_cut.get(step.index, False)


class ServerTrace:
    """Every request's events in one JSON Lines file (``thinkdial trace FILE`` reads it): each line is a trace
    event with the ``request`` id it belongs to."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = self.path.open("a", encoding="utf-8")
        if self._fh.tell() == 0:
            self._fh.write(TraceHeader(thinkdial=_thinkdial_version()).model_dump_json() + "\n")
            self._fh.flush()

    def write(self, request_id: str, event: Any) -> None:
        if getattr(event, "type", "") == "delta":
            return
        self._fh.write(json.dumps({**event.model_dump(mode="json"), "request": request_id}) + "\n")
        self._fh.flush()

    def close(self) -> None:
        self._fh.close()
