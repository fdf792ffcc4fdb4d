"""After a restart or a reconnect: finish the requests a stopped run left behind, and answer the messages members
sent while the bot was away. A mixin of the Imagine cog (it runs turns the same way)."""

from __future__ import annotations

import asyncio
import time

import discord
from discord.ext import commands

from atelier.logs import get_logger
from bot.exts.imagine._render import ProgressMessage
from bot.exts.imagine._turns import RESUMABLE

log = get_logger("bot.exts.imagine")


class Recovery:
    @commands.Cog.listener()
    async def on_ready(self) -> None:
        # on_ready follows every new session: what was missed may differ each time.
        if not self._resumed:
            self._resumed = True
            self._spawn(self.resume_requests())
        self._spawn(self.catch_up())

    def _spawn(self, work) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def cog_unload(self) -> None:
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()

    async def resume_requests(self) -> None:
        """Finish and post every request the last run left behind, each once."""
        store = self.bot.store
        turns = []
        for request in store.unfinished_requests():
            if request["created_at"] >= self.started:
                continue  # this run's own turn, running now
            caller = request["caller"] or {}
            conversation = store.conversation(request["conversation"]) or {}
            channel = await self._channel(caller.get("channel_id"))
            if channel is None or not caller.get("answer_to") or conversation.get("surface") not in RESUMABLE:
                store.end_request(request["key"], "failed", "nowhere to post it after a restart")
                continue
            status = channel.get_partial_message(caller["answer_to"])
            log.info("turn.resuming", guild=caller.get("guild_id"), conversation=request["conversation"])
            work = self.bot.engine.resume(request, ProgressMessage(status))
            turns.append(self.run_turn(work, status, channel, conversation=request["conversation"], resumed=True))
        await asyncio.gather(*turns)

    async def catch_up(self) -> None:
        """Answer, in order, the messages members sent to active conversations while the bot was away."""
        since = time.time() - self.bot.config.bot.thread_archive_minutes * 60
        await asyncio.gather(
            *(self._catch_up(conversation) for conversation in self.bot.store.active_conversations(since))
        )

    async def _catch_up(self, conversation: dict) -> None:
        channel = await self._channel(int(conversation["id"]))
        if channel is None:
            return
        after = discord.Object(conversation.get("last_message_id") or int(conversation["id"]))
        try:
            missed = [m async for m in channel.history(after=after, oldest_first=True, limit=100) if not m.author.bot]
        except discord.HTTPException:
            log.warning("catch_up.unreadable", conversation=conversation["id"])
            return
        if missed:
            log.info("catch_up", conversation=conversation["id"], messages=len(missed))
        for message in missed:
            await self.on_message(message)

    async def _channel(self, channel_id: int | None):
        if channel_id is None:
            return None
        channel = self.bot.get_channel(channel_id)
        if channel is not None:
            return channel
        try:
            return await self.bot.fetch_channel(channel_id)
        except discord.HTTPException:
            return None
