"""The buttons under each result: Variations, Re-roll, Edit, Upscale, Undo, Provenance.

They are dynamic items: their ``custom_id`` carries the action and the image id, so a button answers after
a bot restart, and a button of an image that no longer exists says so.
"""

from __future__ import annotations

import discord

from atelier.logs import get_logger
from bot.conversation.engine import TurnError
from bot.discord_app import AtelierBot, jump_url
from bot.exts.provenance import provenance_embed
from bot.rendering import ACTIONS, BUTTON_ID, ProgressMessage, button_id, moved_text
from bot.storage import StoredImage

log = get_logger("bot.exts.buttons")

GONE = "This image no longer exists: it may have been deleted, or made by another Atelier installation."


class EditModal(discord.ui.Modal, title="Edit the prompt"):
    prompt = discord.ui.TextInput(label="Prompt", style=discord.TextStyle.paragraph, max_length=1000)

    def __init__(self, image: StoredImage) -> None:
        super().__init__()
        self.image = image
        self.prompt.default = image.prompt[:1000]

    async def on_submit(self, interaction: discord.Interaction) -> None:
        bot: AtelierBot = interaction.client
        await interaction.response.defer(thinking=True)
        status = await interaction.followup.send("⏳ Queued…", wait=True)
        work = bot.engine.rewrite(
            self.image.conversation, self.image.number, self.prompt.value, interaction.user.id, ProgressMessage(status)
        )
        await bot.run_turn(work, status, interaction.channel, guild=interaction.guild_id, action="edit")


class ImageButton(discord.ui.DynamicItem[discord.ui.Button], template=BUTTON_ID):
    def __init__(self, action: str, service_id: str) -> None:
        label, emoji, style, row = ACTIONS[action]
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, row=row, custom_id=button_id(action, service_id))
        )
        self.action = action
        self.service_id = service_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match) -> ImageButton:
        if match["action"] not in ACTIONS:
            raise TypeError(f"unknown action {match['action']!r}")
        return cls(match["action"], match["image"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: AtelierBot = interaction.client
        image = bot.store.by_service_id(self.service_id)
        if image is None:
            await interaction.response.send_message(GONE, ephemeral=True)
            return
        log.info("button", action=self.action, guild=interaction.guild_id, conversation=image.conversation)
        engine = bot.engine
        if self.action == "edit":
            await interaction.response.send_modal(EditModal(image))
            return
        if self.action == "prov":
            await interaction.response.defer(ephemeral=True, thinking=True)
            try:
                embed = await provenance_embed(bot, image)
            except TurnError as error:
                await interaction.followup.send(str(error), ephemeral=True)
                return
            await interaction.followup.send(embed=embed, ephemeral=True)
            return
        if self.action == "undo":
            try:
                result = engine.undo(image.conversation, image.number)
            except TurnError as error:
                await interaction.response.send_message(str(error), ephemeral=True)
                return
            jump = jump_url(interaction.channel, result.current.message_id)
            await interaction.response.send_message(moved_text(result, jump))
            return
        await interaction.response.defer(thinking=True)
        status = await interaction.followup.send("⏳ Queued…", wait=True)
        action = {"var": engine.variations, "reroll": engine.reroll, "up": engine.upscale}[self.action]
        work = action(image.conversation, image.number, interaction.user.id, ProgressMessage(status))
        await bot.run_turn(work, status, interaction.channel, guild=interaction.guild_id, action=self.action)


async def setup(bot: AtelierBot) -> None:
    bot.add_dynamic_items(ImageButton)
