"""/imagine, the conversation threads (every message in an Atelier thread is a turn) and the buttons under
each result: every turn runs here and ends as an image, a move or one short line."""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from atelier.logs import get_logger
from bot.conversation.engine import TurnError, TurnResult, Upload
from bot.conversation.regions import Region
from bot.exts.imagine._appeals import AppealOutcomes
from bot.exts.imagine._recovery import Recovery
from bot.exts.imagine._render import ProgressMessage, held_text, image_file, image_text, jump_url, moved_text
from bot.exts.imagine._turns import EphemeralFollowups, answering, may_see, private_conversation, quietly
from bot.exts.imagine._ui import OUTPAINTS, EditModal, RegionPicker, image_view, unclear_view
from bot.exts.moderation import appeal_view
from bot.exts.provenance import send_provenance
from bot.i18n import N_, _, use_locale, written_in
from bot.interactions import MEMBER_LOCALES, SOMETHING_WRONG, choices, tell
from bot.models import ServerModels
from bot.moderation_gate import Refused
from bot.storage import StoredImage
from bot.studio.preferences import ASPECTS, Preferences, apply, aspect_size, owner_only
from bot.studio.styles import Style
from bot.studio.tiers import Caller

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.exts.imagine")

TURN_TYPES = (discord.MessageType.default, discord.MessageType.reply)
MENTION = re.compile(r"<@[!&]?\d+>")
PICTURE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
SIZE = re.compile(r"^\s*(\d{2,4})\s*[x\u00d7*]\s*(\d{2,4})\s*$")
ERROR_SECONDS = 60
GONE = N_("This image no longer exists: it may have been deleted, or made by another Atelier installation.")


def parse_size(text: str, default_size: tuple[int, int]) -> tuple[int, int]:
    """An aspect name (in English or as /settings names it in the member's language) or WIDTHxHEIGHT."""
    name = text.lower()
    named = {**{_(aspect).lower(): aspect for aspect in ASPECTS}, **{aspect: aspect for aspect in ASPECTS}}
    if name in named:
        return aspect_size(named[name], default_size)
    match = SIZE.match(text)
    if not match:
        raise TurnError(
            _(
                "Size {size} is neither an aspect ({aspects}) nor WIDTHxHEIGHT like 768x512.",
                size=repr(text),
                aspects=", ".join(_(aspect) for aspect in ASPECTS),
            )
        )
    return int(match.group(1)), int(match.group(2))


def thread_name(prompt: str) -> str:
    name = " ".join(prompt.split())
    return name if len(name) <= 90 else name[:89] + "…"


def is_picture(attachment: discord.Attachment) -> bool:
    if attachment.content_type:
        return attachment.content_type.startswith("image/")
    return attachment.filename.lower().endswith(PICTURE_EXTENSIONS)


