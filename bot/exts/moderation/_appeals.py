"""The Appeal button under a refusal: it sends the case to the server's moderation channel."""

from __future__ import annotations

import discord

from atelier.logs import get_logger
from bot.interactions import tell

log = get_logger("bot.exts.moderation")


class AppealButton(discord.ui.DynamicItem[discord.ui.Button], template=r"atelier:appeal:(?P<case>\d+)"):
    def __init__(self, case: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Appeal", emoji="📨", style=discord.ButtonStyle.secondary, custom_id=f"atelier:appeal:{case}"
            )
        )
        self.case = case

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item, match) -> AppealButton:
        return cls(int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = interaction.client
        decision = bot.store.decision(self.case)
        if decision is None:
            await tell(interaction, "This case no longer exists.")
            return
        if decision["user_id"] != interaction.user.id:
            await tell(interaction, "Only the member whose prompt was refused can appeal it.")
            return
        if decision["appealed"]:
            await tell(interaction, f"Case {self.case} was already sent to the moderators.")
            return
        settings = bot.store.guild_settings(decision["guild_id"]) or {}
        channel = bot.get_channel(settings.get("moderation_channel") or 0)
        if not isinstance(channel, discord.abc.Messageable):
            await tell(interaction, "This server has no moderation channel for appeals yet: ask an admin.")
            return
        embed = discord.Embed(title=f"Appeal of case {self.case}", colour=discord.Colour.orange())
        embed.add_field(name="Member", value=f"<@{decision['user_id']}>", inline=True)
        embed.add_field(name="Decision", value=f"{decision['action']} · {decision['category']}", inline=True)
        embed.add_field(
            name="Rule", value=f"{decision['rule']}" + (f" ({decision['entity']})" if decision["entity"] else "")
        )
        embed.add_field(name="Prompt", value=decision["prompt"][:1000], inline=False)
        await channel.send(embed=embed)
        bot.store.mark_appealed(self.case)
        log.info("moderation.appeal", guild=decision["guild_id"], case=self.case, user=interaction.user.id)
        await tell(interaction, f"Case {self.case} was sent to the moderators.")


def appeal_view(case: int | None) -> discord.ui.View | None:
    if case is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(AppealButton(case))
    return view
