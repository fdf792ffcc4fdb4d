"""The moderation half of /atelier: a server's rules, its audit log, the image check and where appeals go.

A mixin of app commands: ``bot.exts.atelier`` assembles it with the other features' admin commands into the
one /atelier group, which checks Manage Server."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from atelier.logs import get_logger
from bot.i18n import _
from bot.interactions import tell
from moderation import Category, PolicyError

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.exts.moderation")

Preset = Literal["strict", "balanced", "open"]
CategoryChoice = Literal["person", "brand", "artist", "sexual", "violence", "hate"]
ActionChoice = Literal["allow", "rewrite", "flag", "block"]


class ModerationAdmin:
    bot: AtelierBot
    rules = app_commands.Group(name="rules", description="The server's moderation rules")

    async def _change(self, interaction: discord.Interaction, change, done: str) -> None:
        gate = self.bot.gate
        try:
            policy = change(gate.policy(interaction.guild_id))
        except PolicyError as error:
            await tell(interaction, f"⚠️ {error}")
            return
        gate.save_policy(interaction.guild_id, policy)
        log.info("moderation.rules_changed", guild=interaction.guild_id, user=interaction.user.id, change=done)
        await tell(interaction, f"✅ {done}")

    @rules.command(name="show", description="Show the server's policy")
    async def show(self, interaction: discord.Interaction) -> None:
        policy = self.bot.gate.policy(interaction.guild_id)
        embed = discord.Embed(
            title=_("Atelier rules"), description=_("Preset: **{preset}**", preset=_(str(policy.preset)))
        )
        for category in ("person", "brand", "artist", "sexual", "violence", "hate"):
            marker = " " + _("(changed)") if Category(category) in policy.categories else ""
            action = _(str(policy.action_for(Category(category))))
            embed.add_field(name=_(category), value=f"{action}{marker}", inline=True)
        overrides = [f"{name}: {_(str(action))}" for name, action in sorted(policy.entities.items())]
        custom = [
            f"{entity.name} ({_(str(entity.category))}; {', '.join(entity.aliases) or _('no aliases')})"
            for entity in policy.custom
        ]
        embed.add_field(name=_("Entity overrides"), value="\n".join(overrides)[:1000] or _("none"), inline=False)
        embed.add_field(name=_("Server's own entities"), value="\n".join(custom)[:1000] or _("none"), inline=False)
        settings = self.bot.store.guild_settings(interaction.guild_id) or {}
        channel = settings.get("moderation_channel")
        embed.add_field(name=_("Appeals go to"), value=f"<#{channel}>" if channel else _("nowhere yet"), inline=False)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @rules.command(name="preset", description="Start from a preset: strict, balanced or open")
    async def preset(self, interaction: discord.Interaction, preset: Preset) -> None:
        await self._change(
            interaction, lambda policy: policy.with_preset(preset), _("Preset set to {preset}.", preset=_(preset))
        )

    @rules.command(name="category", description="Set what happens to one category")
    async def category(self, interaction: discord.Interaction, category: CategoryChoice, action: ActionChoice) -> None:
        done = _("{category}: {action}.", category=_(category), action=_(action))
        await self._change(interaction, lambda policy: policy.with_category(category, action), done)

    @rules.command(name="entity", description="Set what happens to one person, brand or artist (or add one)")
    @app_commands.describe(kind="Only for a name the ruleset doesn't know: what it is")
    async def entity(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 2, 100],
        action: ActionChoice,
        kind: Literal["person", "brand", "artist"] | None = None,
    ) -> None:
        known = self.bot.gate.moderator.ruleset.find(name)
        if known is None and kind is None:
            await tell(
                interaction, _("⚠️ {name} isn't in the ruleset: say what it is with `kind` to add it.", name=repr(name))
            )
            return
        label = known.name if known else name
        await self._change(
            interaction,
            lambda policy: policy.with_entity(label, action, None if known else kind),
            _("{name}: {action}.", name=label, action=_(action)),
        )

    @rules.command(name="alias", description="Add another name for one of the server's own entities")
    async def alias(self, interaction: discord.Interaction, name: str, alias: app_commands.Range[str, 2, 100]) -> None:
        await self._change(
            interaction,
            lambda policy: policy.with_alias(name, alias),
            _("{alias} now also means {name}.", alias=repr(alias), name=name),
        )

    @rules.command(name="remove", description="Remove an entity's override, or one of the server's own entities")
    async def remove(self, interaction: discord.Interaction, name: str) -> None:
        await self._change(
            interaction, lambda policy: policy.without_entity(name), _("{name} follows its category again.", name=name)
        )

    @rules.command(name="test", description="See what the rules decide on a prompt (nothing is drawn)")
    async def test(self, interaction: discord.Interaction, prompt: app_commands.Range[str, 1, 1000]) -> None:
        policy = self.bot.gate.policy_with_members(interaction.guild_id)
        nsfw = isinstance(interaction.channel, discord.TextChannel) and interaction.channel.is_nsfw()
        decision = self.bot.gate.moderator.decide(prompt, policy, nsfw_channel=nsfw)
        lines = [f"**{_(str(decision.action))}**" + (f" · {_(decision.category)}" if decision.category else "")]
        if decision.rule:
            lines.append(_("rule: `{rule}`", rule=decision.rule) + (f" ({decision.entity})" if decision.entity else ""))
        lines.append(_(decision.reason))
        if decision.prompt != prompt:
            lines.append(_("sent as: {prompt}", prompt=decision.prompt))
        await interaction.response.send_message("\n".join(lines), ephemeral=True)

    @app_commands.command(name="audit", description="Recent moderation decisions")
    @app_commands.describe(member="Only this member's", action="Only this action", count="How many (1-25)")
    async def audit(
        self,
        interaction: discord.Interaction,
        member: discord.Member | None = None,
        action: ActionChoice | None = None,
        category: CategoryChoice | None = None,
        count: app_commands.Range[int, 1, 25] = 10,
    ) -> None:
        rows = self.bot.store.decisions(
            interaction.guild_id, user_id=member.id if member else None, action=action, category=category, limit=count
        )
        if not rows:
            await interaction.response.send_message(_("No decisions match."), ephemeral=True)
            return
        lines = []
        for row in rows:
            when = datetime.datetime.fromtimestamp(row["created_at"], datetime.UTC)
            rule = f" `{row['rule']}`" if row["rule"] else ""
            lines.append(
                f"**{row['id']}** <t:{int(when.timestamp())}:R> <@{row['user_id']}> · {_(row['action'])}{rule} · "
                f"{row['prompt'][:80]}"
            )
        await interaction.response.send_message("\n".join(lines)[:1990], ephemeral=True)

    @app_commands.command(name="images", description="What happens to an image the check finds explicit")
    @app_commands.describe(action="block: never posted; spoiler: posted behind a spoiler in NSFW channels only")
    async def images(self, interaction: discord.Interaction, action: Literal["block", "spoiler"]) -> None:
        self.bot.store.save_guild_settings(interaction.guild_id, nsfw_action=action)
        if self.bot.gate.detector is not None:
            done = _("✅ Explicit images: {action}. The image check is on.", action=_(action))
        else:
            done = _(
                "✅ Explicit images: {action}. The image check is not installed on this bot (nsfw extra).",
                action=_(action),
            )
        await tell(interaction, done)

    @app_commands.command(name="channel", description="Where appeals go")
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel) -> None:
        self.bot.store.save_guild_settings(interaction.guild_id, moderation_channel=channel.id)
        await tell(interaction, _("✅ Appeals now go to {channel}.", channel=channel.mention))

    likeness = app_commands.Group(name="likeness", description="Whether members may be drawn on this server")

    @likeness.command(name="default", description="Whether members who haven't chosen may be drawn")
    async def likeness_default(self, interaction: discord.Interaction, choice: Literal["allow", "deny"]) -> None:
        self.bot.store.save_guild_settings(interaction.guild_id, likeness_default=choice)
        log.info("moderation.likeness_default", guild=interaction.guild_id, user=interaction.user.id, choice=choice)
        if choice == "allow":
            await tell(interaction, _("✅ Members may be drawn here unless they deny it with /likeness deny."))
        else:
            await tell(interaction, _("✅ Members can't be drawn here unless they allow it with /likeness allow."))

    @likeness.command(name="list", description="Members' choices about being drawn, and the names they go by")
    async def likeness_list(self, interaction: discord.Interaction) -> None:
        default = self.bot.gate.likeness_default(interaction.guild_id)
        lines = [_("Members who haven't chosen: **{choice}**", choice=_(default))]
        for row in self.bot.store.likeness(interaction.guild_id):
            choice = _(row["choice"]) if row["choice"] else _("default ({choice})", choice=_(default))
            lines.append(f"<@{row['user_id']}> · {choice} · {', '.join(row['names'])}")
        await interaction.response.send_message(
            "\n".join(lines)[:1990], ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
