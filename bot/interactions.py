"""Answering an interaction in one short ephemeral line, however far it got."""

from __future__ import annotations

from collections import OrderedDict

import discord

from atelier.logs import get_logger
from bot.i18n import N_, use_locale

log = get_logger("bot.interactions")


class RecentLocales:
    """Member id → locale for the ``size`` members seen most recently; the oldest is forgotten first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._locales: OrderedDict[int, str] = OrderedDict()

    def get(self, member: int, default: str | None = None) -> str | None:
        locale = self._locales.get(member)
        if locale is None:
            return default
        self._locales.move_to_end(member)
        return locale

    def __setitem__(self, member: int, locale: str) -> None:
        self._locales[member] = locale
        self._locales.move_to_end(member)
        while len(self._locales) > self.size:
            self._locales.popitem(last=False)

    def __len__(self) -> int:
        return len(self._locales)


# The Discord language each member last used an interaction in, for their plain messages (which carry none):
# bounded, as a member who doesn't come back needn't be remembered.
MEMBER_LOCALES = RecentLocales(10_000)
SOMETHING_WRONG = N_("⚠️ Something went wrong on our side; the details are in the bot's log.")


def begin(interaction: discord.Interaction) -> bool:
    """Every interaction starts here: replies follow the member's Discord language, which the bot also
    remembers for their later plain messages in threads."""
    use_locale(interaction.locale)
    MEMBER_LOCALES[interaction.user.id] = interaction.locale.value
    return True


def is_manager(interaction: discord.Interaction) -> bool:
    """Manage Server, checked by the bot itself: Discord's default command permissions can be changed by
    anyone who manages the server's integrations."""
    member = interaction.user
    return isinstance(member, discord.Member) and member.guild_permissions.manage_guild


async def tell(interaction: discord.Interaction, text: str, view: discord.ui.View | None = None) -> None:
    """One short ephemeral line, whether or not the interaction was answered already."""
    options = {"view": view} if view is not None else {}
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, **options)
        else:
            await interaction.response.send_message(text, ephemeral=True, **options)
    except discord.HTTPException:
        log.warning("interaction.unanswerable", guild=interaction.guild_id)


def choices(names: list[str], typed: str) -> list[discord.app_commands.Choice[str]]:
    """Autocompletion: the names holding what the member typed so far, as many as Discord shows (25)."""
    typed = typed.lower()
    return [discord.app_commands.Choice(name=name, value=name) for name in names if typed in name.lower()][:25]
