"""The entity files obey moderation/data/README.md: sources recorded, every name unique, dictionary words gated."""

from __future__ import annotations

import gzip
import tomllib
from pathlib import Path

import pytest

from moderation.normalize import fold
from moderation.ruleset import DATA, ENTITY_TABLES, entity_files
from tests.moderation.wordlists import everyday_words, is_dictionary_phrase, is_everyday_word

pytest.importorskip("english_words")
pytest.importorskip("spellchecker")

COMMON_KEYS = {"name", "aliases", "gated_aliases", "kind", "common_word", "shared_name", "context", "description"}
KEYS = {
    "person": COMMON_KEYS,
    "brand": COMMON_KEYS | {"neutral", "modifier"},
    "artist": COMMON_KEYS | {"adjectives", "movement", "medium"},
}
REQUIRED = {"person": {"name", "kind", "description"}, "brand": {"name", "kind", "neutral"}, "artist": {"name"}}
KINDS = {
    "person": {
        "politics",
        "business",
        "entertainment",
        "music",
        "sports",
        "royalty",
        "media",
        "science",
        "religion",
        "other",
    },
    "brand": {"brand", "character", "franchise", "place", "sports"},
}
FILES = entity_files()
ARTICLES = {"the", "a", "an", "le", "la", "les", "l"}


def _entries() -> list[tuple[str, str, dict]]:
    found = []
    for path in FILES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for table in ENTITY_TABLES:
            found += [(path.name, table, entry) for entry in data.get(table, [])]
    return found


ENTRIES = _entries()


def _label(file: str, entry: dict) -> str:
    return f"{file}: {entry.get('name')!r}"


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_every_file_names_its_sources(path: Path):
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    source = data.get("source", {})
    assert source.get("title") and source.get("references"), f"{path.name} needs [source] title and references"
    assert set(data) <= {"source", *ENTITY_TABLES}, f"{path.name}: unknown tables {set(data) - {'source'}}"


def test_entries_have_the_keys_their_table_needs():
    problems = []
    for file, table, entry in ENTRIES:
        unknown = set(entry) - KEYS[table]
        missing = REQUIRED[table] - {key for key, value in entry.items() if value}
        if unknown or missing:
            problems.append(f"{_label(file, entry)} unknown {sorted(unknown)} missing {sorted(missing)}")
        if table in KINDS and entry.get("kind") not in KINDS[table]:
            problems.append(f"{_label(file, entry)} kind {entry.get('kind')!r}")
        if (entry.get("common_word") or entry.get("shared_name") or entry.get("gated_aliases")) and not entry.get(
            "context"
        ):
            problems.append(f"{_label(file, entry)} is gated but has no context")
    assert not problems, "\n".join(problems)


def test_no_name_belongs_to_two_entries():
    owners: dict[str, str] = {}
    problems = []
    for file, _, entry in ENTRIES:
        names = [entry["name"], *entry.get("aliases", ()), *entry.get("gated_aliases", ())]
        for name in {fold(name) for name in names}:
            if name in owners:
                problems.append(f"{name!r}: {owners[name]} and {_label(file, entry)}")
            owners[name] = _label(file, entry)
    assert not problems, "\n".join(problems)


def test_common_word_is_set_only_on_dictionary_words():
    wrong = [
        _label(file, entry)
        for file, _, entry in ENTRIES
        if entry.get("common_word") and not is_dictionary_phrase(entry["name"])
    ]
    assert not wrong, "common_word on names that are no dictionary word:\n" + "\n".join(wrong)


def test_everyday_words_are_never_ungated_names():
    """A one-word name that is an everyday word ("Dove", "The Rock") would refuse ordinary prompts unless gated.
    (Several everyday words together are mostly names: "Emma Stone", "Star Wars".)"""
    wrong = []
    for file, _, entry in ENTRIES:
        if entry.get("common_word") or entry.get("shared_name"):
            continue
        for name in [entry["name"], *entry.get("aliases", ())]:
            words = [word for word in fold(name).split() if word not in ARTICLES]
            if len(words) == 1 and is_everyday_word(words[0]):
                wrong.append(f"{_label(file, entry)}: {name!r}")
    assert not wrong, "everyday words used as ungated names:\n" + "\n".join(wrong)


def test_shared_names_are_places_not_characters():
    wrong = [
        _label(file, entry)
        for file, table, entry in ENTRIES
        if entry.get("shared_name")
        and (table != "brand" or entry.get("kind") == "character" or entry.get("common_word"))
    ]
    assert not wrong, "shared_name is for brands named after a place (never with common_word):\n" + "\n".join(wrong)


def test_the_shipped_everyday_word_list_is_the_one_the_word_lists_make():
    with gzip.open(DATA / "everyday_words.txt.gz", "rt", encoding="ascii") as file:
        assert file.read().split() == everyday_words()
