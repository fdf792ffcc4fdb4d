"""Replies in the member's language: one gettext catalog per language (``bot/locales/<lang>.po``, read with
Babel), English being the source text.

Messages are written ``_("You have {count} waiting", count=n)``: the English text is the key, so the code
reads as it displays, and ``tests/bot/test_i18n.py`` extracts every such call and checks each language has
it. The language of a turn is set once where it starts (``use_locale``) and follows the turn through the
engine in a context variable, so no function needs a locale argument.
Command names and descriptions go through discord.py's ``app_commands.Translator``.
"""

from __future__ import annotations

import contextvars
import functools
import re
from pathlib import Path

import discord
from babel.messages.pofile import read_po
from discord import app_commands

from bot.conversation.lexicon import FRENCH_WORDS

LOCALES_DIR = Path(__file__).parent / "locales"
LANGUAGES = ("en", "fr")
SOURCE = "en"
# Command names, group names and option names share words with descriptions: they have their own context.
NAME_CONTEXT = "name"
_NAMES = {
    app_commands.TranslationContextLocation.command_name,
    app_commands.TranslationContextLocation.group_name,
    app_commands.TranslationContextLocation.parameter_name,
}
_language: contextvars.ContextVar[str] = contextvars.ContextVar("atelier_language", default=SOURCE)


@functools.cache
def catalog(language: str) -> dict[tuple[str | None, str], str]:
    """(context, English) -> translation, for one language."""
    if language == SOURCE:
        return {}
    with (LOCALES_DIR / f"{language}.po").open("rb") as file:
        messages = read_po(file)
    return {(message.context, message.id): message.string for message in messages if message.id and message.string}


def language_of(locale: discord.Locale | str | None) -> str:
    """The catalog for a Discord locale ("fr" for fr, "en" for en-US or anything we don't speak)."""
    code = str(getattr(locale, "value", locale) or SOURCE).split("-")[0].lower()
    return code if code in LANGUAGES else SOURCE


def use_locale(locale: discord.Locale | str | None) -> str:
    """Answer in this locale's language from here on in the current task (and the tasks it starts)."""
    language = language_of(locale)
    _language.set(language)
    return language


def current_language() -> str:
    return _language.get()


def _(message: str, /, **values: object) -> str:
    """``message`` in the current language, with ``{name}`` fields filled from ``values``."""
    text = catalog(_language.get()).get((None, message), message)
    return text.format(**values) if values else text


def N_(message: str, /) -> str:
    """Marks ``message`` for extraction without translating it: for text kept in a constant and shown later
    with ``_(constant)``."""
    return message


def option_name(name: str) -> str:
    """A command's, group's or option's name as members see it in the current language."""
    return catalog(_language.get()).get((NAME_CONTEXT, name), name)


# Words only French uses among the short words of an edit, and accents: enough to tell a French turn from an
# English one ("ajoute un chat", "plus de couleurs", "enlève le chien").
_FRENCH_ONLY = (set(FRENCH_WORDS) - {"a", "on", "in", "of", "the", "and", "with", "at", "de"}) | {
    "ajoute",
    "ajouter",
    "enlève",
    "enleve",
    "retire",
    "mets",
    "fais",
    "rends",
    "plus",
    "moins",
    "annule",
    "sans",
    "nouvelle",
    "nouveau",
}
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


def written_in(text: str) -> str | None:
    """The language a turn was written in, when its words say so ("fr" or "en"); None when they don't."""
    words = [word.lower() for word in _WORD.findall(text)]
    if not words:
        return None
    french = sum(word in _FRENCH_ONLY or any(c in word for c in "éèêàùçôî") for word in words)
    return "fr" if french and french * 3 >= len(words) else "en"


class CatalogTranslator(app_commands.Translator):
    """Command names and descriptions in every language we have a catalog for."""

    async def translate(
        self, string: app_commands.locale_str, locale: discord.Locale, context: app_commands.TranslationContext
    ) -> str | None:
        language = language_of(locale)
        if language == SOURCE or not locale.value.startswith(language):
            return None
        key = (NAME_CONTEXT if context.location in _NAMES else None, string.message)
        return catalog(language).get(key)
