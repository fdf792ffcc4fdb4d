"""Never a dropped turn: a bot restarted mid-job, messages sent while it was offline, an image service that
goes away and comes back, an interaction token that expired."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp import web

from generation.api.app import create_app
from generation.service import load_provenance, make_backend
from tests.bot.conftest import World
from tests.bot.test_discord_e2e import bot_messages, buttons, imagine, results, say
from tests.conftest import service_config
from tests.generation.test_crash import free_port


class Service:
    """The real service on a fixed port, stopped and started again on the same data: a restart."""

    def __init__(self, model, data_dir) -> None:
        self.config = service_config(data_dir)
        self.model = model
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.config.service.data_dir.mkdir(parents=True, exist_ok=True)
        app = create_app(self.config, make_backend(self.config, self.model), load_provenance(self.config))
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None


@pytest.fixture
async def service(model, tmp_path):
    service = Service(model, tmp_path / "restartable")
    await service.start()
    yield service
    await service.stop()


def request_states(world: World) -> list[str]:
    return [row["state"] for row in world.bot.store.db["requests"].rows_where(order_by="created_at")]


async def test_a_bot_restarted_mid_job_posts_the_result_once(world):
    await world.discord.slash(world.member, "imagine", prompt="a slow glacier", steps=30)
    await world.discord.wait_for(lambda: "sent" in request_states(world) or None)

    await world.stop_bot()  # mid-job: the turn is stopped with the bot
    await world.start_bot()

    thread = next(c for c in world.discord.channels.values() if c.get("name") == "a slow glacier")
    await world.discord.wait_for(lambda: results(world, thread["id"]))
    await asyncio.sleep(0.5)  # anything posted twice would show by now
    assert len(results(world, thread["id"])) == 1
    assert not [m for m in bot_messages(world, thread["id"]) if m["content"].startswith("⏳")]
    assert request_states(world) == ["posted"]


async def test_a_message_sent_while_the_bot_was_offline_is_answered_when_it_returns(world):
    thread_id, _ = await imagine(world, "a harbour")
    await world.stop_bot()
    missed = await world.discord.post(world.member, thread_id, "make it night")

    await world.start_bot()

    def answer():
        return next(
            (
                m
                for m in bot_messages(world, thread_id)
                if (m.get("message_reference") or {}).get("message_id") == missed["id"] and m["attachments"]
            ),
            None,
        )

    reply = await world.discord.wait_for(answer)
    assert reply["content"].startswith("**#2** · Edit (lighting) of #1")
    await world.stop_bot()
    await world.start_bot()  # read again after another restart: not answered twice
    await asyncio.sleep(0.5)
    assert len(results(world, thread_id)) == 2


async def test_a_service_restarted_mid_job_finishes_it_and_a_turn_sent_meanwhile_waits(world, service):
    await world.stop_bot()
    world.service_url = service.url
    world.config = world.config.with_overrides(studio={"service_patience_seconds": 60.0})
    await world.start_bot()
    await world.discord.slash(world.member, "imagine", prompt="a lighthouse in a storm", steps=30)
    await world.discord.wait_for(lambda: "sent" in request_states(world) or None)

    await service.stop()
    await world.discord.slash(world.member, "imagine", prompt="a quiet bay")
    waiting = await world.discord.wait_for(
        lambda: next(
            (
                m
                for c in world.discord.channels.values()
                if c.get("name") == "a quiet bay"
                for m in bot_messages(world, c["id"])
                if m["content"].startswith("⏳ Waiting for the image service")
            ),
            None,
        )
    )
    assert waiting
    await service.start()

    for prompt in ("a lighthouse in a storm", "a quiet bay"):
        thread = next(c for c in world.discord.channels.values() if c.get("name") == prompt)
        await world.discord.wait_for(lambda thread=thread: results(world, thread["id"]))
    assert request_states(world) == ["posted", "posted"]


async def test_a_first_image_that_failed_still_leaves_its_prompt_to_edit(world):
    await world.stop_bot()
    await world.start_bot(service_url="http://127.0.0.1:9")
    await world.discord.slash(world.member, "imagine", prompt="a clay workshop")
    thread = await world.discord.wait_for(
        lambda: next((c for c in world.discord.channels.values() if c.get("name") == "a clay workshop"), None)
    )
    await world.discord.wait_for(
        lambda: [m for m in bot_messages(world, thread["id"]) if m["content"].startswith("⚠️")] or None
    )
    await world.stop_bot()
    await world.start_bot()

    answer = await say(world, thread["id"], "add a clay pot")

    assert answer["content"].startswith("**#1** · New image (add)")
    assert "> a clay workshop, with a clay pot" in answer["content"]


async def test_a_result_after_the_interaction_token_expired_goes_to_the_thread_with_a_mention(world):
    await world.stop_bot()
    world.config = world.config.with_overrides(studio={"server_concurrency": 1})
    await world.start_bot()
    thread_id, first = await imagine(world, "a paper crane")
    await world.discord.slash(world.member, "imagine", prompt="a long scroll", steps=40)  # holds the queue
    await world.discord.wait_for(lambda: "sent" in request_states(world) or None)
    click = await world.discord.click(world.member, first["id"], buttons(first)["Variations"])
    await world.discord.wait_for(
        lambda: ((m := world.discord.messages.get(click.original or "")) and m["content"].startswith("⏳")) or None
    )
    world.discord.expire(click)  # 15 minutes later, as far as Discord is concerned

    mentioned = await world.discord.wait_for(
        lambda: (
            [
                m
                for m in bot_messages(world, thread_id)
                if m["content"].startswith(f"<@{world.member}> **#2**") and m["attachments"]
            ]
            or None
        )
    )
    assert mentioned
    assert not world.discord.messages[click.original]["attachments"]
