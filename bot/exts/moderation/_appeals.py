"""Appeals: the Appeal button under a refusal sends the case to the server's moderation channel, where a
moderator approves it (the member is told and the prompt is drawn, once) or denies it (the member is told)."""

from __future__ import annotations

import contextvars

import discord

from atelier.logs import get_logger
from bot.i18n import N_, _, use_locale
from bot.interactions import begin, is_manager, tell

log = get_logger("bot.exts.moderation")
APPEAL = N_("Appeal")
VERDICTS = {
    "ok": ("approved", N_("Approve"), "✅", discord.ButtonStyle.success),
    "no": ("denied", N_("Deny"), "✖️", discord.ButtonStyle.danger),
}
RESOLVED = {"approved": N_("approved"), "denied": N_("denied")}


class AppealButton(discord.ui.DynamicItem[discord.ui.Button], template=r"atelier:appeal:(?P<case>\d+)"):
    def __init__(self, case: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=_(APPEAL), emoji="📨", style=discord.ButtonStyle.secondary, custom_id=f"atelier:appeal:{case}"
            )
        )
        self.case = case

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item, match) -> AppealButton:
        return cls(int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        begin(interaction)
        bot = interaction.client
        decision = bot.store.decision(self.case)
        if decision is None:
            await tell(interaction, _("This case no longer exists."))
            return
        if decision["user_id"] != interaction.user.id:
            await tell(interaction, _("Only the member whose prompt was refused can appeal it."))
            return
        if decision["appealed"]:
            await tell(interaction, _("Case {case} was already sent to the moderators.", case=self.case))
            return
        settings = bot.store.guild_settings(decision["guild_id"]) or {}
        channel = bot.get_channel(settings.get("moderation_channel") or 0)
        if not isinstance(channel, discord.abc.Messageable):
            await tell(interaction, _("This server has no moderation channel for appeals yet: ask an admin."))
            return
        # For the server's moderators: in the server's language, whatever the member's.
        embed = contextvars.copy_context().run(appeal_embed, self.case, decision, interaction.guild_locale)
        view = contextvars.copy_context().run(resolution_view, self.case, interaction.guild_locale)
        await channel.send(embed=embed, view=view)
        bot.store.mark_appealed(self.case)
        log.info("moderation.appeal", guild=decision["guild_id"], case=self.case, user=interaction.user.id)
        await tell(interaction, _("Case {case} was sent to the moderators.", case=self.case))


def appeal_embed(case: int, decision: dict, locale: discord.Locale | None) -> discord.Embed:
    """The case as the moderators read it, in ``locale``'s language (this changes the current language)."""
    use_locale(locale)
    embed = discord.Embed(title=_("Appeal of case {case}", case=case), colour=discord.Colour.orange())
    embed.add_field(name=_("Member"), value=f"<@{decision['user_id']}>", inline=True)
    embed.add_field(
        name=_("Decision"), value=f"{_(str(decision['action']))} · {_(str(decision['category']))}", inline=True
    )
    embed.add_field(
        name=_("Rule"), value=f"{decision['rule']}" + (f" ({decision['entity']})" if decision["entity"] else "")
    )
    embed.add_field(name=_("Prompt"), value=decision["prompt"][:1000], inline=False)
    return embed


def appeal_view(case: int | None) -> discord.ui.View | None:
    if case is None:
        return None
    view = discord.ui.View(timeout=None)
    view.add_item(AppealButton(case))
    return view


class ResolveButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"atelier:appeal-(?P<verdict>ok|no):(?P<case>\d+)"
):
    """Approve or Deny under an appeal in the moderation channel."""

    def __init__(self, verdict: str, case: int) -> None:
        _resolution, label, emoji, style = VERDICTS[verdict]
        super().__init__(
            discord.ui.Button(label=_(label), emoji=emoji, style=style, custom_id=f"atelier:appeal-{verdict}:{case}")
        )
        self.verdict = verdict
        self.case = case

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item, match) -> ResolveButton:
        return cls(match["verdict"], int(match["case"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        begin(interaction)
        bot = interaction.client
        if not is_manager(interaction):
            await tell(interaction, _("Only moderators with the Manage Server permission can resolve appeals."))
            return
        decision = bot.store.decision(self.case)
        if decision is None or decision["guild_id"] != interaction.guild_id:
            await tell(interaction, _("This case no longer exists."))
            return
        if decision.get("resolution"):
            await tell(
                interaction,
                _(
                    "Case {case} was already {resolution} by <@{moderator}>.",
                    case=self.case,
                    resolution=_(RESOLVED[decision["resolution"]]),
                    moderator=decision["resolved_by"],
                ),
            )
            return
        resolution = VERDICTS[self.verdict][0]
        bot.store.resolve_appeal(self.case, resolution, interaction.user.id)
        log.info("moderation.appeal_resolved", guild=interaction.guild_id, case=self.case, resolution=resolution)
        embed = interaction.message.embeds[0] if interaction.message and interaction.message.embeds else None
        if embed is not None:
            embed.add_field(
                name=_("Resolution"),
                value=_(
                    "{resolution} by <@{moderator}>", resolution=_(RESOLVED[resolution]), moderator=interaction.user.id
                ),
                inline=False,
            )
        await interaction.response.edit_message(embed=embed, view=None)
        await bot.get_cog("Imagine").appeal_resolved(bot.store.decision(self.case))


def resolution_view(case: int, locale: discord.Locale | None) -> discord.ui.View:
    """Approve and Deny, labelled in ``locale``'s language (this changes the current language)."""
    use_locale(locale)
    view = discord.ui.View(timeout=None)
    for verdict in VERDICTS:
        view.add_item(ResolveButton(verdict, case))
    return view
