"""Folding a prompt to plain words before matching, so that spelling tricks don't hide a name.

``fold`` undoes, in order: invisible and bidi characters (removed), look-alike letters from other scripts,
fullwidth and mathematical letters, accents and combining marks (decancer folds all of these to ASCII),
possessives ("'s"), leet digits and symbols inside words (3 -> e, 0 -> o, 1 -> i, 4/@ -> a, 5/$ -> s,
7 -> t), names spelled out with separators ("e l o n", "E.L.O.N."), and repeated letters ("eeelon").
Patterns are folded the same way, so both sides meet in one alphabet of lowercase words separated by single
spaces.
"""

from __future__ import annotations

import re
import unicodedata

import decancer_py

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"})
_LEET_CHARS = "0134578@$"
# A token with at least one letter: leet characters inside it are letters in disguise. A leading "@" is a
# handle ("@elonmusk"), not an "a".
_TOKEN = re.compile(r"(?<![a-z0-9@$])@?([a-z0-9@$]+)")
_HAS_LETTER = re.compile(r"[a-z]")
# Single letters separated by spaces, dots, dashes or underscores: "e l o n", "e.l.o.n", "e-l-o-n".
_SPELLED = re.compile(r"\b(?:[a-z][ ._\-*/|]){2,}[a-z]\b")
# Three or more of one letter are padding ("eeelon"); two are spelling ("sonny", "teems", "bidden").
_REPEATS = re.compile(r"([a-z])\1{2,}")
# The same test, twice as fast without the open repeat; and the words holding such a run.
_REPEATS_PRESENT = re.compile(r"([a-z])\1\1")
_REPEATED_WORD = re.compile(r"(?<![a-z])[a-z]*?([a-z])\1\1[a-z]*")
_ROMAN = re.compile(r"x{0,3}(?:ix|iv|v?i{0,3})")
_BANG = re.compile(r"(?<=[a-z])!(?=[a-z])")
_BAR = re.compile(r"(?<=[a-z])\|(?=[a-z])")
# Cheap tests that spare the costlier substitutions on the many prompts that need none.
_LEET_PRESENT = re.compile(r"[0134578@$]")
_SPELLED_PRESENT = re.compile(r"(?<![a-z])[a-z](?:[ ._\-*/|][a-z]){2}(?![a-z])")
# Characters other than letters, digits, breaks and spaces: made spaces, then every run of spaces one space (a
# regex replacing whole runs would also replace every single space between two words).
_NOT_WORD = re.compile(r"[^a-z0-9|\s]+")
_NOT_LETTER = re.compile(r"[^a-z]+")
# Punctuation that separates phrases ("a plague doctor, strange lighting"): folded to a "|" word, so that no name
# of several words is read across it. Without a space after it ("Donald,Trump") it separates nothing.
BREAK = "|"
_BREAKS = re.compile(r"[,;:!?|]+(?=\s|$)")
_REPEATED_BREAKS = re.compile(r"\|(?:\s*\|)+")
# A possessive is no part of a name: "Taylor's Swift", "McDonald's" and "Nike's" meet "taylor swift", "mcdonald"
# and "nike".
_APOSTROPHES = "'’ʼ`"
_POSSESSIVE = re.compile(rf"(?<=[a-z])[{_APOSTROPHES}]s\b")
_APOSTROPHE_PRESENT = re.compile(f"[{_APOSTROPHES}]")


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _drop_invisible(text: str) -> str:
    # Format characters (zero-width space/joiner, word joiner, soft hyphen, bidi controls) separate nothing. Each
    # distinct non-ASCII character is looked up once rather than every character of the prompt.
    for char in set(_NON_ASCII.findall(text)):
        if unicodedata.category(char) == "Cf":
            text = text.replace(char, "")
    return text


def cure(text: str) -> str:
    """Look-alikes, fullwidth, mathematical letters and accents folded to lowercase ASCII; layout kept."""
    if text.isascii():
        return text.lower()
    return str(decancer_py.parse(unicodedata.normalize("NFKC", _drop_invisible(text))))


def _unleet(match: re.Match) -> str:
    token = match.group(1)
    if not _HAS_LETTER.search(token) or not any(char in _LEET_CHARS for char in token):
        return token
    return token.translate(_LEET)


def squash(text: str) -> str:
    """Runs of three or more of one letter to one ("eeelon" -> "elon"), roman numerals left alone ("Charles III"
    is not Charles I); applied to patterns and prompts alike."""
    if not _REPEATS_PRESENT.search(text):
        return text
    return _REPEATED_WORD.sub(
        lambda match: match.group(0) if _ROMAN.fullmatch(match.group(0)) else _REPEATS.sub(r"\1", match.group(0)), text
    )


def fold(text: str) -> str:
    """Plain lowercase words separated by single spaces, with every evasion above undone; punctuation between
    phrases is a "|" word."""
    return squash(fold_letters(text))


def fold_letters(text: str) -> str:
    """``fold`` without squashing repeated letters: for short terms such as "xxx" that squash to nothing."""
    text = cure(text)
    if _APOSTROPHE_PRESENT.search(text):
        text = _POSSESSIVE.sub("", text)
    if _LEET_PRESENT.search(text):
        text = _TOKEN.sub(_unleet, text)
    if "!" in text or "|" in text:
        # Between letters, "!" is an i and "|" an l ("Sw!ft", "Sw|ft"); elsewhere they are punctuation.
        text = _BANG.sub("i", _BAR.sub("l", text))
    if _SPELLED_PRESENT.search(text):
        text = _SPELLED.sub(lambda match: _NOT_LETTER.sub("", match.group(0)), text)
    text = " ".join(_NOT_WORD.sub(" ", _BREAKS.sub(" | ", text)).split())
    if BREAK in text:
        text = _REPEATED_BREAKS.sub(BREAK, text).strip(" |")
    return text
