"""The ``thinkdial`` command line: ``run``, ``chat``, ``trace``, ``bench``, ``calibrate``, ``serve``.

Only argparse at import time: ``thinkdial --help`` must stay instant.

Exit codes: ``0`` an answer (also when a ceiling ended the run early, unless
``--strict``), ``1`` the run failed (no answer: a model or network error),
``2`` a usage error (bad arguments, config or task; nothing was run),
``3`` a strict budget stop (``--strict`` and a ceiling was hit), ``130``
interrupted (Ctrl+C).
"""

from __future__ import annotations

import argparse
import os
import sys

from thinkdial.argtypes import gpu_layers, number

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: building the parser imports argparse only
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

EXIT_OK = 0
"""An answer was printed (a non-strict ceiling stop included)."""
EXIT_FAILED = 1
"""The run failed: no answer (a model, network or tool failure)."""
EXIT_USAGE = 2
"""Bad command line, config file or task: nothing was run (argparse uses 2 as well)."""
EXIT_BUDGET = 3
"""``--strict`` and a ceiling was hit."""
EXIT_INTERRUPTED = 130
"""Ctrl+C."""

EXIT_CODES_HELP = (
    "exit codes: 0 answered (a ceiling stop included), 1 the run failed, 2 usage error, "
    "3 strict budget stop (--strict), 130 interrupted"
)


class UsageError(Exception):
    """A bad argument or input, found after parsing; ``str()`` names the argument. Exits with 2."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("thinkdial")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` reads it ($COLUMNS, then the terminal, else 80)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, told the width up front: left to itself it imports shutil (4 ms) to ask."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(prog, indent_increment, max_help_position, width if width is not None else max(_columns() - 2, 11),
                         **kwargs)


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` with :class:`_HelpFormatter`; ``add_subparsers`` makes every subcommand one too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


class _VersionAction(argparse.Action):
    """``--version``: reads the installed version only when asked (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:  # noqa: A002
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None) -> None:
        sys.stdout.write(f"thinkdial {_version()}\n")
        parser.exit()


POLICY_HELP = "routing policy: adaptive, fast or think"
"""``--policy``'s help. The names are checked when the flag is given, so building the parser imports no policy code;
a test keeps this list equal to ``thinkdial.policies.routing.POLICY_NAMES``."""


def _policy_arg(text: str) -> str:
    """An argparse type for ``--policy``: one of the built-in policy names."""
    from thinkdial.policies.routing import POLICY_NAMES

    if text not in POLICY_NAMES:
        raise argparse.ArgumentTypeError(f"invalid choice: {text!r} (choose from {', '.join(map(repr, POLICY_NAMES))})")
    return text


def _verify_arg(text: str) -> str | float:
    """An argparse type for ``--verify``: ``never``, ``always``, ``think`` or a difficulty in [0, 1]."""
    if text in ("never", "always", "think"):
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected never, always, think or a difficulty in [0, 1], got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a difficulty threshold must be in [0, 1], got {text!r}")
    return value


