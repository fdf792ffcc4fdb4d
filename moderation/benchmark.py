"""How fast the rule engine is: load time of the ruleset and prompts decided per second on one core.

The default ruleset is padded with synthetic names up to the requested number of entities, so the figures hold
for a server that has added many of its own.
"""

from __future__ import annotations

import random
import time

from moderation.engine import Moderator
from moderation.ruleset import Category, Entity, load_ruleset

SYLLABLES = ["ka", "lo", "mi", "ren", "tas", "vel", "dor", "ix", "qua", "zen", "bra", "fio", "gul", "hem", "sor"]
PROMPTS = [
    "a lighthouse on a cliff at dusk, oil painting",
    "portrait of a woman in a red coat, studio lighting",
    "Elon Musk eating a sandwich on the moon",
    "a swift river running through an apple orchard",
    "3l0n mu5k riding a horse",
    "a cat wearing a Nike cap",
    "in the style of Greg Rutkowski, a dragon over a castle",
    "t4yl0r swfit singing on stage",
    "the three musketeers in a tavern, dramatic lighting",
    "a cozy cabin in the snow with warm windows",
    "Ｐｉｋａｃｈｕ in a forest",
    "an apple pie on a wooden table",
    "a robot painting a sunset, watercolor",
    "Mickey Mouse as a knight",
    "a shell on the beach at sunrise",
    "cyberpunk street at night with neon signs and rain",
]


def synthetic_entities(count: int, seed: int = 7) -> list[Entity]:
    chooser = random.Random(seed)

    def word() -> str:
        return "".join(chooser.choice(SYLLABLES) for _ in range(chooser.randint(2, 3))).capitalize()

    categories = (Category.PERSON, Category.BRAND, Category.ARTIST)
    return [
        Entity(name=f"{word()} {word()}", category=categories[index % 3], aliases=(word(),) if index % 2 else ())
        for index in range(count)
    ]


def corpus() -> list[str]:
    """The sample prompts and every evaluation case: evasions, look-alikes and plain prompts."""
    from moderation.evaluation import DEFAULT_CASES, load_cases

    cases = [case["text"] for case in load_cases(DEFAULT_CASES)] if DEFAULT_CASES.is_file() else []
    return PROMPTS + cases


def run_benchmark(entities: int = 10_000, seconds: float = 3.0) -> str:
    started = time.perf_counter()
    ruleset = load_ruleset()
    padding = max(0, entities - len(ruleset.entities))
    ruleset = ruleset.extended(tuple(synthetic_entities(padding)))
    moderator = Moderator(ruleset)
    load_seconds = time.perf_counter() - started

    prompts = corpus()
    started = time.perf_counter()
    for prompt in prompts:
        moderator.decide(prompt)
    first_pass = len(prompts) / (time.perf_counter() - started)
    typical = _sustained(moderator, PROMPTS, seconds / 2)
    evaluation = _sustained(moderator, prompts, seconds / 2)
    return (
        f"entities loaded: {len(ruleset.entities)} ({padding} synthetic)\n"
        f"load time: {load_seconds:.2f} s\n"
        f"prompts per second on one core, keyword and fuzzy path:\n"
        f"  everyday prompts ({len(PROMPTS)}, repeated): {typical:,.0f}\n"
        f"  evaluation corpus ({len(prompts)} prompts, mostly evasions), repeated: {evaluation:,.0f}\n"
        f"  evaluation corpus, first pass (cold word cache): {first_pass:,.0f}"
    )


def _sustained(moderator: Moderator, prompts: list[str], seconds: float) -> float:
    decided = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for prompt in prompts:
            moderator.decide(prompt)
        decided += len(prompts)
    return decided / (time.perf_counter() - started)
