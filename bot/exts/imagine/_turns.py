"""Small pieces every part of a turn shares: where its answer goes, who may see a conversation, quiet edits."""

from __future__ import annotations

from dataclasses import replace

import discord

from atelier.logs import get_logger
from bot.studio.tiers import Caller

log = get_logger("bot.exts.imagine")

# Conversations whose answers a restart can still post: threads and DMs (ephemeral replies die with their
# interaction).
RESUMABLE = ("discord", "discord-dm")


def answering(caller: Caller | None, channel, status, private: str | None = None) -> Caller | None:
    """The caller with where its answer goes, so that a restart can still post it (not for ephemeral
    answers: only their interaction could show them)."""
    if caller is None or private == "ephemeral":
        return caller
    return replace(caller, channel_id=channel.id, answer_to=status.id)


def private_conversation(conversation: dict) -> bool:
    """Only its member sees this conversation's answers (ephemeral replies)."""
    return conversation["surface"] == "discord-ephemeral"


def may_see(conversation: dict, interaction: discord.Interaction) -> bool:
    """A conversation is its server's; in DMs, its member's. Another server's images are refused by id."""
    if interaction.guild_id is None:
        return conversation["owner_id"] == interaction.user.id
    return conversation["guild_id"] == interaction.guild_id


class EphemeralFollowups:
    """Where the further images of a private turn go: more replies only the member sees."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction

    async def send(self, **message) -> discord.WebhookMessage:
        return await self.interaction.followup.send(**message, ephemeral=True, wait=True)


async def quietly(edit) -> None:
    try:
        await edit
    except discord.HTTPException:
        log.warning("status.unreachable")
