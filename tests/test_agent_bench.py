"""``thinkdial bench agent``: the suite, its per-task workspaces, and the agent summary (scripted models, no real model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thinkdial import Agent
from thinkdial.benchmark.agent_tasks import agent_summary, is_agent_task, make_workspace, split_of
from thinkdial.benchmark.graders import grade_detail
from thinkdial.benchmark.runner import BenchOptions, _Runner, run_bench
from thinkdial.benchmark.tasks import load_tasks, parse_task, resolve_suite
from thinkdial.models import ModelCapabilities, ScriptedModel, ScriptedReply, tool_call


def test_the_agent_suite_has_workspaces_both_splits_and_multi_step_tasks() -> None:
    tasks = load_tasks(resolve_suite("agent"))
    assert 16 <= len(tasks) <= 24
    assert all(is_agent_task(t) for t in tasks)
    splits = {split_of(t) for t in tasks}
    assert splits == {"dev", "heldout"}
    assert {t.kind for t in tasks if split_of(t) == "heldout"} == {t.kind for t in tasks if split_of(t) == "dev"}
    assert any("2-step" in t.tags for t in tasks) and any("1-step" in t.tags for t in tasks)


def test_agent_suite_answers_are_checkable_and_not_in_the_question() -> None:
    for task in load_tasks(resolve_suite("agent")):
        assert not grade_detail(task, task.prompt).correct, task.id  # echoing the question never passes
        if task.kind == "read_value":
            # the right value, said plainly, passes
            content = " ".join(task.meta["workspace"].values())
            assert any(grade_detail(task, w.strip('",')).correct for w in content.split()), task.id


def test_make_workspace_writes_the_files_and_refuses_escapes(tmp_path: Path) -> None:
    task = parse_task({"id": "t", "prompt": "p?", "check": {"type": "exact", "answers": ["x"]},
                       "meta": {"workspace": {"a.txt": "A", "sub/b.txt": "B"}, "split": "dev"}})
    folder = make_workspace(task, tmp_path / "ws")
    assert (folder / "a.txt").read_text() == "A" and (folder / "sub" / "b.txt").read_text() == "B"
    (folder / "stale.txt").write_text("old")
    make_workspace(task, folder)
    assert not (folder / "stale.txt").exists()
    bad = parse_task({"id": "t", "prompt": "p?", "check": {"type": "exact", "answers": ["x"]},
                      "meta": {"workspace": {"../evil.txt": "x"}}})
    with pytest.raises(ValueError, match="inside the workspace"):
        make_workspace(bad, tmp_path / "ws2")


def _rec(task: str, policy: str, correct: bool, split: str = "dev", tokens: int = 100, calls: int = 1) -> dict:
    return {"task_id": task, "policy": policy, "correct": correct, "split": split, "tokens": tokens, "tool_calls": calls,
            "failed_calls": 0, "n_steps": calls + 1, "escalated": policy == "think", "seconds": 1.0}


def test_agent_summary_reports_each_split_and_the_oracle() -> None:
    records = [
        _rec("a", "fast", True), _rec("a", "think", False, tokens=300),
        _rec("b", "fast", False), _rec("b", "think", True, tokens=300),
        _rec("c", "fast", False, "heldout"), _rec("c", "think", False, "heldout", tokens=300),
    ]
    summary = agent_summary(records)
    assert summary is not None and set(summary) == {"all", "dev", "heldout"}
    assert summary["dev"]["oracle"]["passed"] == 2 and summary["dev"]["oracle"]["tokens"] == 200
    assert summary["all"]["think"]["pass_rate"] == pytest.approx(1 / 3)
    assert summary["heldout"]["fast"]["steps"] == 2
    assert agent_summary([{"task_id": "x", "policy": "fast", "correct": True}]) is None


def test_bench_runs_an_agent_task_in_its_own_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = tmp_path / "agent.jsonl"
    suite.write_text(json.dumps({
        "id": "port", "prompt": "What port does the server use? Check config.ini.", "kind": "read_value",
        "check": {"type": "number", "value": 8080}, "meta": {"split": "dev", "workspace": {"config.ini": "port = 8080\n"}},
    }) + "\n")

    def base_agent(self: _Runner) -> Agent:
        fast = ScriptedModel(
            [ScriptedReply("", tool_calls=[tool_call("read_file", {"path": "config.ini"})], confidence=0.99), "8080"],
            repeat_last=True, capabilities=ModelCapabilities(tools=True, logprobs=True),
        )
        return Agent(fast=fast, thinker=fast)

    monkeypatch.setattr(_Runner, "_base_agent", base_agent)
    out = tmp_path / "out"
    results = run_bench(BenchOptions(suite=str(suite), policies=("fast",), ceilings=(), out=out, plot=False, progress=False))
    row = results["agent"]["dev"]["fast"]
    assert row["passed"] == 1 and row["tool_calls"] == 1 and row["failed_calls"] == 0 and row["steps"] == 2
    assert (out / "workspaces" / "fast" / "port" / "config.ini").exists()
    assert "Agent tasks, split `dev`" in (out / "report.md").read_text()
