"""Soak: 20 members x 5 turns against the real bot (in the Discord emulator) and a real service process that
is SIGKILLed twice, while the bot itself is restarted once. Not part of the test suite (minutes long):

    OMP_NUM_THREADS=1 .venv/bin/python -m tests.soak [--members 20] [--turns 5]

Prints turns sent, answered with an image, answered with an error, lost and answered twice.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from atelier.config import Config
from atelier.logs import configure_logging
from bot.app import build_bot, point_at
from bot.service_client import GenerationClient
from bot.storage import BotStore
from tests.discord_emulator import DiscordEmulator
from tests.generation.test_crash import CONFIG, free_port

EDITS = ["make it night", "add a red umbrella", "in watercolour", "remove the trees", "plus de couleurs", "#1"]


class ServiceProcess:
    def __init__(self, folder: Path, port: int) -> None:
        self.config = folder / "service.toml"
        self.config.write_text(CONFIG.format(data=folder / "data", port=port, cache=folder / "cache"))
        self.url = f"http://127.0.0.1:{port}"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        environment = {**os.environ, "ATELIER_CONFIG": str(self.config), "OMP_NUM_THREADS": "1"}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "generation", env=environment, stderr=asyncio.subprocess.DEVNULL
        )
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                try:
                    async with http.get(f"{self.url}/healthz") as response:
                        if response.status == 200:
                            return
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError("the service never answered")

    async def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            await self.process.wait()


class Soak:
    def __init__(self, folder: Path, members: int, turns: int) -> None:
        self.folder = folder
        self.discord = DiscordEmulator()
        self.members = members
        self.turns = turns
        self.sent: list[tuple[str, str, str]] = []  # (kind, member, id): a slash interaction or a message
        self.bot = None

    async def start_bot(self, config: Config, url: str) -> None:
        point_at(config)
        client = GenerationClient(url, patience=config.studio.service_patience_seconds)
        self.bot = build_bot(config, client, BotStore(Path(config.bot.database)), guild_ready_timeout=0.05)
        self._task = asyncio.create_task(self.bot.start("emulated-token"))
        await asyncio.wait_for(self.bot.wait_until_ready(), 60)

    async def stop_bot(self) -> None:
        await self.bot.close()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.bot.engine.client.close()
        self.bot.store.db.close()

    async def member(self, name: str) -> None:
        member = self.discord.add_member(name)
        prompt = f"{name}'s garden"
        interaction = await self.discord.slash(member, "imagine", prompt=prompt)
        self.sent.append(("imagine", member, interaction.id))
        thread = await self.discord.wait_for(
            lambda: next((c for c in self.discord.channels.values() if c.get("name") == prompt), None), 120
        )
        self.threads[interaction.id] = thread["id"]
        for _ in range(self.turns - 1):
            await asyncio.sleep(random.uniform(2, 8))
            message = await self.discord.post(member, thread["id"], random.choice(EDITS))
            self.sent.append(("message", member, message["id"]))

    def answers(self, kind: str, turn: str) -> list[dict]:
        bot = self.discord.bot_user["id"]
        if kind == "imagine":
            thread = self.threads.get(turn)
            if thread is None:
                return []
            messages = [m for m in self.discord.channel_messages(thread) if m["author"]["id"] == bot]
            return [m for m in messages if not m["content"].startswith(("⏳", "🎨"))][:1] + [
                m for m in messages if m["content"].startswith("<@")
            ]
        return [
            m
            for channel in list(self.threads.values())
            for m in self.discord.channel_messages(channel)
            if m["author"]["id"] == bot
            and (m.get("message_reference") or {}).get("message_id") == turn
            and not m["content"].startswith(("⏳", "🎨"))
        ]

    async def run(self) -> dict[str, int]:
        configure_logging("warning")
        await self.discord.start()
        port = free_port()
        service = ServiceProcess(self.folder, port)
        await service.start()
        config = Config().with_overrides(
            bot={"database": str(self.folder / "bot.db")},
            studio={"service_patience_seconds": 120.0, "concurrent": 2, "queued": 10},
            discord={"api_base": self.discord.api_base, "gateway_url": self.discord.gateway_url, "token": "x"},
        )
        await self.start_bot(config, service.url)
        self.threads: dict[str, str] = {}
        started = time.monotonic()
        members = [asyncio.create_task(self.member(f"member{n}")) for n in range(self.members)]

        async def chaos() -> None:
            for pause, action in ((8, "kill"), (10, "restart bot"), (12, "kill")):
                await asyncio.sleep(pause)
                print(f"{time.monotonic() - started:5.1f} s: {action}", flush=True)
                if action == "kill":
                    await service.kill()
                    await asyncio.sleep(3)
                    await service.start()
                else:
                    await self.stop_bot()
                    await asyncio.sleep(3)
                    await self.start_bot(config, service.url)

        await asyncio.gather(chaos(), *members)
        with contextlib.suppress(AssertionError, TimeoutError):
            await self.discord.wait_for(
                lambda: all(self.answers(kind, turn) for kind, _, turn in self.sent) or None, 300
            )
        await asyncio.sleep(3)  # late duplicates would show by now
        figures = {"sent": len(self.sent), "image": 0, "error": 0, "lost": 0, "twice": 0}
        for kind, _, turn in self.sent:
            answers = self.answers(kind, turn)
            if not answers:
                figures["lost"] += 1
                continue
            if len(answers) > 1:
                figures["twice"] += 1
            if answers[0]["attachments"] or answers[0]["content"].startswith("↩️"):
                figures["image"] += 1  # a picture, or a move to an earlier one ("#1")
            else:
                figures["error"] += 1
                print(f"error: {answers[0]['content'][:160]!r}", flush=True)
        figures["seconds"] = round(time.monotonic() - started)
        await self.stop_bot()
        await service.kill()
        await self.discord.stop()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(Soak(Path(folder), args.members, args.turns).run())
    print(
        f"turns sent {figures['sent']}, answered with an image (or a move) {figures['image']}, with an error "
        f"{figures['error']}, lost {figures['lost']}, answered twice {figures['twice']} "
        f"({figures['seconds']} s)"
    )


if __name__ == "__main__":
    main()
