"""A server's policy: a preset, the category actions it changes, and per-entity overrides.

Like a filter list's settings, an entity's own action overrides its category's, and a category's inherits
the preset's when unset. Two rules hold whatever the policy: nothing sexual involving a real person, and
nothing sexual involving minors.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from moderation.normalize import BREAK, fold
from moderation.ruleset import Category, Entity


class Action(StrEnum):
    ALLOW = "allow"
    REWRITE = "rewrite"
    FLAG = "flag"
    BLOCK = "block"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Action.ALLOW: 0, Action.REWRITE: 1, Action.FLAG: 2, Action.BLOCK: 3}
# Categories whose action a server sets. Minors and demeaning contexts only matter combined with others.
POLICY_CATEGORIES = (
    Category.PERSON,
    Category.BRAND,
    Category.ARTIST,
    Category.SEXUAL,
    Category.VIOLENCE,
    Category.HATE,
)

PRESETS: dict[str, dict[Category, Action]] = {
    "strict": {
        Category.PERSON: Action.BLOCK,
        Category.BRAND: Action.BLOCK,
        Category.ARTIST: Action.BLOCK,
        Category.SEXUAL: Action.BLOCK,
        Category.VIOLENCE: Action.BLOCK,
        Category.HATE: Action.BLOCK,
    },
    "balanced": {
        Category.PERSON: Action.ALLOW,
        Category.BRAND: Action.REWRITE,
        Category.ARTIST: Action.REWRITE,
        Category.SEXUAL: Action.BLOCK,
        Category.VIOLENCE: Action.FLAG,
        Category.HATE: Action.BLOCK,
    },
    "open": {
        Category.PERSON: Action.ALLOW,
        Category.BRAND: Action.ALLOW,
        Category.ARTIST: Action.ALLOW,
        Category.SEXUAL: Action.FLAG,
        Category.VIOLENCE: Action.ALLOW,
        Category.HATE: Action.FLAG,
    },
}
# The kind of the entities that stand for a server's own members.
MEMBER = "member"
# Whether real people may appear in violent or degrading scenes: never under strict and balanced (and members of
# the server never, whatever the preset).
PEOPLE_IN_DEGRADING_SCENES = {"strict": Action.BLOCK, "balanced": Action.BLOCK, "open": Action.FLAG}


class PolicyError(ValueError):
    """A policy setting that can't be applied; the message names it."""