def _common_model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--fast", help="fast model: 'embedded' (default), a .gguf path, or a litellm name")
    p.add_argument("--thinker", help="thinking model (default: the fast model)")
    p.add_argument("--api-base", help="endpoint for OpenAI-compatible servers (litellm api_base)")
    p.add_argument(
        "--api-key", help="API key for remote models (default: the provider's usual variable, e.g. OPENAI_API_KEY)"
    )
    p.add_argument(
        "--n-gpu-layers", type=gpu_layers, default=None, help="layers to offload for local models: -1 all, 0 none, 'auto'"
    )
    p.add_argument("--policy", type=_policy_arg, default=None, metavar="P", help=POLICY_HELP)
    p.add_argument("--max-cost", type=number(float, minimum=0), metavar="USD", help="cost ceiling for the task")
    p.add_argument(
        "--max-tokens", type=number(int, minimum=0), metavar="N", help="token ceiling (input+output+thinking, all calls)"
    )
    p.add_argument("--no-tools", action="store_true", help="do not give the agent the built-in calculator")
    p.add_argument("--config", help="TOML config file (default ~/.config/thinkdial/config.toml)")
    p.add_argument("--debug", action="store_true", help="show tracebacks and litellm's own log lines")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="thinkdial",
        description="Agents that think only as hard as each step needs, within a cost ceiling.",
        epilog=EXIT_CODES_HELP,
    )
    parser.add_argument("--version", action=_VersionAction, help="show the installed version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="run one task and print the answer", epilog=EXIT_CODES_HELP)
    run.add_argument("task", help="the task or question; '-' reads it from standard input")
    _common_model_args(run)
    run.add_argument("--max-steps", type=number(int, minimum=0), metavar="N", help="step ceiling")
    run.add_argument("--max-seconds", type=number(float, minimum=0), metavar="S", help="time ceiling")
    run.add_argument("--json", action="store_true", help="print one JSON object: output, stop_reason, usage, steps")
    run.add_argument("--trace", metavar="FILE", help="write every event as JSON Lines")
    run.add_argument("--verify", type=_verify_arg, default="never", help="never | always | think | a difficulty threshold")
    run.add_argument("--strict", action="store_true", help="fail (exit 3) instead of answering when a ceiling is hit")
    run.add_argument("-q", "--quiet", action="store_true", help="print only the answer: no status line on stderr")

    chat = sub.add_parser("chat", help="open the terminal chat UI")
    _common_model_args(chat)
    chat.add_argument("--resume", nargs="?", const=True, default=None, metavar="ID", help="reopen the latest (or ID) conversation")

    bench = sub.add_parser("bench", help="accuracy against cost of fast / think / adaptive on a task suite (JSON + PNG)")
    from thinkdial.benchmark.cli import add_arguments as _bench_arguments  # argparse only: stays instant

    _bench_arguments(bench)

    calibrate = sub.add_parser("calibrate", help="fit the difficulty estimate to your fast model (labelled or not)")
    from thinkdial.calibrate_args import add_arguments as _calibrate_arguments  # argparse only: stays instant

    _calibrate_arguments(calibrate)

    serve = sub.add_parser("serve", help="serve the adaptive agent as an OpenAI-compatible endpoint (127.0.0.1:8000)")
    from thinkdial.serve.cli import add_arguments as _serve_arguments  # argparse only: stays instant

    _serve_arguments(serve)

    trace = sub.add_parser("trace", help="print a recorded trace file")
    trace.add_argument("file")
    trace.add_argument("--debug", action="store_true")
    return parser


_BUDGET_FLAGS = {"max_cost_usd": "--max-cost", "max_tokens": "--max-tokens", "max_steps": "--max-steps", "max_seconds": "--max-seconds"}


def _budget(args: argparse.Namespace, config: Any) -> Any:
    """The run's ``Budget``: command-line values win over the config's; ``0`` means zero, never "no limit"."""
    from pydantic import ValidationError

    from thinkdial.budget import Budget

    b = config.budget

    def pick(flag_value: Any, config_value: Any) -> Any:
        return flag_value if flag_value is not None else config_value

    ceilings = {
        "max_cost_usd": pick(args.max_cost, b.max_cost_usd),
        "max_tokens": pick(args.max_tokens, b.max_tokens),
        "max_steps": pick(getattr(args, "max_steps", None), b.max_steps),
        "max_seconds": pick(getattr(args, "max_seconds", None), b.max_seconds),
    }
    if all(v is None for v in ceilings.values()):
        from thinkdial.settings import DEFAULT_BUDGET

        # No ceiling given anywhere: the same default ceiling as the Python API.
        ceilings = DEFAULT_BUDGET.model_dump(exclude={"strict"})
    try:
        return Budget(**ceilings, strict=getattr(args, "strict", False))
    except ValidationError as exc:
        problems = []
        for e in exc.errors(include_url=False):
            field = str(e["loc"][0]) if e["loc"] else ""
            flag = _BUDGET_FLAGS.get(field, field)
            problems.append(f"{flag} {e.get('input')!r}: {e['msg']}")
        raise UsageError("; ".join(problems) + " (a ceiling of zero would allow nothing to run)") from None


def _gpu_layers(value: int | str | None, config: Any) -> int | str:
    raw = value if value is not None else config.models.n_gpu_layers
    return raw if raw == "auto" else int(raw)


def _read_task(task: str) -> str:
    """The task text: the argument, or standard input for ``-``; invalid UTF-8 is a usage error naming the byte."""
    if task == "-":
        data = sys.stdin.buffer.read()
        where = "standard input"
    else:
        try:
            task.encode("utf-8")
            data = b""
        except UnicodeEncodeError:
            # Linux hands undecodable argv bytes over as lone surrogates; get the original bytes back.
            data = os.fsencode(task)
        where = "the TASK argument"
        if not data:
            text = task
            if not text.strip():
                raise UsageError("the TASK argument is empty: give the task or question (or '-' to read it from stdin)")
            return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{where} is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "convert it first, e.g. iconv -f latin1 -t utf-8"
        ) from None
    if not text.strip():
        raise UsageError(f"{where} is empty: give the task or question")
    return text


def _default_tools(args: argparse.Namespace) -> list[Any]:
    """The tools ``run`` and ``chat`` give the agent: the calculator, unless ``--no-tools``."""
    if getattr(args, "no_tools", False):
        return []
    from thinkdial.tools import calculator

    return [calculator]


