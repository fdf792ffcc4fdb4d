"""Every language is complete: each ``_()``/``N_()`` message of ``bot/`` and each app command string has a French
translation, with the same ``{fields}``; translated command names are names Discord accepts."""

from __future__ import annotations

import ast
import asyncio
import contextvars
import string
from pathlib import Path

import discord
import pytest
from babel.messages.extract import extract_from_dir
from discord import app_commands

from atelier.config import Config
from bot.app import build_bot
from bot.conversation.engine import EDIT_KINDS
from bot.conversation.understanding import EditKind
from bot.exts import walk_extensions
from bot.i18n import NAME_CONTEXT, CatalogTranslator, _, catalog, option_name, use_locale, written_in
from bot.moderation_gate import CATEGORY_LABELS
from bot.storage import BotStore
from moderation.engine import REASONS

BOT = Path(__file__).parents[2] / "bot"
# Options left without a description get discord.py's placeholder, which needs no translation.
NO_DESCRIPTION = "…"


def valid_name(name: str) -> bool:
    """Discord's rule for the names of slash commands, their groups and options: lower case, 1-32 letters, digits,
    ``-`` or ``_`` (``^[-_\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``)."""
    return 1 <= len(name) <= 32 and name == name.lower() and all(c in "-_" or c.isalnum() for c in name)


def fields(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conversion in string.Formatter().parse(text) if name is not None}


@pytest.fixture(scope="module")
def messages() -> dict[str, list[str]]:
    """Every message marked in ``bot/``, with where."""
    found: dict[str, list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        BOT, method_map=[("**.py", "python")], keywords={"_": None, "N_": None}
    ):
        found.setdefault(message, []).append(f"bot/{filename}:{line}")
    return found


def in_language(locale: str, make):
    """``make()`` with replies in ``locale``, leaving the current language as it was."""

    def run():
        use_locale(locale)
        return make()

    return contextvars.copy_context().run(run)


# ---------------------------------------------------------------- messages


def test_messages_are_extracted(messages):
    assert len(messages) > 150
    assert "New image" in messages
    assert "🚫 Not drawn ({label}, case {case}): {reason}" in messages


@pytest.mark.parametrize("language", ["fr"])
def test_every_message_has_a_translation_with_the_same_fields(messages, language):
    translations = catalog(language)
    missing = [f"{where[0]}: {message!r}" for message, where in messages.items() if (None, message) not in translations]
    assert not missing, "untranslated:\n" + "\n".join(missing)
    different = [
        f"{where[0]}: {message!r} -> {translations[None, message]!r}"
        for message, where in messages.items()
        if fields(translations[None, message]) != fields(message)
    ]
    assert not different, "fields differ:\n" + "\n".join(different)


def test_every_message_is_given_to_the_markers_as_written():
    """``_()`` and ``N_()`` take the English text itself: an f-string or a concatenation can't be looked up."""
    wrong = []
    for path in BOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "N_")):
                continue
            first = node.args[0] if node.args else None
            if isinstance(first, ast.JoinedStr | ast.BinOp) or (
                node.func.id == "N_" and not isinstance(first, ast.Constant)
            ):
                wrong.append(f"{path.relative_to(BOT.parent)}:{node.lineno}")
    assert not wrong, wrong


def test_what_the_moderation_library_says_is_marked(messages):
    assert set(REASONS.values()) <= set(messages)
    assert set(CATEGORY_LABELS.values()) <= set(messages)


def test_every_kind_of_edit_has_a_name_to_show():
    assert set(EDIT_KINDS) == set(EditKind)


# ---------------------------------------------------------------- app commands


@pytest.fixture(scope="module")
def payloads(tmp_path_factory, moderator) -> list[dict]:
    """What the real bot syncs to Discord, localizations included, for every slash command and message menu: its
    extensions loaded as at start-up, without connecting."""
    config = Config().with_overrides(
        bot={"database": str(tmp_path_factory.mktemp("i18n") / "bot.db")}, moderation={"output_check": "off"}
    )

    async def sync() -> list[dict]:
        store = BotStore(Path(config.bot.database))
        bot = build_bot(config, None, store, moderator=moderator)
        try:
            for extension in walk_extensions():
                await bot.load_extension(extension)
            tree, translator = bot.tree, CatalogTranslator()
            commands = tree.get_commands()  # slash commands and message menus
            return [await command.get_translated_payload(tree, translator) for command in commands]
        finally:
            await bot.close()
            store.db.close()

    return asyncio.run(sync())


def _walk(item: dict, path: str):
    """Each named thing of a command payload (the command, its groups, subcommands and options) with its path."""
    yield path, item
    for option in item.get("options", ()):
        yield from _walk(option, f"{path} {option['name']}")


def test_the_tree_has_every_command(payloads):
    names = {payload["name"] for payload in payloads}
    assert {"imagine", "provenance", "usage", "queue", "settings", "help", "atelier", "Show provenance"} <= names
    atelier = next(payload for payload in payloads if payload["name"] == "atelier")
    assert {"rules", "access", "quota"} <= {option["name"] for option in atelier["options"]}


