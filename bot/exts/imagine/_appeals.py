"""How an appeal ended, told to its member; an approved prompt is drawn. A mixin of the Imagine cog."""

from __future__ import annotations

import discord

from atelier.logs import get_logger
from bot.conversation.engine import TurnError
from bot.exts.imagine._render import ProgressMessage
from bot.exts.imagine._turns import answering, quietly
from bot.i18n import _, use_locale
from bot.interactions import MEMBER_LOCALES

log = get_logger("bot.exts.imagine")


class AppealOutcomes:
    async def appeal_resolved(self, decision: dict) -> None:
        """Tell the member how their appeal ended, in their language; an approved prompt is drawn in its thread
        (a prompt refused before its thread existed may be sent again: it will pass, once)."""
        member, case = decision["user_id"], decision["id"]
        guild = self.bot.get_guild(decision["guild_id"])
        use_locale(MEMBER_LOCALES.get(member) or (guild.preferred_locale if guild else None))
        approved = decision["resolution"] == "approved"
        conversation = self.bot.store.conversation(decision["conversation"] or "")
        thread = (
            await self._channel(int(conversation["id"]))
            if conversation and conversation["surface"] == "discord"
            else None
        )
        redraw = approved and thread is not None and not decision["prompt"].startswith("(negative)")
        if redraw:
            text = _("✅ <@{member}>, the moderators approved case {case}: drawing it now…", member=member, case=case)
        elif approved:
            text = _(
                "✅ <@{member}>, the moderators approved case {case}: send the same prompt again and it will be drawn.",
                member=member,
                case=case,
            )
        else:
            text = _("<@{member}>, the moderators upheld the refusal of case {case}.", member=member, case=case)
        try:
            if thread is not None:
                status = await thread.send(text)
            else:
                status = await (await self.bot.fetch_user(member)).send(text)
        except discord.HTTPException:
            log.warning("appeal.unannounced", guild=decision["guild_id"], case=case)
            return
        if not redraw:
            return
        try:
            caller = await self.caller(decision["guild_id"], discord.Object(member), thread)
        except TurnError as error:
            await quietly(status.edit(content=f"{text}\n⚠️ {error}"))
            return
        work = self.bot.engine.imagine(
            conversation["id"],
            member,
            decision["prompt"],
            progress=ProgressMessage(status),
            caller=answering(caller, thread, status),
        )
        await self.run_turn(work, status, thread, guild=decision["guild_id"], case=case)