def _model_options(args: argparse.Namespace, config: Any) -> dict[str, Any]:
    """Model resolution options shared by ``run`` and ``chat``."""
    return {
        "api_base": args.api_base or config.models.api_base,
        "api_key": args.api_key,
        "n_gpu_layers": _gpu_layers(args.n_gpu_layers, config),
    }


def cmd_run(args: argparse.Namespace) -> int:
    from thinkdial.agent import Agent
    from thinkdial.config import load_config
    from thinkdial.models.base import Pricing
    from thinkdial.models.resolve import resolve_model
    from thinkdial.policies.routing import get_policy

    task = _read_task(args.task)
    config = load_config(args.config)
    budget = _budget(args, config)
    pricing = Pricing(**config.prices.model_dump())
    options = {**_model_options(args, config), "pricing": pricing, "prices": config.prices.remote()}
    fast = resolve_model(args.fast or config.models.fast, **options)
    thinker_spec = args.thinker or config.models.thinker
    thinker = resolve_model(thinker_spec, **options) if thinker_spec else fast
    agent = Agent(
        fast=fast,
        thinker=thinker,
        tools=_default_tools(args),
        policy=get_policy(args.policy or config.policy.name, config.policy.threshold),
        verify=args.verify,
    )
    live = None if args.json else _LiveOutput(quiet=args.quiet)
    try:
        result = agent.run_sync(task, budget=budget, trace=args.trace, on_event=live.on_event if live else None)
    finally:
        if live is not None:
            live.close()
    if args.json:
        import json

        from thinkdial.trace import SCHEMA_VERSION

        print(json.dumps({"schema_version": SCHEMA_VERSION, **result.to_json_dict()}, default=str))
    elif result.stop_reason in ("error", "cancelled") and not result.output:
        assert live is not None
        live.discard()
        print(f"error: {result.message or result.stop_reason}", file=sys.stderr)
    else:
        assert live is not None
        live.finish(result)
    return EXIT_OK if result.stop_reason in ("final", "budget", "max_steps") else EXIT_FAILED


