"""Putting neutral descriptions where names stood, so that the prompt still reads as English.

A name used as a noun takes the entity's noun form ("a Rolex on a table" -> "a luxury wristwatch on a table"),
without its own article when the name already has a determiner ("the Rolex", "a gold Rolex"). A name before a
noun it describes takes the modifier form ("a gold Rolex watch" -> "a gold luxury watch", "the Netflix logo" ->
"the streaming service logo"). "a"/"an" agree with what now follows them, a head noun is never doubled ("Dom
Pérignon champagne" -> "luxury champagne"), and names side by side become one ("Apple iPhone" -> "a modern
smartphone").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from moderation.matcher import stem
from moderation.normalize import BREAK

# Letters as leet can write them, to find a folded name again in the text the user typed.
_SPELLINGS = {
    "a": "a4@àáâäãå",
    "b": "b8",
    "c": "cç",
    "e": "e3èéêë",
    "i": "i1ìíîï",
    "l": "l1",
    "n": "nñ",
    "o": "o0òóôöõø",
    "s": "s5$",
    "t": "t7",
    "u": "uùúûü",
    "y": "yýÿ",
}
ARTICLES = {"a", "an"}
DETERMINERS = ARTICLES | {
    "the", "this", "that", "these", "those", "my", "your", "his", "her", "its", "our", "their", "some", "any",
    "every", "each", "no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "several",
    "many", "few", "another", "le", "la", "les", "un", "une", "des", "du", "mon", "ma", "mes", "ton", "ta", "tes",
    "son", "sa", "ses", "notre", "nos", "votre", "vos", "leur", "leurs", "ce", "cet", "cette", "ces",
}  # fmt: skip
# Words that end a noun group when read backwards from a name: it has no determiner of its own.
_GROUP_BREAKS = {
    "of", "with", "in", "on", "at", "by", "for", "from", "to", "and", "or", "but", "as", "like", "into", "onto",
    "over", "under", "near", "beside", "behind", "is", "are", "was", "were", "be", "de", "avec", "dans", "sur",
    "et", "ou", "en", "pour", "par", "via", "vs", "versus",
}  # fmt: skip
# Nouns that a brand or character commonly describes: before one of these, or one of the entity's own context
# words, a name is a modifier.
_HEAD_NOUN_WORDS = """
    logo sign signage store shop restaurant cafe outlet branch headquarters office building factory billboard
    poster advert ad commercial banner flag sticker decal label packaging package box bag carrier case cover
    product products merchandise merch item collection edition style design aesthetic theme themed look font
    color colour uniform costume cosplay outfit mascot figure figurine toy plush doll action statue model replica
    car truck van bus lorry vehicle motorcycle bike bicycle scooter plane jet airplane aircraft boat ship yacht
    phone smartphone laptop computer tablet console controller keyboard headphone earbud speaker camera watch
    shoe sneaker boot trainer sandal shirt t-shirt tee hoodie sweatshirt jacket coat cap hat beanie jersey kit
    scarf dress bag handbag backpack purse wallet belt sunglasses glasses perfume bottle can cup mug glass
    drink soda coffee latte tea burger sandwich pizza fries meal menu chocolate candy snack cereal bar
    ball racket helmet stadium arena team club fan fans game level character card deck set
    painting illustration artwork art drawing sketch portrait print mural render poster artstyle
