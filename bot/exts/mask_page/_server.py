"""The mask page: a small web page where a member paints over the part of an image to change, from a one-time
link the Region button gave them; the edit then runs in the conversation's thread like any other turn."""

from __future__ import annotations

import asyncio
import hashlib
import html
import io
import json
import string
import time
from pathlib import Path
from typing import TYPE_CHECKING

import discord
import numpy as np
from aiohttp import web
from discord.ext import commands
from PIL import Image, UnidentifiedImageError

from atelier.logs import get_logger
from bot.conversation.engine import TurnError
from bot.conversation.regions import PaintedArea
from bot.exts.imagine._render import ProgressMessage
from bot.exts.imagine._turns import answering
from bot.i18n import N_, _, language_of, use_locale
from bot.mask_links import USED, LinkRefused, MaskLink, sign, verify
from bot.service_client import ServiceRejected, ServiceUnavailable
from bot.storage import StoredImage

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.mask_page")

PAGE = string.Template((Path(__file__).with_name("page.html")).read_text(encoding="utf-8"))
SECRET_NAME = "mask-links"
# A mask is a small PNG; anything much larger is not one.
MAX_MASK_BYTES = 4 * 1024 * 1024
MAX_INSTRUCTION = 300
SENT = N_("Sent: the edit runs in the thread.")
PAINT_FIRST = N_("Paint over the part of the picture to change first.")
SAY_WHAT = N_("Say what to change there, e.g. make it night, add a moon.")


