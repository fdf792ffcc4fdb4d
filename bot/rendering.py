"""How conversation results look in Discord: message text, files, buttons and live progress."""

from __future__ import annotations

import contextlib
import io
import re
import time

import discord

from bot.conversation.engine import Made, TurnResult
from bot.costs import cost_text
from bot.service_client import JobStatus
from bot.storage import StoredImage

PROGRESS_EVERY = 1.5
BUTTON_ID = re.compile(r"atelier:(?P<action>[a-z]+):(?P<image>[0-9a-f]{32})")
ACTIONS = {
    # action: (label, emoji, style, row)
    "var": ("Variations", "🎲", discord.ButtonStyle.primary, 0),
    "reroll": ("Re-roll", "🔁", discord.ButtonStyle.secondary, 0),
    "edit": ("Edit", "✏️", discord.ButtonStyle.secondary, 0),
    "up": ("Upscale", "🔍", discord.ButtonStyle.secondary, 1),
    "undo": ("Undo", "↩️", discord.ButtonStyle.secondary, 1),
    "prov": ("Provenance", "🛡️", discord.ButtonStyle.secondary, 1),
}


def button_id(action: str, service_id: str) -> str:
    return f"atelier:{action}:{service_id}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def image_text(result: TurnResult, image: StoredImage) -> str:
    lines = [f"**#{image.number}** · {result.understood}", f"> {_shorten(image.prompt, 900)}"]
    negative = image.state.negative_prompt()
    if negative:
        lines.append(f"> *without:* {_shorten(negative, 300)}")
    details = [
        f"seed {image.seed}",
        f"{image.width}x{image.height}",
        str(image.model),
        f"{result.elapsed_ms / 1000:.1f} s",
    ]
    cost = cost_text(image)
    if cost:
        details.append(cost)
    lines.append("-# " + " · ".join(details))
    return "\n".join(lines)


def moved_text(result: TurnResult, jump_url: str | None) -> str:
    where = f" ({jump_url})" if jump_url else ""
    return f"↩️ {result.understood}{where}\n> {_shorten(result.current.prompt, 900)}"


HELD = "🚫 **#{number}** was held back: this server's image check found explicit content."


def image_file(made: Made) -> discord.File:
    return discord.File(
        io.BytesIO(made.png), filename=f"atelier-{made.image.number}.png", spoiler=made.outcome == "spoiler"
    )


def image_view(service_id: str) -> discord.ui.View:
    """The buttons under a result; their ids carry the image id, so they keep working after a restart."""
    from bot.exts.buttons import ImageButton

    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(ImageButton(action, service_id))
    return view


def progress_text(status: JobStatus) -> str:
    if status.state == "queued":
        position = status.queue_position
        return f"⏳ Queued{f' (position {position})' if position else ''}…"
    if status.total_steps:
        filled = round(10 * (status.step or 0) / status.total_steps)
        return f"🎨 Step {status.step}/{status.total_steps} `{'█' * filled}{'░' * (10 - filled)}`"
    return "🎨 Working…"


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


async def publish(
    result: TurnResult, first: discord.Message | discord.WebhookMessage, channel: discord.abc.Messageable
) -> list[tuple[StoredImage, discord.Message | discord.WebhookMessage]]:
    """Turn the progress message into the first result and post the others; returns where each image went."""
    posted = []
    for index, made in enumerate(result.made):
        if made.outcome == "hold":
            content, files, view = HELD.format(number=made.image.number), [], None
        else:
            content, files, view = image_text(result, made.image), [image_file(made)], image_view(made.image.service_id)
        if index == 0:
            message = await first.edit(content=content, attachments=files, view=view)
        else:
            message = await channel.send(content=content, files=files, view=view)
        if made.outcome != "hold":
            posted.append((made.image, message))
    return posted
