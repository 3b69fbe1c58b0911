"""Precision of the claim checks on correct replies, recall on false ones, and their time on adversarial text.

    .venv/bin/python bench/checks_precision.py            # prints the tables recorded in bench/RESULTS.md

* ``bench/data/precision_correct.jsonl``: correct replies over many domains, written the way capable models
  write (worked steps, markdown, code, "Yes — ...", "Nope.", options named inside a sentence), written
  before the checks were run on them. A check that flags one of them false is wrong.
* ``bench/data/precision_false.jsonl``: replies that each state an exactly checkable false claim.

For every default check: how many correct replies it flags false with certainty (may act on an answer: at most
0.5 % allowed) and at all (a signal only), and how many false replies it flags. Then the slowest of a set of
adversarial inputs through the answer reader and all checks.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CORRECT = ROOT / "bench" / "data" / "precision_correct.jsonl"
FALSE = ROOT / "bench" / "data" / "precision_false.jsonl"

ADVERSARIAL: dict[str, tuple[str, str]] = {
    "5,000 sevens is even": ("7" * 5000 + " is even.", "Is it even?"),
    "2^61 - 1 is prime": ("Yes, 2305843009213693951 is prime.", "Is 2305843009213693951 prime?"),
    "x = 8,000 digits +": ("x = " + "9" * 8000 + "+", "What is x?"),
    "50,000 plus signs": ("1" + " + 1" * 12_500 + " = 3", "What is the sum?"),
    "nested brackets": ("(" * 5000 + "1" + ")" * 5000 + " = 1", "What is it?"),
    "9 ** 99999999 = 1": ("9 ** 99999999 = 1", "What is 9 ** 99999999?"),
    "long repetition": ("The day before Monday is Sunday. " * 2000, "Which day " * 2000 + "?"),
    "unicode digits": ("\u0663 + \u0664 = \u0667 and \uff11\uff12 is prime", "What is 3 + 4?"),
    "control characters": ("\x00\x1b[2J 2 + 2 = 5\r\n\x07" * 500, "What is 2 + 2?"),
    "100k letters a": ("a" * 100_000, "How many times does the letter a appear in " + "a" * 20000 + "?"),
}


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_checks(correct: list[dict[str, Any]], false: list[dict[str, Any]]) -> dict[str, Any]:
    """Per check: correct replies flagged false (certain / any) and false replies flagged (certain / any)."""
    from thinkdial.policies.checks import default_checks
    from thinkdial.policies.reading.question import Question

    out: dict[str, Any] = {}
    for check in default_checks():
        row: dict[str, Any] = {"certain_fp": [], "any_fp": 0, "certain_tp": 0, "any_tp": 0, "fp_domains": Counter()}
        for item in correct:
            claims = check.claims(item["reply"], Question.parse(item["question"]))
            bad = [c for c in claims if not c.holds]
            if any(c.certain for c in bad):
                row["certain_fp"].append({"id": item["id"], "claim": next(c.text for c in bad if c.certain)})
            if bad:
                row["any_fp"] += 1
                row["fp_domains"][item["domain"]] += 1
        for item in false:
            claims = check.claims(item["reply"], Question.parse(item["question"]))
            bad = [c for c in claims if not c.holds]
            row["certain_tp"] += any(c.certain for c in bad)
            row["any_tp"] += bool(bad)
        out[check.name] = row
    return out


def adversarial_timings() -> dict[str, float]:
    """Seconds each adversarial input takes through the answer reader and every default check (never raising)."""
    from thinkdial.policies.checks import default_checks, run_checks
    from thinkdial.policies.reading.answers import read_answer

    checks = default_checks()
    out: dict[str, float] = {}
    for name, (reply, question) in ADVERSARIAL.items():
        start = time.perf_counter()
        read_answer(reply, question)
        run_checks(checks, reply, question)
        out[name] = time.perf_counter() - start
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args()
    correct, false = load(CORRECT), load(FALSE)
    domains = sorted({c["domain"] for c in correct})
    print(f"{len(correct)} correct replies over {len(domains)} domains; {len(false)} false replies\n")
    results = evaluate_checks(correct, false)
    print("| check | correct flagged false, certain | correct flagged false, any (signal) | false replies flagged, certain | any |")
    print("|---|---|---|---|---|")
    n, m = len(correct), len(false)
    combined_certain = set()
    for name, row in results.items():
        combined_certain |= {x["id"] for x in row["certain_fp"]}
        print(f"| {name} | {len(row['certain_fp'])} ({len(row['certain_fp']) / n:.1%}) | {row['any_fp']} ({row['any_fp'] / n:.1%}) "
              f"| {row['certain_tp']} ({row['certain_tp'] / m:.1%}) | {row['any_tp']} ({row['any_tp'] / m:.1%}) |")
    print(f"\nall checks together, certain: {len(combined_certain)} of {n} correct replies flagged ({len(combined_certain) / n:.2%})")
    for name, row in results.items():
        for fp in row["certain_fp"]:
            print(f"  certain false positive [{name}] {fp['id']}: {fp['claim']}")
        if row["fp_domains"]:
            print(f"  {name}: signal flags by domain: {dict(row['fp_domains'].most_common())}")
    timings = adversarial_timings()
    print("\n| adversarial input | seconds (answer reader + all checks) |\n|---|---|")
    for name, seconds in timings.items():
        print(f"| {name} | {seconds:.4f} |")
    print(f"\nslowest: {max(timings.values()):.4f} s")
    if args.json:
        serial = {k: {**v, "fp_domains": dict(v["fp_domains"])} for k, v in results.items()}
        Path(args.json).write_text(json.dumps({"checks": serial, "timings": timings}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
