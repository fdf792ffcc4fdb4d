"""The conversation engine: turns in, numbered images out. Shared by the Discord bot and the console.

It decides what each turn means (with ``understanding``), keeps the conversation's images and their prompt
state in the store, and asks the generation service for pictures over HTTP. Front ends only render results
and pass ``TurnError`` messages on to the user.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import io
import secrets
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import imagehash
from PIL import Image, UnidentifiedImageError

from atelier.config import BotConfig
from atelier.logs import get_logger
from bot.conversation.prompt import PromptState
from bot.conversation.regions import Area, ThingArea, region_from_json
from bot.conversation.understanding import (
    MAX_ZOOM,
    REGION_STRENGTH,
    STRENGTH,
    Chat,
    Edit,
    EditKind,
    NewImage,
    Outpaint,
    SelectImage,
    Unclear,
    Undo,
    clean,
    edit_for,
    understand,
)
from bot.i18n import N_, _
from bot.service_client import GenerationClient, JobStatus, Progress, ServiceRejected, ServiceUnavailable
from bot.storage import BotStore, StoredImage
from bot.studio.styles import Style, style_named_in
from bot.studio.tiers import Caller, Fitted, Request, shown_tier

log = get_logger("bot.conversation")

UPLOAD_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg", "WEBP": "image/webp"}
MAX_SEED = 2**32 - 1
VARIATION_STRENGTH = 0.55
REWRITE_STRENGTH = 0.6
UPSCALE_STRENGTH = 0.3
FIRST_EDIT_STRENGTH = 0.6
# Each kind of edit as a member reads it in "Edit (add) of #2".
EDIT_KINDS = {
    EditKind.MOOD: N_("mood"),
    EditKind.LIGHTING: N_("lighting"),
    EditKind.WEATHER: N_("weather"),
    EditKind.COLOUR: N_("colour"),
    EditKind.STYLE: N_("style"),
    EditKind.ADD: N_("add"),
    EditKind.REMOVE: N_("remove"),
    EditKind.REPLACE: N_("replace"),
    EditKind.DETAIL: N_("detail"),
    EditKind.RECOLOUR: N_("recolour"),
}

# The regions of ``regions.REGIONS`` and of the grid as a member reads them.
REGION_NAMES = {
    "left half": N_("left half"),
    "right half": N_("right half"),
    "top half": N_("top half"),
    "bottom half": N_("bottom half"),
    "left third": N_("left third"),
    "right third": N_("right third"),
    "top third": N_("top third"),
    "bottom third": N_("bottom third"),
    "top left": N_("top left"),
    "top centre": N_("top centre"),
    "top right": N_("top right"),
    "middle left": N_("middle left"),
    "centre": N_("centre"),
    "middle right": N_("middle right"),
    "bottom left": N_("bottom left"),
    "bottom centre": N_("bottom centre"),
    "bottom right": N_("bottom right"),
    "border": N_("border"),
    "painted area": N_("painted area"),
}


SIDES = {"left": N_("on the left"), "right": N_("on the right"), "top": N_("at the top"), "bottom": N_("at the bottom")}
# New area is drawn from noise: the parent itself is kept exactly, whatever the strength.
OUTPAINT_STRENGTH = 1.0


def margins(outpaint: Outpaint, width: int, height: int) -> tuple[int, int, int, int]:
    """Pixels to add (left, top, right, bottom) to a ``width`` x ``height`` picture; sides stay multiples of 8."""
    if outpaint.side is not None:
        across, down = _multiple_of_8(width / 2), _multiple_of_8(height / 2)
        return {
            "left": (across, 0, 0, 0),
            "right": (0, 0, across, 0),
            "top": (0, down, 0, 0),
            "bottom": (0, 0, 0, down),
        }[outpaint.side]
    if outpaint.zoom is not None:
        grown = (_multiple_of_8(width * outpaint.zoom), _multiple_of_8(height * outpaint.zoom))
    else:
        across, down = outpaint.ratio
        if width * down < height * across:
            grown = (_multiple_of_8(height * across / down), height)
        else:
            grown = (width, _multiple_of_8(width * down / across))
    extra_x, extra_y = grown[0] - width, grown[1] - height
    return extra_x // 2, extra_y // 2, extra_x - extra_x // 2, extra_y - extra_y // 2


def _multiple_of_8(value: float) -> int:
    return max(8, round(value / 8) * 8)


def shown_region(region: Area) -> str:
    """The region's parts in the member's language ("top left + centre"), without saying whether it is inverted."""
    if isinstance(region, ThingArea):
        return region.thing
    named = region.inverted() if region.outside else region
    return " + ".join(_(REGION_NAMES[part]) for part in named.name.split(" + "))


def where(understood: str, region: Area) -> str:
    """What was understood, and the part of the picture it is limited to."""
    if region.outside:
        return _("{edit}, everywhere but the {region}", edit=understood, region=shown_region(region))
    return _("{edit}, only the {region}", edit=understood, region=shown_region(region))


class TurnError(Exception):
    """Something the user must hear about in one short line (the details go to the log)."""


@dataclass(frozen=True)
class Upload:
    data: bytes
    filename: str = "image"


@dataclass(frozen=True)
class Made:
    image: StoredImage
    png: bytes
    # From the image check: "post", "spoiler" or "hold" (not shown at all).
    outcome: str = "post"


@dataclass(frozen=True)
class TurnResult:
    understood: str
    current: StoredImage
    made: tuple[Made, ...] = ()
    elapsed_ms: int = 0
    # Lines the member should read beside the result (a request reduced to fit their tier).
    notes: tuple[str, ...] = ()
    # The recorded request behind the images, to be marked posted once they are shown.
    request: str | None = None
    # A turn no rule read (its words as written): the member chooses with ``settle`` under the turn's id.
    unclear: str | None = None
    turn: int | None = None

    @property
    def prompt(self) -> str:
        return self.current.prompt


@dataclass(frozen=True)
class _Run:
    """One request to the service on behalf of a conversation."""

    kind: str
    state: PromptState
    parent: StoredImage | None = None
    strength: float | None = None
    seed: int | None = None
    count: int = 1
    width: int | None = None
    height: int | None = None
    steps: int | None = None
    guidance: float | None = None
    scale: int | None = None
    # An edit limited to this part of the parent (the rest is kept exactly).
    region: Area | None = None
    # Pixels (left, top, right, bottom) added around the parent, drawn anew while the parent is kept exactly.
    extend: tuple[int, int, int, int] | None = None
    # The service's model for it, by name (None: the service's default).
    model: str | None = None
    # An edit by instruction: these words go to the service's instruction-edit model as they are.
    instruction: str | None = None

    def to_json(self) -> dict:
        return {
            **{name: getattr(self, name) for name in _RUN_VALUES},
            "state": self.state.to_json(),
            "parent": self.parent.number if self.parent is not None else None,
            "region": self.region.to_json() if self.region is not None else None,
            "extend": list(self.extend) if self.extend is not None else None,
            **{name: getattr(self, name) for name in _LATER_RUN_VALUES},
        }

    @classmethod
    def from_json(cls, data: dict, image: Callable[[int], StoredImage | None]) -> _Run:
        parent = image(data["parent"]) if data["parent"] is not None else None
        if data["parent"] is not None and parent is None:
            raise TurnError(_("#{number} is gone: this edit can't be finished.", number=data["parent"]))
        return cls(
            **{name: data[name] for name in _RUN_VALUES},
            state=PromptState.from_json(data["state"]),
            parent=parent,
            region=region_from_json(data["region"]) if data.get("region") else None,
            extend=tuple(data["extend"]) if data.get("extend") else None,
            **{name: data.get(name) for name in _LATER_RUN_VALUES},
        )


_RUN_VALUES = ("kind", "strength", "seed", "count", "width", "height", "steps", "guidance", "scale")
# Added by later releases: a request recorded before them has none.
_LATER_RUN_VALUES = ("model", "instruction")


def _one_at_a_time(method):
    """Run a turn under its conversation's lock (the conversation is the first argument)."""

    @functools.wraps(method)
    async def serialised(self, conversation: str, *args, **kwargs):
        async with self.turn_lock(conversation):
            return await method(self, conversation, *args, **kwargs)

    return serialised


