"""/provenance show, /provenance tree and the "Show provenance" message menu: the C2PA credential behind an
Atelier image, and the story of the thread it was made in.

Discord may strip metadata from the copy it serves, so the credential is always read from the signed original on
the service, found by the bot's record of the message, then by the picture itself through the service's resolver
(watermark, perceptual hash, local features), then by the perceptual hashes the bot keeps; the answer says which
found it, and how sure. The story is the thread's images as a tree (what made each one, moderation's rewrites,
its cost), drawn and written out.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import discord
import imagehash
from discord import app_commands
from discord.ext import commands
from PIL import Image, UnidentifiedImageError

from atelier.logs import get_logger
from bot.conversation.engine import TurnError, perceptual_hash
from bot.conversation.tree import tree_png, tree_text
from bot.i18n import N_, _
from bot.interactions import tell
from bot.service_client import ServiceRejected, ServiceUnavailable
from bot.storage import StoredImage

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.exts.provenance")

# Perceptual hashes this close (of 64 bits) are the same picture, re-encoded or resized.
SAME_PICTURE = 8
# An embed field holds 1,024 characters; the tree's text goes in a code block inside one.
TREE_FIELD = 1000
TREE_FILE = "tree.png"
STATE_COLOURS = {"Trusted": discord.Colour.green(), "Valid": discord.Colour.gold()}


async def provenance_embed(bot: AtelierBot, image: StoredImage) -> discord.Embed:
    if image.service_id is None:
        raise TurnError(
            _("#{number} is a member's own picture: it carries no Atelier credential.", number=image.number)
        )
    try:
        report = await bot.engine.client.provenance(image.service_id)
    except (ServiceUnavailable, ServiceRejected) as exc:
        log.warning("provenance.unavailable", image=image.service_id, error=str(exc))
        raise TurnError(_("The credential can't be read right now: the image service isn't answering.")) from None
    state = report["validation_state"]
    embed = discord.Embed(
        title=_("Content credential of #{number}", number=image.number),
        colour=STATE_COLOURS.get(state, discord.Colour.red()),
        description=_(
            "C2PA **{state}** · signer trusted by: {trusted_by}", state=state, trusted_by=report["trusted_by"]
        ),
    )
    actions = "\n".join(
        f"`{action['action']}`" + (f" · {action['softwareAgent']['name']}" if "softwareAgent" in action else "")
        for action in report["actions"]
    )
    embed.add_field(name=_("Actions"), value=actions or _("none"), inline=False)
    chain = [f"#{number}" for number in _chain_numbers(bot, image, report)]
    embed.add_field(name=_("Made from"), value=" ← ".join(chain) if chain else _("a new generation"), inline=False)
    parameters = report.get("parameters") or {}
    embed.add_field(name=_("Model"), value=str(parameters.get("model", image.model)), inline=True)
    embed.add_field(name=_("Seed"), value=str(parameters.get("seed", image.seed)), inline=True)
    public = bot.config.bot.public_service_url or bot.engine.client.base_url
    embed.add_field(name=_("Signed original"), value=f"{public.rstrip('/')}/v1/images/{image.service_id}", inline=False)
    return embed


def _chain_numbers(bot: AtelierBot, image: StoredImage, report: dict) -> list[int | str]:
    numbers: list[int | str] = []
    for entry in report["chain"]:
        found = bot.store.by_service_id(entry["image"]) if entry["image"] else None
        numbers.append(found.number if found is not None else entry["title"])
    return numbers


@dataclass(frozen=True)
class Found:
    image: StoredImage
    # How it was found: SIGNALS' keys.
    signal: str
    # 0 to 100: how sure.
    confidence: int


SIGNALS = {
    "record": N_("the bot's record of that message"),
    "watermark": N_("its invisible watermark"),
    "fingerprint": N_("its perceptual hash"),
    "features": N_("its local features (a crop or a screenshot)"),
    "template": N_("its place inside the original (a crop or a screenshot)"),
    "family": N_("its likeness to an image of the same thread"),
    "hash": N_("the perceptual hashes the bot keeps"),
}


async def find_original(
    bot: AtelierBot, message: discord.Message | None, attachment: discord.Attachment | None
) -> Found | None:
    """The Atelier image behind a message or an attachment: the bot's own record of a message it posted first,
    then the picture itself (the service's resolver: watermark, perceptual hash, local features), then the
    perceptual hashes the bot keeps. A member's upload is only answered as such when its picture is no copy of an
    Atelier image."""
    if message is not None:
        recorded = bot.store.by_message(message.id)
        attachments = message.attachments
    else:
        recorded = []
        attachments = [attachment] if attachment is not None else []
    recorded += [found for item in attachments if (found := bot.store.by_attachment(item.id)) is not None]
    signed = next((image for image in recorded if image.service_id is not None), None)
    if signed is not None:
        return Found(signed, "record", 100)
    for item in attachments:
        if item.size > bot.config.bot.max_attachment_bytes:
            continue
        try:
            data = await item.read()
        except discord.HTTPException:
            continue
        found = await _by_pixels(bot, data)
        if found is not None:
            return found
    return Found(recorded[0], "record", 100) if recorded else None


async def _by_pixels(bot: AtelierBot, data: bytes) -> Found | None:
    try:
        with Image.open(io.BytesIO(data)) as picture:
            mime = Image.MIME.get(picture.format or "")
        matches = await bot.engine.client.matches(data, mime or "application/octet-stream")
    except (UnidentifiedImageError, OSError):
        return None
    except (ServiceUnavailable, ServiceRejected) as exc:
        log.info("provenance.resolver_unavailable", error=str(exc))
        matches = []
    for match in matches:
        image = bot.store.by_service_id(match.image_id)
        if image is not None:
            return Found(image, match.signal, match.score)
    try:
        fingerprint = await asyncio.to_thread(perceptual_hash, data)
    except (UnidentifiedImageError, OSError):
        return None
    return await asyncio.to_thread(_closest, bot, fingerprint)


def _closest(bot: AtelierBot, fingerprint: str) -> Found | None:
    wanted = imagehash.hex_to_hash(fingerprint)
    best = None
    for candidate in bot.store.with_phash():
        distance = wanted - imagehash.hex_to_hash(candidate.phash)
        if distance <= SAME_PICTURE and (best is None or distance < best[0]):
            best = (distance, candidate)
    return Found(best[1], "hash", round(100 - 100 * best[0] / 64)) if best else None


class Provenance(commands.Cog):
    provenance = app_commands.Group(name="provenance", description="Where an Atelier image came from")

    def __init__(self, bot: AtelierBot) -> None:
        self.bot = bot
        self.menu = app_commands.ContextMenu(name="Show provenance", callback=self.show_provenance)
        bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    @provenance.command(name="show", description="Show the content credential of an Atelier image")
    @app_commands.describe(image="An Atelier image (a copy is fine)", number="An image number of this thread")
    async def show(
        self, interaction: discord.Interaction, image: discord.Attachment | None = None, number: int | None = None
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        found = None
        if number is not None and interaction.channel_id is not None:
            numbered = self.bot.store.image(str(interaction.channel_id), number)
            found = Found(numbered, "number", 100) if numbered is not None else None
        elif image is not None:
            found = await find_original(self.bot, None, image)
        await self._answer(interaction, found)

    @provenance.command(name="tree", description="The story of this thread's images, as a tree")
    async def tree(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        conversation = str(interaction.channel_id)
        images = self.bot.store.images(conversation)
        if not images or not self.bot.store.belongs_to(conversation, interaction.guild_id):
            await interaction.followup.send(
                _("There are no Atelier images here: use /provenance tree in a thread started with /imagine."),
                ephemeral=True,
            )
            return
        current = self.bot.store.current(conversation)
        embed = discord.Embed(title=_("The story of this thread"), colour=discord.Colour.blurple())
        embed.description = f"```\n{tree_text(images, current.number if current else None, limit=3900)}\n```"
        file = await _drawing(embed, images, current.number if current else None)
        await interaction.followup.send(embed=embed, file=file, ephemeral=True)

    async def show_provenance(self, interaction: discord.Interaction, message: discord.Message) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._answer(interaction, await find_original(self.bot, message, None))

    async def _answer(self, interaction: discord.Interaction, found: Found | None) -> None:
        if found is not None and not self.bot.store.belongs_to(found.image.conversation, interaction.guild_id):
            found = None  # another server's image: its prompt and chain are that server's business
        if found is None:
            await interaction.followup.send(
                _("No Atelier image found there: attach the image, use it on the bot's message, or give its number."),
                ephemeral=True,
            )
            return
        await send_provenance(self.bot, interaction, found.image, found)


async def _drawing(embed: discord.Embed, images: list[StoredImage], current: int | None) -> discord.File:
    """The tree drawn, shown as the embed's picture."""
    drawing = await asyncio.to_thread(tree_png, images, current)
    embed.set_image(url=f"attachment://{TREE_FILE}")
    return discord.File(io.BytesIO(drawing), filename=TREE_FILE)


async def send_provenance(
    bot: AtelierBot, interaction: discord.Interaction, image: StoredImage, found: Found | None = None
) -> None:
    """The credential of ``image`` (and, for a copy, what found it) and the story of its thread as an ephemeral
    follow-up (the interaction is deferred), or why not."""
    try:
        embed = await provenance_embed(bot, image)
    except TurnError as error:
        await interaction.followup.send(str(error), ephemeral=True)
        return
    if found is not None and found.signal in SIGNALS:
        embed.add_field(
            name=_("Found by"),
            value=_("{signal} · {confidence} % sure", signal=_(SIGNALS[found.signal]), confidence=found.confidence),
            inline=False,
        )
    images = bot.store.images(image.conversation)
    embed.add_field(
        name=_("The story of its thread"),
        value=f"```\n{tree_text(images, image.number, limit=TREE_FIELD)}\n```",
        inline=False,
    )
    file = await _drawing(embed, images, image.number)
    await interaction.followup.send(embed=embed, file=file, ephemeral=True)


class ProvenanceAdmin:
    """/atelier provenance: whether anyone may trace this server's images back to their credential."""

    bot: AtelierBot

    @app_commands.command(name="provenance", description="Who may trace this server's images to their credential")
    @app_commands.describe(
        results="public: the service's resolver answers anyone; members: only through this bot (the default)"
    )
    async def provenance_results(self, interaction: discord.Interaction, results: Literal["public", "members"]) -> None:
        self.bot.store.save_guild_settings(interaction.guild_id, provenance=results)
        if results == "public":
            done = _("✅ Images made from now on can be traced by anyone, with their credential, through the resolver.")
        else:
            done = _("✅ Images made from now on can be traced only by this server's members, through the bot.")
        await tell(interaction, done)


async def setup(bot: AtelierBot) -> None:
    await bot.add_cog(Provenance(bot))
