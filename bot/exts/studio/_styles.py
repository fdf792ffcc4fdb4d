"""/atelier style: a server's named styles (a prompt suffix, a negative prompt, steps, guidance, a model, a LoRA),
offered in /imagine style: and by name in a thread ("en style néon"). A mixin: ``bot.exts.atelier`` assembles it
into the /atelier group."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from atelier.logs import get_logger
from bot.conversation.engine import TurnError
from bot.i18n import _
from bot.interactions import choices, tell
from bot.studio.styles import STYLE_NAME, Style

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.exts.studio")

MAX_STYLES = 25


class StylesAdmin:
    bot: AtelierBot
    style = app_commands.Group(name="style", description="The server's named styles, for /imagine and threads")

    @style.command(name="add", description="Add or change a named style")
    @app_commands.describe(
        name="One word members type: /imagine style:NAME, or “en style NAME” in a thread",
        suffix="Added to the prompt, e.g. “neon lights, synthwave”",
        negative="Kept out of the picture",
        steps="Denoising steps (unset: the model's)",
        guidance="How closely to follow the prompt (unset: the model's)",
        model="The model new conversations in this style draw with",
        loras="LoRAs of the service, with their weight (-2 to 2): “glow:0.8, film-grain”",
    )
    async def style_add(
        self,
        interaction: discord.Interaction,
        name: app_commands.Range[str, 1, 32],
        suffix: app_commands.Range[str, 1, 200],
        negative: app_commands.Range[str, 0, 300] = "",
        steps: app_commands.Range[int, 1, 150] | None = None,
        guidance: app_commands.Range[float, 0.0, 30.0] | None = None,
        model: str | None = None,
        loras: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        catalog = self.bot.catalog
        store = self.bot.studio.store
        await catalog.refresh(self.bot.engine.client)
        try:
            if not STYLE_NAME.fullmatch(name):
                raise TurnError(_("A style's name is one word of letters, digits, '-' or '_' (up to 32)."))
            styles = store.styles(interaction.guild_id)
            if name.lower() not in styles and len(styles) >= MAX_STYLES:
                raise TurnError(_("A server has at most {count} styles: remove one first.", count=MAX_STYLES))
            style = Style(
                name=name,
                suffix=suffix.strip(),
                negative=negative.strip(),
                steps=steps,
                guidance=guidance,
                model=catalog.known(model) if model else None,
                loras=tuple((catalog.known_lora(name), weight) for name, weight in parse_loras(loras or "")),
            )
        except TurnError as error:
            await tell(interaction, str(error))
            return
        store.save_style(interaction.guild_id, style)
        log.info("style.saved", guild=interaction.guild_id, style=name)
        await tell(interaction, _("✅ Style **{name}** saved:", name=name) + "\n" + style_text(style))

    @style.command(name="remove", description="Remove a named style")
    async def style_remove(self, interaction: discord.Interaction, name: str) -> None:
        if self.bot.studio.store.remove_style(interaction.guild_id, name):
            await tell(interaction, _("✅ Style **{name}** removed.", name=name))
        else:
            await tell(interaction, _("There is no style called {name}.", name=name))

    @style.command(name="list", description="The server's named styles")
    async def style_list(self, interaction: discord.Interaction) -> None:
        styles = self.bot.studio.store.styles(interaction.guild_id)
        if not styles:
            await tell(interaction, _("No styles yet: add one with /atelier style add."))
            return
        await tell(interaction, "\n\n".join(f"**{s.name}**\n{style_text(s)}" for s in styles.values())[:1900])

    @style_add.autocomplete("model")
    async def style_models(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return choices(list(self.bot.catalog.models), current)

    @style_add.autocomplete("loras")
    async def style_loras(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The LoRA being typed, after those already written."""
        await self.bot.catalog.ensure(self.bot.engine.client)
        written, _, typing = current.rpartition(",")
        before = f"{written}, " if written else ""
        return [
            app_commands.Choice(name=before + choice.value, value=before + choice.value)
            for choice in choices(list(self.bot.catalog.loras), typing.strip())
        ]

    @style_remove.autocomplete("name")
    async def style_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        styles = self.bot.studio.store.styles(interaction.guild_id)
        return choices([style.name for style in styles.values()], current)


def parse_loras(text: str) -> list[tuple[str, float]]:
    """ "glow:0.8, film-grain" as (name, weight) pairs, 1.0 where no weight is given; ``TurnError`` when malformed."""
    pairs = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        name, colon, weight = item.partition(":")
        try:
            value = float(weight) if colon else 1.0
        except ValueError:
            value = None
        if value is None or not -2.0 <= value <= 2.0:
            raise TurnError(_("A LoRA's weight is a number from -2 to 2, as in “glow:0.8” (got “{item}”).", item=item))
        pairs.append((name.strip(), value))
    return pairs


def style_text(style: Style) -> str:
    lines = [_("Adds: {suffix}", suffix=style.suffix)]
    if style.negative:
        lines.append(_("Without: {negative}", negative=style.negative))
    if style.steps is not None:
        lines.append(_("Steps: {steps}", steps=style.steps))
    if style.guidance is not None:
        lines.append(_("Guidance: {guidance}", guidance=style.guidance))
    if style.model:
        lines.append(_("Model: `{model}`", model=style.model))
    for name, weight in style.loras:
        lines.append(_("LoRA: `{lora}` at {weight}", lora=name, weight=weight))
    return "\n".join(lines)
