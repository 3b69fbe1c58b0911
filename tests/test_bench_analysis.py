"""The offline analysis (sweep, random, oracle, AUROC, headline) and the report renderers, on hand-made run records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from thinkdial.benchmark.analysis import analyze, auroc
from thinkdial.benchmark.report import ascii_plot, save_png
from thinkdial.benchmark.runner import BenchError, BenchOptions, plan, run_bench, spread
from thinkdial.benchmark.tasks import Task


def _rec(task: str, policy: str, correct: bool, tokens: int, difficulty: float, kind: str = "k", escalated: bool = False,
         ceiling: int | None = None) -> dict[str, Any]:
    return {"task_id": task, "kind": kind, "policy": policy, "ceiling": ceiling, "correct": correct, "tokens": tokens,
            "cost_usd": tokens * 1e-6, "seconds": tokens / 100, "escalated": escalated, "stop_reason": "final",
            "difficulty": difficulty, "signals": {"mean_entropy": difficulty, "min_token_prob": 1 - difficulty}}


# four tasks: fast right on t1, t2; think right on t2, t3, t4; difficulties rank the wrong fast drafts highest
FAST = [("t1", True, 100, 0.1), ("t2", True, 100, 0.3), ("t3", False, 100, 0.7), ("t4", False, 100, 0.9)]
THINK = {"t1": True, "t2": True, "t3": True, "t4": True}


def _records() -> list[dict[str, Any]]:
    recs = []
    for tid, ok, tok, d in FAST:
        recs.append(_rec(tid, "fast", ok, tok, d))
        recs.append(_rec(tid, "think", THINK[tid], 500, d, escalated=True))
        recs.append(_rec(tid, "adaptive", ok if d < 0.5 else THINK[tid], tok if d < 0.5 else 500, d, escalated=d >= 0.5))
    recs.append(_rec("t1", "ceiling@200", False, 150, 0.1, ceiling=200) | {"stop_reason": "budget"})
    return recs


def test_auroc() -> None:
    assert auroc([0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0]) == 1.0
    assert auroc([0.1, 0.2, 0.9, 0.8], [1, 1, 0, 0]) == 0.0
    assert auroc([0.5, 0.5], [1, 0]) == 0.5
    assert auroc([0.5, 0.6], [1, 1]) is None


def test_sweep_random_oracle_and_headline() -> None:
    res = analyze(_records(), thresholds=[0.0, 0.5, 1.01], shares=[0.5])
    pol = res["policies"]
    assert pol["fast"]["accuracy"] == 0.5 and pol["think"]["accuracy"] == 1.0 and pol["adaptive"]["accuracy"] == 1.0
    rows = {r["threshold"]: r for r in res["sweep"]["thresholds"]}
    assert rows[0.0]["accuracy"] == 1.0 and rows[0.0]["tokens"] == 500 and rows[0.0]["escalated"] == 1.0  # = think
    assert rows[1.01]["accuracy"] == 0.5 and rows[1.01]["tokens"] == 100  # = fast
    assert rows[0.5]["accuracy"] == 1.0 and rows[0.5]["tokens"] == 300 and rows[0.5]["escalated"] == 0.5
    # random escalation of half the tasks: expected accuracy and tokens halfway between fast and think
    assert rows[0.5]["random"]["accuracy"] == pytest.approx(0.75)
    assert rows[0.5]["random"]["tokens"] == pytest.approx(300)
    share = res["sweep"]["shares"][0]
    assert share["escalated"] == 0.5 and share["accuracy"] == 1.0 and share["threshold"] == 0.7
    oracle = res["sweep"]["oracle"]
    assert oracle["accuracy"] == 1.0 and oracle["escalated"] == 0.5
    assert res["sweep"]["simulated"] is True
    assert res["auroc"]["scores"]["difficulty"]["all"] == 1.0
    assert res["auroc"]["scores"]["min_token_prob"]["negated"] is True
    assert res["auroc"]["scores"]["min_token_prob"]["all"] == 1.0
    head = res["headline"]
    assert head["random_accuracy_at_adaptive_tokens"] == pytest.approx(0.75)
    assert head["random_tokens_for_adaptive_accuracy"] == pytest.approx(500)
    assert head["equal_accuracy_vs_think"]["saved_share"] == pytest.approx(0.4)
    check = analyze(_records(), thresholds=[0.5], shares=[], default_threshold=0.5)["simulation_check"]
    assert check["same_route"] == 4 and check["real_accuracy"] == check["simulated_accuracy"] == 1.0
    ceiling = res["ceilings"][0]
    assert ceiling["max_tokens"] == 200 and ceiling["budget_stops"] == 1 and ceiling["uncapped_adaptive_accuracy"] == 1.0


def test_plan_schedules_task_by_task_and_spreads_the_ceiling_subset() -> None:
    tasks = [Task(id=f"{k}{i}", prompt="p", check={"type": "number", "value": 1}, kind=k) for k in "abc" for i in range(3)]
    items = plan(tasks, ["fast", "think"], [100], ceiling_tasks=3)
    assert [(i.task.id, i.key) for i in items[:4]] == [("a0", "fast"), ("a0", "think"), ("a1", "fast"), ("a1", "think")]
    assert [i.task.id for i in items if i.key == "ceiling@100"] == ["a0", "b0", "c0"]
    assert len(spread(tasks, None)) == 9


def test_renderers_write_a_png_and_a_text_plot(tmp_path: Path) -> None:
    res = analyze(_records(), thresholds=[0.0, 0.5, 1.01], shares=[0.5])
    res.update(suite={"name": "toy", "tasks": 4}, models={"fast": "a", "thinker": "b"})
    text = ascii_plot(res)
    assert "F" in text and "A" in text and "*" in text and "tokens per task" in text
    png = save_png(res, tmp_path / "plot.png")
    assert png is not None and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_out_dir_inside_the_package_is_refused() -> None:
    import thinkdial

    with pytest.raises(BenchError, match="inside the thinkdial package"):
        run_bench(BenchOptions(out=Path(thinkdial.__file__).parent / "bench-out"))


def test_cli_help_stays_light() -> None:
    code = ("import sys, thinkdial.cli as c; c.build_parser().parse_args(['bench', '--help'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "--concurrency" in out.stdout
    code = "import sys, thinkdial.cli as c; c.build_parser(); print(sorted(m for m in ('rich', 'matplotlib', 'litellm', 'llama_cpp') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_two_benchmarks_cannot_share_an_output_folder(tmp_path: Path) -> None:
    from thinkdial.benchmark.runner import _lock

    tmp_path.mkdir(exist_ok=True)
    held = _lock(tmp_path)
    try:
        with pytest.raises(BenchError, match="another thinkdial bench is writing"):
            run_bench(BenchOptions(out=tmp_path, progress=False))
    finally:
        held.close()
