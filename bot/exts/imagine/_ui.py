"""The buttons under each result (Variations, Re-roll, Edit, Upscale, Undo, Provenance) and the Edit modal.

They are dynamic items: their ``custom_id`` carries the action and the image id, so a button answers after
a bot restart. They hold no logic: each reaches the Imagine cog through the client.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.i18n import N_, _
from bot.interactions import begin
from bot.storage import StoredImage

if TYPE_CHECKING:
    from bot.exts.imagine._cog import Imagine

BUTTON_ID = re.compile(r"atelier:(?P<action>[a-z]+):(?P<image>[0-9a-f]{32})")
ACTIONS = {
    # action: (label, emoji, style, row)
    "var": (N_("Variations"), "🎲", discord.ButtonStyle.primary, 0),
    "reroll": (N_("Re-roll"), "🔁", discord.ButtonStyle.secondary, 0),
    "edit": (N_("Edit"), "✏️", discord.ButtonStyle.secondary, 0),
    "up": (N_("Upscale"), "🔍", discord.ButtonStyle.secondary, 1),
    "undo": (N_("Undo"), "↩️", discord.ButtonStyle.secondary, 1),
    "prov": (N_("Provenance"), "🛡️", discord.ButtonStyle.secondary, 1),
}


def imagine_cog(interaction: discord.Interaction) -> Imagine:
    return interaction.client.get_cog("Imagine")


def button_id(action: str, service_id: str) -> str:
    return f"atelier:{action}:{service_id}"


class EditModal(discord.ui.Modal):
    def __init__(self, image: StoredImage) -> None:
        super().__init__(title=_("Edit the prompt"))
        self.image = image
        self.prompt = discord.ui.TextInput(
            label=_("Prompt"), style=discord.TextStyle.paragraph, max_length=1000, default=image.prompt[:1000]
        )
        self.add_item(self.prompt)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        begin(interaction)
        await imagine_cog(interaction).rewrite(interaction, self.image, self.prompt.value)


class ImageButton(discord.ui.DynamicItem[discord.ui.Button], template=BUTTON_ID):
    def __init__(self, action: str, service_id: str) -> None:
        label, emoji, style, row = ACTIONS[action]
        super().__init__(
            discord.ui.Button(
                label=_(label), emoji=emoji, style=style, row=row, custom_id=button_id(action, service_id)
            )
        )
        self.action = action
        self.service_id = service_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match) -> ImageButton:
        if match["action"] not in ACTIONS:
            raise TypeError(f"unknown action {match['action']!r}")
        return cls(match["action"], match["image"])

    async def callback(self, interaction: discord.Interaction) -> None:
        begin(interaction)
        await imagine_cog(interaction).press(interaction, self.action, self.service_id)


def image_view(service_id: str) -> discord.ui.View:
    """The buttons under a result; their ids carry the image id, so they keep working after a restart."""
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(ImageButton(action, service_id))
    return view