class _LiveOutput:
    """Streams the answer to a terminal as it is written, and keeps a one-line status on stderr.

    On a terminal, the candidate answer (the draft, then the thinker's answer if the step
    escalates) is shown as it streams; a superseded candidate is erased, and at the end the
    final answer is what stays on screen. When stdout is a pipe or a file, only the final
    answer is written there (a script never sees a superseded draft), and, if stderr is a
    terminal, a live status line (step, route, difficulty, tokens, cost) shows progress.
    """

    def __init__(self, *, quiet: bool = False) -> None:
        self.quiet = quiet
        self.stream_answer = sys.stdout.isatty()
        self.live_status = not quiet and not self.stream_answer and sys.stderr.isatty()
        self.shown = ""
        self.shown_key: tuple[int, str] | None = None
        self.step = 0
        self.route = "-"
        self.difficulty: float | None = None
        self.tokens = 0
        self.cost = 0.0
        self.activity = "starting"
        self._status_drawn = False

    # -- events ---------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        """An ``on_event`` consumer for ``Agent.run``."""
        kind = getattr(event, "type", "")
        if kind == "delta":
            if event.kind == "answer" and self.stream_answer:
                self._show(event.step, event.phase, event.text)
            else:
                self.activity = "thinking" if event.kind == "thinking" else f"{event.phase}ing"
        elif kind == "step_started":
            self.step, self.activity = event.step, "drafting"
        elif kind == "signals":
            self.difficulty = event.difficulty
        elif kind == "route":
            self.route = event.route + (f"({event.level})" if event.route == "think" and event.level else "")
            self.activity = "thinking" if event.route == "think" else "answering"
        elif kind == "model_called":
            self.tokens += event.usage.total_tokens
            self.cost += event.usage.cost_usd
        elif kind == "tool_call":
            self.activity = f"calling {event.name}"
        if self.live_status:
            self._draw_status()

    def _status_text(self) -> str:
        diff = "-" if self.difficulty is None else f"{self.difficulty:.2f}"
        return (
            f"step {self.step} · {self.activity} · route {self.route} · difficulty {diff} · "
            f"tokens {self.tokens} · cost ${self.cost:.4f}"
        )

    def _draw_status(self) -> None:
        width = _terminal_width(sys.stderr)
        sys.stderr.write("\r\x1b[K" + self._status_text()[: max(width - 1, 10)])
        sys.stderr.flush()
        self._status_drawn = True

    def _clear_status(self) -> None:
        if self._status_drawn:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
            self._status_drawn = False

    # -- the answer on a terminal ------------------------------------------------------

    def _show(self, step: int, phase: str, text: str) -> None:
        key = (step, phase)
        if key != self.shown_key:
            self._erase()
            self.shown_key = key
        if not self.shown:
            text = text.lstrip()
            if not text:
                return
        self.shown += text
        sys.stdout.write(text)
        sys.stdout.flush()

    def _erase(self) -> None:
        """Remove the streamed candidate from the terminal."""
        if not self.shown:
            return
        width = _terminal_width(sys.stdout)
        rows = sum(max(1, -(-len(line) // width)) for line in self.shown.split("\n"))
        sys.stdout.write("\r" + (f"\x1b[{rows - 1}A" if rows > 1 else "") + "\x1b[J")
        sys.stdout.flush()
        self.shown = ""

    # -- the end -------------------------------------------------------------------------

    def close(self) -> None:
        """Clear the live status line (the run is over, or failed)."""
        self._clear_status()

    def discard(self) -> None:
        """Erase a streamed candidate that is not an answer (the run failed)."""
        if self.stream_answer:
            self._erase()

    def finish(self, result: Any) -> None:
        """Leave exactly the final answer on stdout, then the one-line summary on stderr."""
        output = str(result.output)
        if self.stream_answer and self.shown and self.shown.strip() == output.strip():
            sys.stdout.write("\n")
        else:
            self.discard()
            sys.stdout.write(output + "\n")
        sys.stdout.flush()
        if not self.quiet:
            _print_summary(result)


def _terminal_width(stream: Any) -> int:
    import shutil

    try:
        return os.get_terminal_size(stream.fileno()).columns or 80
    except (OSError, ValueError, AttributeError):
        return shutil.get_terminal_size().columns or 80


def _print_summary(result: Any) -> None:
    """The one-line status on stderr: route, difficulty, tokens, cost, time, stop reason."""
    from rich.console import Console

    out = Console(stderr=True)
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
        from rich.markup import escape

        summary += f"  [dim]{escape(result.message)}[/]"
    out.print(summary, highlight=False, soft_wrap=True)


def cmd_chat(args: argparse.Namespace) -> int:
    """``thinkdial chat``: the Textual UI."""
    from thinkdial.config import load_config
    from thinkdial.tui.app import run_chat

    return run_chat(**chat_arguments(args, load_config(args.config)))


def chat_arguments(args: argparse.Namespace, config: Any) -> dict[str, Any]:
    """What ``thinkdial chat`` passes to ``run_chat``: models, ceilings, policy, and the same
    ``api_base`` / ``api_key`` / ``n_gpu_layers`` and default tools as ``thinkdial run``."""
    return {
        "fast": args.fast or config.models.fast,
        "thinker": args.thinker or config.models.thinker,
        "max_cost": args.max_cost if args.max_cost is not None else config.budget.max_cost_usd,
        "max_tokens": args.max_tokens if args.max_tokens is not None else config.budget.max_tokens,
        "policy": args.policy or config.policy.name,
        "resume": args.resume,
        "agent_options": {**_model_options(args, config), "tools": _default_tools(args), "prices": config.prices.remote()},
    }


def cmd_trace(args: argparse.Namespace) -> int:
    from thinkdial.errors import ThinkdialError
    from thinkdial.trace_view import print_trace

    try:
        print_trace(args.file)
    except ThinkdialError as exc:  # a missing or unreadable file is bad input: a usage error
        raise UsageError(str(exc)) from None
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from thinkdial.benchmark.cli import main as bench_main

    return bench_main(args)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from thinkdial.calibrate import main as calibrate_main

    return calibrate_main(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from thinkdial.serve.cli import main as serve_main

    return serve_main(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run,
    "chat": cmd_chat,
    "trace": cmd_trace,
    "bench": cmd_bench,
    "calibrate": cmd_calibrate,
    "serve": cmd_serve,
}
"""Subcommand name -> handler; a new subcommand adds its parser in ``build_parser`` and its handler here."""


def _exit_code(exc: BaseException) -> int:
    """The exit code for an exception that ended a command."""
    from thinkdial.errors import BudgetExceededError, ConfigError, ModelFileError, UnknownModelError, UnpricedModelError

    if isinstance(exc, BudgetExceededError):
        return EXIT_BUDGET
    if isinstance(exc, (UsageError, ConfigError, ModelFileError, UnknownModelError, UnpricedModelError)):
        return EXIT_USAGE
    return EXIT_FAILED


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_OK
    handler = COMMANDS[args.command]
    if getattr(args, "debug", False):
        os.environ.setdefault("THINKDIAL_DEBUG", "1")  # lets litellm's own log lines through (thinkdial.models.litellm_model)
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - one clear line unless --debug
        from thinkdial.errors import ThinkdialError

        if getattr(args, "debug", False):
            raise
        if isinstance(exc, UsageError):
            print(f"thinkdial {args.command}: error: {exc}", file=sys.stderr)
        elif isinstance(exc, ThinkdialError):
            print(f"error: {exc}", file=sys.stderr)
        else:
            print(f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", file=sys.stderr)
        return _exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())
