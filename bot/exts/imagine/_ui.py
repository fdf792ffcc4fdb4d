"""The buttons under each result (Variations, Re-roll, Edit, Region, Upscale, Undo, Provenance, Zoom out and the
pan arrows), the Edit modal, and the Region button's grid picker.

The buttons are dynamic items: their ``custom_id`` carries the action and the image id, so a button answers after
a bot restart. The grid picker is a short-lived private message. None of them holds logic: each reaches the
Imagine cog through the client.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.conversation.engine import REGION_NAMES
from bot.conversation.regions import cell_name, grid_region
from bot.conversation.understanding import Outpaint
from bot.i18n import N_, _
from bot.interactions import begin
from bot.storage import StoredImage

if TYPE_CHECKING:
    from bot.exts.imagine._cog import Imagine

BUTTON_ID = re.compile(r"atelier:(?P<action>[a-z0-9]+):(?P<image>[0-9a-f]{32})")
ACTIONS = {
    # action: (label, emoji, style, row)
    "var": (N_("Variations"), "🎲", discord.ButtonStyle.primary, 0),
    "reroll": (N_("Re-roll"), "🔁", discord.ButtonStyle.secondary, 0),
    "edit": (N_("Edit"), "✏️", discord.ButtonStyle.secondary, 0),
    "region": (N_("Region"), "🎯", discord.ButtonStyle.secondary, 0),
    "up": (N_("Upscale"), "🔍", discord.ButtonStyle.secondary, 1),
    "undo": (N_("Undo"), "↩️", discord.ButtonStyle.secondary, 1),
    "prov": (N_("Provenance"), "🛡️", discord.ButtonStyle.secondary, 1),
    "zoom15": (N_("Zoom out 1.5x"), "🔭", discord.ButtonStyle.secondary, 2),
    "zoom2": (N_("Zoom out 2x"), "🔭", discord.ButtonStyle.secondary, 2),
    "panleft": (N_("Left"), "⬅️", discord.ButtonStyle.secondary, 3),
    "panup": (N_("Up"), "⬆️", discord.ButtonStyle.secondary, 3),
    "pandown": (N_("Down"), "⬇️", discord.ButtonStyle.secondary, 3),
    "panright": (N_("Right"), "➡️", discord.ButtonStyle.secondary, 3),
}
# What the zoom and pan buttons ask for.
OUTPAINTS = {
    "zoom15": Outpaint(zoom=1.5),
    "zoom2": Outpaint(zoom=2.0),
    "panleft": Outpaint(side="left"),
    "panup": Outpaint(side="top"),
    "pandown": Outpaint(side="bottom"),
    "panright": Outpaint(side="right"),
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


# How long the grid picker waits for a choice (it is only shown to the member who pressed Region).
PICKER_SECONDS = 600
GRID_EMOJI = (("↖️", "⬆️", "↗️"), ("⬅️", "⏺️", "➡️"), ("↙️", "⬇️", "↘️"))


class RegionPicker(discord.ui.View):
    """The 3x3 grid of the picture as a select menu (the picked cells then get their instruction in a modal), and
    a one-time link to the mask page when it is served."""

    def __init__(self, image: StoredImage, paint_link: str | None = None) -> None:
        super().__init__(timeout=PICKER_SECONDS)
        self.image = image
        self.cells = discord.ui.Select(
            placeholder=_("Pick the parts of #{number} to change", number=image.number),
            min_values=1,
            max_values=9,
            options=[
                discord.SelectOption(
                    label=_(REGION_NAMES[cell_name(row, column)]), value=f"{row}{column}", emoji=GRID_EMOJI[row][column]
                )
                for row in range(3)
                for column in range(3)
            ],
        )
        self.cells.callback = self.picked
        self.add_item(self.cells)
        if paint_link is not None:
            self.add_item(discord.ui.Button(label=_("Paint it instead"), emoji="🖌️", url=paint_link))

    async def picked(self, interaction: discord.Interaction) -> None:
        begin(interaction)
        cells = {(int(value[0]), int(value[1])) for value in self.cells.values}
        await interaction.response.send_modal(RegionModal(self.image, cells))


class RegionModal(discord.ui.Modal):
    def __init__(self, image: StoredImage, cells: set[tuple[int, int]]) -> None:
        super().__init__(title=_("What should change there?"))
        self.image = image
        self.region = grid_region(cells)
        self.instruction = discord.ui.TextInput(
            label=_("Instruction"), placeholder=_("e.g. make it night, add a moon"), max_length=300
        )
        self.add_item(self.instruction)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        begin(interaction)
        await imagine_cog(interaction).edit_region(interaction, self.image, self.region, self.instruction.value)


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


UNCLEAR_ID = re.compile(r"atelier:unclear:(?P<choice>add|new):(?P<turn>[0-9]+)")
UNCLEAR_CHOICES = {
    # choice: (label, emoji)
    "add": (N_("Add to the prompt"), "📝"),
    "new": (N_("Use as a new prompt"), "🆕"),
}


class UnclearChoice(discord.ui.DynamicItem[discord.ui.Button], template=UNCLEAR_ID):
    """What to do with a turn no rule could read; its id carries the turn, so it answers after a restart."""

    def __init__(self, choice: str, turn: int) -> None:
        label, emoji = UNCLEAR_CHOICES[choice]
        super().__init__(
            discord.ui.Button(
                label=_(label),
                emoji=emoji,
                style=discord.ButtonStyle.secondary,
                custom_id=f"atelier:unclear:{choice}:{turn}",
            )
        )
        self.choice = choice
        self.turn = turn

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button, match) -> UnclearChoice:
        return cls(match["choice"], int(match["turn"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        begin(interaction)
        await imagine_cog(interaction).settle(interaction, self.choice, self.turn)


def unclear_view(turn: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for choice in UNCLEAR_CHOICES:
        view.add_item(UnclearChoice(choice, turn))
    return view


def image_view(service_id: str) -> discord.ui.View:
    """The buttons under a result; their ids carry the image id, so they keep working after a restart."""
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(ImageButton(action, service_id))
    return view
