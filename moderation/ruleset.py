"""The ruleset as data: entities (people, brands and characters, living artists) and safety terms.

The default ruleset lives in ``moderation/data/*.toml``; servers extend it with entities of their own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

DATA = Path(__file__).parent / "data"


class Category(StrEnum):
    PERSON = "person"
    BRAND = "brand"
    ARTIST = "artist"
    SEXUAL = "sexual"
    MINORS = "minors"
    VIOLENCE = "violence"
    HATE = "hate"
    DEMEANING = "demeaning"
    CLOTHING = "clothing"


@dataclass(frozen=True)
class Entity:
    name: str
    category: Category
    aliases: tuple[str, ...] = ()
    kind: str = ""
    # Brands that are ordinary words ("Apple", "Shell") count only next to one of ``context`` or a brand word.
    common_word: bool = False
    context: tuple[str, ...] = ()
    # What a rewrite puts in the entity's place.
    neutral: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Ruleset:
    entities: tuple[Entity, ...]
    safety: dict[Category, tuple[str, ...]]
    brand_context: tuple[str, ...]
    by_name: dict[str, Entity] = field(default_factory=dict, compare=False)

    def find(self, name: str) -> Entity | None:
        return self.by_name.get(name.casefold())

    def extended(self, extra: tuple[Entity, ...]) -> Ruleset:
        return make_ruleset((*self.entities, *extra), self.safety, self.brand_context)


def make_ruleset(entities, safety, brand_context) -> Ruleset:
    by_name = {}
    for entity in entities:
        for name in entity.names:
            by_name.setdefault(name.casefold(), entity)
    return Ruleset(tuple(entities), safety, tuple(brand_context), by_name)


def _artist_neutral(entry: dict) -> str:
    return f"{', '.join(entry['adjectives'])} {entry['movement']}, {entry['medium']}"


def load_ruleset(folder: Path = DATA) -> Ruleset:
    """Read people, brands (and characters), artists and safety terms from ``folder``."""
    entities: list[Entity] = []
    sources = (
        ("people.toml", "person", Category.PERSON),
        ("brands.toml", "brand", Category.BRAND),
        ("artists.toml", "artist", Category.ARTIST),
    )
    for filename, key, category in sources:
        path = folder / filename
        if not path.is_file():
            continue
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get(key, []):
            entities.append(
                Entity(
                    name=entry["name"],
                    category=category,
                    aliases=tuple(entry.get("aliases", ())),
                    kind=entry.get("kind", ""),
                    common_word=bool(entry.get("common_word", False)),
                    context=tuple(entry.get("context", ())),
                    neutral=_artist_neutral(entry) if category is Category.ARTIST else entry.get("neutral", ""),
                )
            )
    safety_data = tomllib.loads((folder / "safety.toml").read_text(encoding="utf-8"))
    safety = {Category(section["name"]): tuple(dict.fromkeys(section["terms"])) for section in safety_data["category"]}
    return make_ruleset(entities, safety, safety_data["brand_context"]["terms"])