"""
HEAD_NOUNS = frozenset(stem(word) for word in _HEAD_NOUN_WORDS.split())
_SENTENCE_END = re.compile(r"(?:^|[.!?\n])[\s\"'(«“]*$")
_POSSESSIVE = re.compile(r"['’ʼ`]s\b")
_JOINER = re.compile(r"^\s*[-/&+]?\s*$")
_WORDS = re.compile(r"[^\W\d_]+")
_NEXT_WORD = re.compile(r"\s+([^\W\d_][\w'’-]*)")
_LAST_WORD = re.compile(r"([^\W\d_][\w'’-]*)\s+$")


class Replacement(NamedTuple):
    """What stands in for one entity: its noun form (with an article), its modifier form, and the nouns it
    is used before (its own context words)."""

    noun: str
    modifier: str
    heads: frozenset[str] = frozenset()
    # The names it was found under, folded.
    terms: tuple[str, ...] = ()


class _Span(NamedTuple):
    start: int
    end: int
    replacement: Replacement
    # The possessive written after the name ("'s"), kept after its replacement.
    possessive: str = ""


# Characters that IGNORECASE matches beyond a letter's own cases (the dotless i, the Kelvin sign), made plain
# letters before a name is sought, one for one so that positions hold: patterns then need neither the flag nor
# classes beyond Latin-1, and compile a third faster (the first rewrite of each name pays for its compiling).
_CASELESS = str.maketrans({"\u0130": "I", "\u0131": "i", "\u017f": "s", "\u212a": "K", "\u212b": "\u00c5"})


@lru_cache(maxsize=64)
def _letter(char: str) -> str:
    """One or more of a letter, in either case and any of its spellings (leet, accents)."""
    spellings = _SPELLINGS.get(char, char)
    return f"[{re.escape(''.join(dict.fromkeys(spellings + spellings.upper())))}]++"


@lru_cache(maxsize=4096)
def name_pattern(folded: str) -> re.Pattern:
    """A regex that finds a folded name in a text as typed (see :func:`find_name`): any case, accents, leet,
    separators, repeats. Possessive quantifiers keep it linear on hostile input."""
    words = []
    for word in folded.split():
        if word == BREAK:
            continue  # punctuation, which the separators between words allow
        # One class per run of a letter: "apple" is [a][p][l][e], each one or more times.
        words.append(r"[\W_]*+".join(_letter(char) for char, _ in itertools.groupby(word)))
    # Folding dropped possessives, so one may stand after any word ("Xavier's School").
    between = r"(?:['’ʼ`][sS])?+[\W_]*+"
    return re.compile(r"(?<![a-zA-Z0-9])" + between.join(words) + r"(?![a-zA-Z0-9])")


def find_name(folded: str, text: str) -> Iterator[re.Match]:
    """Where a folded name stands in ``text``, as typed."""
    return name_pattern(folded).finditer(text if text.isascii() else text.translate(_CASELESS))


# Words after which a noun phrase goes on describing its head: "a cartoon postman with a cat".
_QUALIFIERS = {"with", "in", "of", "on", "from", "and", "wearing", "holding", "that", "who", "for", "at", "by"}


def _head_phrase(noun: str) -> tuple[str, bool]:
    """A noun phrase without its article and what qualifies it ("a cartoon postman with a cat" -> "cartoon
    postman"), and whether something qualified it."""
    words = noun.split()
    if len(words) > 1 and words[0].lower() in ARTICLES:
        words = words[1:]
    qualifier = next((index for index, word in enumerate(words) if word.lower() in _QUALIFIERS and index > 0), None)
    return " ".join(words[:qualifier]), qualifier is not None


def default_modifier(noun: str) -> str:
    """The modifier form of a noun phrase, for an entity that has none: its words before the head noun ("a luxury
    wristwatch" -> "luxury", as in "a luxury watch"), or the phrase up to what qualifies it ("a cartoon postman
    with a cat" -> "cartoon postman")."""
    head, qualified = _head_phrase(noun)
    words = head.split()
    return head if qualified else " ".join(words[:-1] if len(words) > 1 else words)


def article_for(word: str) -> str:
    lowered = word.lower()
    if lowered.startswith(("hour", "honest", "honour", "honor", "heir")):
        return "an"
    if lowered.startswith(("uni", "use", "usu", "uto", "eu", "one", "ew")):
        return "a"
    return "an" if lowered[:1] in "aeiou" else "a"


def find_spans(text: str, replacements: list[Replacement]) -> tuple[list[_Span], list[Replacement]]:
    """Where each replacement's names stand in ``text`` (longest names first, no overlaps), and the replacements
    none of whose names could be found as typed."""
    spans: list[_Span] = []
    lost = []
    for replacement in sorted(replacements, key=lambda item: -max(map(len, item.terms))):
        found = False
        for term in sorted(replacement.terms, key=len, reverse=True):
            for match in find_name(term, text):
                end, possessive = match.end(), ""
                if written := _POSSESSIVE.match(text, end):
                    end, possessive = written.end(), written.group(0)
                if any(span.start < end and match.start() < span.end for span in spans):
                    found = True  # inside a longer name already replaced ("Apple" in "Apple Watch")
                    continue
                spans.append(_Span(match.start(), end, replacement, possessive))
                found = True
        if not found:
            lost.append(replacement)
    return _merged(sorted(spans, key=lambda span: span.start), text), lost


def _merged(spans: list[_Span], text: str) -> list[_Span]:
    """Names side by side ("Apple iPhone", "Nike Air Jordan") become one, described by the last (the head)."""
    merged: list[_Span] = []
    for span in spans:
        if merged and _JOINER.match(text[merged[-1].end : span.start]):
            merged[-1] = _Span(merged[-1].start, span.end, span.replacement, span.possessive)
        else:
            merged.append(span)
    return merged


def rewrite(text: str, spans: list[_Span]) -> str:
    pieces, last = [], 0
    for span in spans:
        before = "".join(pieces) + text[last : span.start]
        after = text[span.end :]
        before, phrase = _fitted(before, span.replacement, after, possessor=bool(span.possessive))
        phrase += span.possessive if phrase else ""
        last = span.end
        if not phrase:
            # The words after say it all ("a Red Bull energy drink" -> "an energy drink"): the name goes, with
            # its space.
            last += len(after) - len(after.lstrip())
            if not before.strip():
                after_text = text[last:]
                text = text[:last] + after_text[:1].upper() + after_text[1:]
        pieces = [before, phrase]
    return "".join(pieces) + text[last:]


def _fitted(before: str, replacement: Replacement, after: str, possessor: bool = False) -> tuple[str, str]:
    """The text before the name (its article agreeing) and the form that replaces the name (a noun where the
    name owns what follows: "Mickey Mouse's house")."""
    next_word = None if possessor else _next_word(after)
    following = stem(next_word.lower()) if next_word is not None else None
    # Before a noun it describes, or before words of its own description ("a Red Bull energy drink").
    modifier_position = following is not None and (
        following in HEAD_NOUNS or following in replacement.heads or following in _own_words(replacement.noun)
    )
    if modifier_position:
        phrase = _without_repeat(replacement.modifier, after)
    else:
        phrase = replacement.noun
        first, _, bare = phrase.partition(" ")
        if first.lower() in DETERMINERS and bare and _has_determiner(before):
            phrase = bare  # "the Rolex" -> "the luxury wristwatch", "two Smurfs" -> "two blue elves"
        elif first.lower() in ARTICLES and bare:
            phrase = f"{article_for(bare)} {bare}"  # the data's own article, made to agree
    previous = _previous_words(before, 1)
    if previous and previous[0].lower() in ARTICLES and (phrase or next_word):
        written = previous[0]
        article = article_for(phrase or next_word)
        if written[0].isupper():
            article = article.capitalize()
        cut = before.rfind(written)
        before = before[:cut] + article + before[cut + len(written) :]
    elif phrase and _SENTENCE_END.search(before):
        phrase = phrase[:1].upper() + phrase[1:]
    return before, phrase


@lru_cache(maxsize=4096)
def _own_words(noun: str) -> frozenset[str]:
    """The stems of a noun phrase's head words ("a Red Bull energy drink": "energi", "drink")."""
    return frozenset(stem(word.lower()) for word in _head_phrase(noun)[0].replace("-", " ").split())


def _without_repeat(phrase: str, after: str) -> str:
    """The phrase less its last words where the prompt goes on with them: "energy drink" before "energy drink
    can" is dropped, "luxury champagne" before "champagne" is "luxury", "convenience-store" before "store" is
    "convenience"."""
    words, parts, stemmed = _phrase_words(phrase)
    following = [stem(word.lower()) for word in _WORDS.findall(after[:80])[: len(parts)]]
    for count in range(len(parts), 0, -1):
        if stemmed[-count:] == following[:count]:
            kept = parts[:-count]
            # The phrase's own spelling ("fast-food") where the cut falls between its words.
            whole = next((words[:size] for size in range(len(words) + 1) if _split(words[:size]) == kept), None)
            return " ".join(whole if whole is not None else kept)
    return phrase


@lru_cache(maxsize=4096)
def _phrase_words(phrase: str) -> tuple[list[str], list[str], list[str]]:
    """A phrase's words, its words with hyphens split, and their stems (shared by every call: read, never
    changed)."""
    parts = phrase.replace("-", " ").split()
    return phrase.split(), parts, [stem(word.lower()) for word in parts]


def _split(words: list[str]) -> list[str]:
    return " ".join(words).replace("-", " ").split()


def _next_word(after: str) -> str | None:
    """The word right after the name, unless punctuation comes first."""
    match = _NEXT_WORD.match(after)
    return match.group(1) if match else None


def _previous_words(before: str, count: int) -> list[str]:
    """Up to ``count`` words right before the name, nearest first, stopping at punctuation."""
    found = []
    rest = before[-200:]  # a few words are enough; a long tail would make the search quadratic
    while len(found) < count:
        match = _LAST_WORD.search(rest)
        if not match:
            break
        found.append(match.group(1))
        rest = rest[: match.start()]
    return found


def _has_determiner(before: str) -> bool:
    """Whether the noun group ending with the name already has its determiner ("the", "a gold", "my old red")."""
    for word in _previous_words(before, 3):
        lowered = word.lower()
        if lowered in DETERMINERS:
            return True
        if lowered in _GROUP_BREAKS or lowered.endswith(("ing", "ed")):
            return False
    return False
