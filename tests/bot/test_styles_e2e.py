"""A server's named styles end to end in Discord: /atelier style, /imagine style: with its autocompletion, and a
style named in a thread; the style's LoRA reaches the service (read back from the picture's credential)."""

import aiohttp
import pytest

from tests.bot.conftest import open_world
from tests.bot.test_discord_e2e import imagine, say, stored
from tests.bot.test_moderation_e2e import answered
from tests.bot.test_studio_e2e import admin_says

NEON = {"name": "neon", "suffix": "neon lights, synthwave", "negative": "blurry", "steps": 3, "loras": "glow:0.5"}


@pytest.fixture
async def world(start_service, tmp_path, moderator, lora_dir):
    models = {"shapes": {"path": "builtin:tiny", "steps": 3}}
    async with open_world(start_service, tmp_path, moderator, models=models, loras={"folder": str(lora_dir)}) as w:
        yield w


async def credential(world, thread_id: str, number: int) -> dict:
    image = stored(world, thread_id, number)
    async with aiohttp.ClientSession() as session:
        url = f"{world.service_url}/v1/images/{image.service_id}/provenance"
        async with session.get(url) as response:
            return (await response.json())["parameters"]


async def test_a_named_style_adds_its_words_sampling_and_lora(world):
    said = await admin_says(world, "atelier style add", **NEON)
    assert said == (
        "✅ Style **neon** saved:\nAdds: neon lights, synthwave\nWithout: blurry\nSteps: 3\nLoRA: `glow` at 0.5"
    )
    choices = await world.discord.autocomplete(world.member, "imagine", "style", prompt="a city", style="ne")
    assert [choice["value"] for choice in choices] == ["neon"]

    thread_id, result = await imagine(world, "a city at night", style="neon")

    assert "> a city at night, neon lights, synthwave" in result["content"]
    assert "*without:* blurry" in result["content"]
    parameters = await credential(world, thread_id, 1)
    assert parameters["loras"] == [{"name": "glow", "weight": 0.5}]
    assert parameters["steps"] == 3


async def test_a_style_named_in_a_thread_restyles_the_image(world):
    await admin_says(world, "atelier style add", **NEON)
    thread_id, _ = await imagine(world, "a quiet harbour")

    edited = await say(world, thread_id, "en style neon")

    # Written in French, answered in French.
    assert edited["content"].startswith("**#2** · Style neon sur #1")
    assert "> a quiet harbour, neon lights, synthwave" in edited["content"]
    assert (await credential(world, thread_id, 2))["loras"] == [{"name": "glow", "weight": 0.5}]
    # A plain style word afterwards replaces the named style, its LoRA with it.
    again = await say(world, thread_id, "as a watercolour")
    assert "neon" not in again["content"]
    assert "loras" not in await credential(world, thread_id, 3)


async def test_a_style_may_choose_the_model_and_unknown_names_are_refused(world):
    said = await admin_says(world, "atelier style add", name="formes", suffix="flat colours", model="shapes")
    assert said.endswith("Model: `shapes`")
    _, result = await imagine(world, "a large red circle on a blue background", style="formes")
    assert "· shapes ·" in result["content"]

    refused = await answered(world, await world.discord.slash(world.member, "imagine", prompt="a cat", style="vapor"))
    assert refused["content"] == "This server has no style called vapor: its styles are `formes`."
    assert await admin_says(world, "atelier style add", name="x", suffix="y", loras="glow, sparkle:0.5") == (
        "There is no LoRA called sparkle: the service has `glow`, `shapes-only`."
    )
    assert await admin_says(world, "atelier style add", name="x", suffix="y", loras="glow:strong") == (
        "A LoRA's weight is a number from -2 to 2, as in “glow:0.8” (got “glow:strong”)."
    )
    admin = world.discord.add_member("ada-admin", admin=True)
    choices = await world.discord.autocomplete(
        admin, "atelier style add", "loras", name="x", suffix="y", loras="glow:0.5, sha"
    )
    assert [choice["value"] for choice in choices] == ["glow:0.5, shapes-only"]
    assert await admin_says(world, "atelier style remove", name="formes") == "✅ Style **formes** removed."
