"""The Discord bot: a discord.py ``commands.Bot`` with one extension per feature under ``bot/exts``."""

from __future__ import annotations

import asyncio
from pathlib import Path

import discord
import yarl
from discord.ext import commands

from atelier.config import Config, ConfigError
from atelier.logs import get_logger
from bot.conversation.engine import Conversations
from bot.exts import walk_extensions
from bot.i18n import CatalogTranslator, _
from bot.interactions import SOMETHING_WRONG, begin, tell
from bot.launcher import service_url
from bot.lifecycle import cancel_on_stop_signals
from bot.models import ModelCatalog
from bot.moderation_gate import PromptGate, build_moderator
from bot.service_client import GenerationClient
from bot.storage import BotStore
from bot.studio.store import StudioStore
from bot.studio.studio import Studio
from moderation import Moderator, output

log = get_logger("bot.discord")


def intents() -> discord.Intents:
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    # Every message in a conversation thread is a turn: the bot must read them (a privileged intent).
    chosen.message_content = True
    return chosen


def point_at(config: Config) -> None:
    """Send REST calls and the gateway connection where [discord] says (Discord, staging or an emulator)."""
    discord.http.Route.BASE = config.discord.api_base.rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.discord.gateway_url)


class AtelierBot(commands.Bot):
    def __init__(self, config: Config, engine: Conversations, gate: PromptGate, studio: Studio, **options) -> None:
        super().__init__(command_prefix=commands.when_mentioned, intents=intents(), help_command=None, **options)
        self.config = config
        self.engine = engine
        self.gate = gate
        self.studio = studio

    @property
    def store(self) -> BotStore:
        return self.engine.store

    async def setup_hook(self) -> None:
        self.tree.on_error = self.on_app_command_error
        self.tree.interaction_check = self.begin_command
        await self.tree.set_translator(CatalogTranslator())
        for extension in walk_extensions():
            await self.load_extension(extension)
        synced = await self.tree.sync()
        log.info("commands.synced", count=len(synced))
        await self.catalog.refresh(self.engine.client)

    @property
    def catalog(self) -> ModelCatalog:
        return self.studio.catalog

    async def on_ready(self) -> None:
        for guild in self.guilds:
            self.store.remember_guild(guild.id, guild.name)
        log.info("bot.ready", user=str(self.user), guilds=len(self.guilds))

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.store.remember_guild(guild.id, guild.name)

    async def begin_command(self, interaction: discord.Interaction) -> bool:
        return begin(interaction)

    async def on_app_command_error(self, interaction: discord.Interaction, error: Exception) -> None:
        if isinstance(error, discord.app_commands.CheckFailure):
            return  # the check has answered the member already
        log.error("command.failed", guild=interaction.guild_id, user=interaction.user.id, exc_info=error)
        await tell(interaction, _(SOMETHING_WRONG))


def build_bot(
    config: Config, client: GenerationClient, store: BotStore, moderator: Moderator | None = None, **options
) -> AtelierBot:
    uploads = Path(config.bot.database).parent / "uploads"
    gate = PromptGate(
        store,
        moderator or build_moderator(config.moderation, Path(config.bot.database).parent / "cache"),
        config.moderation.preset,
        output.detector(config.moderation.output_check == "auto"),
        config.moderation.output_action,
        config.moderation.likeness,
    )
    studio = Studio(StudioStore(store.db), config.studio, ModelCatalog(config.defaults))
    engine = Conversations(store, client, config.bot, uploads, gate, studio)
    return AtelierBot(config, engine, gate, studio, **options)


async def serve(config: Config, url: str) -> None:
    point_at(config)
    store = BotStore(Path(config.bot.database))
    async with GenerationClient(url, config.service.token, patience=config.studio.service_patience_seconds) as client:
        bot = build_bot(config, client, store)
        async with bot:
            await bot.start(config.discord.token)


def run_discord(config: Config, config_path: str | None = None) -> int:
    async def main() -> None:
        cancel_on_stop_signals(asyncio.current_task())
        async with service_url(config, config_path) as url:
            await serve(config, url)

    try:
        asyncio.run(main())
    except asyncio.CancelledError:  # stopped by SIGTERM or SIGINT, cleanly
        log.info("bot.stopped")
    except discord.LoginFailure:
        raise ConfigError("Discord refused the token: check DISCORD_TOKEN") from None
    return 0
