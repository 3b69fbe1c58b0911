"""Task files: the loader's validation and errors, the built-in suites, and each checker type on written replies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from thinkdial.benchmark.graders import extract_number, grade, grade_detail, normalize
from thinkdial.benchmark.tasks import Task, TaskFileError, builtin_suites, load_tasks, parse_task, resolve_suite


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


GOOD = json.dumps({"id": "a", "prompt": "What is 2 + 2?", "kind": "arithmetic", "check": {"type": "number", "value": 4}})


def test_loader_reads_defaults_and_skips_blank_and_comment_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, ["# a comment", GOOD, "", json.dumps({"id": "b", "prompt": "Capital of France?",
                                                                    "check": {"type": "exact", "answers": ["Paris"]}})])
    tasks = load_tasks(path)
    assert [t.id for t in tasks] == ["a", "b"]
    assert tasks[1].kind == "general" and tasks[1].tags == () and tasks[1].system is None
    assert Task(**{**tasks[0].__dict__}).to_dict()["check"] == {"type": "number", "value": 4}


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"prompt": "x", "check": {"type": "exact", "answers": ["y"]}}), "missing required key 'id'"),
        (json.dumps({"id": "z", "prompt": "x", "check": {"type": "fuzzy"}}), "check.type must be one of"),
        (json.dumps({"id": "z", "prompt": "x", "check": {"type": "number", "value": "4"}}), "check.value must be a number"),
        (json.dumps({"id": "z", "prompt": "x", "check": {"type": "exact", "answers": []}}), "check.answers must not be empty"),
        (json.dumps({"id": "z", "prompt": "x", "promt": "typo", "check": {"type": "exact", "answers": ["y"]}}), "unknown key(s) ['promt']"),
        (json.dumps({"id": "z", "prompt": "x", "check": {"type": "choice", "answers": ["c"], "options": ["a", "b"]}}),
         "are not among check.options"),
        (json.dumps({"id": "z", "prompt": "x", "check": {"type": "regex", "pattern": "("}}), "does not compile"),
        (json.dumps({"id": "z", "prompt": "x", "check": {"type": "contains"}}), "non-empty 'all' or 'any'"),
        (json.dumps({"id": "z", "prompt": "x", "check": {"type": "python", "function": "no_such_module_xyz:f"}}), "cannot import"),
        (json.dumps({"id": "z", "prompt": "x", "check": {"type": "number", "value": 1, "tol": 1}}), "unknown key(s) ['tol']"),
        (json.dumps({"id": "z", "prompt": "x", "tags": "t", "check": {"type": "number", "value": 1}}), "'tags' must be a list"),
        (json.dumps(["id", "prompt"]), "must be a JSON object"),
        (GOOD, "duplicate id 'a' (first on line 1)"),
    ],
)
def test_loader_names_the_bad_line(tmp_path: Path, bad: str, message: str) -> None:
    path = _write(tmp_path, [GOOD, "", bad])
    with pytest.raises(TaskFileError) as info:
        load_tasks(path)
    assert f"{path}:3: " in str(info.value)
    assert message in str(info.value)


def test_loader_rejects_an_empty_file_and_a_missing_one(tmp_path: Path) -> None:
    with pytest.raises(TaskFileError, match="no tasks"):
        load_tasks(_write(tmp_path, ["# only a comment"]))
    with pytest.raises(FileNotFoundError):
        resolve_suite(tmp_path / "missing.jsonl")
    with pytest.raises(FileNotFoundError, match="built-in suites are"):
        resolve_suite("no-such-suite")


def test_builtin_suites_ship_and_are_valid() -> None:
    suites = builtin_suites()
    assert {"quick", "standard", "difficulty", "open_ended"} <= set(suites)
    quick = load_tasks(suites["quick"])  # the default: a few minutes on 2 cores
    assert 10 <= len(quick) <= 14 and len({t.kind for t in quick}) >= 8
    standard = load_tasks(suites["standard"])
    assert 30 <= len(standard) <= 40
    assert len({t.kind for t in standard}) >= 8
    assert {t.check["type"] for t in standard} >= {"number", "exact", "choice", "contains", "regex"}
    assert {t.id for t in quick} <= {t.id for t in standard}
    if "difficulty" in suites:  # the labelled corpus of the difficulty issue, when it has landed
        assert len(load_tasks(suites["difficulty"])) >= 100


def test_python_checker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_checks.py").write_text(
        "def is_palindrome(output, task):\n    w = output.strip().lower()\n    return len(w) > 2 and w == w[::-1]\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    task = parse_task({"id": "p", "prompt": "Give a palindrome.", "check": {"type": "python", "function": "my_checks:is_palindrome"}})
    assert grade(task, "Level") and not grade(task, "Levels")


def test_contains_and_regex_checkers() -> None:
    co2 = {"prompt": "What gas do plants absorb?", "check": {"type": "contains", "all": [], "any": ["carbon dioxide", "CO2"]}}
    assert grade(co2, "Plants absorb carbon dioxide from the air.")
    assert grade(co2, "co2")
    assert not grade(co2, "Plants absorb oxygen.")
    both = {"prompt": "", "check": {"type": "contains", "all": ["red", "blue"], "case_sensitive": True}}
    assert grade(both, "red and blue") and not grade(both, "Red and blue")
    z = {"prompt": "First letter of 'zebra'?", "check": {"type": "regex", "pattern": r"(?i)(?:^|[\s\"'(*])z(?:[\s\"'.,)*]|$)"}}
    assert grade(z, 'The first letter of "zebra" is "Z".')
    assert not grade(z, "The first letter is B.")


def test_normalize() -> None:
    assert normalize('"The Eiffel Tower."') == "eiffel tower"
    assert normalize("1,000") == "1000"
    assert normalize("It's -3.5!") == "its -3.5"


@pytest.mark.parametrize(
    ("prompt", "reply", "value"),
    [
        ("Which number is larger, 104 or 78?", "104 is larger than 78.", 104),
        ("Which number is larger, 78 or 104?", "The larger number is 104.", 104),
        ("Which number is larger, 78 or 104?", "78 is larger than 104.", 78),
        ("What is 37 + 48?", "37 + 48 = 85", 85),
        ("What is 37 + 48?", "The sum of 37 and 48 is 85.", 85),
        ("What is 37 + 48?", "The answer is 75. Check: 37 + 48 = 85.", 75),
        ("How many letters are in the word 'house'?", "There are 5 letters in the word 'house'.", 5),
        ("How many legs does a spider have?", "A spider has eight legs.", 8),
        ("", "twenty-five", 25),
        ("How many meters in a km?", "1,000 meters", 1000),
        ("What is 5 + 3?", "5 + 3 = \\boxed{8}", 8),
        ("Half of 7?", "#### 3.5", 3.5),
    ],
)
def test_extract_number_reads_the_stated_answer(prompt: str, reply: str, value: float) -> None:
    assert extract_number(reply, prompt) == value


@pytest.mark.parametrize(
    ("answers", "prompt", "reply", "ok"),
    [
        (["Paris"], "What is the capital of France?", "The capital of France is Paris.", True),
        (["Paris"], "What is the capital of France?", "Paris is the capital of France.", True),
        (["Paris"], "What is the capital of France?", "The capital of France is Lyon.", False),
        (["cold"], "What is the opposite of 'hot'?", 'The opposite of "hot" is "cold".', True),
        (["cold"], "What is the opposite of 'hot'?", 'The opposite of "hot" is "cold" or "warm".', False),
        (["cold"], "What is the opposite of 'hot'?", "cold or cool", False),
        (["Tuesday"], "What day comes after Monday?", "The day after Monday is Wednesday.", False),
    ],
)
def test_exact_checker(answers: list[str], prompt: str, reply: str, ok: bool) -> None:
    assert grade({"prompt": prompt, "check": {"type": "exact", "answers": answers}}, reply) is ok


@pytest.mark.parametrize(
    ("reply", "ok"),
    [
        ("Yes, the sun is a star.", True),
        ("No, the sun is not a star.", False),
        ("Yes or no: it depends.", False),
        ("The answer is yes.", True),
        ("", False),
    ],
)
def test_choice_checker(reply: str, ok: bool) -> None:
    task = {"prompt": "Is the sun a star?", "check": {"type": "choice", "answers": ["yes"], "options": ["yes", "no"]}}
    assert grade_detail(task, reply).correct is ok
