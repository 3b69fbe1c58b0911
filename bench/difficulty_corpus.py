"""Write the labelled difficulty corpus: ``agent/benchmark/suites/difficulty.jsonl``.

    .venv/bin/python bench/difficulty_corpus.py            # (re)writes the suite, deterministic

Eighteen kinds of short-answer question, each asked in several phrasings
written by hand for that kind (not one template shared by all), each with one
of several answer-format instructions (none, "just the number" / "one word",
"explain briefly", ...) and, for about a third of them, a system prompt of its
own. The file is in the ``thinkdial bench`` task format, so it is graded by
``thinkdial.benchmark.graders.grade`` and runs with ``thinkdial bench``.
The leave-one-kind-out evaluation (``bench/difficulty_eval.py``) uses ``kind``.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "agent" / "benchmark" / "suites" / "difficulty.jsonl"

SYSTEMS = [
    "You are a careful tutor. Give the answer first.",
    "You are a quiz assistant. Reply briefly.",
    "You answer questions for a school worksheet.",
    "Be accurate. If you are unsure, say so.",
    "You are a helpful assistant.",
]

NUM_FORMATS = ["", " Answer with just the number.", " Reply with only the number.", " Explain briefly.",
               " Give the answer as a number.", " Show your answer in one short sentence."]
WORD_FORMATS = ["", " Answer in one word.", " One word only.", " Explain briefly.", " Reply with a single word.",
                " Answer in a short sentence."]
YN_FORMATS = ["", " Answer yes or no.", " Just say yes or no.", " Explain briefly.", " Reply with yes or no only."]
FREE_FORMATS = ["", " Answer in one sentence.", " Explain briefly.", " Keep it short."]


def number(v: float) -> dict[str, Any]:
    return {"type": "number", "value": v, "tolerance": 0}


def exact(*answers: str) -> dict[str, Any]:
    return {"type": "exact", "answers": list(answers)}


def contains_any(*words: str) -> dict[str, Any]:
    return {"type": "contains", "any": list(words)}


def choice(answer: str, options: list[str]) -> dict[str, Any]:
    return {"type": "choice", "answers": [answer], "options": options}


# --------------------------------------------------------------------------- kinds
# Each maker returns (prompt without format, check, format family, tags).

Item = tuple[str, dict[str, Any], list[str], list[str]]


def add_small(r: random.Random) -> Item:
    a, b = r.randint(1, 9), r.randint(1, 9)
    p = r.choice([f"What is {a} plus {b}?", f"{a} + {b} = ?", f"Add {a} and {b}.", f"What do you get when you add {b} to {a}?",
                  f"How much is {a} + {b}?", f"Calculate {a}+{b}."])
    return p, number(a + b), NUM_FORMATS, ["one-digit"]


def add_large(r: random.Random) -> Item:
    a, b = r.randint(10, 99), r.randint(10, 99)
    if r.random() < 0.35:
        a, b = r.randint(100, 999), r.randint(10, 999)
    p = r.choice([f"Compute {a} + {b}.", f"What is the sum of {a} and {b}?", f"What is {a} plus {b}?",
                  f"If you add {a} and {b}, what do you get?", f"{a} + {b} equals what?", f"Find {a} + {b}."])
    return p, number(a + b), NUM_FORMATS, ["multi-digit"]


def subtract(r: random.Random) -> Item:
    a = r.randint(5, 99)
    b = r.randint(1, a)
    p = r.choice([f"What is {a} minus {b}?", f"Subtract {b} from {a}.", f"{a} - {b} = ?", f"What is {a} take away {b}?",
                  f"Compute the difference {a} - {b}.", f"How much is left if you take {b} from {a}?"])
    return p, number(a - b), NUM_FORMATS, []


def multiply(r: random.Random) -> Item:
    a, b = r.randint(2, 12), r.randint(2, 12)
    if r.random() < 0.3:
        a, b = r.randint(11, 40), r.randint(3, 19)
    p = r.choice([f"What is {a} times {b}?", f"Multiply {a} by {b}.", f"{a} x {b} = ?", f"What is {a} * {b}?",
                  f"What is the product of {a} and {b}?", f"How much is {a} multiplied by {b}?"])
    return p, number(a * b), NUM_FORMATS, []


def word_problem(r: random.Random) -> Item:
    name = r.choice(["Tom", "Maria", "Sam", "Aisha", "Lena", "Ravi", "Jo", "Ken"])
    thing = r.choice(["apples", "stickers", "marbles", "books", "coins", "pencils", "cookies"])
    a, b = r.randint(3, 20), r.randint(1, 9)
    form = r.randrange(5)
    if form == 0:
        return f"{name} has {a} {thing} and buys {b} more. How many {thing} does {name} have now?", number(a + b), NUM_FORMATS, ["add"]
    if form == 1:
        b = min(b, a)
        return f"{name} had {a} {thing} and gave away {b}. How many are left?", number(a - b), NUM_FORMATS, ["sub"]
    if form == 2:
        n = r.randint(2, 6)
        return f"There are {n} boxes with {b + 1} {thing} in each box. How many {thing} are there in total?", number(n * (b + 1)), NUM_FORMATS, ["mul"]
    if form == 3:
        n = r.randint(2, 5)
        return f"{name} shares {n * b} {thing} equally among {n} friends. How many does each friend get?", number(b), NUM_FORMATS, ["div"]
    price = r.randint(2, 9)
    return f"One pen costs {price} dollars. How much do {b + 1} pens cost, in dollars?", number(price * (b + 1)), NUM_FORMATS, ["money"]


UNITS = [
    ("kilometers", "meters", 1000), ("meters", "centimeters", 100), ("hours", "minutes", 60), ("minutes", "seconds", 60),
    ("days", "hours", 24), ("weeks", "days", 7), ("kilograms", "grams", 1000), ("liters", "milliliters", 1000),
    ("feet", "inches", 12), ("years", "months", 12), ("dozens", "items", 12),
]


def unit_conversion(r: random.Random) -> Item:
    big, small, f = r.choice(UNITS)
    n = r.randint(1, 9)
    p = r.choice([f"How many {small} are in {n} {big}?", f"Convert {n} {big} to {small}.", f"{n} {big} is how many {small}?",
                  f"What is {n} {big} in {small}?", f"Express {n} {big} in {small}."])
    return p, number(n * f), NUM_FORMATS, [big]


DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def weekday(r: random.Random) -> Item:
    i = r.randrange(7)
    form = r.randrange(5)
    if form == 0:
        return f"What day comes after {DAYS[i]}?", exact(DAYS[(i + 1) % 7]), WORD_FORMATS, ["next"]
    if form == 1:
        return f"If today is {DAYS[i]}, what day was yesterday?", exact(DAYS[(i - 1) % 7]), WORD_FORMATS, ["previous"]
    if form == 2:
        n = r.randint(2, 5)
        return f"If today is {DAYS[i]}, what day will it be in {n} days?", exact(DAYS[(i + n) % 7]), WORD_FORMATS, ["plus-n"]
    if form == 3:
        return f"Which day of the week comes before {DAYS[i]}?", exact(DAYS[(i - 1) % 7]), WORD_FORMATS, ["previous"]
    return f"Tomorrow is {DAYS[i]}. What day is today?", exact(DAYS[(i - 1) % 7]), WORD_FORMATS, ["inverse"]


def months(r: random.Random) -> Item:
    i = r.randrange(12)
    form = r.randrange(5)
    if form == 0:
        return f"Which month comes after {MONTHS[i]}?", exact(MONTHS[(i + 1) % 12]), WORD_FORMATS, ["next"]
    if form == 1:
        return f"What is the {ORD[i]} month of the year?", exact(MONTHS[i]), WORD_FORMATS, ["ordinal"]
    if form == 2:
        return f"What number is the month of {MONTHS[i]} in the year?", number(i + 1), NUM_FORMATS, ["number"]
    if form == 3:
        days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][i]
        chk = {"type": "number", "value": days, "tolerance": 1} if i == 1 else number(days)
        return f"How many days are there in {MONTHS[i]}?", chk, NUM_FORMATS, ["length"]
    return f"Which month comes before {MONTHS[i]}?", exact(MONTHS[(i - 1) % 12]), WORD_FORMATS, ["previous"]


ORD = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"]

CAPITALS = [("France", "Paris"), ("Japan", "Tokyo"), ("Italy", "Rome"), ("Spain", "Madrid"), ("Germany", "Berlin"),
            ("Egypt", "Cairo"), ("Canada", "Ottawa"), ("Australia", "Canberra"), ("Kenya", "Nairobi"), ("Peru", "Lima"),
            ("Norway", "Oslo"), ("Greece", "Athens"), ("Portugal", "Lisbon"), ("Russia", "Moscow"), ("China", "Beijing"),
            ("Turkey", "Ankara"), ("Brazil", "Brasilia"), ("India", "New Delhi"), ("Poland", "Warsaw"), ("Ireland", "Dublin"),
            ("Sweden", "Stockholm"), ("Austria", "Vienna"), ("Thailand", "Bangkok"), ("Argentina", "Buenos Aires"),
            ("Mexico", "Mexico City"), ("Vietnam", "Hanoi"), ("Cuba", "Havana"), ("Chile", "Santiago"),
            ("Finland", "Helsinki"), ("Hungary", "Budapest")]


def capitals(r: random.Random) -> Item:
    country, city = r.choice(CAPITALS)
    p = r.choice([f"What is the capital of {country}?", f"Name the capital city of {country}.",
                  f"Which city is the capital of {country}?", f"{country}'s capital is which city?",
                  f"Tell me the capital of {country}."])
    alts = [city] + (["Delhi"] if city == "New Delhi" else []) + (["Brasília"] if city == "Brasilia" else [])
    return p, exact(*alts), WORD_FORMATS, [country]


FACTS = [
    ("What color is the sky on a clear day?", ["blue"]), ("What color is grass?", ["green"]),
    ("How many legs does a spider have?", ["8"]), ("How many legs does a dog have?", ["4"]),
    ("How many legs does an insect have?", ["6"]), ("How many wheels does a bicycle have?", ["2"]),
    ("What do bees make?", ["honey"]), ("What is frozen water called?", ["ice"]),
    ("Which planet do we live on?", ["Earth"]), ("What is the largest ocean on Earth?", ["Pacific", "Pacific Ocean"]),
    ("What gas do plants take in from the air?", ["carbon dioxide", "CO2"]), ("How many days are in a week?", ["7"]),
    ("How many hours are in a day?", ["24"]), ("How many sides does a triangle have?", ["3"]),
    ("How many sides does a hexagon have?", ["6"]), ("What is the boiling point of water in Celsius?", ["100"]),
    ("Which animal is known as the king of the jungle?", ["lion"]), ("What is the closest star to Earth?", ["Sun", "the Sun"]),
    ("Which is the largest planet in the solar system?", ["Jupiter"]), ("What color are bananas when ripe?", ["yellow"]),
    ("How many continents are there?", ["7"]), ("What is the chemical symbol for gold?", ["Au"]),
    ("Who wrote Romeo and Juliet?", ["Shakespeare", "William Shakespeare"]), ("How many minutes are in an hour?", ["60"]),
    ("What is the tallest animal in the world?", ["giraffe"]), ("What do cows drink?", ["water"]),
    ("What is the main language spoken in Brazil?", ["Portuguese"]), ("How many players are on a soccer team on the field?", ["11"]),
    ("Which organ pumps blood through the body?", ["heart"]), ("What is the freezing point of water in Fahrenheit?", ["32"]),
    ("What is the hardest natural substance?", ["diamond"]), ("What is the capital letter after B in the alphabet?", ["C"]),
]


def facts(r: random.Random) -> Item:
    q, answers = r.choice(FACTS)
    if answers[0].isdigit():
        return q, number(int(answers[0])), NUM_FORMATS, []
    return q, exact(*answers), WORD_FORMATS, []


WORDS = [("a baby dog", "puppy"), ("a baby cat", "kitten"), ("a baby cow", "calf"), ("a person who flies a plane", "pilot"),
         ("a person who treats sick animals", "vet", "veterinarian"), ("a person who writes books", "author", "writer"),
         ("a place where books are lent", "library"), ("a very large body of salt water", "ocean", "sea"),
         ("the meal eaten in the morning", "breakfast"), ("a doctor for teeth", "dentist"), ("a group of sheep", "flock"),
         ("a word that means the same as another word", "synonym"), ("frozen rain that falls as balls of ice", "hail"),
         ("a shape with four equal sides and four right angles", "square"), ("a young frog", "tadpole"),
         ("a person who makes bread", "baker"), ("the season after summer", "autumn", "fall"),
         ("a house made of snow blocks", "igloo")]


def definitions(r: random.Random) -> Item:
    desc, *answers = r.choice(WORDS)
    p = r.choice([f"What is the word for {desc}?", f"What do we call {desc}?", f"Name the word that means {desc}.",
                  f"Which word describes {desc}?", f"What is {desc} called?"])
    return p, exact(*answers), WORD_FORMATS, []


SPELL_WORDS = ["apple", "house", "river", "garden", "pencil", "banana", "window", "orange", "tiger", "planet", "yellow",
               "music", "school", "bottle", "cloud", "rabbit", "summer", "bridge"]


def spelling(r: random.Random) -> Item:
    w = r.choice(SPELL_WORDS)
    form = r.randrange(5)
    if form == 0:
        return f'How many letters are in the word "{w}"?', number(len(w)), NUM_FORMATS, ["length"]
    if form == 1:
        return f"What is the first letter of the word {w}?", exact(w[0]), WORD_FORMATS, ["first"]
    if form == 2:
        return f"What is the last letter of '{w}'?", exact(w[-1]), WORD_FORMATS, ["last"]
    if form == 3:
        c = r.choice(sorted(set(w)))
        return f'How many times does the letter "{c}" appear in "{w}"?', number(w.count(c)), NUM_FORMATS, ["count"]
    return f"Count the letters in {w}.", number(len(w)), NUM_FORMATS, ["length"]


def comparison(r: random.Random) -> Item:
    form = r.randrange(4)
    if form < 2:
        a, b = r.sample(range(10, 999), 2)
        p = r.choice([f"Which is larger, {a} or {b}?", f"Which number is bigger: {a} or {b}?",
                      f"Is {a} or {b} the greater number?"]) if form == 0 else r.choice(
            [f"Which is smaller, {a} or {b}?", f"Which number is less: {a} or {b}?"])
        ans = max(a, b) if form == 0 else min(a, b)
        return p, choice(str(ans), [str(a), str(b)]), NUM_FORMATS, ["number"]
    pairs = [("an elephant", "a mouse", "elephant"), ("the Sun", "the Moon", "Sun"), ("a car", "a bicycle", "car"),
             ("a whale", "a fish", "whale"), ("a mountain", "a hill", "mountain"), ("a bus", "a motorbike", "bus"),
             ("a horse", "a cat", "horse"), ("a tree", "a flower", "tree")]
    x, y, ans = r.choice(pairs)
    if r.random() < 0.5:
        x, y = y, x
    opts = [x.split()[-1], y.split()[-1]]
    if form == 2:
        return f"Which is bigger, {x} or {y}?", choice(ans, opts), WORD_FORMATS, ["size"]
    small = opts[0] if opts[1] == ans else opts[1]
    return f"Which is smaller: {x} or {y}?", choice(small, opts), WORD_FORMATS, ["size"]


YES_NO = [("Is the Earth round?", "yes"), ("Is fire cold?", "no"), ("Can fish breathe underwater?", "yes"),
          ("Is a tomato a vegetable in botany?", "no"), ("Do penguins fly?", "no"), ("Is 7 an odd number?", "yes"),
          ("Is 10 an odd number?", "no"), ("Is the Sun a star?", "yes"), ("Is water wet?", "yes"),
          ("Do cats bark?", "no"), ("Is Paris in France?", "yes"), ("Is Tokyo in China?", "no"),
          ("Is 15 greater than 51?", "no"), ("Does ice float on water?", "yes"), ("Is a whale a fish?", "no"),
          ("Can a car run without fuel or a battery?", "no"), ("Is 2 a prime number?", "yes"), ("Is 9 a prime number?", "no"),
          ("Do plants need sunlight to grow?", "yes"), ("Is the Moon bigger than the Earth?", "no"),
          ("Is a square a kind of rectangle?", "yes"), ("Are bats mammals?", "yes"), ("Is lead lighter than feathers?", "no"),
          ("Is Monday the day after Sunday?", "yes"), ("Is 100 divisible by 3?", "no")]


def yes_no(r: random.Random) -> Item:
    q, a = r.choice(YES_NO)
    return q, exact(a), YN_FORMATS, []


def code_output(r: random.Random) -> Item:
    a, b = r.randint(2, 9), r.randint(2, 9)
    form = r.randrange(6)
    lead = r.choice(["What does this Python code print?", "What is the output of this Python code?",
                     "What will this print?"])
    if form == 0:
        return f"{lead}\nprint({a} + {b})", number(a + b), NUM_FORMATS, ["add"]
    if form == 1:
        return f"{lead}\nprint({a} * {b})", number(a * b), NUM_FORMATS, ["mul"]
    if form == 2:
        return f"{lead}\nx = {a}\nx = x + {b}\nprint(x)", number(a + b), NUM_FORMATS, ["assign"]
    if form == 3:
        w = r.choice(SPELL_WORDS)
        return f'{lead}\nprint(len("{w}"))', number(len(w)), NUM_FORMATS, ["len"]
    if form == 4:
        return f"{lead}\nprint({a * b} // {b})", number(a), NUM_FORMATS, ["floordiv"]
    w = r.choice(SPELL_WORDS)
    return f'{lead}\nprint("{w}".upper())', {"type": "contains", "all": [w.upper()], "case_sensitive": True}, FREE_FORMATS, ["upper"]


OPPOSITES = [("hot", "cold"), ("big", "small", "little"), ("up", "down"), ("happy", "sad", "unhappy"), ("fast", "slow"),
             ("light", "dark", "heavy"), ("old", "young", "new"), ("open", "closed", "shut"), ("wet", "dry"),
             ("tall", "short"), ("early", "late"), ("full", "empty"), ("rich", "poor"), ("hard", "soft", "easy"),
             ("day", "night"), ("win", "lose"), ("push", "pull"), ("strong", "weak"), ("loud", "quiet", "soft"),
             ("begin", "end", "finish")]


def opposites(r: random.Random) -> Item:
    w, *answers = r.choice(OPPOSITES)
    p = r.choice([f'What is the opposite of "{w}"?', f"What's the opposite of {w}?", f"Give the antonym of '{w}'.",
                  f"Name a word that means the opposite of {w}.", f"The opposite of {w} is what?"])
    return p, exact(*answers), WORD_FORMATS, [w]


SEQ = [([2, 4, 6, 8], 10), ([1, 3, 5, 7], 9), ([5, 10, 15, 20], 25), ([10, 20, 30, 40], 50), ([1, 2, 4, 8], 16),
       ([3, 6, 9, 12], 15), ([100, 90, 80, 70], 60), ([1, 4, 9, 16], 25), ([7, 14, 21], 28), ([20, 18, 16, 14], 12),
       ([1, 1, 2, 3, 5], 8), ([11, 22, 33], 44)]


def sequence(r: random.Random) -> Item:
    seq, nxt = r.choice(SEQ)
    s = ", ".join(map(str, seq))
    p = r.choice([f"What number comes next: {s}, ...?", f"Continue the sequence: {s}. What is the next number?",
                  f"Find the next number in the pattern {s}."])
    return p, number(nxt), NUM_FORMATS, []


SENTENCE = [
    ("What does a thermometer measure?", ["temperature", "heat", "hot"]),
    ("Why do people wear coats in winter?", ["warm", "cold"]),
    ("What is the purpose of an umbrella?", ["rain", "wet", "sun"]),
    ("Where does the sun rise?", ["east"]), ("What do plants need to grow?", ["water", "sun", "light"]),
    ("What is a calendar used for?", ["date", "day", "time", "month"]), ("What do you use a key for?", ["lock", "open", "door"]),
    ("Why do we brush our teeth?", ["clean", "decay", "cavit", "healthy", "germs", "bacteria"]),
    ("What happens to ice when it gets warm?", ["melt"]), ("What does a compass show?", ["north", "direction"]),
    ("What is the job of a firefighter?", ["fire"]), ("Why do birds fly south in winter?", ["warm", "food", "cold", "migrat"]),
    ("What do you call the line where the sky seems to meet the land?", ["horizon"]),
    ("What is a map used for?", ["direction", "find", "navigat", "way", "location", "place"]),
    ("What do bees collect from flowers?", ["nectar", "pollen"]), ("Why is the sea salty?", ["salt", "mineral", "rock", "river"]),
]


def sentence_answer(r: random.Random) -> Item:
    q, words = r.choice(SENTENCE)
    return q, contains_any(*words), FREE_FORMATS, []


KINDS = {
    "add_small": add_small, "add_large": add_large, "subtract": subtract, "multiply": multiply,
    "word_problem": word_problem, "unit_conversion": unit_conversion, "weekday": weekday, "month": months,
    "capital": capitals, "fact": facts, "definition": definitions, "spelling": spelling, "comparison": comparison,
    "yes_no": yes_no, "code_output": code_output, "opposite": opposites, "sequence": sequence,
    "sentence_answer": sentence_answer,
}


def build(per_kind: int = 24, seed: int = 2026) -> list[dict[str, Any]]:
    """The corpus rows (deterministic for a seed); prompts are unique within a kind."""
    r = random.Random(seed)
    rows: list[dict[str, Any]] = []
    for kind, make in KINDS.items():
        seen: set[str] = set()
        tries = 0
        while len([x for x in rows if x["kind"] == kind]) < per_kind and tries < per_kind * 30:
            tries += 1
            prompt, check, formats, tags = make(r)
            fmt = r.choice(formats)
            full = prompt + ("\n" + fmt.strip() if fmt and "\n" in prompt else fmt)
            if full in seen:
                continue
            seen.add(full)
            system = r.choice(SYSTEMS) if r.random() < 0.35 else None
            fmt_tag = {"": "fmt:none"}.get(fmt, "fmt:explain" if "xplain" in fmt else "fmt:short")
            rows.append({
                "id": f"{kind}-{len(seen)}", "prompt": full, "kind": kind, "tags": [*tags, fmt_tag],
                "system": system, "check": check,
            })
    return rows


def main() -> None:
    rows = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    kinds = sorted({r["kind"] for r in rows})
    print(f"wrote {len(rows)} tasks over {len(kinds)} kinds to {OUT}")


if __name__ == "__main__":
    main()
