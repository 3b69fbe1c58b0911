"""``thinkdial bench``: argument definitions (argparse only, so ``thinkdial --help`` stays instant) and the command."""

from __future__ import annotations

import argparse
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing or pathlib: ``thinkdial --help`` builds this parser

if TYPE_CHECKING:
    from thinkdial.benchmark.runner import BenchOptions

__all__ = ["add_arguments", "main", "options_from_args"]


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from exc


def _ints(text: str) -> tuple[int, ...]:
    if text.strip().lower() in ("", "none", "off"):
        return ()
    try:
        return tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers or 'none', got {text!r}") from exc


def _policies(text: str) -> tuple[str, ...]:
    names = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [n for n in names if n not in ("fast", "think", "adaptive")]
    if bad or not names:
        raise argparse.ArgumentTypeError(f"policies are fast, think, adaptive; got {text!r}")
    return names


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``bench`` subcommand's arguments."""
    p.add_argument("suite", nargs="?", default=None,
                   help="a built-in suite ('quick' (default, 12 tasks, a few minutes on 2 cores), 'standard' (38), "
                        "'difficulty' (432), 'shifted' (66), 'open_ended' (19), 'agent' (20 tasks with a workspace of files each)) "
                        "or a FILE.jsonl of tasks")
    p.add_argument("--full", action="store_true", help="the full built-in suite ('difficulty', 432 tasks, hours on a CPU) instead of 'quick'")
    p.add_argument("--fast", help="fast model: 'embedded' (default), a .gguf path, or a litellm name")
    p.add_argument("--thinker", help="thinking model (default: the fast model)")
    p.add_argument("--api-base", help="endpoint for OpenAI-compatible servers (litellm api_base)")
    p.add_argument("--api-key", help="API key for --api-base servers (else from the environment)")
    p.add_argument("--n-gpu-layers", default=None, help="layers to offload for local models: -1 all, 0 none, 'auto'")
    p.add_argument("--config", help="TOML config file (default ~/.config/thinkdial/config.toml)")
    p.add_argument("--policies", type=_policies, default=("fast", "think", "adaptive"), metavar="P,P",
                   help="policies to run for real (default fast,think,adaptive; the sweep needs fast and think)")
    p.add_argument("--thresholds", type=_floats, default=None, metavar="T,T",
                   help="difficulty thresholds for the simulated adaptive sweep (default 0.1,...,0.9,0.95)")
    p.add_argument("--shares", type=_floats, default=None, metavar="S,S",
                   help="target escalation shares for the simulated sweep (default 0.1,0.25,0.5,0.75)")
    p.add_argument("--ceilings", type=_ints, default=None, metavar="N,N",
                   help="max_tokens ceilings for the ceiling sweep, real adaptive runs (default 150,600; 'none' skips)")
    p.add_argument("--ceiling-tasks", type=int, default=4, metavar="N",
                   help="tasks (spread over kinds) the ceiling sweep runs on (default 4; 0 = all)")
    p.add_argument("--concurrency", type=int, default=1, metavar="N", help="runs in flight at once (remote endpoints)")
    p.add_argument("--max-cost", type=float, metavar="USD", help="cost ceiling per task")
    p.add_argument("--max-tokens", type=int, default=4000, metavar="N", help="token ceiling per task (default 4000)")
    p.add_argument("--limit", type=int, metavar="N", help="only the first N tasks of the suite")
    p.add_argument("--out", default="thinkdial-bench", metavar="DIR", help="output folder (default ./thinkdial-bench)")
    p.add_argument("--resume", action="store_true", help="skip the runs already finished in --out")
    p.add_argument("--no-tools", action="store_true", help="do not give the agent the built-in calculator")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p.add_argument("--budget-note", action="store_true",
                   help="tell the models what the ceiling leaves at each step (Agent(budget_note=True))")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def options_from_args(args: argparse.Namespace) -> BenchOptions:
    """A :class:`~thinkdial.benchmark.runner.BenchOptions` from parsed arguments."""
    from thinkdial.benchmark.runner import DEFAULT_CEILINGS, DEFAULT_SHARES, DEFAULT_THRESHOLDS, BenchOptions

    suite = args.suite or ("difficulty" if args.full else "quick")
    if args.full and args.suite is None:
        from thinkdial.benchmark.tasks import builtin_suites

        if "difficulty" not in builtin_suites():
            print("note: the full suite (difficulty.jsonl) is not installed; running 'quick'", file=sys.stderr)
            suite = "quick"
    n_gpu: int | str | None = args.n_gpu_layers
    if n_gpu is not None and n_gpu != "auto":
        n_gpu = int(n_gpu)
    from pathlib import Path

    return BenchOptions(
        suite=suite,
        fast=args.fast,
        thinker=args.thinker,
        api_base=args.api_base,
        api_key=args.api_key,
        n_gpu_layers=n_gpu,
        config=args.config,
        policies=args.policies,
        thresholds=args.thresholds if args.thresholds is not None else DEFAULT_THRESHOLDS,
        shares=args.shares if args.shares is not None else DEFAULT_SHARES,
        # The agent suite measures whole tasks under the default ceiling; its sweep is asked for explicitly.
        ceilings=args.ceilings if args.ceilings is not None else (() if suite == "agent" else DEFAULT_CEILINGS),
        ceiling_tasks=args.ceiling_tasks or None,
        concurrency=args.concurrency,
        max_cost=args.max_cost,
        max_tokens=args.max_tokens,
        out=Path(args.out),
        resume=args.resume,
        limit=args.limit,
        tools=not args.no_tools,
        plot=not args.no_plot,
        budget_note=args.budget_note,
    )


def main(args: argparse.Namespace) -> int:
    """Run ``thinkdial bench`` from parsed arguments; returns the exit status."""
    from pathlib import Path

    from thinkdial.benchmark.report import print_report
    from thinkdial.benchmark.runner import BenchError, run_bench
    from thinkdial.benchmark.tasks import TaskFileError

    opts = options_from_args(args)
    try:
        results = run_bench(opts)
    except (BenchError, TaskFileError, FileNotFoundError) as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print_report(results, Path(args.out).expanduser().resolve())
    return 0 if results["runs"]["errors"] == 0 else 1
