"""Write ``agent/benchmark/suites/shifted.jsonl``: short questions phrased unlike the difficulty corpus.

The difficulty corpus (``bench/difficulty_corpus.py``) is what the calibration
is fitted on and what the claim checkers were written against (their rules were
written after reading its drafts). This suite was written afterwards, before
any of its drafts were seen, with other phrasings, other numbers, other words
and other instructions, so that the estimate, rules included, can be measured
on prompts it was not built from. Deterministic: ``python bench/shifted_corpus.py``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "agent" / "benchmark" / "suites" / "shifted.jsonl"
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
WORDS = ["window", "garden", "rocket", "yellow", "planet", "orange", "silver", "turtle", "basket", "pillow", "candle",
         "forest", "strawberry", "banana", "computer", "elephant", "mountain", "teacher"]
FORMATS = ["", " Just give the answer.", " Keep it to one line.", " Explain your reasoning briefly.", " Be concise."]
SYSTEMS = [None, None, "You are a friendly assistant.", "Answer precisely."]


def _task(kind: str, n: int, prompt: str, check: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    return {"id": f"{kind}-{n}", "prompt": prompt + rng.choice(FORMATS), "kind": kind, "tags": ["shifted"],
            "system": rng.choice(SYSTEMS), "check": check}


def build(per_kind: int = 6, seed: int = 20261201) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    tasks: list[dict[str, Any]] = []

    def number(v: int) -> dict[str, Any]:
        return {"type": "number", "value": v, "tolerance": 0}

    def exact(*answers: str) -> dict[str, Any]:
        return {"type": "exact", "answers": list(answers)}

    for i in range(per_kind):
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        tasks.append(_task("sum_words", i, rng.choice([f"What is {a} plus {b}?", f"Add {a} and {b}.",
                                                        f"What do {a} and {b} add up to?"]), number(a + b), rng))
        a, b = rng.randint(12, 89), rng.randint(12, 89)
        tasks.append(_task("sum_two_digit", i, rng.choice([f"Compute {a} + {b}.", f"What's the sum of {a} and {b}?",
                                                            f"Calculate {a} + {b}"]), number(a + b), rng))
        a, b = rng.randint(3, 19), rng.randint(3, 12)
        tasks.append(_task("product", i, rng.choice([f"What do you get when you multiply {a} by {b}?",
                                                      f"Work out {a} times {b}.", f"What is {a} * {b}?"]),
                           number(a * b), rng))
        a, b = rng.randint(30, 99), rng.randint(2, 29)
        tasks.append(_task("difference", i, rng.choice([f"Subtract {b} from {a}.", f"What is {a} minus {b}?",
                                                         f"How much is {a} - {b}?"]), number(a - b), rng))
        w = rng.choice(WORDS)
        tasks.append(_task("letter_count", i, rng.choice([f"How many letters does '{w}' have?",
                                                           f"How many letters are there in {w}?",
                                                           f'Count how many letters the word "{w}" has.']),
                           number(len(w)), rng))
        w = rng.choice(WORDS)
        which = rng.choice(["first", "last", "second"])
        letter = {"first": w[0], "last": w[-1], "second": w[1]}[which]
        prompt = {"first": f"Which letter does the word {w} start with?", "last": f"What letter does '{w}' end with?",
                  "second": f"What is the second letter of \"{w}\"?"}[which]
        tasks.append(_task("letter_position", i, prompt, exact(letter), rng))
        d = rng.randrange(7)
        form = rng.randrange(4)
        if form == 0:
            prompt, ans = f"What is the day after {DAYS[d]}?", DAYS[(d + 1) % 7]
        elif form == 1:
            prompt, ans = f"Name the day that comes two days after {DAYS[d]}.", DAYS[(d + 2) % 7]
        elif form == 2:
            prompt, ans = f"Yesterday was {DAYS[d]}. What day is it today?", DAYS[(d + 1) % 7]
        else:
            prompt, ans = f"What day of the week precedes {DAYS[d]}?", DAYS[(d - 1) % 7]
        tasks.append(_task("weekday_shifted", i, prompt, exact(ans), rng))
        m = rng.randrange(12)
        if rng.random() < 0.5:
            prompt, ans = rng.choice([f"Which month follows {MONTHS[m]}?", f"Name the month after {MONTHS[m]}."]), MONTHS[(m + 1) % 12]
        else:
            prompt, ans = f"What month comes before {MONTHS[m]}?", MONTHS[(m - 1) % 12]
        tasks.append(_task("month_shifted", i, prompt, exact(ans), rng))
        a, b = rng.sample(range(10, 999), 2)
        want_big = rng.random() < 0.5
        prompt = rng.choice([f"Which of these is larger: {a} or {b}?", f"Out of {a} and {b}, which is greater?"]) if want_big \
            else rng.choice([f"Pick the smaller number, {a} or {b}.", f"Which is less, {a} or {b}?"])
        right = max(a, b) if want_big else min(a, b)
        tasks.append(_task("number_choice", i, prompt, {"type": "choice", "answers": [str(right)],
                                                         "options": [str(a), str(b)]}, rng))
        n = rng.randint(4, 60)
        form = rng.randrange(4)
        if form == 0:
            prompt, yes = f"Is {n} an even number?", n % 2 == 0
        elif form == 1:
            prompt, yes = f"Is {n} prime?", n > 1 and all(n % k for k in range(2, n))
        elif form == 2:
            c = rng.randint(4, 60)
            prompt, yes = f"Is {n} larger than {c}?", n > c
        else:
            k = rng.choice([3, 4, 5, 7])
            prompt, yes = f"Is {n} a multiple of {k}?", n % k == 0
        tasks.append(_task("number_yes_no", i, prompt + " Answer yes or no.", exact("yes" if yes else "no"), rng))
        start, step = rng.randint(1, 20), rng.randint(2, 9)
        form = rng.randrange(4)
        if form == 0:
            terms, nxt = [start + step * j for j in range(4)], start + step * 4
        elif form == 1:
            terms, nxt = [start * 2**j for j in range(4)], start * 16
        elif form == 2:
            a, b = rng.randint(1, 5), rng.randint(2, 8)
            terms = [a, b, a + b, a + 2 * b, 2 * a + 3 * b]
            nxt = terms[-1] + terms[-2]
        else:
            terms, nxt = [(start + j) ** 2 for j in range(4)], (start + 4) ** 2
        listed = ", ".join(map(str, terms))
        prompt = rng.choice([f"Give the number that follows in {listed}.", f"Which number continues this series: {listed}?",
                             f"What is the next term of {listed}?", f"Fill in the next value: {listed}, ..."])
        tasks.append(_task("sequence_shifted", i, prompt, number(nxt), rng))
    return tasks


def main() -> None:
    tasks = build()
    OUT.write_text("".join(json.dumps(t) + "\n" for t in tasks))
    print(f"{len(tasks)} tasks -> {OUT}")


if __name__ == "__main__":
    main()
