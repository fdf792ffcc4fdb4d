"""Drawing and talking to images: /imagine, conversation threads, the buttons under each result."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.exts.imagine._cog import Imagine
from bot.exts.imagine._ui import ImageButton, UnclearChoice

if TYPE_CHECKING:
    from bot.app import AtelierBot


async def setup(bot: AtelierBot) -> None:
    bot.add_dynamic_items(ImageButton, UnclearChoice)
    await bot.add_cog(Imagine(bot))
