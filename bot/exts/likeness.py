"""/likeness: each member decides whether they may be drawn in this server.

A member is known by every name they go by in the server (display name, nickname, username): a prompt naming
them is refused unless they allowed it, and sexual or degrading scenes of a member are refused whatever they
chose. Until a member chooses, the server's default applies (admins set it with /atelier likeness default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from atelier.logs import get_logger
from bot.i18n import _
from bot.interactions import tell

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.exts.likeness")


def member_names(member: discord.Member | discord.User) -> list[str]:
    """The names a member goes by: their nickname here, their display name, their username."""
    names = [getattr(member, "nick", None), member.global_name, member.display_name, member.name]
    return list(dict.fromkeys(name for name in names if name))


class Likeness(commands.GroupCog, group_name="likeness", group_description="Whether you may be drawn here"):
    def __init__(self, bot: AtelierBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.guild_id is None:
            await tell(interaction, _("Likeness is chosen per server: use this command in a server."))
            return False
        return True

    async def _choose(self, interaction: discord.Interaction, choice: str) -> None:
        names = member_names(interaction.user)
        self.bot.store.remember_member(interaction.guild_id, interaction.user.id, names, choice)
        log.info("likeness.chosen", guild=interaction.guild_id, user=interaction.user.id, choice=choice)
        if choice == "allow":
            done = _(
                "✅ You may be drawn on this server (as {names}), never in sexual or degrading scenes.",
                names=", ".join(names),
            )
        else:
            done = _("✅ Nobody can draw you on this server (as {names}).", names=", ".join(names))
        await tell(interaction, done)

    @app_commands.command(name="allow", description="Let members draw you on this server")
    async def allow(self, interaction: discord.Interaction) -> None:
        await self._choose(interaction, "allow")

    @app_commands.command(name="deny", description="Don't let anyone draw you on this server")
    async def deny(self, interaction: discord.Interaction) -> None:
        await self._choose(interaction, "deny")

    @app_commands.command(name="show", description="What you chose, and the names you are known by here")
    async def show(self, interaction: discord.Interaction) -> None:
        row = self.bot.store.likeness_of(interaction.guild_id, interaction.user.id)
        default = self.bot.gate.likeness_default(interaction.guild_id)
        if row is None or row["choice"] is None:
            text = _("You haven't chosen: this server's default applies ({choice}).", choice=_(default))
        elif row["choice"] == "allow":
            text = _("You allowed being drawn here, as {names}.", names=", ".join(row["names"]))
        else:
            text = _("You denied being drawn here, as {names}.", names=", ".join(row["names"]))
        await tell(interaction, text)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Keep the names of members who use the bot up to date, so the server's default protects them too."""
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            return
        names = member_names(interaction.user)
        known = self.bot.store.likeness_of(interaction.guild_id, interaction.user.id)
        if known is None or known["names"] != names:
            self.bot.store.remember_member(interaction.guild_id, interaction.user.id, names)


async def setup(bot: AtelierBot) -> None:
    await bot.add_cog(Likeness(bot))
