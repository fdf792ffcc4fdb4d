"""/atelier: the server admin's commands of every feature, in one group. They need Manage Server, checked
by the bot itself (Discord's default permissions can be changed by anyone who manages the integrations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.exts.moderation import ModerationAdmin
from bot.exts.provenance import ProvenanceAdmin
from bot.exts.studio import ModelsAdmin, StudioAdmin, StylesAdmin
from bot.i18n import N_, _
from bot.interactions import is_manager, tell

if TYPE_CHECKING:
    from bot.app import AtelierBot

NOT_ALLOWED = N_("You need the Manage Server permission to change Atelier's settings or read its logs.")


class Atelier(
    ModerationAdmin,
    ProvenanceAdmin,
    StudioAdmin,
    ModelsAdmin,
    StylesAdmin,
    commands.GroupCog,
    group_name="atelier",
    group_description="Atelier's server settings",
):
    def __init__(self, bot: AtelierBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None or not is_manager(interaction):
            await tell(interaction, _(NOT_ALLOWED))
            return False
        return True


async def setup(bot: AtelierBot) -> None:
    await bot.add_cog(Atelier(bot))
