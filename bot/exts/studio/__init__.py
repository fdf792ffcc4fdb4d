"""A server's own studio in Discord: members' /usage, /queue and /settings, and the admin's access, quotas,
usage and defaults under /atelier (``StudioAdmin``), the server's models (``ModelsAdmin``) and its named styles
(``StylesAdmin``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.studio._admin import StudioAdmin
from bot.exts.studio._cog import CancelButton, Studio
from bot.exts.studio._models import ModelsAdmin
from bot.exts.studio._styles import StylesAdmin

if TYPE_CHECKING:
    from bot.app import AtelierBot

__all__ = ["ModelsAdmin", "StudioAdmin", "StylesAdmin"]


async def setup(bot: AtelierBot) -> None:
    bot.add_dynamic_items(CancelButton)
    await bot.add_cog(Studio(bot))
