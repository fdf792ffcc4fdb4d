"""A server's moderation: its rules and audit log (admin commands under /atelier) and appeals."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.moderation._appeals import AppealButton, ResolveButton, appeal_view
from bot.exts.moderation._cog import ModerationAdmin

if TYPE_CHECKING:
    from bot.app import AtelierBot

__all__ = ["ModerationAdmin", "appeal_view"]


async def setup(bot: AtelierBot) -> None:
    bot.add_dynamic_items(AppealButton, ResolveButton)
