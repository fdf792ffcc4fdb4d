"""Finding every entity and safety term in a folded prompt at once.

Exact names go into one Aho-Corasick automaton (pyahocorasick), padded with spaces so that only whole words
match. Longer names also match with typos: a symmetric-deletion index over their words (SymSpell's idea)
proposes candidates, and rapidfuzz's optimal-string-alignment distance confirms them, one typo allowed from
7 letters and two from 11. Gated names (ordinary words such as "Apple", short forms such as "MJ") take no
typo and count only when one of their context words sits within a few words of them (Snowball stems, so
"cans" and "charging" are context as "can" and "charge" are).
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import operator
import re
from collections import defaultdict
from functools import cache, lru_cache
from typing import NamedTuple

import ahocorasick
import Stemmer
from rapidfuzz.distance import OSA

from moderation.normalize import BREAK, fold, fold_letters
from moderation.ruleset import DATA, Category, Entity, Ruleset

MIN_FUZZY_WORD = 4
# Letters a name needs before it is also sought with the prompt's spaces removed.
MIN_JOINED = 8
CANDIDATE_CACHE = 100_000
# A context word counts for a gated name when at most this many words stand between them ("a can of Red Bull",
# "the Dove soap bar"), or when it overlaps the name ("Windows 11").
CONTEXT_GAP = 2
# Context terms longer than this are never needed ("think different" is two words).
MAX_CONTEXT_WORDS = 4

# Snowball's English (Porter2) stemmer, compiled: 50 times faster than the pure-Python one.
_stemmer = Stemmer.Stemmer("english")


@cache
def everyday_words() -> frozenset[str]:
    """English and French words, first names and places of 4+ letters (tests/moderation/wordlists.py makes the
    list)."""
    with gzip.open(DATA / "everyday_words.txt.gz", "rt", encoding="ascii") as file:
        return frozenset(file.read().split())


def typo_of_a_word(typed: list[str] | tuple[str, ...], wanted: tuple[str, ...]) -> bool:
    """Whether a near miss of a name is rather words of their own: a typed word that differs from the name's is
    a real word or name, and no word typed exactly is distinctive enough to prove the name ("a monster under
    the bed" is no typo of Monster Hunter, "a girl named Taylor" none of James Taylor; "Scarlet Johansson" is
    Scarlett Johansson)."""
    pairs = list(zip(typed, wanted, strict=False))
    if not any(word != name and is_everyday_word(word) for word, name in pairs):
        return False
    return all(len(word) < 4 or is_everyday_word(word) for word, name in pairs if word == name)


# British spellings of the word lists' American words: "harbour", "centre", "realise", "travelled".
_BRITISH = (
    ("our", "or"),
    ("re", "er"),
    ("ise", "ize"),
    ("ised", "ized"),
    ("ises", "izes"),
    ("ising", "izing"),
    ("lled", "led"),
    ("lling", "ling"),
    ("ller", "ler"),
)
_BRITISH_ENDINGS = tuple(ending for ending, _ in _BRITISH)


def is_everyday_word(word: str) -> bool:
    vocabulary = everyday_words()
    if word in vocabulary:
        return True
    return word.endswith(_BRITISH_ENDINGS) and any(
        word.endswith(ending) and word[: -len(ending)] + american in vocabulary for ending, american in _BRITISH
    )


@lru_cache(maxsize=CANDIDATE_CACHE)
def stem(word: str) -> str:
    return _stemmer.stemWord(word)


def stems(text: str) -> tuple[str, ...]:
    return tuple(stem(word) for word in text.split())


class Hit(NamedTuple):
    category: Category
    entity: Entity | None
    term: str
    fuzzy: bool = False
    # Where the name sits among the folded prompt's words (None where the prompt's spaces were removed).
    start: int | None = None
    length: int = 0
    # The name counts only near one of its entity's context words.
    gated: bool = False


class _Pattern(NamedTuple):
    text: str
    words: tuple[str, ...]
    allowed: int
    category: Category
    entity: Entity | None
    gated: bool = False


class _Candidates(NamedTuple):
    """Patterns of ``length`` words whose word at ``index`` a typed word may be a typo of, each as (pattern,
    distance of the typed word, typos allowed, letters): what the scan checks before it joins a window."""

    index: int
    length: int
    patterns: tuple[tuple[int, int, int, int], ...]


_DOUBLE = re.compile(r"([a-z])\1")
# The letter a doubled pair is replaced with: a C callable, where Python 3.11 expands a template such as r"\1" in
# Python, once per match.
_PAIR_LETTER = operator.itemgetter(1)


def _single(text: str) -> str:
    return _DOUBLE.sub(_PAIR_LETTER, text)


def allowed_typos(pattern: str) -> int:
    letters = len(pattern.replace(" ", ""))
    return 2 if letters >= 11 else 1 if letters >= 7 else 0


def _deletions(word: str) -> set[str]:
    return {word[:index] + word[index + 1 :] for index in range(len(word))}


class Matcher:
    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self._candidate_cache: dict[str, tuple[_Candidates, ...]] = {}
        self._patterns: list[_Pattern] = []
        exact: defaultdict[str, list[int]] = defaultdict(list)
        doubled: defaultdict[str, list[int]] = defaultdict(list)
        joined: defaultdict[str, list[int]] = defaultdict(list)
        # A word of a name that may be mistyped -> (pattern, which of its words).
        word_patterns: defaultdict[str, list[tuple[int, int]]] = defaultdict(list)

        def add(text: str, category: Category, entity: Entity | None, fuzzy: bool) -> None:
            punctuated = fold(text)
            # A name written with its punctuation ("Riri, Fifi et Loulou") matches with or without it.
            folded = punctuated.replace(f" {BREAK} ", " ") if BREAK in punctuated else punctuated
            if not folded:
                return
            pattern_id = len(self._patterns)
            gated = entity is not None and entity.is_gated(folded)
            allowed = allowed_typos(folded) if fuzzy and not gated else 0
            words = tuple(folded.split())
            self._patterns.append(_Pattern(folded, words, allowed, category, entity, gated))
            exact[f" {folded} "].append(pattern_id)
            if punctuated != folded:
                exact[f" {punctuated} "].append(pattern_id)
            if len(words) > 1:
                # Doubled letters ("eelon muusk") are caught on full names only: single words like "sonny"
                # or "bidden" are ordinary words, not Sony or Biden.
                doubled[f" {_single(folded)} "].append(pattern_id)
            letters = len(folded) - len(words) + 1
            if entity is not None and not gated and letters >= MIN_JOINED:
                # Names cut inside a word ("Tay-lor Swift", "Pika chu") meet again once every space is gone.
                joined["".join(words)].append(pattern_id)
                if len(words) == 2 and entity.category is Category.PERSON:
                    joined[words[1] + words[0]].append(pattern_id)  # "Swift Taylor"
                    joined[words[1] + BREAK + words[0]].append(pattern_id)  # "Swift, Taylor"
            if len(words) > 1 and len(folded) >= 8 and not gated:
                # Names written as one word: hashtags and handles ("#taylorswift", "@elonmusk").
                exact[f" {''.join(words)} "].append(pattern_id)
            if allowed:
                for index, word in enumerate(words):
                    if len(word) >= MIN_FUZZY_WORD:
                        word_patterns[word].append((pattern_id, index))

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
        self._automaton = _automaton(exact)
        self._joined = _automaton(joined)
        self._doubled = _automaton(doubled)
        self._word_patterns = dict(word_patterns)
        # A name's word, or the word less one letter -> the names' words it may be a typo of (SymSpell's
        # symmetric deletions, over distinct words: names share many).
        near: defaultdict[str, list[str]] = defaultdict(list)
        for word in word_patterns:
            for key in {word, *_deletions(word)}:
                near[key].append(word)
        self._near = dict(near)
        self._brand_words = _by_first_word({stems(fold(term)) for term in ruleset.brand_context})
        everyday_words()  # read now rather than by the first prompt that needs it
        # Gated entities' context words, prepared the first time one of their names is met.
        self._contexts: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}

    def scan(self, folded: str, letters: str = "") -> list[Hit]:
        """Every entity and safety term in a prompt folded by ``fold`` (and ``fold_letters`` for the short
        terms), exact matches first."""
        hits: dict[tuple, Hit] = {}
        self._scan_exact(self._automaton, f" {folded} ", hits)
        if _DOUBLE.search(folded) and len(self._doubled):
            # Squashing doubled letters keeps every word, so positions stay those of the prompt.
            self._scan_exact(self._doubled, f" {_single(folded)} ", hits, typed=folded.split())
        if len(self._joined):
            self._scan_joined(folded, hits)
        if self._word_patterns:
            self._scan_fuzzy(tuple(folded.split()), hits)
        padded = f" {letters} "
        for term, category in self._short.items():
            if term in padded:
                hits.setdefault((-1, term), Hit(category, None, term.strip()))
        return list(hits.values())

    def _scan_joined(self, folded: str, hits: dict[tuple, Hit]) -> None:
        """Names cut inside a word ("Tay-lor Swift"), found with the prompt's spaces removed. A match begins where
        a word of the prompt does ("misanthropic" holds no Anthropic) and ends where one does, unless it ends
        inside a word that is no real word (a handle: "@taylorswift13"; "mysterious" holds no Mysterio)."""
        words: list[str] = []
        starts: list[int] = []
        for end, (key_chars, _, pattern_ids) in self._joined.iter(folded.replace(" ", "")):
            if all((pattern_id, self._patterns[pattern_id].text) in hits for pattern_id in pattern_ids):
                continue  # found already, typed whole
            if not words:
                words = folded.split()
                # Where each word starts once the spaces are gone, and where the last one ends.
                starts = list(itertools.accumulate(map(len, words), initial=0))
            first = end + 1 - key_chars
            index = bisect.bisect_right(starts, end) - 1
            word, at_word_end = words[index], starts[index + 1] == end + 1
            if starts[bisect.bisect_left(starts, first)] != first or (not at_word_end and is_everyday_word(word)):
                continue
            if at_word_end and len(word) == key_chars and is_everyday_word(word):
                continue  # one whole word that is a word: "blackjack" holds no Jack Black
            for pattern_id in pattern_ids:
                pattern = self._patterns[pattern_id]
                hits.setdefault((pattern_id, pattern.text), Hit(pattern.category, pattern.entity, pattern.text))

    def _scan_exact(
        self, automaton: ahocorasick.Automaton, padded: str, hits: dict[tuple, Hit], typed: list[str] | None = None
    ) -> None:
        """Exact matches; with ``typed`` (the prompt's words before squashing), none made of ordinary words."""
        for end, (key_chars, key_words, pattern_ids) in automaton.iter(padded):
            start = padded.count(" ", 0, end - key_chars + 2) - 1
            for pattern_id in pattern_ids:
                pattern = self._patterns[pattern_id]
                # A gated name may mean its entity at one place of the prompt and not at another.
                key = (pattern_id, pattern.text, start) if pattern.gated else (pattern_id, pattern.text)
                if key in hits:
                    continue
                if typed is not None and typo_of_a_word(typed[start : start + key_words], pattern.words):
                    continue
                if key_words < len(pattern.words) and is_everyday_word(padded[end - key_chars + 2 : end]):
                    continue  # a name written as one word that is a word or name itself: "william" is no will.i.am
                hits[key] = Hit(
                    pattern.category, pattern.entity, pattern.text, start=start, length=key_words, gated=pattern.gated
                )

    def _candidates(self, word: str) -> tuple[_Candidates, ...]:
        """Patterns with a word close enough to ``word`` to be a typo of it (cached: prompts share words)."""
        found = self._candidate_cache.get(word)
        if found is None:
            # A real word is no typo ("dusk" is not Musk, "rain" not Brain): it leads to names only where it is
            # one of their words, typed exactly.
            if is_everyday_word(word):
                near = (word,) if word in self._word_patterns else ()
            else:
                near = set(self._near.get(word, ()))
                for key in _deletions(word):
                    near.update(self._near.get(key, ()))
            grouped: defaultdict[tuple[int, int], list[tuple[int, int, int, int]]] = defaultdict(list)
            for name_word in near:
                # A word typed exactly leads to its name only where the name's other words may hold two typos,
                # more than the misspelt word's own candidates reach.
                minimum = 2 if name_word == word else 0
                distance = OSA.distance(word, name_word, score_cutoff=2)
                for pattern_id, index in self._word_patterns[name_word]:
                    allowed = self._patterns[pattern_id].allowed
                    # The word itself must already be within the pattern's typo allowance of the pattern's word.
                    if minimum <= allowed and distance <= allowed:
                        pattern = self._patterns[pattern_id]
                        grouped[index, len(pattern.words)].append((pattern_id, distance, allowed, len(pattern.text)))
            found = tuple(_Candidates(index, length, tuple(entries)) for (index, length), entries in grouped.items())
            if len(self._candidate_cache) >= CANDIDATE_CACHE:
                self._candidate_cache.clear()
            self._candidate_cache[word] = found
        return found

    def _scan_fuzzy(self, words: tuple[str, ...], hits: dict[tuple, Hit]) -> None:
        patterns = self._patterns
        count = len(words)
        seen_patterns: set[int] | None = None
        # Letters before each word, so a window's length is known before its words are joined.
        letters: list[int] = []
        for position, word in enumerate(words):
            if len(word) < MIN_FUZZY_WORD:
                continue
            candidates = self._candidates(word)
            if not candidates:
                continue
            if seen_patterns is None:
                seen_patterns = {key[0] for key in hits}
                letters = list(itertools.accumulate(map(len, words), initial=0))
            for index, length, candidates_here in candidates:
                start = position - index
                end = start + length
                if start < 0 or end > count:
                    continue
                window_length = letters[end] - letters[start] + length - 1
                window = ""
                for pattern_id, distance, allowed, text_length in candidates_here:
                    if abs(window_length - text_length) > allowed or pattern_id in seen_patterns:
                        continue
                    pattern = patterns[pattern_id]
                    if distance >= allowed and (
                        words[start:position] != pattern.words[:index]
                        or words[position + 1 : end] != pattern.words[index + 1 :]
                    ):
                        continue  # this word spent the whole allowance: the name's other words must be exact
                    window = window or (words[start] if length == 1 else " ".join(words[start:end]))
                    if (
                        OSA.distance(window, pattern.text, score_cutoff=allowed) <= allowed
                        and all(
                            # Short words take no typo: "to cruise" is not "tom cruise".
                            typed == wanted or len(wanted) >= MIN_FUZZY_WORD
                            for typed, wanted in zip(words[start:end], pattern.words, strict=True)
                        )
                        and not typo_of_a_word(words[start:end], pattern.words)
                    ):
                        hits[(pattern_id, window)] = Hit(
                            pattern.category, pattern.entity, window, fuzzy=True, start=start, length=length
                        )
                        seen_patterns.add(pattern_id)

    def in_context(self, folded: str, hit: Hit) -> bool:
        """Whether a gated name means its entity here: one of the entity's context words, or for a brand a word
        about brands (logo, advert, packaging...), stands within ``CONTEXT_GAP`` words of it."""
        if hit.start is None or hit.entity is None:
            return False
        words = folded.split()
        first, last = hit.start, hit.start + hit.length - 1
        tables = [self._context_table(hit.entity)]
        if hit.entity.category is Category.BRAND:
            tables.append(self._brand_words)
        # A context term may start up to its own length before the name, or up to CONTEXT_GAP words after it.
        for index in range(max(0, first - CONTEXT_GAP - MAX_CONTEXT_WORDS), min(len(words), last + CONTEXT_GAP + 2)):
            head = stem(words[index])
            for table in tables:
                for term in table.get(head, ()):
                    end = index + len(term) - 1
                    if end >= first - CONTEXT_GAP - 1 and tuple(map(stem, words[index : end + 1])) == term:
                        return True
        return False

    def _context_table(self, entity: Entity) -> dict[str, tuple[tuple[str, ...], ...]]:
        table = self._contexts.get(entity.name)
        if table is None:
            table = self._contexts[entity.name] = _by_first_word(_context_terms(entity))
        return table


def _context_terms(entity: Entity) -> tuple[tuple[str, ...], ...]:
    """An entity's context words as stems; a product brand's own noun ("car" of "a British luxury car") too."""
    terms = {stems(fold(term)) for term in entity.context}
    if entity.kind == "brand" and entity.neutral:
        terms.add(stems(fold(entity.neutral.split()[-1])))
    return tuple(term for term in terms if term)


def _by_first_word(terms) -> dict[str, tuple[tuple[str, ...], ...]]:
    table: dict[str, list[tuple[str, ...]]] = {}
    for term in terms:
        if term and len(term) <= MAX_CONTEXT_WORDS:
            table.setdefault(term[0], []).append(term)
    return {head: tuple(found) for head, found in table.items()}


def _automaton(keys: dict[str, list[int]]) -> ahocorasick.Automaton:
    """An automaton whose values are (characters in the key, words in it, pattern ids)."""
    automaton = ahocorasick.Automaton()
    for key, pattern_ids in keys.items():
        automaton.add_word(key, (len(key), len(key.split()), tuple(pattern_ids)))
    automaton.make_automaton()
    return automaton
