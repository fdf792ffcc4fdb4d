"""/atelier models: the server's default model and which of the service's models its members may pick. A mixin:
``bot.exts.atelier`` assembles it into the /atelier group."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from atelier.logs import get_logger
from bot.conversation.engine import TurnError
from bot.i18n import _
from bot.interactions import choices, tell
from bot.models import ModelRefused, ServerModels, shown

if TYPE_CHECKING:
    from bot.app import AtelierBot

log = get_logger("bot.exts.studio")


class ModelsAdmin:
    bot: AtelierBot

    @app_commands.command(name="models", description="The server's default model, and which models members may pick")
    @app_commands.describe(
        default="The model new conversations draw with",
        allow="Let members pick this model in /imagine",
        forbid="Stop members picking this model",
    )
    async def models(
        self,
        interaction: discord.Interaction,
        default: str | None = None,
        allow: str | None = None,
        forbid: str | None = None,
    ) -> None:
        catalog = self.bot.catalog
        await catalog.refresh(self.bot.engine.client)
        store = self.bot.studio.store
        saved = store.server_defaults(interaction.guild_id)
        before = ServerModels.from_json(saved.get("models", {}))
        try:
            after = self._changed(before, default, allow, forbid)
        except TurnError as error:
            await tell(interaction, str(error))
            return
        if after != before:
            store.save_server_defaults(interaction.guild_id, {**saved, "models": after.to_json()})
            log.info("models.changed", guild=interaction.guild_id, **after.to_json())
        lines = [_("✅ Saved.")] if after != before else []
        lines.append(_("Default: `{model}`", model=catalog.chosen_default(after) or "?"))
        lines.append(_("Members may pick: {models}", models=shown(catalog.allowed(after))))
        forbidden = [name for name in catalog.models if name not in catalog.allowed(after)]
        if forbidden:
            lines.append(_("Not offered: {models}", models=shown(forbidden)))
        await tell(interaction, "\n".join(lines))

    def _changed(
        self, server: ServerModels, default: str | None, allow: str | None, forbid: str | None
    ) -> ServerModels:
        catalog = self.bot.catalog
        allowed = list(server.allowed) if server.allowed is not None else None
        if default is not None:
            server = ServerModels(default=catalog.known(default), allowed=server.allowed)
            if allowed is not None and default not in allowed:
                allowed.append(default)
        if allow is not None and allowed is not None and catalog.known(allow) not in allowed:
            allowed.append(allow)
        if forbid is not None:
            catalog.known(forbid)
            if forbid == catalog.chosen_default(server):
                raise ModelRefused(_("{model} is the server's default: choose another default first.", model=forbid))
            allowed = [name for name in (allowed if allowed is not None else catalog.models) if name != forbid]
        return ServerModels(default=server.default, allowed=tuple(allowed) if allowed is not None else None)

    @models.autocomplete("default")
    @models.autocomplete("allow")
    @models.autocomplete("forbid")
    async def model_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        return choices(list(self.bot.catalog.models), current)