@dataclass(frozen=True)
class Policy:
    preset: str = "balanced"
    categories: dict[Category, Action] = field(default_factory=dict)
    entities: dict[str, Action] = field(default_factory=dict)
    custom: tuple[Entity, ...] = ()
    # The server's members as people (kind "member"), named by their display names and nicknames there; those in
    # ``members_allowed`` agreed to be depicted. Given by the bot with each decision, never stored in the policy.
    members: tuple[Entity, ...] = ()
    members_allowed: frozenset[str] = frozenset()
    # In channels marked NSFW, sexual content that the policy blocks is flagged instead (except under strict).
    nsfw_channels_relax_sexual: bool = True

    def __post_init__(self) -> None:
        if self.preset not in PRESETS:
            raise PolicyError(f"unknown preset {self.preset!r}: choose strict, balanced or open")

    def action_for(self, category: Category) -> Action:
        return self.categories.get(category, PRESETS[self.preset].get(category, Action.ALLOW))

    def entity_action(self, entity: Entity) -> Action | None:
        """The override set for the entity under any of its names; for a member, their own choice."""
        if entity.kind == MEMBER:
            return Action.ALLOW if entity.key in self.members_allowed else Action.BLOCK
        if not self.entities:
            return None
        for name in entity.names:
            action = self.entities.get(name.casefold())
            if action is not None:
                return action
        return None

    @property
    def people_in_degrading_scenes(self) -> Action:
        return PEOPLE_IN_DEGRADING_SCENES[self.preset]

    # ---------------------------------------------------------------- changes (each returns a new policy)

    def with_members(self, members: dict[str, tuple[tuple[str, ...], bool]]) -> Policy:
        """The policy with the server's members: member id -> (their names, whether they allow being depicted).
        A name too short to match safely, or made only of little words ("The", "of the"), is left out; a member
        can always be named by a mention of their id."""
        entities, allowed = [], set()
        for member_id, (names, allows) in sorted(members.items()):
            usable = tuple(dict.fromkeys(name for name in names if _usable_member_name(name)))
            entity = Entity(
                name=usable[0] if usable else member_id,
                category=Category.PERSON,
                aliases=(*usable[1:], member_id) if usable else (),
                kind=MEMBER,
                key=member_id,
            )
            entities.append(entity)
            if allows:
                allowed.add(member_id)
        return replace(self, members=tuple(entities), members_allowed=frozenset(allowed))

    def with_preset(self, preset: str) -> Policy:
        return replace(self, preset=preset)

    def with_category(self, category: str, action: str) -> Policy:
        chosen = _category(category)
        if chosen not in POLICY_CATEGORIES:
            raise PolicyError(f"{category!r} has no action of its own; set one of {', '.join(POLICY_CATEGORIES)}")
        return replace(self, categories={**self.categories, chosen: _action(action)})

    def with_entity(self, name: str, action: str, category: str | None = None, aliases: tuple[str, ...] = ()) -> Policy:
        """Override an entity's action; a name the ruleset doesn't know becomes a custom entity."""
        _check_name(name)
        for alias in aliases:
            _check_name(alias)
        custom = self.custom
        if category is not None:
            chosen = _category(category)
            if chosen not in (Category.PERSON, Category.BRAND, Category.ARTIST):
                raise PolicyError("a custom entity is a person, a brand or an artist")
            custom = tuple(entity for entity in custom if entity.name.casefold() != name.casefold())
            custom = (*custom, Entity(name=name, category=chosen, aliases=aliases))
        return replace(self, entities={**self.entities, name.casefold(): _action(action)}, custom=custom)

    def with_alias(self, name: str, alias: str) -> Policy:
        _check_name(alias)
        for entity in self.custom:
            if entity.name.casefold() == name.casefold():
                updated = replace(entity, aliases=(*entity.aliases, alias))
                return replace(self, custom=tuple(updated if item is entity else item for item in self.custom))
        raise PolicyError(f"{name!r} is not one of this server's own entities; add it first")

    def without_entity(self, name: str) -> Policy:
        key = name.casefold()
        if key not in self.entities and not any(entity.name.casefold() == key for entity in self.custom):
            raise PolicyError(f"{name!r} has no override on this server")
        entities = {item: action for item, action in self.entities.items() if item != key}
        custom = tuple(entity for entity in self.custom if entity.name.casefold() != key)
        return replace(self, entities=entities, custom=custom)

    # ---------------------------------------------------------------- storage

    def to_json(self) -> dict:
        return {
            "preset": self.preset,
            "categories": {str(category): str(action) for category, action in self.categories.items()},
            "entities": {name: str(action) for name, action in self.entities.items()},
            "custom": [
                {"name": entity.name, "category": str(entity.category), "aliases": list(entity.aliases)}
                for entity in self.custom
            ],
            "nsfw_channels_relax_sexual": self.nsfw_channels_relax_sexual,
        }

    @classmethod
    def from_json(cls, data: dict) -> Policy:
        """A policy from its stored form; anything malformed is a ``PolicyError`` naming the setting."""
        try:
            return cls._from_json(data)
        except PolicyError:
            raise
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise PolicyError(f"malformed policy: {type(exc).__name__}: {exc}") from None

    @classmethod
    def _from_json(cls, data: dict) -> Policy:
        unknown = set(data) - {"preset", "categories", "entities", "custom", "nsfw_channels_relax_sexual"}
        if unknown:
            raise PolicyError(f"unknown policy setting {sorted(unknown)[0]!r}")
        policy = cls(preset=data.get("preset", "balanced"))
        for category, action in data.get("categories", {}).items():
            policy = policy.with_category(category, action)
        for entry in data.get("custom", []):
            action = data.get("entities", {}).get(entry["name"].casefold(), "block")
            policy = policy.with_entity(entry["name"], action, entry["category"], tuple(entry.get("aliases", ())))
        for name, action in data.get("entities", {}).items():
            if name.casefold() not in policy.entities:
                policy = policy.with_entity(name, action)
        return replace(policy, nsfw_channels_relax_sexual=bool(data.get("nsfw_channels_relax_sexual", True)))


# Words too common to name anyone alone: a member called "The" or "of the" must not refuse every prompt.
_LITTLE_WORD_LIST = (
    "a an the of and or in on at to for with by from my your his her our their this that le la les l un une des de "
    "du d et ou en au aux sur dans avec pour par"
)
_LITTLE_WORDS = frozenset(_LITTLE_WORD_LIST.split())


def _usable_member_name(name: str) -> bool:
    words = [word for word in fold(name).split() if word != BREAK]
    return len("".join(words)) >= 3 and any(word not in _LITTLE_WORDS for word in words)


def _check_name(name: str) -> None:
    if len(fold(name).replace(BREAK, "").replace(" ", "")) < 3:
        raise PolicyError(f"{name!r} is too short to match safely: use at least three letters")


def _category(name: str) -> Category:
    try:
        return Category(name.lower())
    except ValueError:
        raise PolicyError(f"unknown category {name!r}: choose one of {', '.join(POLICY_CATEGORIES)}") from None


def _action(name: str) -> Action:
    try:
        return Action(name.lower())
    except ValueError:
        raise PolicyError(f"unknown action {name!r}: choose allow, rewrite, flag or block") from None