@pytest.mark.parametrize("locale", ["fr"])
def test_every_command_string_is_translated(payloads, locale):
    missing = []
    for payload in payloads:
        for path, item in _walk(payload, "/" + payload["name"]):
            if locale not in item.get("name_localizations", {}):
                missing.append(f"name of {path}")
            description = item.get("description")
            if (
                description
                and description != NO_DESCRIPTION
                and locale not in item.get("description_localizations", {})
            ):
                missing.append(f"description of {path}: {description!r}")
            missing += [
                f"choice {choice['name']!r} of {path}"
                for choice in item.get("choices", ())
                if locale not in choice.get("name_localizations", {})
            ]
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("locale", ["fr"])
def test_translated_names_are_valid_discord_names_unique_among_siblings(payloads, locale):
    slash = [payload for payload in payloads if payload.get("type", 1) == discord.AppCommandType.chat_input.value]
    menus = [payload for payload in payloads if payload.get("type") == discord.AppCommandType.message.value]
    problems = []

    def check(siblings: list[dict], where: str) -> None:
        names = [item["name_localizations"][locale] for item in siblings]
        if len(set(names)) != len(names):
            problems.append(f"{where}: the same name twice in {names}")
        for item in siblings:
            name = item["name_localizations"][locale]
            if not valid_name(name):
                problems.append(f"{where} {item['name']}: {name!r} is not a valid name")
            description = item.get("description_localizations", {}).get(locale)
            if description is not None and not 1 <= len(description) <= 100:
                problems.append(f"{where} {item['name']}: description of {len(description)} characters")
            for choice in item.get("choices", ()):
                if not 1 <= len(choice["name_localizations"][locale]) <= 100:
                    problems.append(f"{where} {item['name']}: choice {choice['name']!r} too long")
            if item.get("options"):
                check(item["options"], f"{where} {item['name']}")

    check(slash, "")
    for menu in menus:
        name = menu["name_localizations"][locale]
        if not 1 <= len(name) <= 32:
            problems.append(f"menu {menu['name']}: {name!r}")
    assert len({menu["name_localizations"][locale] for menu in menus}) == len(menus)
    assert not problems, "\n".join(problems)


async def test_the_translator_answers_french_only_for_french():
    translator = CatalogTranslator()
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_name, data=None)
    imagine = app_commands.locale_str("imagine")
    assert await translator.translate(imagine, discord.Locale.french, context) == "imaginer"
    assert await translator.translate(imagine, discord.Locale.american_english, context) is None
    assert await translator.translate(imagine, discord.Locale.german, context) is None


@pytest.mark.parametrize("language", ["fr"])
def test_the_catalog_holds_nothing_stale(messages, payloads, language):
    """Every translation is of a message or a command string the bot still has."""
    used = {(None, message) for message in messages}
    for payload in payloads:
        for _path, item in _walk(payload, ""):
            used.add((NAME_CONTEXT, item["name"]))
            used.add((None, item.get("description") or ""))
            used.update((None, choice["name"]) for choice in item.get("choices", ()))
    assert set(catalog(language)) - used == set()


# ---------------------------------------------------------------- the language of a turn


def test_messages_follow_the_current_language():
    assert in_language("fr", lambda: _("New image")) == "Nouvelle image"
    assert in_language("fr", lambda: _("Variations of #{number}", number=3)) == "Variations de #3"
    assert in_language("fr", lambda: option_name("settings")) == "réglages"
    assert in_language("en-US", lambda: _("Variations of #{number}", number=3)) == "Variations of #3"
    assert in_language("en-US", lambda: option_name("settings")) == "settings"
    # A language without a catalog answers in English.
    assert in_language("de", lambda: _("New image")) == "New image"

    def back_and_forth() -> tuple[str, str]:
        use_locale("fr")
        french = _("⏳ Queued…")
        use_locale("en-US")
        return french, _("⏳ Queued…")

    assert contextvars.copy_context().run(back_and_forth) == ("⏳ En attente…", "⏳ Queued…")


def test_names_have_their_own_context():
    """ "remove" is a command name ("retirer") and, as text, an edit or a choice ("retrait")."""
    french = catalog("fr")
    assert french[NAME_CONTEXT, "remove"] == "retirer"
    assert french[None, "remove"] == "retrait"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ajoute un chat", "fr"),
        ("plus de couleurs", "fr"),
        ("enlève le chien", "fr"),
        ("mets-le de nuit", "fr"),
        ("nouveau: un phare", "fr"),
        ("make it night", "en"),
        ("add a red umbrella", "en"),
        ("remove the chimney", "en"),
        ("new: a castle in the clouds", "en"),
        ("#2", None),
        ("", None),
    ],
)
def test_written_in_tells_french_turns_from_english_ones(text, language):
    assert written_in(text) == language
