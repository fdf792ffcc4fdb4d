"""The whole system end to end: the real discord.py bot against the loopback Discord emulator, and the real
generation service on the built-in model."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from atelier.config import Config
from bot.app import AtelierBot, build_bot, point_at
from bot.service_client import GenerationClient
from bot.storage import BotStore
from moderation import Moderator
from tests.discord_emulator import DiscordEmulator


@dataclass
class World:
    discord: DiscordEmulator
    service_url: str
    config: Config
    bot: AtelierBot | None = None
    client: GenerationClient | None = None
    member: str = ""
    moderator: Moderator | None = None

    async def start_bot(self, service_url: str | None = None) -> AtelierBot:
        point_at(self.config)
        self.client = GenerationClient(
            service_url or self.service_url,
            self.config.service.token,
            patience=self.config.studio.service_patience_seconds,
        )
        store = BotStore(Path(self.config.bot.database))
        self.bot = build_bot(self.config, self.client, store, moderator=self.moderator)
        self.discord.identified.clear()
        self._task = asyncio.create_task(self.bot.start("emulated-token"))
        ready = asyncio.create_task(self.bot.wait_until_ready())
        await asyncio.wait({self._task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if self._task.done():
            ready.cancel()
            self._task.result()
        assert ready.done(), "the bot never became ready"
        return self.bot

    async def stop_bot(self) -> None:
        if self.bot is not None:
            await self.bot.close()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, 10)
            self.bot.store.db.close()
            await self.client.close()
            self.bot = None


@pytest.fixture(scope="session")
def moderator() -> Moderator:
    return Moderator()


@contextlib.asynccontextmanager
async def open_world(start_service, tmp_path: Path, moderator: Moderator, bot: dict | None = None, **service_sections):
    """The emulator, a service (with ``service_sections`` over the tests' own) and a ready bot (with ``bot`` over
    its test settings) with one member."""
    discord = DiscordEmulator()
    await discord.start()
    async with start_service(**service_sections) as service:
        config = Config().with_overrides(
            bot={"database": str(tmp_path / "bot" / "bot.db"), "variations": 2, **(bot or {})},
            # A service that stays away is given up on quickly here (minutes in production).
            studio={"service_patience_seconds": 2.0},
            discord={"api_base": discord.api_base, "gateway_url": discord.gateway_url, "token": "emulated-token"},
        )
        world = World(
            discord=discord, service_url=str(service.make_url("")).rstrip("/"), config=config, moderator=moderator
        )
        world.member = discord.add_member("ada")
        await world.start_bot()
        try:
            yield world
        finally:
            await world.stop_bot()
            await discord.stop()


@pytest.fixture
async def world(start_service, tmp_path, moderator):
    async with open_world(start_service, tmp_path, moderator) as world:
        yield world
