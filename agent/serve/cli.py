"""``thinkdial serve``: its arguments (argparse only, so ``thinkdial --help`` stays instant) and its start-up."""

from __future__ import annotations

import argparse
import os
import sys

from thinkdial.argtypes import gpu_layers, number

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see thinkdial.cli)
if TYPE_CHECKING:
    from typing import Any

KEYS_VARIABLE = "THINKDIAL_SERVE_API_KEYS"
"""Comma-separated bearer keys (kept out of ``ps``, unlike ``--api-key``)."""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``serve`` subcommand's flags; each overrides the config's ``[serve]`` / ``[models]`` value."""
    p.add_argument("--host", help="address to bind (default 127.0.0.1; 0.0.0.0 exposes the server to the network)")
    p.add_argument("--port", type=number(int, minimum=0), help="port (default 8000; 0 picks a free one)")
    p.add_argument("--fast", help="fast model: 'embedded' (default), a .gguf path, or a litellm name")
    p.add_argument("--thinker", help="thinking model (default: the fast model)")
    p.add_argument("--api-base", help="endpoint for OpenAI-compatible upstream models (litellm api_base)")
    p.add_argument("--n-gpu-layers", type=gpu_layers, help="layers to offload for local models: -1 all, 0 none, 'auto'")
    p.add_argument("--config", help="TOML config file (default ~/.config/thinkdial/config.toml)")
    p.add_argument("--api-key", action="append", metavar="KEY",
                   help=f"bearer key clients must send (repeatable; also ${KEYS_VARIABLE}, comma-separated, or [serve] api_keys)")
    p.add_argument("--store", metavar="URL", help="spend store: a SQLite path (default) or redis://HOST:PORT/DB")
    p.add_argument("--trace", metavar="FILE", help="append every request's trace events to FILE (JSON Lines)")
    p.add_argument("--no-tools", action="store_true", help="no server-side tools (the calculator by default)")
    p.add_argument("--max-concurrency", type=number(int, minimum=1), metavar="N", help="requests run at once; more get 429 (default 8)")
    p.add_argument("--daily-max-cost", type=number(float, minimum=0), metavar="USD", help="server-wide spend per UTC day")
    p.add_argument("--daily-max-tokens", type=number(int, minimum=0), metavar="N", help="server-wide tokens per UTC day")
    p.add_argument("--key-daily-max-cost", type=number(float, minimum=0), metavar="USD", help="spend per API key per UTC day")
    p.add_argument("--key-daily-max-tokens", type=number(int, minimum=0), metavar="N", help="tokens per API key per UTC day")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def _pick(flag: Any, configured: Any) -> Any:
    return flag if flag is not None else configured


def build(args: argparse.Namespace) -> tuple[Any, Any, str, int]:
    """(app, options, host, port) from the arguments and the config file, models loaded."""
    from pydantic import ValidationError

    from thinkdial.agent import Agent
    from thinkdial.budget import Budget
    from thinkdial.config import load_config
    from thinkdial.errors import ConfigError
    from thinkdial.models.base import Pricing
    from thinkdial.models.resolve import resolve_model
    from thinkdial.policies.routing import get_policy
    from thinkdial.serve.app import ServeOptions, create_app
    from thinkdial.serve.engine import Engine, ServerTrace
    from thinkdial.serve.spend import Limits, open_store
    from thinkdial.settings import DEFAULT_BUDGET

    config = load_config(args.config)
    sc = config.serve
    gpu = _pick(args.n_gpu_layers, config.models.n_gpu_layers)
    options: dict[str, Any] = {
        "api_base": args.api_base or config.models.api_base,
        "n_gpu_layers": gpu if gpu == "auto" else int(gpu),
        "pricing": Pricing(**config.prices.model_dump()),
    }
    cache: dict[str, Any] = {}

    def model(spec: str) -> Any:
        if spec not in cache:
            cache[spec] = resolve_model(spec, **options)
        return cache[spec]

    tools: list[Any] = []
    if not args.no_tools:
        from thinkdial.tools import calculator

        tools = [calculator]
    fast = model(args.fast or config.models.fast)
    thinker_spec = args.thinker or config.models.thinker
    thinker = model(thinker_spec) if thinker_spec else fast
    verifier = model(config.models.verifier) if config.models.verifier else None
    base = Agent(fast=fast, thinker=thinker, verifier=verifier, tools=tools,
                 policy=get_policy(config.policy.name, config.policy.threshold))
    profiles = {}
    for name, p in config.profiles.items():
        p_fast = model(p.fast or config.models.fast)
        p_thinker = p.thinker or (None if p.fast else config.models.thinker)
        profiles[name] = Agent(fast=p_fast, thinker=model(p_thinker) if p_thinker else p_fast,
                               verifier=model(p.verifier) if p.verifier else None, tools=tools,
                               policy=get_policy(p.policy, p.threshold))
    ceilings = {k: v for k, v in config.budget.model_dump().items() if v is not None}
    try:
        budget = Budget(**ceilings) if ceilings else DEFAULT_BUDGET
    except ValidationError as exc:
        raise ConfigError(f"[budget] in the config: {exc.errors()[0]['msg']}.", "Fix it (see README, 'Configuration').") from None
    try:
        engine = Engine.default(base, profiles, budget=budget)
    except ValueError as exc:
        raise ConfigError(f"[profiles] in the config: {exc}.", "Rename the profile.") from None
    keys = list(args.api_key or []) + [k.strip() for k in os.environ.get(KEYS_VARIABLE, "").split(",") if k.strip()]
    serve_options = ServeOptions(
        api_keys=keys or sc.api_keys,
        max_request_bytes=sc.max_request_bytes,
        max_messages=sc.max_messages,
        max_concurrency=_pick(args.max_concurrency, sc.max_concurrency),
        daily=Limits.of(_pick(args.daily_max_tokens, sc.daily_max_tokens), _pick(args.daily_max_cost, sc.daily_max_cost_usd)),
        key_daily=Limits.of(_pick(args.key_daily_max_tokens, sc.key_daily_max_tokens),
                            _pick(args.key_daily_max_cost, sc.key_daily_max_cost_usd)),
        store=open_store(args.store or sc.store),
        trace=ServerTrace(args.trace) if args.trace else None,
    )
    for m in {id(x): x for x in cache.values()}.values():
        load = getattr(m, "load", None)
        if callable(load):
            load()  # the first request should not pay for reading the weights
    return create_app(engine, serve_options), serve_options, _pick(args.host, sc.host), _pick(args.port, sc.port)


def main(args: argparse.Namespace) -> int:
    """Run the server until Ctrl+C."""
    import uvicorn

    app, options, host, port = build(args)
    if host not in ("127.0.0.1", "localhost", "::1") and not options.api_keys:
        print(f"warning: serving on {host} with no API key: anyone who can reach it can spend your budget", file=sys.stderr)
    names = ", ".join(app.state.server.engine.agents)
    auth = "bearer key required" if options.api_keys else "no key required"
    print(f"thinkdial serve: models {names}; {auth}", file=sys.stderr)
    try:
        uvicorn.run(app, host=host, port=port, log_level=args.log_level, timeout_graceful_shutdown=5)
    finally:
        if options.trace is not None:
            options.trace.close()
        if options.store is not None:
            options.store.close()
    return 0
