"""What ``@tool(process=True)`` costs and what it buys (issue 11).

    .venv/bin/python bench/tool_process.py [--calls 200]

Prints the median time of one ``Tool.call`` of a trivial sync function run in
a thread (the default, the baseline) and in a warm worker process, the first
call's cost (starting the worker), and how long a call that holds the GIL in
one C call (``round(1, -10**9)``) takes to come back with ``timeout=1``.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import time

from thinkdial.tools import Tool, tool


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@tool(process=True, timeout=1.0)
def huge_round() -> int:
    """Holds the GIL for minutes."""
    return round(1, -10**9)


async def _median_call(t: Tool, calls: int) -> float:
    times = []
    for i in range(calls):
        started = time.perf_counter()
        result = await t.call({"a": i, "b": 1})
        times.append(time.perf_counter() - started)
        assert result.ok and result.value == i + 1
    return statistics.median(times)


async def main(calls: int) -> None:
    thread = Tool(add)
    process = Tool(add, process=True)
    started = time.perf_counter()
    first = await process.call({"a": 1, "b": 2})
    cold = time.perf_counter() - started
    assert first.ok
    t_thread = await _median_call(thread, calls)
    t_process = await _median_call(process, calls)
    started = time.perf_counter()
    stuck = await huge_round.call({})
    stopped = time.perf_counter() - started
    print(f"# {platform.node()} {platform.machine()} python {platform.python_version()} {time.strftime('%Y-%m-%d')}")
    print("| measure | value |")
    print("|---|---|")
    print(f"| one call, thread (baseline), median of {calls} | {t_thread * 1e3:.3f} ms |")
    print(f"| one call, warm worker process, median of {calls} | {t_process * 1e3:.3f} ms ({t_process / t_thread:.1f}x) |")
    print(f"| first call, starting the worker | {cold * 1e3:.0f} ms |")
    print(f"| `round(1, -10**9)` with `timeout=1` (a thread never returns) | {stopped:.2f} s: {stuck.content} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    asyncio.run(main(parser.parse_args().calls))
