"""A mixed-difficulty question set with checkable answers, generated deterministically.

Kinds range from trivial (single-digit sums, famous capitals) to hard for a
135M model (two-digit products, letter counts, obscure capitals), so the fast
model is right on some and wrong on others within and across kinds.
``split="train"`` and ``split="test"`` draw different items (different
seeds, disjoint fact lists) so calibration is always reported on held-out
questions.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from thinkdial.policies.answers import extract_answer, normalize_answer


@dataclass(frozen=True)
class Question:
    kind: str
    text: str
    answer: str
    aliases: tuple[str, ...] = ()


CAPITALS = [
    ("France", "Paris"), ("Japan", "Tokyo"), ("Italy", "Rome"), ("Germany", "Berlin"), ("Spain", "Madrid"),
    ("Canada", "Ottawa"), ("Australia", "Canberra"), ("Brazil", "Brasilia"), ("Egypt", "Cairo"), ("Russia", "Moscow"),
    ("China", "Beijing"), ("India", "New Delhi"), ("Mexico", "Mexico City"), ("Kenya", "Nairobi"), ("Peru", "Lima"),
    ("Norway", "Oslo"), ("Sweden", "Stockholm"), ("Poland", "Warsaw"), ("Greece", "Athens"), ("Portugal", "Lisbon"),
    ("Turkey", "Ankara"), ("Vietnam", "Hanoi"), ("Chile", "Santiago"), ("Nigeria", "Abuja"), ("Pakistan", "Islamabad"),
    ("Switzerland", "Bern"), ("New Zealand", "Wellington"), ("Morocco", "Rabat"), ("Austria", "Vienna"), ("Ireland", "Dublin"),
    ("Finland", "Helsinki"), ("Hungary", "Budapest"), ("Argentina", "Buenos Aires"), ("Colombia", "Bogota"), ("Thailand", "Bangkok"),
    ("Kazakhstan", "Astana"), ("Mongolia", "Ulaanbaatar"), ("Bolivia", "Sucre"), ("Myanmar", "Naypyidaw"), ("Tanzania", "Dodoma"),
]

YES_NO = [
    ("Is the sun a star?", "yes"), ("Is water wet?", "yes"), ("Can fish fly?", "no"), ("Is ice cold?", "yes"),
    ("Is the moon made of cheese?", "no"), ("Do cats bark?", "no"), ("Is 7 an even number?", "no"), ("Is 10 an even number?", "yes"),
    ("Is Paris in France?", "yes"), ("Is a whale a fish?", "no"), ("Do birds have feathers?", "yes"), ("Is fire cold?", "no"),
    ("Is 13 a prime number?", "yes"), ("Is 15 a prime number?", "no"), ("Is the Pacific an ocean?", "yes"), ("Can a dog talk?", "no"),
    ("Is a tomato a fruit?", "yes"), ("Is Mount Everest in Africa?", "no"), ("Is 100 greater than 99?", "yes"), ("Is 3 greater than 8?", "no"),
    ("Do spiders have six legs?", "no"), ("Is gold a metal?", "yes"), ("Is the Earth flat?", "no"), ("Does ice float on water?", "yes"),
]

WORDS = ["cat", "house", "banana", "river", "elephant", "computer", "sun", "garden", "strawberry", "book", "mountain", "tree",
         "window", "pencil", "ocean", "guitar", "planet", "chair", "apple", "dragon"]

OPPOSITES = [("hot", "cold"), ("up", "down"), ("big", "small"), ("fast", "slow"), ("happy", "sad"), ("day", "night"),
             ("open", "closed"), ("light", "dark"), ("old", "young"), ("early", "late"), ("full", "empty"), ("hard", "soft"),
             ("wet", "dry"), ("win", "lose"), ("rich", "poor"), ("loud", "quiet")]

LEGS = [("spider", "8"), ("dog", "4"), ("bird", "2"), ("ant", "6"), ("cat", "4"), ("human", "2"), ("horse", "4"),
        ("insect", "6"), ("octopus", "8"), ("chicken", "2"), ("cow", "4"), ("beetle", "6")]

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _split_list(items: list, split: str) -> list:
    """Even positions for train, odd for test: disjoint facts."""
    return items[0::2] if split == "train" else items[1::2]


def generate(split: str = "train", per_kind: int = 10) -> list[Question]:
    """``per_kind`` questions of each kind (fewer where the fact list is short)."""
    rng = random.Random(0 if split == "train" else 1)
    out: list[Question] = []
    for _ in range(per_kind):
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        out.append(Question("add_small", f"What is {a} + {b}?", str(a + b)))
    for _ in range(per_kind):
        a, b = rng.randint(10, 99), rng.randint(10, 99)
        out.append(Question("add_two_digit", f"What is {a} + {b}?", str(a + b)))
    for _ in range(per_kind):
        a, b = rng.randint(12, 99), rng.randint(12, 99)
        out.append(Question("mul_two_digit", f"What is {a} * {b}?", str(a * b)))
    for country, capital in _split_list(CAPITALS, split)[:per_kind]:
        out.append(Question("capital", f"What is the capital of {country}?", capital))
    for q, a in _split_list(YES_NO, split)[:per_kind]:
        out.append(Question("yes_no", q + " Answer yes or no.", a))
    for word in _split_list(WORDS, split)[:per_kind]:
        out.append(Question("letters", f"How many letters are in the word '{word}'?", str(len(word))))
    for _ in range(per_kind):
        a, b = rng.sample(range(1, 200), 2)
        out.append(Question("compare", f"Which number is larger, {a} or {b}?", str(max(a, b))))
    for w, o in _split_list(OPPOSITES, split)[:per_kind]:
        out.append(Question("opposite", f"What is the opposite of '{w}'?", o))
    for animal, legs in _split_list(LEGS, split)[:per_kind]:
        out.append(Question("legs", f"How many legs does a {animal} have?", legs))
    for _ in range(min(per_kind, 7)):
        i = rng.randrange(7)
        out.append(Question("next_day", f"What day comes after {DAYS[i]}?", DAYS[(i + 1) % 7]))
    return out


_WORD_NUMBERS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                 "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12"}


def is_correct(question: Question, reply: str | None) -> bool:
    """The reply's extracted answer matches the gold answer (numbers exactly; words as whole words)."""
    if not reply:
        return False
    answer = extract_answer(reply)
    if answer is None:
        return False
    got = normalize_answer(answer)
    got = " ".join(_WORD_NUMBERS.get(w, w) for w in got.split())
    gold = normalize_answer(question.answer)
    if got == gold:
        return True
    if gold.replace(".", "").isdigit():
        return re.findall(r"-?\d+(?:\.\d+)?", got)[-1:] == [gold]
    return re.search(rf"\b{re.escape(gold)}\b", got) is not None and not (
        question.kind == "yes_no" and re.search(r"\b(yes|no)\b.*\b(yes|no)\b", got)
    )
