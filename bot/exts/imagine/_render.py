"""How conversation results look in Discord: message text, files and live progress. Pure: no cog, no bot."""

from __future__ import annotations

import contextlib
import io
import time

import discord

from bot.conversation.engine import Made, TurnResult
from bot.costs import cost_text
from bot.i18n import _
from bot.service_client import JobStatus
from bot.storage import StoredImage

PROGRESS_EVERY = 1.5


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def jump_url(channel, message_id: int | None) -> str | None:
    guild = getattr(channel, "guild", None)
    if message_id is None or guild is None:
        return None
    return f"https://discord.com/channels/{guild.id}/{channel.id}/{message_id}"


def held_text(number: int) -> str:
    return _("🚫 **#{number}** was held back: this server's image check found explicit content.", number=number)


def image_text(result: TurnResult, image: StoredImage) -> str:
    lines = [f"**#{image.number}** · {result.understood}", f"> {shorten(image.prompt, 900)}"]
    negative = image.state.negative_prompt()
    if negative:
        lines.append("> " + _("*without:* {negative}", negative=shorten(negative, 300)))
    details = [
        _("seed {seed}", seed=image.seed),
        f"{image.width}x{image.height}",
        str(image.model),
        f"{result.elapsed_ms / 1000:.1f} s",
    ]
    cost = cost_text(image)
    if cost:
        details.append(cost)
    lines.append("-# " + " · ".join(details))
    lines.extend(f"-# ⚖️ {note}" for note in result.notes)
    return "\n".join(lines)


def moved_text(result: TurnResult, jump: str | None) -> str:
    where = f" ({jump})" if jump else ""
    return f"↩️ {result.understood}{where}\n> {shorten(result.current.prompt, 900)}"


def image_file(made: Made) -> discord.File:
    return discord.File(
        io.BytesIO(made.png), filename=f"atelier-{made.image.number}.png", spoiler=made.outcome == "spoiler"
    )


def progress_text(status: JobStatus) -> str:
    if status.state == "waiting_for_service":
        return _("⏳ Waiting for the image service (it may be restarting)…")
    if status.state == "queued":
        position = status.queue_position
        return _("⏳ Queued (position {position})…", position=position) if position else _("⏳ Queued…")
    if status.total_steps:
        filled = round(10 * (status.step or 0) / status.total_steps)
        bar = "█" * filled + "░" * (10 - filled)
        return _("🎨 Step {step}/{total} `{bar}`", step=status.step, total=status.total_steps, bar=bar)
    return _("🎨 Working…")


class ProgressMessage:
    """Edits one message as a job moves through the queue, at most every ``PROGRESS_EVERY`` seconds."""

    def __init__(self, message: discord.Message | discord.WebhookMessage) -> None:
        self.message = message
        self._last = 0.0

    async def __call__(self, status: JobStatus) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY and status.state != "queued":
            return
        self._last = now
        with contextlib.suppress(discord.HTTPException):
            await self.message.edit(content=progress_text(status))
