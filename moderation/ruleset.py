"""The ruleset as data: entities (people, brands and characters, living artists) and safety terms.

The default ruleset lives in ``moderation/data/*.toml``; servers extend it with entities of their own.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import rtoml

from moderation.normalize import fold

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
    # Names that are ordinary words ("Apple", "Shell") count only near one of ``context`` or a brand word.
    common_word: bool = False
    # Names shared with a place, a planet or a deity ("Amazon"): gated like common words, but capitalised anyway.
    shared_name: str = ""
    context: tuple[str, ...] = ()
    # Short forms ("MJ") that name the entity only near one of ``context``.
    gated_aliases: tuple[str, ...] = ()
    # What a rewrite puts in the entity's place: as a noun ("a luxury wristwatch") and before a noun ("luxury").
    neutral: str = ""
    modifier: str = ""
    # One line saying who or what it is, for the semantic layer's paraphrases.
    description: str = ""
    # A stable identifier beside the name, where names may repeat (a server member's id).
    key: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases, *self.gated_aliases)

    @property
    def is_gated_at_all(self) -> bool:
        return self.common_word or bool(self.shared_name) or bool(self.gated_aliases)

    def is_gated(self, name: str) -> bool:
        """Whether ``name`` (as folded) counts only near the entity's context."""
        return self.common_word or bool(self.shared_name) or any(fold(alias) == name for alias in self.gated_aliases)


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


ENTITY_TABLES = {"person": Category.PERSON, "brand": Category.BRAND, "artist": Category.ARTIST}


def _artist_neutral(entry: dict) -> str:
    return f"{', '.join(entry['adjectives'])} {entry['movement']}, {entry['medium']}"


def entity_from_entry(entry: dict, category: Category) -> Entity:
    artist = category is Category.ARTIST
    return Entity(
        name=entry["name"],
        category=category,
        aliases=tuple(entry.get("aliases", ())),
        kind=entry.get("kind", ""),
        common_word=bool(entry.get("common_word", False)),
        shared_name=entry.get("shared_name", ""),
        context=tuple(entry.get("context", ())),
        gated_aliases=tuple(entry.get("gated_aliases", ())),
        neutral=_artist_neutral(entry) if artist else entry.get("neutral", ""),
        modifier=f"{', '.join(entry['adjectives'][:2])} {entry['movement']}" if artist else entry.get("modifier", ""),
        description=entry.get("description", ""),
    )


def entity_files(folder: Path = DATA) -> list[Path]:
    return sorted(path for path in folder.glob("*.toml") if path.name != "safety.toml")


def load_ruleset(folder: Path = DATA) -> Ruleset:
    """Read every entity file in ``folder`` (people, brands and characters, artists) and its safety terms."""
    entities: list[Entity] = []
    for path in entity_files(folder):
        # rtoml parses the thousands of entries several times faster than tomllib.
        data = rtoml.load(path.read_text(encoding="utf-8"))
        for table, category in ENTITY_TABLES.items():
            entities.extend(entity_from_entry(entry, category) for entry in data.get(table, []))
    safety_data = tomllib.loads((folder / "safety.toml").read_text(encoding="utf-8"))
    safety = {Category(section["name"]): tuple(dict.fromkeys(section["terms"])) for section in safety_data["category"]}
    return make_ruleset(entities, safety, safety_data["brand_context"]["terms"])
