"""The studio's half of /atelier: access (channels, tiers of roles opened in stages), quotas, usage with a
chart, and the server's defaults. A mixin: ``bot.exts.atelier`` assembles it into the /atelier group."""

from __future__ import annotations

import asyncio
import datetime
import io
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from atelier.logs import get_logger
from bot.exts.studio._chart import DayUsage, fill_days, usage_chart
from bot.exts.studio._cog import Aspect, Privacy, Quality, settings_text
from bot.exts.studio._text import limits_text, spent_text
from bot.i18n import _, option_name
from bot.interactions import tell
from bot.studio.budget import JOULES_PER_WATT_HOUR, Spent
from bot.studio.preferences import Preferences
from bot.studio.tiers import EVERYONE, Tier, shown_tier

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.exts.studio")

Button = Literal["var", "reroll", "edit", "region", "up", "zoom", "undo"]
MAX_TIERS = 10
# Limits below these would lock a tier's members out without saying so (0 budgets mean "no budget").
LEAST = {"concurrent": 1, "max_side": 64, "max_steps": 1, "max_count": 1}


class StudioAdmin:
    bot: AtelierBot
    access = app_commands.Group(name="access", description="Who may use Atelier, where, and how much")
    quota = app_commands.Group(name="quota", description="Daily budgets: when they reset, extra for a member")

    def _tier(self, guild_id: int, name: str) -> Tier | None:
        return next((tier for tier in self.bot.studio.store.tiers(guild_id) if tier.name == name), None)

    @access.command(name="show", description="Channels, tiers and their limits")
    async def access_show(self, interaction: discord.Interaction) -> None:
        studio = self.bot.studio
        guild_id = interaction.guild_id
        channels = studio.store.channels(guild_id)
        embed = discord.Embed(title=_("Who may use Atelier"), colour=discord.Colour.blurple())
        embed.add_field(
            name=_("Channels"),
            value=", ".join(f"<#{c}>" for c in channels) if channels else _("every channel"),
            inline=False,
        )
        tiers = studio.store.tiers(guild_id)
        if not tiers:
            embed.add_field(
                name=_("{tier} (no tiers set: everyone)", tier=shown_tier(EVERYONE)),
                value=limits_text(studio.limits),
                inline=False,
            )
        for tier in tiers:
            roles = ", ".join("@everyone" if role == guild_id else f"<@&{role}>" for role in tier.roles) or _(
                "no roles"
            )
            state = _("open") if tier.open else _("closed")
            embed.add_field(
                name=f"{tier.rank}. {tier.name} ({state})",
                value=f"{roles}\n{limits_text(tier.limits(studio.limits), tier)}",
                inline=True,
            )
        embed.set_footer(text=_("Bold limits are the tier's own; the others follow the defaults in config.toml."))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @access.command(name="tier", description="Create or change a tier: its role, whether it is open, its limits")
    @app_commands.describe(
        name="The tier's name, e.g. supporters",
        role="A role in this tier (@everyone for all members)",
        open="Open (members of this tier may draw) or closed (settings kept)",
        rank="Order: a member gets the first open tier holding one of their roles",
        daily_gpu_seconds="GPU seconds per member per day (0: no budget; -1: follow the default)",
        daily_watt_hours="Watt-hours per member per day (0: no budget; -1: follow the default)",
        concurrent="Jobs a member may run at once (-1: follow the default)",
        queued="Jobs a member may have waiting (-1: follow the default)",
        max_side="Largest side in pixels (-1: follow the default)",
        max_steps="Most denoising steps (-1: follow the default)",
        max_count="Most images per request (-1: follow the default)",
    )
    async def access_tier(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 32],
        role: discord.Role | None = None,
        open: bool | None = None,
        rank: app_commands.Range[int, 1, 100] | None = None,
        daily_gpu_seconds: app_commands.Range[float, -1, 86400] | None = None,
        daily_watt_hours: app_commands.Range[float, -1, 100000] | None = None,
        concurrent: app_commands.Range[int, -1, 16] | None = None,
        queued: app_commands.Range[int, -1, 100] | None = None,
        max_side: app_commands.Range[int, -1, 4096] | None = None,
        max_steps: app_commands.Range[int, -1, 500] | None = None,
        max_count: app_commands.Range[int, -1, 16] | None = None,
    ) -> None:
        store = self.bot.studio.store
        guild_id = interaction.guild_id
        name = name.strip().lower()
        tiers = store.tiers(guild_id)
        tier = self._tier(guild_id, name)
        if tier is None:
            if len(tiers) >= MAX_TIERS:
                await tell(interaction, _("⚠️ A server can have {count} tiers: remove one first.", count=MAX_TIERS))
                return
            tier = Tier(name=name, rank=max((t.rank for t in tiers), default=0) + 1, open=True)
        limits = {
            "daily_gpu_seconds": daily_gpu_seconds,
            "daily_watt_hours": daily_watt_hours,
            "concurrent": concurrent,
            "queued": queued,
            "max_side": max_side,
            "max_steps": max_steps,
            "max_count": max_count,
        }
        for field, least in LEAST.items():
            if limits[field] not in (None, -1) and limits[field] < least:
                await tell(
                    interaction,
                    _(
                        "⚠️ {field} must be at least {least} (or -1 to follow the default).",
                        field=option_name(field),
                        least=least,
                    ),
                )
                return
        tier = tier.with_overrides(
            **{field: (None if value == -1 else value) for field, value in limits.items() if value is not None}
        )
        if role is not None and role.id not in tier.roles:
            tier = Tier(tier.name, tier.rank, (*tier.roles, role.id), tier.open, tier.overrides)
        if open is not None or rank is not None:
            tier = Tier(
                tier.name,
                rank if rank is not None else tier.rank,
                tier.roles,
                tier.open if open is None else open,
                tier.overrides,
            )
        store.save_tier(guild_id, tier)
        log.info("studio.tier_saved", guild=guild_id, user=interaction.user.id, tier=tier.name, open=tier.open)
        warning = "" if tier.roles else " " + _("It holds no role yet: add one with `role`.")
        state = _("open") if tier.open else _("closed")
        saved = _("✅ Tier **{name}** ({state}, rank {rank}) saved.", name=tier.name, state=state, rank=tier.rank)
        await tell(interaction, saved + warning)

    @access.command(name="remove", description="Take a role out of a tier, or remove the tier")
    async def access_remove(
        self, interaction: discord.Interaction, name: str, role: discord.Role | None = None
    ) -> None:
        store = self.bot.studio.store
        tier = self._tier(interaction.guild_id, name.strip().lower())
        if tier is None:
            await tell(interaction, _("⚠️ There is no tier {name}: see `/atelier access show`.", name=repr(name)))
            return
        if role is not None:
            roles = tuple(r for r in tier.roles if r != role.id)
            store.save_tier(interaction.guild_id, Tier(tier.name, tier.rank, roles, tier.open, tier.overrides))
            await tell(interaction, _("✅ {role} is no longer in **{tier}**.", role=role.mention, tier=tier.name))
            return
        store.remove_tier(interaction.guild_id, tier.name)
        left = store.tiers(interaction.guild_id)
        after = "" if left else " " + _("No tiers are left: everyone may use Atelier with the defaults.")
        await tell(interaction, _("✅ Tier **{name}** removed.", name=tier.name) + after)

    @access.command(name="channel", description="Limit Atelier to some channels (none: every channel)")
    async def access_channel(
        self,
        interaction: discord.Interaction,
        action: Literal["add", "remove", "clear"],
        channel: discord.TextChannel | None = None,
    ) -> None:
        store = self.bot.studio.store
        channels = set(store.channels(interaction.guild_id))
        if action == "clear":
            channels = set()
        elif channel is None:
            await tell(
                interaction, _("⚠️ Name the channel to add.") if action == "add" else _("⚠️ Name the channel to remove.")
            )
            return
        elif action == "add":
            channels.add(channel.id)
        else:
            channels.discard(channel.id)
        store.set_channels(interaction.guild_id, tuple(channels))
        where = ", ".join(f"<#{c}>" for c in sorted(channels)) if channels else _("every channel")
        await tell(interaction, _("✅ Atelier answers in {where}.", where=where))

    @quota.command(name="reset", description="The hour (UTC) when daily budgets start again")
    async def quota_reset(self, interaction: discord.Interaction, hour: app_commands.Range[int, 0, 23]) -> None:
        self.bot.studio.store.set_reset_hour(interaction.guild_id, hour)
        await tell(interaction, _("✅ Daily budgets start again at {hour}:00 UTC.", hour=format(hour, "02d")))

    @quota.command(name="grant", description="Give a member extra budget for today")
    async def quota_grant(
        self,
        interaction: discord.Interaction,
        member: discord.Member,
        gpu_seconds: app_commands.Range[float, 0, 86400] = 0.0,
        watt_hours: app_commands.Range[float, 0, 100000] = 0.0,
    ) -> None:
        if not gpu_seconds and not watt_hours:
            await tell(interaction, _("⚠️ Grant some `gpu_seconds` or `watt_hours`."))
            return
        studio = self.bot.studio
        studio.store.grant(
            interaction.guild_id,
            member.id,
            studio.day(interaction.guild_id),
            gpu_seconds=gpu_seconds,
            watt_hours=watt_hours,
            granted_by=interaction.user.id,
        )
        log.info("studio.granted", guild=interaction.guild_id, user=member.id, by=interaction.user.id)
        await tell(
            interaction,
            _(
                "✅ {member} gets {seconds} s GPU and {energy} Wh more today.",
                member=member.mention,
                seconds=format(gpu_seconds, "g"),
                energy=format(watt_hours, "g"),
            ),
        )

    @app_commands.command(name="usage", description="The server's usage: totals, top members, tiers, a chart")
    @app_commands.describe(days="How many days back (1-90)", member="Only this member")
    async def usage(
        self,
        interaction: discord.Interaction,
        days: app_commands.Range[int, 1, 90] = 30,
        member: discord.Member | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        studio = self.bot.studio
        guild_id = interaction.guild_id
        today = studio.clock().date()
        first = today - datetime.timedelta(days=days - 1)
        since = datetime.datetime.combine(first, datetime.time(), datetime.UTC)
        grid = studio.settings.grid_gco2_per_kwh
        total = studio.store.spent(guild_id, since, member.id if member else None)
        embed = discord.Embed(title=_("Atelier usage, last {days} days", days=days), colour=discord.Colour.blurple())
        embed.add_field(name=_("Total"), value=spent_text(total, grid), inline=False)
        if member is None:
            top = [
                f"<@{user}>: {spent_text(_spent(images, seconds, joules), grid)}"
                for user, images, seconds, joules in studio.store.per("user_id", guild_id, since)
            ]
            embed.add_field(name=_("Top members"), value="\n".join(top)[:1000] or _("nobody yet"), inline=False)
            tiers = [
                f"{shown_tier(tier or EVERYONE)}: {spent_text(_spent(images, seconds, joules), grid)}"
                for tier, images, seconds, joules in studio.store.per("tier", guild_id, since)
            ]
            embed.add_field(name=_("Per tier"), value="\n".join(tiers)[:1000] or _("nobody yet"), inline=False)
        rows = [
            DayUsage(day, images, seconds, joules / JOULES_PER_WATT_HOUR)
            for day, images, seconds, joules in studio.store.per_day(guild_id, since, member.id if member else None)
        ]
        title = _(
            "{server}: GPU time and energy per day",
            server=interaction.guild.name if interaction.guild else _("Server"),
        )
        png = await asyncio.to_thread(usage_chart, fill_days(rows, first, today), title)
        embed.set_image(url="attachment://usage.png")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename="usage.png"), ephemeral=True
        )

    @app_commands.command(name="defaults", description="The server's defaults for /imagine (members may override)")
    @app_commands.describe(
        negative="Put before every negative prompt (empty to clear)",
        style="Added to every new prompt (empty to clear)",
    )
    async def defaults(
        self,
        interaction: discord.Interaction,
        aspect: Aspect | None = None,
        count: app_commands.Range[int, 1, 4] | None = None,
        quality: Quality | None = None,
        style: app_commands.Range[str, 0, 200] | None = None,
        private: Privacy | None = None,
        negative: app_commands.Range[str, 0, 300] | None = None,
    ) -> None:
        store = self.bot.studio.store
        saved = store.server_defaults(interaction.guild_id)
        current = Preferences.from_json(saved.get("preferences", {}))
        changed = current.changed(
            aspect=aspect, count=count, quality=quality, style=style, private=private, negative=negative
        )
        if changed != current:
            store.save_server_defaults(interaction.guild_id, {**saved, "preferences": changed.to_json()})
        shown = settings_text(changed) or _("none")
        saved = _("✅ Saved.") + " " if changed != current else ""
        await tell(interaction, saved + _("Server defaults:\n{settings}", settings=shown))

    @app_commands.command(name="buttons", description="Who may press a button under an image: its owner or anyone")
    async def buttons(
        self, interaction: discord.Interaction, button: Button, who: Literal["owner", "everyone"]
    ) -> None:
        store = self.bot.studio.store
        saved = store.server_defaults(interaction.guild_id)
        store.save_server_defaults(
            interaction.guild_id, {**saved, "buttons": {**saved.get("buttons", {}), button: who}}
        )
        if who == "owner":
            await tell(interaction, _("✅ `{button}`: only the image owner.", button=_(button)))
        else:
            await tell(interaction, _("✅ `{button}`: anyone.", button=_(button)))


def _spent(images: int, seconds: float, joules: float) -> Spent:
    return Spent(images=images, device_seconds=seconds, joules=joules)