def check_attachment(bot: AtelierBot, attachment: discord.Attachment) -> None:
    """Refuse from the attachment's metadata alone, before anything is downloaded."""
    limit = bot.config.bot.max_attachment_bytes
    if attachment.size > limit:
        raise TurnError(_("That image is too large: the limit is {limit} MB.", limit=limit // (1024 * 1024)))
    if not is_picture(attachment):
        raise TurnError(_("That attachment isn't an image: send a PNG, JPEG or WebP."))


async def read_attachment(bot: AtelierBot, attachment: discord.Attachment) -> Upload:
    check_attachment(bot, attachment)
    try:
        data = await attachment.read()
    except discord.HTTPException:
        raise TurnError(_("That attachment could not be downloaded from Discord; try sending it again.")) from None
    return Upload(data=data, filename=attachment.filename)


class Imagine(Recovery, AppealOutcomes, commands.Cog):
    def __init__(self, bot: AtelierBot) -> None:
        self.bot = bot
        self._resumed = False
        self._tasks: set[asyncio.Task] = set()
        # This run of the bot: requests recorded before it began are a stopped run's to finish.
        self.process = uuid.uuid4().hex
        self.started = time.time()

    async def caller(self, guild_id: int | None, member: discord.abc.User, channel) -> Caller | None:
        """The member placed in their server's tier; ``NotAllowed`` (a ``TurnError``) says why not. Roles come
        from the member as Discord sent them, else the cache, else the API (messages read from history and
        presses in DMs carry none)."""
        if guild_id is None:
            return None
        studio = self.bot.studio
        if not isinstance(channel, discord.DMChannel):
            studio.check_channel(guild_id, channel.id, getattr(channel, "parent_id", None))
        if not isinstance(member, discord.Member):
            member = await self._member(guild_id, member.id) or member
        roles = {role.id for role in getattr(member, "roles", ())}
        return studio.caller(guild_id, member.id, roles, channel.id)

    async def _member(self, guild_id: int, user_id: int) -> discord.Member | None:
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return None
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)
            except discord.HTTPException:
                return None
        return member

    def preferences(self, guild_id: int | None, user_id: int) -> Preferences:
        """The member's own settings over their server's defaults."""
        store = self.bot.studio.store
        server = store.server_defaults(guild_id).get("preferences", {}) if guild_id else {}
        return Preferences.from_json(store.member_settings(user_id)).over(Preferences.from_json(server))

    async def _private_conversation(self, interaction: discord.Interaction, private: str, prompt: str):
        """A conversation only its member sees: in ephemeral replies, or in their DMs (buttons carry it on)."""
        if private == "dm":
            try:
                channel = await interaction.user.create_dm()
                status = await channel.send(_("⏳ Queued…"))
            except discord.HTTPException:
                private = "ephemeral"  # their DMs are closed to the bot
            else:
                await interaction.followup.send(_("📬 Your image is on its way to your DMs."), ephemeral=True)
        if private == "ephemeral":
            status = await interaction.followup.send(_("⏳ Queued…"), ephemeral=True, wait=True)
            channel = EphemeralFollowups(interaction)
            conversation = f"private-{interaction.id}"
        else:
            # One conversation per /imagine, even in one DM channel: each keeps the server it came from.
            conversation = f"dm-{interaction.id}"
        self.bot.store.open_conversation(
            conversation,
            surface=f"discord-{private}",
            title=prompt,
            guild_id=interaction.guild_id,
            channel_id=interaction.channel_id,
            owner_id=interaction.user.id,
        )
        return conversation, channel, status

    def _is_conversation(self, channel: discord.abc.Messageable) -> bool:
        # Threads the bot opened are conversations, cached by discord.py or not (an archived thread isn't).
        return self.bot.store.conversation(str(channel.id)) is not None

    @app_commands.command(name="imagine", description="Draw an image, then keep talking to it in its thread")
    @app_commands.describe(
        prompt="What to draw",
        negative="What to keep out of the picture",
        size="An aspect (square, portrait, landscape, wide, tall) or WIDTHxHEIGHT",
        seed="Seed, to reproduce an image",
        count="How many images (1-4)",
        steps="Denoising steps",
        guidance="How closely to follow the prompt",
        image="A picture to start from",
        model="Which model draws it and its edits (those this server offers)",
        style="One of this server's named styles (/atelier style)",
    )
    @app_commands.guild_only()
    async def imagine(
        self,
        interaction: discord.Interaction,
        prompt: app_commands.Range[str, 1, 1000],
        negative: str | None = None,
        size: str | None = None,
        seed: app_commands.Range[int, 0, 4294967295] | None = None,
        count: app_commands.Range[int, 1, 4] | None = None,
        steps: app_commands.Range[int, 1, 150] | None = None,
        guidance: app_commands.Range[float, 0.0, 30.0] | None = None,
        image: discord.Attachment | None = None,
        model: str | None = None,
        style: str | None = None,
    ) -> None:
        channel = interaction.channel
        try:
            if not self._is_conversation(channel) and not isinstance(channel, discord.TextChannel):
                raise TurnError(_("Use /imagine in a text channel (or in one of my conversation threads)."))
            caller = await self.caller(interaction.guild_id, interaction.user, channel)
            preferences = self.preferences(interaction.guild_id, interaction.user.id)
            await self.bot.catalog.ensure(self.bot.engine.client)
            named = self._style(interaction.guild_id, style)
            model = self._model(interaction.guild_id, channel, model or (named.model if named else None))
            defaults = self.bot.catalog.defaults(model)
            draw = apply(
                preferences,
                prompt=prompt,
                negative=negative or "",
                size=parse_size(size, (defaults.width, defaults.height)) if size else None,
                steps=steps,
                count=count,
                default_size=(defaults.width, defaults.height),
                default_steps=defaults.steps,
            )
            if image is not None:
                check_attachment(self.bot, image)
            # Refuse before opening a thread for a prompt the server's rules don't allow.
            self.bot.gate.check(
                conversation=None,
                guild_id=interaction.guild_id,
                nsfw=channel.is_nsfw() if hasattr(channel, "is_nsfw") else False,
                user_id=interaction.user.id,
                prompt=draw.prompt,
                negative=draw.negative,
                early=True,
            )
        except Refused as refusal:
            await tell(interaction, str(refusal), appeal_view(refusal.case))
            return
        except TurnError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        in_thread = self._is_conversation(channel)
        private = None if in_thread else preferences.private if preferences.private != "off" else None
        # Discord wants an answer within 3 s: defer before downloading or generating anything.
        await interaction.response.defer(thinking=True, ephemeral=private is not None)
        try:
            upload = await read_attachment(self.bot, image) if image else None
        except TurnError as error:
            await interaction.followup.send(f"⚠️ {error}", ephemeral=private is not None)
            return
        if in_thread:
            where = channel
            status = await interaction.followup.send(_("⏳ Queued…"), wait=True)
        elif private is not None:
            conversation, where, status = await self._private_conversation(interaction, private, draw.prompt)
        else:
            opening = await interaction.followup.send(
                _("🎨 **{title}**: the conversation continues in the thread", title=thread_name(prompt)), wait=True
            )
            # A follow-up message carries no guild info: create the thread from the channel.
            thread = await channel.create_thread(
                name=thread_name(prompt),
                message=opening,
                auto_archive_duration=self.bot.config.bot.thread_archive_minutes,
            )
            self.bot.store.open_conversation(
                str(thread.id),
                surface="discord",
                title=prompt,
                guild_id=interaction.guild_id,
                channel_id=channel.id,
                owner_id=interaction.user.id,
                nsfw=channel.is_nsfw(),
            )
            status = await thread.send(_("⏳ Queued…"))
            where = thread
        if private is None:
            conversation = str(where.id)
        log.info("imagine", guild=interaction.guild_id, conversation=conversation, user=interaction.user.id)
        work = self.bot.engine.imagine(
            conversation,
            interaction.user.id,
            draw.prompt,
            negative=draw.negative,
            width=draw.width,
            height=draw.height,
            seed=seed,
            count=draw.count,
            steps=draw.steps,
            guidance=guidance,
            upload=upload,
            model=model,
            style=named,
            progress=ProgressMessage(status),
            caller=answering(caller, where, status, private),
        )
        await self.run_turn(work, status, where, guild=interaction.guild_id, conversation=conversation)

    @imagine.autocomplete("model")
    async def model_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        await self.bot.catalog.ensure(self.bot.engine.client)
        return choices(self.bot.catalog.allowed(self.server_models(interaction.guild_id)), current)

    @imagine.autocomplete("style")
    async def style_choices(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        styles = self.bot.studio.styles(interaction.guild_id) if interaction.guild_id else {}
        return choices([style.name for style in styles.values()], current)

    def _style(self, guild_id: int | None, name: str | None) -> Style | None:
        if name is None:
            return None
        styles = self.bot.studio.styles(guild_id) if guild_id else {}
        style = styles.get(name.lower())
        if style is None:
            named = ", ".join(f"`{each.name}`" for each in styles.values()) or _("none yet")
            raise TurnError(_("This server has no style called {name}: its styles are {styles}.", name=name,
                              styles=named))  # fmt: skip
        return style

    def server_models(self, guild_id: int | None) -> ServerModels:
        saved = self.bot.studio.store.server_defaults(guild_id).get("models", {}) if guild_id else {}
        return ServerModels.from_json(saved)

    def _model(self, guild_id: int | None, channel, requested: str | None) -> str | None:
        """The model a /imagine draws with: in a conversation, the one it started with; else the one asked for
        if the server offers it, else the server's default."""
        if self._is_conversation(channel):
            kept = self.bot.store.conversation_model(str(channel.id))
            if requested is not None and requested != (kept or self.bot.catalog.default_name):
                raise TurnError(
                    _(
                        "This conversation draws with {model}: use /imagine in a channel to start one with {other}.",
                        model=kept or self.bot.catalog.default_name,
                        other=requested,
                    )
                )
            return kept
        return self.bot.catalog.choose(requested, self.server_models(guild_id))

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.type not in TURN_TYPES or not self._is_conversation(message.channel):
            return
        conversation = str(message.channel.id)
        store = self.bot.store
        claim = store.claim_message(conversation, message.id, self.process)
        if claim is None:
            return  # answered already, or being answered (read again after a reconnect)
        text = MENTION.sub("", message.content).strip()
        guild_locale = message.guild.preferred_locale if message.guild else None
        use_locale(written_in(text) or MEMBER_LOCALES.get(message.author.id) or guild_locale)
        reply_to = None
        if message.reference is not None and message.reference.message_id is not None:
            referenced = store.by_message(message.reference.message_id)
            if referenced:
                reply_to = referenced[0].number
        pictures = [item for item in message.attachments if is_picture(item)]
        try:
            caller = await self.caller(message.guild.id if message.guild else None, message.author, message.channel)
            upload = await read_attachment(self.bot, pictures[0]) if pictures else None
            if upload is None and message.attachments:
                raise TurnError(_("That attachment isn't an image: send a PNG, JPEG or WebP."))
        except TurnError as error:
            await quietly(message.reply(f"⚠️ {error}", delete_after=ERROR_SECONDS, mention_author=False))
            store.message_answered(message.id)
            return
        if not text and upload is None:
            store.message_answered(message.id)
            return
        if claim["status_id"] is not None:  # an earlier run of the bot showed progress there
            status = message.channel.get_partial_message(claim["status_id"])
        else:
            status = await message.reply(_("⏳ Queued…"), mention_author=False)
            store.message_status(message.id, status.id)
        work = self.bot.engine.say(
            conversation,
            message.author.id,
            text,
            reply_to=reply_to,
            upload=upload,
            upload_message=(message.id, pictures[0].id) if pictures else None,
            progress=ProgressMessage(status),
            caller=answering(caller, message.channel, status),
        )
        await self.run_turn(
            work, status, message.channel, guild=message.guild.id if message.guild else None, conversation=conversation
        )
        store.message_answered(message.id)

    # ---------------------------------------------------------------- buttons and the Edit modal

    async def press(self, interaction: discord.Interaction, action: str, service_id: str) -> None:
        store = self.bot.store
        image = store.by_service_id(service_id)
        conversation = store.conversation(image.conversation) if image is not None else None
        if conversation is None or not may_see(conversation, interaction):
            await interaction.response.send_message(_(GONE), ephemeral=True)
            return
        guild_id = conversation["guild_id"]
        log.info("button", action=action, guild=guild_id, conversation=image.conversation)
        owner = image.author_id if image.author_id is not None else conversation["owner_id"]
        locked = owner_only(self.bot.studio.store.server_defaults(guild_id).get("buttons", {})) if guild_id else ()
        if ("zoom" if action in OUTPAINTS else action) in locked and interaction.user.id != owner:
            await tell(
                interaction,
                _("Only <@{owner}>, who made #{number}, can use this button here.", owner=owner, number=image.number),
            )
            return
        engine = self.bot.engine
        if action == "edit":
            await interaction.response.send_modal(EditModal(image))
            return
        if action == "region":
            page = self.bot.get_cog("MaskPage")
            link = page.link_for(image, interaction.user.id, str(interaction.locale)) if page else None
            text = _("Pick one or more parts of the picture, then say what to change there.")
            if link is not None:
                text += " " + _("Or paint over it on a page (the link works once, for you).")
            await interaction.response.send_message(text, view=RegionPicker(image, link), ephemeral=True)
            return
        if action == "prov":
            await interaction.response.defer(ephemeral=True, thinking=True)
            await send_provenance(self.bot, interaction, image)
            return
        if action == "undo":
            try:
                result = engine.undo(image.conversation, image.number)
            except TurnError as error:
                await interaction.response.send_message(str(error), ephemeral=True)
                return
            jump = jump_url(interaction.channel, result.current.message_id)
            await interaction.response.send_message(
                moved_text(result, jump), ephemeral=private_conversation(conversation)
            )
            return
        if action in OUTPAINTS:

            def start(progress, caller):
                return engine.outpaint(
                    image.conversation, image.number, OUTPAINTS[action], interaction.user.id, progress, caller
                )

        else:
            run = {"var": engine.variations, "reroll": engine.reroll, "up": engine.upscale}[action]

            def start(progress, caller):
                return run(image.conversation, image.number, interaction.user.id, progress, caller)

        await self._interaction_turn(interaction, conversation, action, start)

    async def _answer_here(self, interaction: discord.Interaction, conversation: dict):
        """The progress message of a button's turn, and where its further images go: in the channel, or only
        for the member when the conversation is private."""
        private = private_conversation(conversation)
        await interaction.response.defer(thinking=True, ephemeral=private)
        status = await interaction.followup.send(_("⏳ Queued…"), wait=True, ephemeral=private)
        return status, EphemeralFollowups(interaction) if private else interaction.channel

    async def rewrite(self, interaction: discord.Interaction, image: StoredImage, prompt: str) -> None:
        conversation = self.bot.store.conversation(image.conversation)
        await self._interaction_turn(
            interaction,
            conversation,
            "edit",
            lambda progress, caller: self.bot.engine.rewrite(
                image.conversation, image.number, prompt, interaction.user.id, progress, caller
            ),
        )

    async def edit_region(
        self, interaction: discord.Interaction, image: StoredImage, region: Region, instruction: str
    ) -> None:
        conversation = self.bot.store.conversation(image.conversation)
        await self._interaction_turn(
            interaction,
            conversation,
            "region",
            lambda progress, caller: self.bot.engine.edit_region(
                image.conversation, image.number, region, instruction, interaction.user.id, progress, caller
            ),
        )

    async def settle(self, interaction: discord.Interaction, choice: str, turn_id: int) -> None:
        """A member's answer to a turn the bot could not read: add its words to the prompt, or draw them anew."""
        store = self.bot.store
        turn = store.turn(turn_id)
        conversation = store.conversation(turn["conversation"]) if turn is not None else None
        if conversation is None or not may_see(conversation, interaction):
            await interaction.response.send_message(
                _("That choice is no longer available: say it again."), ephemeral=True
            )
            return
        if turn["author_id"] is not None and interaction.user.id != turn["author_id"]:
            await tell(interaction, _("Only <@{author}>, who wrote it, can choose.", author=turn["author_id"]))
            return
        await self._interaction_turn(
            interaction,
            conversation,
            f"unclear-{choice}",
            lambda progress, caller: self.bot.engine.settle(
                turn["conversation"], turn_id, choice, interaction.user.id, progress, caller
            ),
        )

    async def _interaction_turn(self, interaction: discord.Interaction, conversation: dict, action: str, start) -> None:
        """A turn a modal or a button starts: the member's limits, a progress message, then the turn and its result.
        ``start(progress, caller)`` gives the engine's coroutine."""
        try:
            caller = await self.caller(conversation["guild_id"], interaction.user, interaction.channel)
        except TurnError as error:
            await tell(interaction, str(error))
            return
        status, where = await self._answer_here(interaction, conversation)
        caller = answering(caller, where, status, conversation["surface"].removeprefix("discord-"))
        work = start(ProgressMessage(status), caller)
        await self.run_turn(work, status, where, guild=conversation["guild_id"], action=action)

    # ---------------------------------------------------------------- results

    async def run_turn(self, work, status: discord.Message | discord.WebhookMessage, channel, **context) -> None:
        """Await a turn and show its result in ``status``; every failure ends as one short line there."""
        # A bot shutting down stops its turns; their requests are recorded, and the next start finishes them.
        turn = asyncio.current_task()
        self._tasks.add(turn)
        try:
            await self._run_turn(work, status, channel, **context)
        finally:
            self._tasks.discard(turn)

    async def _run_turn(self, work, status: discord.Message | discord.WebhookMessage, channel, **context) -> None:
        try:
            result = await work
        except Refused as refusal:
            await quietly(status.edit(content=str(refusal), view=appeal_view(refusal.case)))
            return
        except TurnError as error:
            await quietly(status.edit(content=f"⚠️ {error}"))
            return
        except Exception:
            log.error("turn.failed", exc_info=True, **context)
            await quietly(status.edit(content=_(SOMETHING_WRONG)))
            return
        try:
            if result.made:
                await self.deliver(result, status, channel)
            elif result.unclear:
                await status.edit(content=f"🤔 {result.understood}", view=unclear_view(result.turn))
            else:
                await status.edit(content=moved_text(result, jump_url(channel, result.current.message_id)))
        except discord.HTTPException:
            log.error("turn.undeliverable", exc_info=True, **context)
            return
        if result.request is not None:
            self.bot.store.end_request(result.request, "posted")

    async def deliver(
        self, result: TurnResult, first: discord.Message | discord.WebhookMessage, channel: discord.abc.Messageable
    ) -> None:
        """Turn the progress message into the first result, post the others, and remember which message and
        attachment hold each image. When the progress message can't be edited any more (an interaction token
        expires after 15 minutes; a message may be deleted), the result is posted anew, mentioning its member."""
        for index, made in enumerate(result.made):
            if made.outcome == "hold":
                content, files, view = held_text(made.image.number), [], None
            else:
                content, files = image_text(result, made.image), [image_file(made)]
                view = image_view(made.image.service_id)
            message = None
            if index == 0:
                try:
                    message = await first.edit(content=content, attachments=files, view=view)
                except discord.HTTPException as error:
                    if error.status not in (401, 403, 404):
                        raise
                    log.info("turn.reposted", status=error.status, conversation=made.image.conversation)
                    author = made.image.author_id
                    content = f"<@{author}> {content}" if author else content
                    files = [image_file(made)] if files else []  # the first attempt consumed the file
            if message is None:
                message = await channel.send(content=content, files=files, view=view)
            if made.outcome != "hold":
                attachment = message.attachments[0].id if message.attachments else None
                self.bot.store.attach_message(made.image.conversation, made.image.number, message.id, attachment)
