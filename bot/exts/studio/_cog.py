"""A member's side of the studio: /usage (what they used and what is left), /queue (their turns waiting or
running, with Cancel) and /settings (their own defaults for /imagine)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from atelier.logs import get_logger
from bot.exts.studio._text import left_text, limits_text, spent_text
from bot.i18n import _, option_name
from bot.interactions import begin, is_manager, tell
from bot.service_client import ServiceRejected, ServiceUnavailable
from bot.studio.budget import month_start
from bot.studio.preferences import ASPECTS, QUALITIES, Preferences
from bot.studio.studio import NotAllowed
from bot.studio.tiers import shown_tier

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.exts.studio")

Aspect = Literal["square", "portrait", "landscape", "wide", "tall"]
Quality = Literal["draft", "standard", "high"]
Privacy = Literal["off", "ephemeral", "dm"]
# Settings whose values are choices: shown under their translated choice names.
CHOICES = ("aspect", "quality", "private")
assert set(Aspect.__args__) == set(ASPECTS) and set(Quality.__args__) == set(QUALITIES)


def settings_text(preferences: Preferences) -> str:
    """One line per setting, named as the member sees the option in Discord; chosen values translated."""
    return "\n".join(
        f"{option_name(key)}: **{_(value) if key in CHOICES else value}**"
        for key, value in preferences.to_json().items()
    )


# Any hex id, so a button from before tickets had random ids (plain numbers) still gets an answer.
class CancelButton(discord.ui.DynamicItem[discord.ui.Button], template=r"atelier:cancel:(?P<ticket>[0-9a-f]{1,16})"):
    def __init__(self, ticket: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_("Cancel {number}", number=ticket),
                emoji="✖️",
                style=discord.ButtonStyle.danger,
                custom_id=f"atelier:cancel:{ticket}",
            )
        )
        self.ticket = ticket

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item, match) -> CancelButton:
        return cls(match["ticket"])

    async def callback(self, interaction: discord.Interaction) -> None:
        begin(interaction)
        await interaction.client.get_cog("Studio").cancel(interaction, self.ticket)


class Studio(commands.Cog):
    def __init__(self, bot: AtelierBot) -> None:
        self.bot = bot

    @app_commands.command(name="usage", description="What you used today and this month, and what is left")
    @app_commands.guild_only()
    async def usage(self, interaction: discord.Interaction) -> None:
        studio = self.bot.studio
        member = interaction.user
        try:
            caller = studio.caller(interaction.guild_id, member.id, {role.id for role in member.roles}, None)
        except NotAllowed as refusal:
            await tell(interaction, str(refusal))
            return
        today = studio.today(caller)
        month = studio.store.spent(interaction.guild_id, month_start(studio.clock()), member.id)
        grid = studio.settings.grid_gco2_per_kwh
        reset = int(studio.next_reset(interaction.guild_id).timestamp())
        embed = discord.Embed(title=_("Your Atelier usage"), colour=discord.Colour.blurple())
        embed.add_field(name=_("Today"), value=spent_text(today, grid), inline=False)
        embed.add_field(name=_("This month"), value=spent_text(month, grid), inline=False)
        embed.add_field(name=_("Left today"), value=left_text(studio.allowance(caller), today), inline=False)
        embed.add_field(name=_("Resets"), value=f"<t:{reset}:R> (<t:{reset}:t>)", inline=True)
        embed.add_field(
            name=_("Your tier: {tier}", tier=shown_tier(caller.tier)), value=limits_text(caller.limits), inline=False
        )
        embed.set_footer(text=_("CO₂ estimated at {grid} g/kWh", grid=format(grid, "g")))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="queue", description="Your images waiting or running (admins see everyone's)")
    @app_commands.guild_only()
    async def queue(self, interaction: discord.Interaction) -> None:
        everyone = is_manager(interaction)
        tickets = [
            ticket
            for ticket in self.bot.studio.queue(interaction.guild_id).tickets()
            if everyone or ticket.member == interaction.user.id
        ]
        if not tickets:
            await tell(interaction, _("Nothing is waiting or running.") if everyone else _("You have nothing waiting."))
            return
        lines, view = [], discord.ui.View(timeout=None)
        for ticket in tickets[:20]:
            where = _("running") if ticket.granted else _("position {position}", position=ticket.position)
            who = f"<@{ticket.member}> · " if everyone else ""
            lines.append(f"`{ticket.id}` {who}{where} · {ticket.label} · <#{ticket.conversation}>")
            if len(view.children) < 20:
                view.add_item(CancelButton(ticket.id))
        await interaction.response.send_message("\n".join(lines)[:1990], view=view, ephemeral=True)

    async def cancel(self, interaction: discord.Interaction, ticket_id: str) -> None:
        queue = self.bot.studio.queue(interaction.guild_id)
        ticket = queue.find(ticket_id)
        if ticket is None:
            await tell(interaction, _("`{number}` has already finished.", number=ticket_id))
            return
        if ticket.member != interaction.user.id and not is_manager(interaction):
            await tell(interaction, _("Only its member or an admin can cancel it."))
            return
        if queue.cancel(ticket):
            await tell(interaction, _("✅ `{number}` was cancelled before it started.", number=ticket_id))
            return
        if ticket.job is None:
            await tell(
                interaction,
                _("`{number}` is being sent to the image service: try again in a moment.", number=ticket_id),
            )
            return
        try:
            await self.bot.engine.client.cancel(ticket.job)
        except (ServiceUnavailable, ServiceRejected) as exc:
            log.warning("studio.cancel_failed", guild=interaction.guild_id, job=ticket.job, error=str(exc))
            await tell(interaction, _("The image service didn't take the cancel; it may have just finished."))
            return
        log.info("studio.cancelled", guild=interaction.guild_id, job=ticket.job, user=interaction.user.id)
        await tell(interaction, _("✅ `{number}` is being stopped.", number=ticket_id))

    @app_commands.command(name="settings", description="Your defaults for /imagine")
    @app_commands.describe(
        aspect="Shape when you give no size",
        count="Images per /imagine when you give no count",
        quality="draft: fast and small; high: more steps and pixels (within your tier)",
        style="Added to every new prompt, e.g. 'watercolour'",
        private="Where your /imagine results go: a thread (off), only you (ephemeral), or your DMs",
        reset="Forget all your settings",
    )
    async def settings(
        self,
        interaction: discord.Interaction,
        aspect: Aspect | None = None,
        count: app_commands.Range[int, 1, 4] | None = None,
        quality: Quality | None = None,
        style: app_commands.Range[str, 0, 200] | None = None,
        private: Privacy | None = None,
        reset: bool = False,
    ) -> None:
        store = self.bot.studio.store
        current = Preferences() if reset else Preferences.from_json(store.member_settings(interaction.user.id))
        changed = current.changed(aspect=aspect, count=count, quality=quality, style=style, private=private)
        if changed != current or reset:
            store.save_member_settings(interaction.user.id, changed.to_json())
        text = settings_text(changed) or _("none: the server's defaults apply")
        saved = _("✅ Saved.") + " " if changed != current or reset else ""
        await tell(interaction, saved + _("Your settings:\n{settings}", settings=text))
