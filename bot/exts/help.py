"""/help: what Atelier does, how to talk to an image (examples run through the real understanding, so the
help never says something the bot wouldn't do), and the member's own limits and usage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.conversation.engine import shown_region
from bot.conversation.prompt import PromptState
from bot.conversation.understanding import Edit, NewImage, Outpaint, SelectImage, Undo, understand
from bot.exts.studio._text import left_text, limits_text
from bot.i18n import _
from bot.studio.studio import NotAllowed
from bot.studio.tiers import shown_tier

if TYPE_CHECKING:
    from bot.app import AtelierBot

EXAMPLE_PROMPT = "a cottage in a forest"
EXAMPLES = (
    "make it night",
    "add a red umbrella",
    "remove the chimney",
    "in watercolour",
    "replace the cottage with a lighthouse",
    "more colourful",
    "plus de couleurs",
    "ajoute un chat",
    "#1 at sunset",
    "make only the sky purple",
    "zoom out 2x",
    "make it 16:9",
    "undo",
    "new: a castle in the clouds",
)


def example_line(text: str) -> str:
    """What the bot does with ``text`` said to an image of ``EXAMPLE_PROMPT``, as the understanding reads it."""
    state = PromptState.start(EXAMPLE_PROMPT)
    intent = understand(text, state)
    if isinstance(intent, Edit):
        negative = intent.negative_prompt
        line = f"`{text}` → {intent.prompt}" + (" " + _("(without: {negative})", negative=negative) if negative else "")
        return line + (" " + _("(only there: {region})", region=shown_region(intent.region)) if intent.region else "")
    if isinstance(intent, Outpaint):
        return _("`{text}` → more picture around it, the image itself kept as it is", text=text)
    if isinstance(intent, SelectImage):
        if intent.then:
            return _("`{text}` → back to image #{number}, then edit it", text=text, number=intent.number)
        return _("`{text}` → back to image #{number}", text=text, number=intent.number)
    if isinstance(intent, Undo):
        return _("`{text}` → back to the image before", text=text)
    if isinstance(intent, NewImage):
        return _("`{text}` → a new image: {prompt}", text=text, prompt=intent.prompt or EXAMPLE_PROMPT)
    return f"`{text}`"


class Help(commands.Cog):
    def __init__(self, bot: AtelierBot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What Atelier does, how to talk to your images, your limits")
    async def help(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(
            title="Atelier",
            colour=discord.Colour.blurple(),
            description=_(
                "Draw with `/imagine`, then keep talking to the image in its thread: every message edits the "
                "last image instead of starting over. English and French both work. Reply to an image to edit "
                "that one; attach a picture to start from it. The buttons under each image make variations, "
                "re-roll, edit the prompt, repaint a region, upscale, zoom out or pan, undo, and show its content "
                "credential (C2PA)."
            ),
        )
        embed.add_field(
            name=_("Talking to an image of “{prompt}”", prompt=EXAMPLE_PROMPT),
            value="\n".join(example_line(text) for text in EXAMPLES)[:1024],
            inline=False,
        )
        embed.add_field(
            name=_("Your commands"),
            value=_(
                "`/usage` what you used and what is left · `/queue` your waiting images · "
                "`/settings` your defaults (shape, count, quality, style, private results) · "
                "`/provenance show` where an image came from · `/provenance tree` the story of a thread"
            ),
            inline=False,
        )
        self._add_limits(embed, interaction)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    def _add_limits(self, embed: discord.Embed, interaction: discord.Interaction) -> None:
        member = interaction.user
        if interaction.guild_id is None or not isinstance(member, discord.Member):
            return
        studio = self.bot.studio
        try:
            caller = studio.caller(interaction.guild_id, member.id, {role.id for role in member.roles}, None)
        except NotAllowed as refusal:
            embed.add_field(name=_("On this server"), value=str(refusal), inline=False)
            return
        left = left_text(studio.allowance(caller), studio.today(caller))
        embed.add_field(
            name=_("Your tier: {tier}", tier=shown_tier(caller.tier)),
            value=limits_text(caller.limits) + "\n" + _("Left today: {left}", left=left),
            inline=False,
        )


async def setup(bot: AtelierBot) -> None:
    await bot.add_cog(Help(bot))