class MaskPage(commands.Cog):
    """Serves the page at ``[bot] web_host:web_port`` while the bot runs, when ``[bot] public_url`` is set."""

    def __init__(self, bot: AtelierBot) -> None:
        self.bot = bot
        self.settings = bot.config.bot
        self._runner: web.AppRunner | None = None
        self._turns: set[asyncio.Task] = set()

    @property
    def enabled(self) -> bool:
        return bool(self.settings.public_url)

    async def cog_load(self) -> None:
        if not self.enabled:
            return
        app = web.Application(client_max_size=MAX_MASK_BYTES + 64 * 1024)
        app.add_routes(
            [
                web.get("/mask/{token}", self.page),
                web.get("/mask/{token}/image", self.image),
                web.post("/mask/{token}", self.submit),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.settings.web_host, self.settings.web_port).start()
        log.info("mask_page.serving", host=self.settings.web_host, port=self.settings.web_port)

    async def cog_unload(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---------------------------------------------------------------- links

    def link_for(self, image: StoredImage, user_id: int, locale: str) -> str | None:
        """A one-time link to paint on ``image``, for that member only; None when the page is off or the
        conversation has no thread to answer in."""
        conversation = self.bot.store.conversation(image.conversation)
        if not self.enabled or conversation is None or conversation["surface"] != "discord":
            return None
        expires = time.time() + 60 * self.settings.mask_link_minutes
        link = MaskLink.new(image.conversation, image.number, user_id, expires, locale)
        return f"{self.settings.public_url.rstrip('/')}/mask/{sign(link, self._secret())}"

    def _secret(self) -> bytes:
        return self.bot.store.secret(SECRET_NAME)

    def _link(self, request: web.Request) -> tuple[MaskLink, StoredImage]:
        """The request's link and its image, or a web error the page shows in the member's language."""
        try:
            link = verify(request.match_info["token"], self._secret(), time.time())
        except LinkRefused as refusal:
            use_locale(request.headers.get("Accept-Language", "en").split(",")[0])
            raise _refused(410, _(str(refusal))) from None
        use_locale(link.locale)
        if self.bot.store.link_used(link.nonce):
            raise _refused(410, _(USED))
        image = self.bot.store.image(link.conversation, link.number)
        if image is None:
            raise _refused(410, _("This image no longer exists."))
        return link, image

    # ---------------------------------------------------------------- routes

    async def page(self, request: web.Request) -> web.Response:
        try:
            link, image = self._link(request)
        except web.HTTPException as refusal:
            message = json.loads(refusal.text)["message"]
            return web.Response(text=_plain_page(message), content_type="text/html", status=refusal.status)
        texts = {
            "paint_first": _(PAINT_FIRST),
            "say_what": _(SAY_WHAT),
            "sending": _("Sending…"),
            "unreachable": _("The bot could not be reached: try again."),
        }
        body = PAGE.substitute(
            lang=html.escape(language_of(link.locale)),
            title=html.escape(_("Paint over the part of #{number} to change", number=image.number)),
            heading=html.escape(_("Paint over the part of #{number} to change", number=image.number)),
            width=image.width,
            height=image.height,
            image_url=html.escape(f"{request.path}/image"),
            brush=html.escape(_("Brush")),
            eraser=html.escape(_("Eraser")),
            size=html.escape(_("Size")),
            undo=html.escape(_("Undo")),
            clear=html.escape(_("Clear")),
            placeholder=html.escape(_("What should change there? e.g. make it night")),
            send=html.escape(_("Send")),
            # Inside a <script>: "</" must not end it early.
            texts=json.dumps(texts, ensure_ascii=False).replace("</", "<\\/"),
        )
        return web.Response(text=body, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def image(self, request: web.Request) -> web.Response:
        _, image = self._link(request)
        try:
            if image.service_id is not None:
                data = await self.bot.engine.client.image(image.service_id)
            else:
                data = await asyncio.to_thread(Path(image.upload_path).read_bytes)
        except (ServiceUnavailable, ServiceRejected, OSError):
            raise _refused(503, _("The picture could not be loaded: try again in a minute.")) from None
        content_type = "image/png" if image.service_id is not None else image.upload_type
        return web.Response(body=data, content_type=content_type, headers={"Cache-Control": "no-store"})

    async def submit(self, request: web.Request) -> web.Response:
        link, image = self._link(request)
        mask, instruction = await _form(request)
        area = await asyncio.to_thread(self._keep_mask, mask, image)
        if not self.bot.store.use_link(link.nonce):
            raise _refused(410, _(USED))
        conversation = self.bot.store.conversation(link.conversation)
        log.info(
            "mask_page.submitted",
            guild=conversation["guild_id"],
            conversation=link.conversation,
            image=link.number,
            user=link.user_id,
        )
        task = asyncio.create_task(self._edit(conversation, link, area, instruction), name="mask-edit")
        self._turns.add(task)
        task.add_done_callback(self._turns.discard)
        return web.json_response({"message": _(SENT)})

    def _keep_mask(self, data: bytes, image: StoredImage) -> PaintedArea:
        """The painted mask, checked and saved beside the uploads, at the picture's size."""
        try:
            with Image.open(io.BytesIO(data)) as picture:
                if picture.width * picture.height > 4 * image.width * image.height + 4096:
                    raise _refused(400, _("The mask is larger than the picture."))
                mask = picture.convert("L").resize((image.width, image.height), Image.Resampling.NEAREST)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            raise _refused(400, _("The mask is not a PNG picture.")) from None
        binary = Image.fromarray(np.where(np.asarray(mask) >= 128, 255, 0).astype(np.uint8), "L")
        if not np.asarray(binary).any():
            raise _refused(400, _(PAINT_FIRST))
        buffer = io.BytesIO()
        binary.save(buffer, format="PNG")
        path = self.bot.engine.uploads_dir / f"mask-{hashlib.sha256(buffer.getvalue()).hexdigest()}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())
        return PaintedArea(str(path))

    async def _edit(self, conversation: dict, link: MaskLink, area: PaintedArea, instruction: str) -> None:
        """Run the painted edit in the conversation's thread, as the member who was given the link."""
        use_locale(link.locale)
        imagine = self.bot.get_cog("Imagine")
        try:
            thread = self.bot.get_channel(int(conversation["id"])) or await self.bot.fetch_channel(
                int(conversation["id"])
            )
            status = await thread.send(_("⏳ Queued…"))
        except discord.HTTPException:
            log.warning("mask_page.thread_unreachable", conversation=link.conversation)
            return
        try:
            caller = await imagine.caller(conversation["guild_id"], discord.Object(link.user_id), thread)
        except TurnError as error:
            await status.edit(content=f"⚠️ {error}")
            return
        work = self.bot.engine.edit_region(
            link.conversation,
            link.number,
            area,
            instruction,
            link.user_id,
            ProgressMessage(status),
            answering(caller, thread, status),
        )
        await imagine.run_turn(work, status, thread, guild=conversation["guild_id"], action="mask")


async def _form(request: web.Request) -> tuple[bytes, str]:
    """The mask PNG and the instruction of a submitted page."""
    if request.content_type != "multipart/form-data":
        raise _refused(415, _("Send the page's form."))
    mask, instruction = None, None
    reader = await request.multipart()
    async for part in reader:
        if part.name == "mask":
            mask = await part.read(decode=False)
            if len(mask) > MAX_MASK_BYTES:
                raise _refused(400, _("The mask is larger than the picture."))
        elif part.name == "instruction":
            instruction = (await part.text()).strip()
    if mask is None:
        raise _refused(400, _(PAINT_FIRST))
    if not instruction:
        raise _refused(400, _(SAY_WHAT))
    if len(instruction) > MAX_INSTRUCTION:
        raise _refused(400, _("Keep the instruction under {limit} characters.", limit=MAX_INSTRUCTION))
    return mask, instruction


def _refused(status: int, message: str) -> web.HTTPException:
    """A JSON error the page shows as written."""
    kinds = {
        400: web.HTTPBadRequest,
        410: web.HTTPGone,
        415: web.HTTPUnsupportedMediaType,
        503: web.HTTPServiceUnavailable,
    }
    return kinds[status](text=json.dumps({"message": message}), content_type="application/json")


def _plain_page(message: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, '
        f'initial-scale=1"><title>Atelier</title></head><body><p>{html.escape(message)}</p></body></html>'
    )
