"""The mask page: a one-time link under the Region button to a page where the member paints what to change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.mask_page._server import MaskPage

if TYPE_CHECKING:
    from bot.app import AtelierBot

__all__ = ["MaskPage"]


async def setup(bot: AtelierBot) -> None:
    await bot.add_cog(MaskPage(bot))
