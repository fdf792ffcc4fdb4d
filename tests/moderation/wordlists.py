"""English and French dictionary words, to check which entity names are ordinary words.

English: the lowercase entries of Webster's Second International (proper nouns there are capitalised, so they
are left out). French: words of the French dictionary that pyspellchecker counts at least ``FRENCH_MIN`` times.
"""

from __future__ import annotations

from functools import cache

from moderation.normalize import BREAK, fold

FRENCH_MIN = 50
# Words that are everyday words in prompts, not rare dictionary entries: a name equal to one of these must be
# common_word (or a gated alias), or ordinary prompts would be refused.
EVERYDAY_MIN = 1000


@cache
def _english() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(word for word in get_english_words_set(["web2"], lower=False, alpha=True) if word.islower())


@cache
def _french() -> dict[str, int]:
    from spellchecker import SpellChecker

    return {fold(word): count for word, count in SpellChecker(language="fr").word_frequency.items()}


@cache
def _english_frequency() -> dict[str, int]:
    from spellchecker import SpellChecker

    return dict(SpellChecker(language="en").word_frequency.items())


def _forms(word: str) -> tuple[str, ...]:
    """The word and the singulars it may be the plural of."""
    forms = [word]
    if word.endswith("ies"):
        forms.append(word[:-3] + "y")
    if word.endswith("es"):
        forms.append(word[:-2])
    if word.endswith("s"):
        forms.append(word[:-1])
    return tuple(forms)


def is_dictionary_word(word: str) -> bool:
    return any(form in _english() or _french().get(form, 0) >= FRENCH_MIN for form in _forms(word))


def is_everyday_word(word: str) -> bool:
    """A dictionary word that is also frequent in English or French text."""
    if not is_dictionary_word(word):
        return False
    return any(
        _english_frequency().get(form, 0) >= EVERYDAY_MIN or _french().get(form, 0) >= EVERYDAY_MIN
        for form in _forms(word)
    )


def is_dictionary_phrase(name: str) -> bool:
    """Every word of the folded name is a dictionary word ("red bull", "shell")."""
    words = [word for word in fold(name).split() if word != BREAK]
    return bool(words) and all(is_dictionary_word(word) for word in words)


# Words of fewer letters take no typo in the matcher, so the shipped list leaves them out.
GUARDED_MIN = 4


@cache
def _english_names() -> frozenset[str]:
    """Webster's capitalised entries: first names, places, peoples ("Norman", "Arthur", "Taylor")."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2"], lower=False, alpha=True)
    return frozenset(word.lower() for word in words if word[:1].isupper())


def everyday_words() -> list[str]:
    """The words shipped as ``moderation/data/everyday_words.txt.gz``, folded, of 4+ letters: English dictionary
    words seen in English text, English words in any form seen at least ``EVERYDAY_ENGLISH_MIN`` times ("named",
    "walked"), French words seen at least ``EVERYDAY_FRENCH_MIN`` times, and the first names and places of
    Webster's. A typo is never read into one of them."""
    frequency = _english_frequency()
    english = {word for word in _english() if frequency.get(word, 0) > 0}
    english |= {word for word, count in frequency.items() if count >= EVERYDAY_ENGLISH_MIN and word.isalpha()}
    french = {word for word, count in _french().items() if count >= EVERYDAY_FRENCH_MIN and word.isalpha()}
    names = _english_names()
    return sorted(word for word in english | french | names if len(word) >= GUARDED_MIN and word.isascii())


EVERYDAY_FRENCH_MIN = 100
EVERYDAY_ENGLISH_MIN = 100