def perceptual_hash(png: bytes) -> str:
    with Image.open(io.BytesIO(png)) as picture:
        return str(imagehash.phash(picture))


def new_seed() -> int:
    return secrets.randbelow(MAX_SEED - 8)


class Gate(Protocol):
    """Moderation: the prompt and negative prompt allowed to be sent, or a ``TurnError`` saying why not."""

    def check(self, *, conversation: str, user_id: int | None, prompt: str, negative: str = ""): ...

    async def screen(self, *, conversation: str, user_id: int | None, number: int, png: bytes) -> str: ...


class Studio(Protocol):
    """A server's limits, queue and accounting around each job of one of its members."""

    def fit(self, caller: Caller, request: Request, model: str | None = None) -> Fitted: ...

    def slot(
        self, caller: Caller, *, label: str, conversation: str, on_position=None
    ) -> AbstractAsyncContextManager: ...

    def charge(self, caller: Caller, conversation: str, status: JobStatus) -> None: ...

    def styles(self, guild_id: int) -> dict[str, Style]: ...


class Conversations:
    def __init__(
        self,
        store: BotStore,
        client: GenerationClient,
        settings: BotConfig,
        uploads_dir: Path,
        gate: Gate,
        studio: Studio | None = None,
    ) -> None:
        self.store = store
        self.client = client
        self.settings = settings
        self.uploads_dir = uploads_dir
        self.gate = gate
        self.studio = studio
        self._locks: dict[str, asyncio.Lock] = {}
        # Whether the service has an instruction-edit model, once asked.
        self._instructs: bool | None = None

    def turn_lock(self, conversation: str) -> asyncio.Lock:
        """Turns of one conversation run one after the other, in the order they were posted."""
        return self._locks.setdefault(conversation, asyncio.Lock())

    # ---------------------------------------------------------------- entry points

    @_one_at_a_time
    async def imagine(
        self,
        conversation: str,
        author_id: int | None,
        prompt: str,
        *,
        negative: str = "",
        width: int | None = None,
        height: int | None = None,
        seed: int | None = None,
        count: int = 1,
        steps: int | None = None,
        guidance: float | None = None,
        upload: Upload | None = None,
        model: str | None = None,
        style: Style | None = None,
        progress: Progress | None = None,
        caller: Caller | None = None,
    ) -> TurnResult:
        """``/imagine``: a new image from a prompt, or from an attached picture when there is one. ``model``: the
        service's model this conversation draws with from now on (None: the service's default); ``style``: one of
        the server's named styles, whose steps and guidance apply unless given."""
        state = PromptState.start(prompt, negative)
        if style is not None:
            state = state.with_style(style.suffix, style.negative, style.loras)
            steps = style.steps if steps is None else steps
            guidance = style.guidance if guidance is None else guidance
        # Kept even if this first image fails, so that "add a clay pot" still edits this prompt.
        self.store.set_opening_state(conversation, state)
        if model is not None:
            self.store.set_conversation_model(conversation, model)
        options = {"seed": seed, "count": count, "steps": steps, "guidance": guidance}
        if upload is not None:
            start = await self._register_upload(conversation, author_id, upload, state)
            run = _Run(kind="edit", state=state, parent=start, strength=FIRST_EDIT_STRENGTH, **options)
            understood = _("New image from your picture (#{number})", number=start.number)
        else:
            run = _Run(kind="generate", state=state, width=width, height=height, **options)
            understood = _("New image")
        result = await self._run(conversation, author_id, run, understood, progress, caller)
        self.store.add_turn(conversation, author_id, prompt, understood, [made.image.number for made in result.made])
        return result

    @_one_at_a_time
    async def say(
        self,
        conversation: str,
        author_id: int | None,
        text: str,
        *,
        reply_to: int | None = None,
        upload: Upload | None = None,
        upload_message: tuple[int, int | None] | None = None,
        progress: Progress | None = None,
        caller: Caller | None = None,
    ) -> TurnResult:
        """A plain message in the conversation: an edit, a new image, or a move to another image.
        ``upload_message`` (message and attachment ids) lets a later reply to the upload branch from it."""
        base = self._image(conversation, reply_to) if reply_to is not None else self.store.current(conversation)
        original = await self._original_of(conversation, upload) if upload is not None else None
        if original is not None:
            # A copy of an Atelier image: edits start from its signed original, not from the copy.
            base = original
            self.store.set_current(conversation, base.number)
            if not text.strip():
                result = TurnResult(
                    understood=_(
                        "That's a copy of #{number}: the next edit starts from its original", number=base.number
                    ),
                    current=base,
                )
                self.store.add_turn(conversation, author_id, "", result.understood, [base.number])
                return result
        elif upload is not None:
            # An upload keeps the conversation's prompt; a first one starts from an empty subject.
            state = base.state if base is not None else PromptState.start("")
            base = await self._register_upload(conversation, author_id, upload, state)
            if upload_message is not None:
                self.store.attach_message(conversation, base.number, *upload_message)
            if not text.strip():
                result = TurnResult(
                    understood=_("Your picture is #{number}: the next edit starts from it", number=base.number),
                    current=base,
                )
                self.store.add_turn(conversation, author_id, "", result.understood, [base.number])
                return result
        result = await self._turn(conversation, author_id, text, base, progress, caller)
        numbers = [made.image.number for made in result.made] or ([result.current.number] if result.unclear else [])
        # An unclear turn keeps the words ``settle`` will use: the member's, without "please" and the like.
        turn = self.store.add_turn(conversation, author_id, result.unclear or text, result.understood, numbers)
        return replace(result, turn=turn) if result.unclear else result

    @_one_at_a_time
    async def settle(
        self, conversation: str, turn: int, choice: str, author_id: int | None, progress=None, caller=None
    ) -> TurnResult:
        """What to do with an unclear turn: ``"add"`` its words to the prompt of the image it was said to, as
        written, or draw them as a ``"new"`` image."""
        recorded = self.store.turn(turn)
        if recorded is None or recorded["conversation"] != conversation or not recorded["images"]:
            raise TurnError(_("That choice is no longer available: say it again."))
        image = self._image(conversation, recorded["images"][0])
        text = recorded["text"].strip()
        if choice == "add":
            state = image.state.with_detail(text)
            run = _Run(kind="edit", state=state, parent=image, strength=STRENGTH[EditKind.DETAIL], seed=image.seed)
            understood = _("Edit ({kind}) of #{number}", kind=_(EDIT_KINDS[EditKind.DETAIL]), number=image.number)
        elif choice == "new":
            run = _Run(kind="generate", state=PromptState.start(text), width=image.width, height=image.height)
            understood = _("New image")
        else:
            raise ValueError(f"unknown choice {choice!r}")
        result = await self._run(conversation, author_id, run, understood, progress, caller)
        self.store.add_turn(conversation, author_id, text, understood, [made.image.number for made in result.made])
        return result

    @_one_at_a_time
    async def variations(
        self, conversation: str, number: int, author_id: int | None, progress=None, caller: Caller | None = None
    ) -> TurnResult:
        image = self._image(conversation, number)
        run = _Run(
            kind="edit",
            state=image.state,
            parent=image,
            strength=VARIATION_STRENGTH,
            seed=new_seed(),
            count=self.settings.variations,
        )
        understood = _("Variations of #{number}", number=number)
        return await self._run(conversation, author_id, run, understood, progress, caller)

    @_one_at_a_time
    async def reroll(
        self, conversation: str, number: int, author_id: int | None, progress=None, caller: Caller | None = None
    ) -> TurnResult:
        """Make image ``number`` again the way it was made, with a new seed."""
        image = self._image(conversation, number)
        if image.kind == "upload":
            raise TurnError(_("#{number} is your own picture: there is nothing to re-roll.", number=number))
        parent = self._image(conversation, image.parent) if image.parent is not None else None
        if parent is None or image.kind == "generate":
            run = _Run(kind="generate", state=image.state, seed=new_seed(), width=image.width, height=image.height)
        elif image.kind == "instruct":
            run = _Run(
                kind="instruct", state=image.state, parent=parent, seed=new_seed(), instruction=image.sent_prompt
            )
        else:
            run = _Run(kind="edit", state=image.state, parent=parent, strength=image.strength, seed=new_seed())
        understood = _("Re-roll of #{number}", number=number)
        return await self._run(conversation, author_id, run, understood, progress, caller)

    @_one_at_a_time
    async def rewrite(
        self,
        conversation: str,
        number: int,
        prompt: str,
        author_id: int | None,
        progress=None,
        caller: Caller | None = None,
    ) -> TurnResult:
        """The Edit modal: a rewritten prompt applied to image ``number``, keeping its composition."""
        image = self._image(conversation, number)
        state = PromptState.start(prompt, image.state.negative_prompt())
        run = _Run(kind="edit", state=state, parent=image, strength=REWRITE_STRENGTH, seed=image.seed)
        understood = _("Rewritten prompt on #{number}", number=number)
        result = await self._run(conversation, author_id, run, understood, progress, caller)
        self.store.add_turn(conversation, author_id, prompt, result.understood, [m.image.number for m in result.made])
        return result

    @_one_at_a_time
    async def edit_region(
        self,
        conversation: str,
        number: int,
        region: Area,
        instruction: str,
        author_id: int | None,
        progress=None,
        caller: Caller | None = None,
    ) -> TurnResult:
        """The Region button: ``instruction`` applied to image ``number`` inside ``region`` only."""
        image = self._image(conversation, number)
        cleaned = clean(instruction)
        if not cleaned:
            raise TurnError(_("Tell me what to change there, e.g. `make it night` or `add a moon`."))
        intent = edit_for(cleaned, image.state)
        run = _Run(
            kind="edit", state=intent.state, parent=image, strength=REGION_STRENGTH, seed=image.seed, region=region
        )
        understood = where(_("Edit ({kind}) of #{number}", kind=_(EDIT_KINDS[intent.kind]), number=number), region)
        result = await self._run(conversation, author_id, run, understood, progress, caller)
        self.store.add_turn(conversation, author_id, instruction, understood, [m.image.number for m in result.made])
        return result

    @_one_at_a_time
    async def outpaint(
        self,
        conversation: str,
        number: int,
        outpaint: Outpaint,
        author_id: int | None,
        progress=None,
        caller: Caller | None = None,
    ) -> TurnResult:
        """The Zoom out and pan buttons: more picture around image ``number``."""
        return await self._outpaint(
            conversation, author_id, self._image(conversation, number), outpaint, progress, caller
        )

    async def _outpaint(
        self, conversation: str, author_id: int | None, image: StoredImage, outpaint: Outpaint, progress, caller
    ) -> TurnResult:
        if outpaint.zoom is not None and not 1 < outpaint.zoom <= MAX_ZOOM:
            raise TurnError(_("Zoom out by more than 1x and at most {most}x, e.g. `zoom out 2x`.", most=MAX_ZOOM))
        # The service edits an upload at sides rounded down to multiples of 8: the margins are counted on those.
        extend = margins(outpaint, image.width // 8 * 8, image.height // 8 * 8)
        if not any(extend):
            across, down = outpaint.ratio
            raise TurnError(_("#{number} is already {ratio}.", number=image.number, ratio=f"{across}:{down}"))
        if outpaint.zoom is not None:
            understood = _("Zoom out {factor}x of #{number}", factor=f"{outpaint.zoom:g}", number=image.number)
        elif outpaint.side is not None:
            side = _(SIDES[outpaint.side])
            understood = _("More of #{number} {side}", number=image.number, side=side)
        else:
            across, down = outpaint.ratio
            understood = _("#{number} reframed to {ratio}", number=image.number, ratio=f"{across}:{down}")
        run = _Run(
            kind="edit",
            state=image.state,
            parent=image,
            strength=OUTPAINT_STRENGTH,
            seed=image.seed,
            extend=extend,
        )
        return await self._run(conversation, author_id, run, understood, progress, caller)

    @_one_at_a_time
    async def upscale(
        self, conversation: str, number: int, author_id: int | None, progress=None, caller: Caller | None = None
    ) -> TurnResult:
        image = self._image(conversation, number)
        run = _Run(kind="edit", state=image.state, parent=image, strength=UPSCALE_STRENGTH, seed=image.seed, scale=2)
        understood = _("Upscale of #{number} (2x)", number=number)
        return await self._run(conversation, author_id, run, understood, progress, caller)

    def undo(self, conversation: str, number: int | None = None) -> TurnResult:
        """Go back to the image before ``number`` (the current one by default)."""
        image = self._image(conversation, number) if number is not None else self.store.current(conversation)
        if image is None:
            raise TurnError(_("There is nothing to undo yet."))
        previous = image.parent if image.parent is not None else image.number - 1
        target = self.store.image(conversation, previous) if previous >= 1 else None
        if target is None:
            raise TurnError(_("#{number} is the first image: there is nothing before it.", number=image.number))
        self.store.set_current(conversation, target.number)
        return TurnResult(understood=_back_to(target.number), current=target)

    def image(self, conversation: str, number: int) -> StoredImage:
        return self._image(conversation, number)

    # ---------------------------------------------------------------- turns

    async def _turn(
        self,
        conversation: str,
        author_id: int | None,
        text: str,
        base: StoredImage | None,
        progress,
        caller: Caller | None = None,
    ) -> TurnResult:
        state = base.state if base is not None else self.store.opening_state(conversation)
        style = self._named_style(conversation, text)
        if style is not None and base is not None:
            run = _Run(
                kind="edit",
                state=state.with_style(style.suffix, style.negative, style.loras),
                parent=base,
                strength=STRENGTH[EditKind.STYLE],
                seed=base.seed,
                steps=style.steps,
                guidance=style.guidance,
            )
            understood = _("Style {style} on #{number}", style=style.name, number=base.number)
            return await self._run(conversation, author_id, run, understood, progress, caller)
        intent = understand(text, state)
        if isinstance(intent, Chat):
            raise TurnError(_("Tell me what to change (e.g. `make it night`), or start again with `new: …`."))
        if isinstance(intent, NewImage):
            prompt = intent.prompt or self._first_prompt(conversation)
            if not prompt:
                raise TurnError(_("Tell me what to draw, e.g. `a lighthouse at dusk`."))
            size = {"width": base.width, "height": base.height} if base is not None else {}
            run = _Run(kind="generate", state=PromptState.start(prompt), **size)
            return await self._run(conversation, author_id, run, _("New image"), progress, caller)
        if isinstance(intent, Undo):
            return self.undo(conversation, base.number if base is not None else None)
        if isinstance(intent, Unclear):
            if base is None:  # the first image failed: its prompt is drawn again with these words
                state = self.store.opening_state(conversation).with_detail(intent.text)
                return await self._run(
                    conversation, author_id, _Run(kind="generate", state=state), _("New image"), progress, caller
                )
            if await self._instructs_edits():
                run = _Run(kind="instruct", state=base.state, parent=base, seed=base.seed, instruction=intent.text)
                understood = _("Edit by instruction of #{number}: “{text}”", number=base.number, text=intent.text)
                return await self._run(conversation, author_id, run, understood, progress, caller)
            understood = _(
                "I can't read “{text}” as an edit of #{number}: add it to the prompt as written, or draw it as a new "
                "image?",
                text=intent.text,
                number=base.number,
            )
            return TurnResult(understood=understood, current=base, unclear=intent.text)
        if isinstance(intent, Outpaint):
            if base is None:
                raise TurnError(_("There is no image to zoom out of yet: describe one first."))
            return await self._outpaint(conversation, author_id, base, intent, progress, caller)
        if isinstance(intent, SelectImage):
            target = self._image(conversation, intent.number)
            if intent.then is None:
                self.store.set_current(conversation, target.number)
                return TurnResult(understood=_back_to(target.number), current=target)
            return await self._turn(conversation, author_id, intent.then, target, progress, caller)
        assert isinstance(intent, Edit)
        if base is None:  # the first image failed: the edited prompt is drawn anew
            run = _Run(kind="generate", state=intent.state)
            understood = _("New image ({kind})", kind=_(EDIT_KINDS[intent.kind]))
            return await self._run(conversation, author_id, run, understood, progress, caller)
        run = _Run(
            kind="edit", state=intent.state, parent=base, strength=intent.strength, seed=base.seed, region=intent.region
        )
        understood = _("Edit ({kind}) of #{number}", kind=_(EDIT_KINDS[intent.kind]), number=base.number)
        if intent.region is not None:
            understood = where(understood, intent.region)
        return await self._run(conversation, author_id, run, understood, progress, caller)

    def _named_style(self, conversation: str, text: str) -> Style | None:
        """The server's named style a turn asks for ("en style néon"), if it names one."""
        row = self.store.conversation(conversation)
        if self.studio is None or row is None or row["guild_id"] is None:
            return None
        return style_named_in(clean(text), self.studio.styles(row["guild_id"]))

    async def _instructs_edits(self) -> bool:
        """Whether the service has an instruction-edit model for the turns no rule reads (asked once)."""
        if self._instructs is None:
            try:
                offered = await self.client.models()
            except (ServiceUnavailable, ServiceRejected):
                return False  # asked again next time
            self._instructs = any(model.kind == "instruct" for model in offered.models)
        return self._instructs

    def _first_prompt(self, conversation: str) -> str | None:
        first = self.store.image(conversation, 1)
        return first.state.subject if first is not None else None

    def _image(self, conversation: str, number: int) -> StoredImage:
        image = self.store.image(conversation, number)
        if image is None:
            count = self.store.count(conversation)
            if count == 0:
                have = _("it has none yet")
            elif count == 1:
                have = _("it has 1 image")
            else:
                have = _("it has {count} images", count=count)
            raise TurnError(_("There is no image #{number} in this conversation ({have}).", number=number, have=have))
        return image

    # ---------------------------------------------------------------- uploads

    async def _original_of(self, conversation: str, upload: Upload) -> StoredImage | None:
        """The Atelier image an upload is a copy of (the service's resolver: watermark, perceptual hash, local
        features), as an image of this conversation: the image itself, or, for one of another thread of the same
        server, a new number here standing for the same signed original. None for anything else, or when the
        service can't tell now (the upload is then a picture of its own)."""
        try:
            mime, _width, _height = await asyncio.to_thread(_inspect_upload, upload.data)
            found = await self.client.matches(upload.data, mime)
        except (TurnError, ServiceUnavailable, ServiceRejected) as exc:
            log.info("conversation.copy_unresolved", conversation=conversation, reason=str(exc))
            return None
        row = self.store.conversation(conversation)
        for match in found:
            image = self.store.by_service_id(match.image_id)
            if image is None or not self.store.belongs_to(image.conversation, row["guild_id"] if row else None):
                continue
            log.info("conversation.copy_resolved", conversation=conversation, image=match.image_id, signal=match.signal)
            if image.conversation == conversation:
                return image
            copy = replace(
                image,
                conversation=conversation,
                number=self.store.next_number(conversation),
                parent=None,
                message_id=None,
                attachment_id=None,
                action=_("Copy of an image of another thread"),
            )
            self.store.add_image(copy)
            return copy
        return None

    async def _register_upload(
        self, conversation: str, author_id: int | None, upload: Upload, state: PromptState
    ) -> StoredImage:
        if len(upload.data) > self.settings.max_attachment_bytes:
            limit = self.settings.max_attachment_bytes // (1024 * 1024)
            raise TurnError(_("That image is too large: the limit is {limit} MB.", limit=limit))
        mime, width, height = await asyncio.to_thread(_inspect_upload, upload.data)
        digest = hashlib.sha256(upload.data).hexdigest()
        path = self.uploads_dir / f"{digest}.{mime.split('/')[1]}"
        if not path.exists():
            await asyncio.to_thread(_write, path, upload.data)
        image = StoredImage(
            conversation=conversation,
            number=self.store.next_number(conversation),
            kind="upload",
            state=state,
            seed=None,
            width=width,
            height=height,
            upload_path=str(path),
            upload_type=mime,
            author_id=author_id,
            action=_("A member's picture"),
        )
        self.store.add_image(image)
        self.store.set_current(conversation, image.number)
        log.info("conversation.upload", conversation=conversation, image=image.number, bytes=len(upload.data))
        return image

    # ---------------------------------------------------------------- running jobs

    async def _run(
        self,
        conversation: str,
        author_id: int | None,
        run: _Run,
        understood: str,
        progress: Progress | None,
        caller: Caller | None = None,
    ) -> TurnResult:
        started = time.perf_counter()
        # A conversation keeps its model: every edit is drawn by the model that drew what it edits.
        run = replace(run, model=self.store.conversation_model(conversation))
        run, notes = self._fit(run, caller)
        cleared = self.gate.check(
            conversation=conversation,
            user_id=author_id,
            prompt=run.instruction or run.state.compose(),
            negative=run.state.negative_prompt(),
        )
        # Recorded before anything is sent: a bot stopped from here on finishes the job when it starts again,
        # and the idempotency key makes sending it twice give the same job.
        request = {
            "key": uuid.uuid4().hex,
            "conversation": conversation,
            "author_id": author_id,
            "understood": understood,
            "run": run.to_json(),
            "cleared": {
                "prompt": cleared.prompt,
                "negative": cleared.negative,
                "rewritten": cleared.rewritten,
                "approval": cleared.approval,
            },
            "caller": caller.to_json() if caller is not None else None,
            "notes": list(notes),
            "job": None,
        }
        self.store.begin_request(**request)
        return await self._carry_out(request, run, caller, progress, started)

    async def resume(self, request: dict, progress: Progress | None = None) -> TurnResult:
        """Finish a request a stopped bot left behind: the same job on the service (sent again under its
        idempotency key when it may never have arrived), in its member's place in the fair queue, its images
        recorded once."""
        conversation = request["conversation"]
        async with self.turn_lock(conversation):
            try:
                run = _Run.from_json(request["run"], lambda number: self.store.image(conversation, number))
            except TurnError as error:
                self.store.end_request(request["key"], "failed", str(error))
                raise
            caller = Caller.from_json(request["caller"]) if request["caller"] else None
            log.info("conversation.resuming", conversation=conversation, job=request["job"])
            return await self._carry_out(request, run, caller, progress, time.perf_counter())

    async def _carry_out(
        self, request: dict, run: _Run, caller: Caller | None, progress: Progress | None, started: float
    ) -> TurnResult:
        """Send a recorded request (or find its job again), wait for it and finish it; any failure ends the
        request failed, so a restart never runs it again. A stopped bot (cancellation) leaves it to resume."""
        key, conversation, cleared = request["key"], request["conversation"], request["cleared"]
        try:
            async with self._slot(caller, request["understood"], conversation, progress) as ticket:
                if request["job"] is None:
                    if caller is not None and self.studio is not None:
                        self.studio.check_budget(caller)  # again: other jobs may have spent it while this waited
                    status = await self._send(key, conversation, run, cleared["prompt"], cleared["negative"], progress)
                else:
                    status = await self.client.job(request["job"])
                if ticket is not None:
                    ticket.job = status.job
                status = await self.client.wait(status, progress)
            return await self._finish(request, run, status, started, caller)
        except TurnError as error:
            self.store.end_request(key, "failed", str(error))
            raise
        except (ServiceUnavailable, ServiceRejected) as exc:
            raise self._failed(key, conversation, exc) from exc
        except Exception:
            self.store.end_request(key, "failed", "unexpected error")
            raise

    def _public(self, conversation: str) -> bool:
        """Whether the conversation's server lets anyone trace its images through the service's resolver."""
        row = self.store.conversation(conversation)
        settings = self.store.guild_settings(row["guild_id"]) if row and row["guild_id"] is not None else None
        return bool(settings and settings.get("provenance") == "public")

    async def _send(
        self, request: str, conversation: str, run: _Run, prompt: str, negative: str, progress: Progress | None
    ) -> JobStatus:
        async def waiting() -> None:
            if progress is not None:
                await progress(JobStatus(job="", state="waiting_for_service"))

        params = {
            "negative_prompt": negative or None,
            "seed": run.seed,
            "count": run.count,
            "steps": run.steps,
            "guidance": run.guidance,
            "model": run.model,
            "loras": [{"name": name, "weight": weight} for name, weight in run.state.loras] or None,
            "idempotency_key": request,
            "waiting": waiting,
            # Only "true" is sent: a service of an earlier release knows no such field.
            "public": self._public(conversation) or None,
        }
        if run.kind == "generate":
            status = await self.client.generate(prompt, width=run.width, height=run.height, **params)
        elif run.kind == "instruct":
            # The instruction-edit model edits the whole picture: no model, LoRAs, strength or mask go with it.
            params = {**params, "model": None, "loras": None, "instruct": True}
            status = await self._edit(run.parent, prompt, params)
        else:
            parent = run.parent
            assert parent is not None
            params = {**params, "strength": run.strength, "scale": run.scale}
            if run.extend is not None:
                params["extend"] = dict(zip(("left", "top", "right", "bottom"), run.extend, strict=True))
            if isinstance(run.region, ThingArea):
                params["mask"] = await self._segment(parent, run.region.thing)
            elif run.region is not None:
                params["mask"] = await asyncio.to_thread(_mask_png, run.region, parent.width, parent.height)
            status = await self._edit(parent, prompt, params)
        self.store.request_sent(request, status.job)
        return status

    async def _segment(self, parent: StoredImage, thing: str) -> bytes:
        """The mask of ``thing`` in ``parent``, from the service's segmentation model."""
        try:
            if parent.service_id is not None:
                return await self.client.segment(thing, parent=parent.service_id)
            data = await asyncio.to_thread(Path(parent.upload_path).read_bytes)
            return await self.client.segment(thing, image=data)
        except ServiceRejected as exc:
            if exc.code == "not_in_picture":
                raise TurnError(
                    _(
                        "I can't find “{thing}” in #{number}: name a part instead (the left half, the top right…), "
                        "or use the Region button.",
                        thing=thing,
                        number=parent.number,
                    )
                ) from None
            if exc.field == "text" and exc.status == 400:
                raise TurnError(
                    _(
                        "Changing only “{thing}” needs a segmentation model on the image service: name a part "
                        "instead (the left half, the top right…), or use the Region button.",
                        thing=thing,
                    )
                ) from None
            raise

    async def _edit(self, parent: StoredImage, prompt: str, params: dict) -> JobStatus:
        """An edit of ``parent``: by its id at the service, or from the member's own upload."""
        if parent.service_id is not None:
            return await self.client.edit(prompt, parent=parent.service_id, **params)
        data = await asyncio.to_thread(Path(parent.upload_path).read_bytes)
        return await self.client.edit(prompt, upload=data, upload_type=parent.upload_type, **params)

    def _failed(self, request: str, conversation: str, exc: ServiceUnavailable | ServiceRejected) -> TurnError:
        """The line a member reads when the service could not make their image; the request ends failed."""
        if isinstance(exc, ServiceUnavailable):
            log.warning("conversation.service_unavailable", conversation=conversation, error=str(exc))
            error = TurnError(_("The image service isn't answering; it may be restarting: try again in a minute."))
        else:
            log.warning("conversation.refused", conversation=conversation, code=exc.code, error=exc.message)
            refusals = {
                "job_failed": N_("The image could not be made; the details are in the bot's log."),
                "job_cancelled": N_("Cancelled."),
                "job_lost": N_("The image service lost this job in a restart; send it again."),
                "queue_full": N_("The image queue is full; try again in a minute."),
            }
            if exc.code in refusals:
                error = TurnError(_(refusals[exc.code]))
            else:
                error = TurnError(_("The image service refused this: {reason}", reason=exc.message))
        self.store.end_request(request, "failed", str(error))
        return error

    async def _finish(
        self, request: dict, run: _Run, status: JobStatus, started: float, caller: Caller | None
    ) -> TurnResult:
        """Record a finished job's images (once, even when a resumed request finishes again), charge it, screen
        each picture and make the first one current."""
        key, conversation, author_id = request["key"], request["conversation"], request["author_id"]
        cleared = request["cleared"]
        # What reached the service when it differs from the prompt: a rewritten prompt, or an instruction.
        sent_prompt = cleared["prompt"] if cleared["rewritten"] or run.instruction else None
        if not status.images:
            raise TurnError(_("The image service returned no image; try again."))
        try:
            pictures = await asyncio.gather(*(self.client.image(image.id) for image in status.images))
        except (ServiceUnavailable, ServiceRejected) as exc:
            raise self._failed(key, conversation, exc) from exc
        # Charged once the member can see what they paid for (a charge is recorded once per job).
        if caller is not None and self.studio is not None:
            self.studio.charge(caller, conversation, status)
        if cleared.get("approval") is not None:
            self.store.approval_used(cleared["approval"])
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        fingerprints = await asyncio.gather(*(asyncio.to_thread(perceptual_hash, png) for png in pictures))
        made = []
        # No await from here on: numbers are taken and stored in one step, so concurrent turns never collide.
        for service_image, png, fingerprint in zip(status.images, pictures, fingerprints, strict=True):
            image = self.store.by_service_id(service_image.id)
            if image is None:
                image = StoredImage(
                    conversation=conversation,
                    number=self.store.next_number(conversation),
                    kind=run.kind if run.scale is None else "upscale",
                    state=run.state,
                    seed=service_image.seed,
                    width=service_image.width,
                    height=service_image.height,
                    service_id=service_image.id,
                    parent=run.parent.number if run.parent is not None else None,
                    strength=run.strength,
                    model=status.model,
                    phash=fingerprint,
                    sent_prompt=sent_prompt,
                    author_id=author_id,
                    elapsed_ms=elapsed_ms,
                    device_seconds=status.usage.device_seconds / len(status.images),
                    joules=status.usage.joules / len(status.images),
                    energy_estimated=status.usage.estimated,
                    action=request["understood"],
                )
                self.store.add_image(image)
            made.append(Made(image=image, png=png))
        self.store.end_request(key, "done")
        made = [
            Made(
                item.image,
                item.png,
                await self.gate.screen(
                    conversation=conversation, user_id=author_id, number=item.image.number, png=item.png
                ),
            )
            for item in made
        ]
        self.store.set_current(conversation, made[0].image.number)
        log.info(
            "conversation.turn",
            conversation=conversation,
            job=status.job,
            understood=request["understood"],
            images=[item.image.number for item in made],
            ms=elapsed_ms,
        )
        return TurnResult(
            understood=request["understood"],
            current=made[0].image,
            made=tuple(made),
            elapsed_ms=elapsed_ms,
            notes=tuple(request["notes"]),
            request=key,
        )

    def _fit(self, run: _Run, caller: Caller | None) -> tuple[_Run, tuple[str, ...]]:
        """The run within the member's tier (a budget spent raises ``TurnError``)."""
        if caller is None or self.studio is None:
            return run, ()
        width, height = run.width, run.height
        if run.parent is not None:
            # An edit is drawn at its parent's size (times the upscale, plus what is added around): it can't be
            # reduced, only refused.
            width, height = run.parent.width * (run.scale or 1), run.parent.height * (run.scale or 1)
            if run.extend is not None:
                left, top, right, bottom = run.extend
                width, height = width + left + right, height + top + bottom
            if max(width, height) > caller.limits.max_side:
                raise TurnError(
                    _(
                        "This would make a {width}x{height} image from #{number}: the {tier} tier allows up to "
                        "{side} px a side.",
                        number=run.parent.number,
                        width=width,
                        height=height,
                        tier=shown_tier(caller.tier),
                        side=caller.limits.max_side,
                    )
                )
            width = height = None
        fitted = self.studio.fit(
            caller, Request(width=width, height=height, steps=run.steps, count=run.count), run.model
        )
        request = fitted.request
        if run.parent is None:
            run = replace(run, width=request.width, height=request.height)
        return replace(run, steps=request.steps, count=request.count), fitted.notes

    def _slot(self, caller: Caller | None, label: str, conversation: str, progress: Progress | None):
        """The member's place in their server's fair queue, held while the job is at the service."""
        if caller is None or self.studio is None:
            return contextlib.nullcontext()

        async def on_position(position: int) -> None:
            if progress is not None:
                await progress(JobStatus(job="", state="queued", queue_position=position))

        return self.studio.slot(caller, label=label, conversation=conversation, on_position=on_position)


def _back_to(number: int) -> str:
    return _("Back to #{number}: the next edit starts from it", number=number)


def _inspect_upload(data: bytes) -> tuple[str, int, int]:
    try:
        with Image.open(io.BytesIO(data)) as picture:
            mime = UPLOAD_TYPES.get(picture.format or "")
            width, height = picture.size
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise TurnError(_("That attachment isn't an image I can read: send a PNG, JPEG or WebP.")) from None
    if mime is None:
        raise TurnError(_("That attachment isn't an image I can read: send a PNG, JPEG or WebP."))
    return mime, width, height


def _mask_png(region: Area, width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    region.mask(width, height).save(buffer, format="PNG")
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
