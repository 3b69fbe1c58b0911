"""``thinkdial bench`` end to end on real models: resume after a killed run, and concurrency against a loopback server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from thinkdial.benchmark.runner import BenchError, BenchOptions, load_records, run_bench

pytestmark = pytest.mark.slow

TASKS = [
    {"id": "cap-fr", "prompt": "What is the capital of France?", "kind": "capital", "check": {"type": "exact", "answers": ["Paris"]}},
    {"id": "mul-67", "prompt": "What is 6 * 7?", "kind": "arithmetic", "check": {"type": "number", "value": 42}},
    {"id": "cap-jp", "prompt": "What is the capital of Japan?", "kind": "capital", "check": {"type": "exact", "answers": ["Tokyo"]}},
    {"id": "yn-sun", "prompt": "Is the sun a star? Answer yes or no.", "kind": "yes_no",
     "check": {"type": "choice", "answers": ["yes"], "options": ["yes", "no"]}},
]


@pytest.fixture(scope="module")
def parallel_server(embedded_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama_cpp.server on 127.0.0.1 serving the embedded model as 'smol', queueing concurrent requests.

    Its default (``interrupt_requests=True``) aborts the stream in flight whenever another request
    arrives, so a concurrent client sees empty streams; a fleet for ``--concurrency`` needs it off.
    """
    from servers.llama import llama_server

    with llama_server(embedded_path, tmp_path_factory.mktemp("bench-server"), "--interrupt_requests", "False") as base:
        yield base


def _write(path: Path, tasks: list[dict]) -> Path:
    path.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    return path


def test_killed_run_resumes_without_redoing_finished_work(tmp_path: Path) -> None:
    suite = _write(tmp_path / "tasks.jsonl", TASKS[:2])
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "thinkdial.cli", "bench", str(suite), "--policies", "fast", "--ceilings", "none",
           "--out", str(out), "--no-plot"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    sink = out / "runs.jsonl"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if sink.exists() and sink.read_text().count("\n") >= 1:
                break
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # an interruption, mid-benchmark
        proc.wait(timeout=30)
    before = load_records(sink)
    assert len(before) == 1, "the run was killed after its first result"
    done = {r["task_id"]: r for r in before}

    results = run_bench(BenchOptions(suite=str(suite), policies=("fast",), ceilings=(), out=out, resume=True, plot=False,
                                     progress=False))
    after = load_records(sink)
    assert sorted(r["task_id"] for r in after) == ["cap-fr", "mul-67"]
    assert results["runs"]["resumed"] == len(before) and results["runs"]["this_session"] == 1
    for tid, rec in done.items():  # finished work was kept, not redone
        assert next(r for r in after if r["task_id"] == tid)["started_at"] == rec["started_at"]
    assert (out / json.loads((out / "runs.jsonl").read_text().splitlines()[0])["trace"]).exists()

    # the task file grows: --resume runs only the new task
    _write(suite, TASKS[:3])
    results = run_bench(BenchOptions(suite=str(suite), policies=("fast",), ceilings=(), out=out, resume=True, plot=False,
                                     progress=False))
    assert results["runs"]["this_session"] == 1 and results["runs"]["resumed"] == 2
    assert results["policies"]["fast"]["n"] == 3
    saved = json.loads((out / "results.json").read_text())
    assert saved["schema_version"] == 1 and saved["policies"]["fast"]["n"] == 3

    # other models in the same folder: refused rather than mixed
    with pytest.raises(BenchError, match="other settings"):
        run_bench(BenchOptions(suite=str(suite), fast="openai/other", policies=("fast",), ceilings=(), out=out, resume=True))


def test_concurrent_runs_against_a_loopback_server(parallel_server: str, tmp_path: Path) -> None:
    suite = _write(tmp_path / "tasks.jsonl", TASKS[:3])
    out = tmp_path / "out"
    results = run_bench(BenchOptions(
        suite=str(suite), fast="openai/smol", api_base=parallel_server, api_key="none", policies=("fast",), ceilings=(),
        concurrency=2, max_tokens=1500, out=out, progress=False,
    ))
    records = load_records(out / "runs.jsonl")
    assert len(records) == 3 and not [r for r in records if r["error"]], [r["error"] for r in records]
    assert results["runs"]["errors"] == 0 and results["runs"]["concurrency"] == 2
    assert all(r["tokens"] > 0 and r["stop_reason"] == "final" for r in records)
    # runs overlapped in flight, and never more than --concurrency at once
    events = sorted([(r["started_at"], 1) for r in records] + [(r["finished_at"], -1) for r in records], key=lambda e: (e[0], e[1]))
    level, peak = 0, 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    assert peak == 2
    assert (out / "results.json").exists() and (out / "accuracy_vs_tokens.png").exists()
    assert results["policies"]["fast"]["correct"] >= 1  # a 135M model still knows the capital of France
