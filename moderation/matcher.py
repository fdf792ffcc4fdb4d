"""Finding every entity and safety term in a folded prompt at once.

Exact names go into one Aho-Corasick automaton (pyahocorasick), padded with spaces so that only whole words
match. Longer names also match with typos: a symmetric-deletion index over their words (SymSpell's idea)
proposes candidates, and rapidfuzz's optimal-string-alignment distance confirms them, one typo allowed from
7 letters and two from 11.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ahocorasick
from rapidfuzz.distance import OSA

from moderation.normalize import fold, fold_letters
from moderation.ruleset import Category, Entity, Ruleset

MIN_FUZZY_WORD = 4
# Letters a name needs before it is also sought with the prompt's spaces removed.
MIN_JOINED = 8
CANDIDATE_CACHE = 100_000


@dataclass(frozen=True)
class Hit:
    category: Category
    entity: Entity | None
    term: str
    fuzzy: bool = False


@dataclass(frozen=True)
class _Pattern:
    text: str
    words: tuple[str, ...]
    allowed: int
    category: Category
    entity: Entity | None


_DOUBLE = re.compile(r"([a-z])\1")


def _single(text: str) -> str:
    return _DOUBLE.sub(r"\1", text)


def allowed_typos(pattern: str) -> int:
    letters = len(pattern.replace(" ", ""))
    return 2 if letters >= 11 else 1 if letters >= 7 else 0


def _deletions(word: str) -> set[str]:
    return {word[:index] + word[index + 1 :] for index in range(len(word))}


class Matcher:
    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self._automaton = ahocorasick.Automaton()
        # A word, or the word less one letter -> (pattern, which of its words) that could be meant.
        self._fuzzy: dict[str, set[tuple[int, int]]] = {}
        self._candidate_cache: dict[str, tuple[tuple[int, int], ...]] = {}
        self._patterns: list[_Pattern] = []
        exact: dict[str, list[int]] = {}
        doubled: dict[str, list[int]] = {}
        joined: dict[str, list[int]] = {}

        def add(text: str, category: Category, entity: Entity | None, fuzzy: bool) -> None:
            folded = fold(text)
            if not folded:
                return
            pattern_id = len(self._patterns)
            allowed = allowed_typos(folded) if fuzzy else 0
            self._patterns.append(_Pattern(folded, tuple(folded.split()), allowed, category, entity))
            exact.setdefault(f" {folded} ", []).append(pattern_id)
            if " " in folded:
                # Doubled letters ("eelon muusk") are caught on full names only: single words like "sonny"
                # or "bidden" are ordinary words, not Sony or Biden.
                doubled.setdefault(f" {_single(folded)} ", []).append(pattern_id)
            if entity is not None and not entity.common_word and len(folded.replace(" ", "")) >= MIN_JOINED:
                # Names cut inside a word ("Tay-lor Swift", "Pika chu") meet again once every space is gone.
                joined.setdefault(folded.replace(" ", ""), []).append(pattern_id)
                words = folded.split()
                if len(words) == 2 and entity.category is Category.PERSON:
                    joined.setdefault(words[1] + words[0], []).append(pattern_id)  # "Swift, Taylor"
            if " " in folded and len(folded) >= 8:
                # Names written as one word: hashtags and handles ("#taylorswift", "@elonmusk").
                exact.setdefault(f" {folded.replace(' ', '')} ", []).append(pattern_id)
            if allowed:
                for index, word in enumerate(folded.split()):
                    if len(word) >= MIN_FUZZY_WORD:
                        for key in {word, *_deletions(word)}:
                            self._fuzzy.setdefault(key, set()).add((pattern_id, index))

        for entity in ruleset.entities:
            for name in entity.names:
                add(name, entity.category, entity, fuzzy=True)
        short: dict[str, Category] = {}
        for category, terms in ruleset.safety.items():
            for term in terms:
                if len(fold(term).replace(" ", "")) < 3:
                    # "xxx" and "kkk" squash to one letter: match them as typed, never inside "x-ray" or "4 k".
                    short[f" {fold_letters(term)} "] = category
                else:
                    add(term, category, None, fuzzy=False)
        self._short = short
        for key, pattern_ids in exact.items():
            self._automaton.add_word(key, tuple(pattern_ids))
        self._automaton.make_automaton()
        self._joined = ahocorasick.Automaton()
        for key, pattern_ids in joined.items():
            self._joined.add_word(key, tuple(pattern_ids))
        self._joined.make_automaton()
        self._doubled = ahocorasick.Automaton()
        for key, pattern_ids in doubled.items():
            self._doubled.add_word(key, tuple(pattern_ids))
        self._doubled.make_automaton()
        self._brand_words = {fold(term) for term in ruleset.brand_context}
        self._contexts = {
            entity.name: tuple(f" {fold(term)} " for term in entity.context)
            for entity in ruleset.entities
            if entity.common_word
        }

    def scan(self, folded: str, letters: str = "") -> list[Hit]:
        """Every entity and safety term in a prompt folded by ``fold`` (and ``fold_letters`` for the short
        terms), exact matches first."""
        hits: dict[tuple[int, str], Hit] = {}
        for _, pattern_ids in self._automaton.iter(f" {folded} "):
            for pattern_id in pattern_ids:
                pattern = self._patterns[pattern_id]
                hits.setdefault((pattern_id, pattern.text), Hit(pattern.category, pattern.entity, pattern.text))
        if _DOUBLE.search(folded) and len(self._doubled):
            for _, pattern_ids in self._doubled.iter(f" {_single(folded)} "):
                for pattern_id in pattern_ids:
                    pattern = self._patterns[pattern_id]
                    hits.setdefault((pattern_id, pattern.text), Hit(pattern.category, pattern.entity, pattern.text))
        if len(self._joined):
            for _, pattern_ids in self._joined.iter(folded.replace(" ", "")):
                for pattern_id in pattern_ids:
                    pattern = self._patterns[pattern_id]
                    hits.setdefault((pattern_id, pattern.text), Hit(pattern.category, pattern.entity, pattern.text))
        if self._fuzzy:
            self._scan_fuzzy(folded.split(), hits)
        padded = f" {letters} "
        for term, category in self._short.items():
            if term in padded:
                hits.setdefault((-1, term), Hit(category, None, term.strip()))
        return list(hits.values())

    def _candidates(self, word: str) -> tuple[tuple[int, int], ...]:
        """Patterns with a word close enough to ``word`` to be a typo of it (cached: prompts share words)."""
        found = self._candidate_cache.get(word)
        if found is None:
            ids: set[tuple[int, int]] = set()
            for key in (word, *_deletions(word)):
                ids.update(self._fuzzy.get(key, ()))
            # The word itself must already be within the pattern's typo allowance of the pattern's word.
            found = tuple(
                (pattern_id, index)
                for pattern_id, index in ids
                if OSA.distance(
                    word, self._patterns[pattern_id].words[index], score_cutoff=self._patterns[pattern_id].allowed
                )
                <= self._patterns[pattern_id].allowed
            )
            if len(self._candidate_cache) >= CANDIDATE_CACHE:
                self._candidate_cache.clear()
            self._candidate_cache[word] = found
        return found

    def _scan_fuzzy(self, words: list[str], hits: dict[tuple[int, str], Hit]) -> None:
        seen_patterns = {key[0] for key in hits}
        patterns = self._patterns
        count = len(words)
        for position, word in enumerate(words):
            if len(word) < MIN_FUZZY_WORD:
                continue
            candidates = self._candidates(word)
            if not candidates:
                continue
            for pattern_id, index in candidates:
                if pattern_id in seen_patterns:
                    continue
                pattern = patterns[pattern_id]
                start = position - index
                end = start + len(pattern.words)
                if start < 0 or end > count:
                    continue
                window = words[start] if end - start == 1 else " ".join(words[start:end])
                allowed = pattern.allowed
                if abs(len(window) - len(pattern.text)) > allowed:
                    continue
                if OSA.distance(window, pattern.text, score_cutoff=allowed) <= allowed and all(
                    # Short words take no typo: "to cruise" is not "tom cruise".
                    typed == wanted or len(wanted) >= MIN_FUZZY_WORD
                    for typed, wanted in zip(words[start:end], pattern.words, strict=True)
                ):
                    hits[(pattern_id, window)] = Hit(pattern.category, pattern.entity, window, fuzzy=True)
                    seen_patterns.add(pattern_id)

    def brand_context(self, folded: str, entity: Entity) -> bool:
        """Whether a common-word name means the entity: one of its own context words is there, or, for a
        brand, a word about brands (logo, advert, packaging...)."""
        if entity.category is Category.BRAND and set(folded.split()) & self._brand_words:
            return True
        padded = f" {folded} "
        return any(term in padded for term in self._contexts.get(entity.name, ()))
