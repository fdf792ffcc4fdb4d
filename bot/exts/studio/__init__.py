"""A server's own studio in Discord: members' /usage, /queue and /settings, and the admin's access, quotas,
usage and defaults under /atelier (``StudioAdmin``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.studio._admin import StudioAdmin
from bot.exts.studio._cog import CancelButton, Studio

if TYPE_CHECKING:
    from bot.app import AtelierBot

__all__ = ["StudioAdmin"]


async def setup(bot: AtelierBot) -> None:
    bot.add_dynamic_items(CancelButton)
    await bot.add_cog(Studio(bot))
