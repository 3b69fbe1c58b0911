"""The ``thinkdial`` command line: ``run``, ``chat``, ``trace``.

Only argparse at import time: ``thinkdial --help`` must stay instant.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Sequence


def _common_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fast", help="fast model: 'embedded' (default), a .gguf path, or a litellm name")
    p.add_argument("--thinker", help="thinking model (default: the fast model)")
    p.add_argument("--api-base", help="endpoint for OpenAI-compatible servers (litellm api_base)")
    p.add_argument("--n-gpu-layers", default=None, help="layers to offload for local models: -1 all, 0 none, 'auto'")
    p.add_argument("--policy", choices=["adaptive", "fast", "think"], default=None, help="routing policy")
    p.add_argument("--max-cost", type=float, metavar="USD", help="cost ceiling for the task")
    p.add_argument("--max-tokens", type=int, metavar="N", help="token ceiling (input+output+thinking, all calls)")
    p.add_argument("--config", help="TOML config file (default ~/.config/thinkdial/config.toml)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thinkdial", description="Agents that think only as hard as each step needs, within a cost ceiling."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run one task and print the answer")
    run.add_argument("task", help="the task or question")
    _common_model_args(run)
    run.add_argument("--max-steps", type=int, metavar="N", help="step ceiling")
    run.add_argument("--max-seconds", type=float, metavar="S", help="time ceiling")
    run.add_argument("--json", action="store_true", help="print one JSON object: output, stop_reason, usage, steps")
    run.add_argument("--trace", metavar="FILE", help="write every event as JSON Lines")
    run.add_argument("--verify", default="never", help="never | always | think | a difficulty threshold")
    run.add_argument("--no-tools", action="store_true", help="do not give the agent the built-in calculator")
    run.add_argument("--strict", action="store_true", help="fail instead of answering when a ceiling is hit")

    chat = sub.add_parser("chat", help="open the terminal chat UI")
    _common_model_args(chat)
    chat.add_argument("--resume", nargs="?", const=True, default=None, metavar="ID", help="reopen the latest (or ID) conversation")

    bench = sub.add_parser("bench", help="accuracy against cost of fast / think / adaptive on a task suite (JSON + PNG)")
    from thinkdial.benchmark.cli import add_arguments as _bench_arguments  # argparse only: stays instant

    _bench_arguments(bench)

    calibrate = sub.add_parser("calibrate", help="fit the difficulty estimate to your fast model (labelled or not)")
    from thinkdial.calibrate import add_arguments as _calibrate_arguments  # argparse only: stays instant

    _calibrate_arguments(calibrate)

    trace = sub.add_parser("trace", help="print a recorded trace file")
    trace.add_argument("file")
    trace.add_argument("--debug", action="store_true")
    return parser


def _budget(args: argparse.Namespace, config: Any) -> Any:
    from thinkdial.budget import Budget

    b = config.budget
    return Budget(
        max_cost_usd=args.max_cost if args.max_cost is not None else b.max_cost_usd,
        max_tokens=args.max_tokens if args.max_tokens is not None else b.max_tokens,
        max_steps=getattr(args, "max_steps", None) or b.max_steps,
        max_seconds=getattr(args, "max_seconds", None) or b.max_seconds,
        strict=getattr(args, "strict", False),
    )


def _gpu_layers(value: str | None, config: Any) -> int | str:
    raw = value if value is not None else config.models.n_gpu_layers
    return raw if raw == "auto" else int(raw)


def _verify_mode(value: str) -> Any:
    if value in ("never", "always", "think"):
        return value
    return float(value)


def cmd_run(args: argparse.Namespace) -> int:
    from thinkdial.agent import Agent
    from thinkdial.config import load_config
    from thinkdial.models.base import Pricing
    from thinkdial.models.resolve import resolve_model
    from thinkdial.policies.routing import get_policy
    from thinkdial.tools import calculator

    config = load_config(args.config)
    pricing = Pricing(**config.prices.model_dump())
    options = {
        "api_base": args.api_base or config.models.api_base,
        "n_gpu_layers": _gpu_layers(args.n_gpu_layers, config),
        "pricing": pricing,
    }
    fast = resolve_model(args.fast or config.models.fast, **options)
    thinker_spec = args.thinker or config.models.thinker
    thinker = resolve_model(thinker_spec, **options) if thinker_spec else fast
    agent = Agent(
        fast=fast,
        thinker=thinker,
        tools=[] if args.no_tools else [calculator],
        policy=get_policy(args.policy or config.policy.name, config.policy.threshold),
        verify=_verify_mode(args.verify),
    )
    result = agent.run_sync(args.task, budget=_budget(args, config), trace=args.trace)
    if args.json:
        print(json.dumps(result.to_json_dict(), default=str))
    elif result.stop_reason == "error" and not result.output:
        print(f"error: {result.message}", file=sys.stderr)
    else:
        _print_result(result)
    return 0 if result.stop_reason in ("final", "budget", "max_steps") else 1


def _print_result(result: Any) -> None:
    from rich.console import Console

    console = Console()
    out = Console(stderr=True)
    console.print(str(result.output), markup=False, highlight=False)
    routes = "→".join(
        f"{s.route}{'(' + s.level + ')' if s.route == 'think' and s.level else ''}" for s in result.steps
    ) or "-"
    hardest = max((s.difficulty for s in result.steps), default=0.0)
    u = result.usage
    colour = "green" if result.stop_reason == "final" else "yellow"
    summary = (
        f"[dim]route[/] {routes}  [dim]difficulty[/] {hardest:.2f}  [dim]tokens[/] {u.total_tokens}"
        f"  [dim]cost[/] ${u.cost_usd:.4f}  [dim]time[/] {u.seconds:.1f}s  [{colour}]{result.stop_reason}[/]"
    )
    if result.message:
        summary += f"  [dim]{result.message}[/]"
    out.print(summary)


def cmd_chat(args: argparse.Namespace) -> int:
    from thinkdial.config import load_config
    from thinkdial.tui.app import run_chat

    config = load_config(args.config)
    return run_chat(
        fast=args.fast or config.models.fast,
        thinker=args.thinker or config.models.thinker,
        max_cost=args.max_cost if args.max_cost is not None else config.budget.max_cost_usd,
        max_tokens=args.max_tokens if args.max_tokens is not None else config.budget.max_tokens,
        policy=args.policy or config.policy.name,
        resume=args.resume,
    )


def cmd_trace(args: argparse.Namespace) -> int:
    from thinkdial.trace_view import print_trace

    print_trace(args.file)
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from thinkdial.benchmark.cli import main as bench_main

    return bench_main(args)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from thinkdial.calibrate import main as calibrate_main

    return calibrate_main(args)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    handler = {"run": cmd_run, "chat": cmd_chat, "trace": cmd_trace, "bench": cmd_bench, "calibrate": cmd_calibrate}[args.command]
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line unless --debug
        from thinkdial.errors import ThinkdialError

        if args.debug:
            raise
        if isinstance(exc, ThinkdialError):
            print(f"error: {exc}", file=sys.stderr)
        else:
            print(f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
