"""Answering an interaction in one short ephemeral line, however far it got."""

from __future__ import annotations

import discord

from atelier.logs import get_logger

log = get_logger("bot.interactions")

SOMETHING_WRONG = "⚠️ Something went wrong on our side; the details are in the bot's log."


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
