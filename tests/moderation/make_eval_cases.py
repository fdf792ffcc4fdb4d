"""Writes eval_cases.jsonl: every evasion class applied to many entities, and harmless look-alikes.

Run once after changing the ruleset's data (``python -m tests.moderation.make_eval_cases``); the output is
committed so that figures in the README stay comparable. Deterministic (fixed seed).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from moderation.normalize import fold
from moderation.ruleset import Category, load_ruleset

OUT = Path(__file__).with_name("eval_cases.jsonl")
HOMOGLYPHS = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "s": "ѕ", "j": "ј"}
LEET = {"a": "4", "e": "3", "o": "0", "i": "1", "s": "5", "t": "7"}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\u202e", "\u2066"]
ACCENTS = {"a": "á", "e": "é", "i": "ï", "o": "ô", "u": "ü", "c": "ç", "n": "ñ"}
SCENES = [
    "{} giving a speech",
    "a photo of {} at the beach",
    "{} riding a horse",
    "portrait of {}, oil painting",
    "{} eating spaghetti",
    "{} on the cover of a magazine",
    "a statue of {}",
    "{} in a spacesuit",
]
BRAND_SCENES = ["a {} logo on a t-shirt", "{} sneakers on a table", "a billboard for {}", "{} store at night"]
ARTIST_SCENES = ["a castle in the style of {}", "a dragon, by {}", "portrait of a cat, art by {}"]
BENIGN = [
    "a swift river in the mountains",
    "an apple pie on a wooden table",
    "the three musketeers in a tavern",
    "a melon on a plate",
    "a mouse and a dog playing",
    "a shell on the beach at sunrise",
    "a puma in the jungle",
    "target practice at a range",
    "a gap in the fence",
    "the amazon rainforest from above",
    "a dove flying",
    "a jaguar resting in the forest",
    "the corona of the sun during an eclipse",
    "the planet mars at night",
    "a spiral galaxy",
    "a coach on the bench",
    "an orange on a table",
    "a wild mustang horse",
    "a subway platform",
    "a crest on a shield",
    "a tide pool with crabs",
    "a monster under the bed",
    "a sprite in a fairy forest",
    "a fossil in a museum",
    "a rocky coast",
    "a prince in a castle",
    "a pink flamingo",
    "a drake on a pond",
    "a rock band on stage",
    "a field of gates",
    "a cruise ship at sea",
    "a bush in the garden",
    "a madonna and child painting in a church",
    "a jordan almond",
    "a young child playing football",
    "a kid flying a kite",
    "a baby elephant",
    "a teenager reading a book",
    "a bloody mary cocktail",
    "a horror movie poster with a monster",
    "a medieval battle scene",
    "a knight with a sword",
    "a bride in a white dress",
    "a sexy red sports car",
    "a portrait of an old man",
    "a woman in a summer dress",
    "a police officer directing traffic",
    "a doctor in a hospital",
    "a famous painting in a museum",
    "a cathedral in the style of gothic architecture",
    "a watercolor of a harbour",
    "pop art portrait of a dog",
    "a still life with fruit",
    "a man named john walking his dog",
    "a cat named max on a sofa",
    "a shining star over the desert",
    "the swiss alps in winter",
    "an old ford across a river",
    "a seal on the ice",
    "a polo match",
    "a mercury thermometer",
    "a tesla coil in a lab",
    "a visa stamp",
    "une tarte aux pommes",
    "un phare breton au coucher du soleil",
    "un chat sur un canapé",
]


def mutate(text: str, table: dict[str, str], rate: float, rng: random.Random) -> str:
    changed = "".join(table[char] if char in table and rng.random() < rate else char for char in text)
    if changed == text:
        for index, char in enumerate(text):
            if char in table:
                return text[:index] + table[char] + text[index + 1 :]
    return changed


def fullwidth(text: str) -> str:
    return "".join(
        chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else "\u3000" if char == " " else char for char in text
    )


def math_bold(text: str) -> str:
    def bold(char: str) -> str:
        if "a" <= char <= "z":
            return chr(0x1D41A + ord(char) - ord("a"))
        if "A" <= char <= "Z":
            return chr(0x1D400 + ord(char) - ord("A"))
        return char

    return "".join(bold(char) for char in text)


def zalgo(text: str, rng: random.Random) -> str:
    return "".join(char + ("\u0336" if char.isalpha() and rng.random() < 0.5 else "") for char in text)


def spaced(text: str, rng: random.Random) -> str:
    separator = rng.choice([" ", ".", "-", "_", "*"])
    return "  ".join(separator.join(word) for word in text.split())


def repeated(text: str, rng: random.Random) -> str:
    return "".join(char * (rng.randint(2, 4) if char.isalpha() and rng.random() < 0.3 else 1) for char in text)


def typo(text: str, count: int, rng: random.Random) -> str:
    letters = [index for index, char in enumerate(text) if char.isalpha() and 0 < index < len(text) - 1]
    chars = list(text)
    for index in rng.sample(letters, count):
        if rng.random() < 0.5 and chars[index + 1].isalpha():
            chars[index], chars[index + 1] = chars[index + 1], chars[index]
        else:
            chars[index] = rng.choice("aeioustrn".replace(chars[index].lower(), ""))
    return "".join(chars)


def invisible(text: str, rng: random.Random) -> str:
    index = rng.randint(1, len(text) - 1)
    return text[:index] + rng.choice(INVISIBLE) + text[index:]


def build() -> list[dict]:
    rng = random.Random(2026)
    ruleset = load_ruleset()
    people = [e for e in ruleset.entities if e.category is Category.PERSON]
    brands = [e for e in ruleset.entities if e.category is Category.BRAND and not e.common_word]
    common = [e for e in ruleset.entities if e.category is Category.BRAND and e.common_word and e.context]
    artists = [e for e in ruleset.entities if e.category is Category.ARTIST]
    cases = []

    def case(kind: str, text: str, expect: str | None) -> None:
        cases.append({"class": kind, "text": text, "expect": expect})

    def scene(entity) -> str:
        if entity.category is Category.BRAND:
            return rng.choice(BRAND_SCENES)
        if entity.category is Category.ARTIST:
            return rng.choice(ARTIST_SCENES)
        return rng.choice(SCENES)

    pool = people + brands + artists
    for kind, count, transform in [
        ("plain", 40, lambda name: name),
        ("homoglyph", 40, lambda name: mutate(name, HOMOGLYPHS, 0.6, rng)),
        ("invisible", 30, lambda name: invisible(name, rng)),
        ("fullwidth", 25, fullwidth),
        ("math", 25, math_bold),
        ("accents", 25, lambda name: zalgo(mutate(name.lower(), ACCENTS, 0.5, rng), rng)),
        ("leet", 40, lambda name: mutate(name.lower(), LEET, 0.6, rng)),
        ("separators", 30, lambda name: spaced(name, rng)),
        ("repeats", 30, lambda name: repeated(name, rng)),
        ("handle", 20, lambda name: rng.choice(["#", "@"]) + name.replace(" ", "").lower()),
    ]:
        candidates = [e for e in pool if kind != "handle" or " " in e.name]
        for entity in rng.sample(candidates, count):
            case(kind, scene(entity).format(transform(entity.name)), entity.name)
    long_names = [e for e in pool if len(fold(e.name).replace(" ", "")) >= 7 and e.name.isascii()]
    for entity in rng.sample(long_names, 30):
        case("typo1", scene(entity).format(typo(entity.name, 1, rng)), entity.name)
    longer = [e for e in pool if len(fold(e.name).replace(" ", "")) >= 11 and e.name.isascii()]
    for entity in rng.sample(longer, 20):
        case("typo2", scene(entity).format(typo(entity.name, 2, rng)), entity.name)
    for entity in rng.sample(common, min(20, len(common))):
        case(
            "brand_context", f"a {entity.name} {rng.choice(['logo', 'advertisement', entity.context[0]])}", entity.name
        )
    for category in (Category.SEXUAL, Category.VIOLENCE, Category.HATE):
        terms = [term for term in ruleset.safety[category] if term.isascii()]
        for term in rng.sample(terms, 10):
            text = rng.choice([term, mutate(term, LEET, 0.5, rng), mutate(term, HOMOGLYPHS, 0.5, rng)])
            case("safety", f"a picture, {text}, dramatic", str(category))
    for text in BENIGN:
        case("benign", text, None)
    for text in rng.sample(BENIGN, 30):
        case("benign_evasion", rng.choice([mutate(text, LEET, 0.3, rng), mutate(text, HOMOGLYPHS, 0.3, rng)]), None)
    return cases


def main() -> None:
    cases = build()
    OUT.write_text("".join(json.dumps(case, ensure_ascii=False) + "\n" for case in cases), encoding="utf-8")
    print(f"{len(cases)} cases written to {OUT}")


if __name__ == "__main__":
    main()
