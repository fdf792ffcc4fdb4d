"""A server's choice of models end to end in Discord: the admin's default and allowed list, /imagine model: with
its autocompletion, and a thread that keeps its model for its edits."""

import pytest

from tests.bot.conftest import open_world
from tests.bot.test_discord_e2e import imagine, say, stored
from tests.bot.test_moderation_e2e import answered
from tests.bot.test_studio_e2e import admin_says

# The trained built-in model as the service's second model, at few steps to stay quick.
MODELS = {"shapes": {"path": "builtin:tiny", "steps": 3}}


@pytest.fixture
async def world(start_service, tmp_path, moderator):
    async with open_world(start_service, tmp_path, moderator, models=MODELS) as world:
        yield world


async def model_choices(world, typed: str = "") -> list[str]:
    choices = await world.discord.autocomplete(world.member, "imagine", "model", prompt="a kite", model=typed)
    return [choice["value"] for choice in choices]


async def test_members_pick_among_the_models_the_server_offers(world):
    assert await model_choices(world) == ["builtin:random", "shapes"]
    assert await model_choices(world, "sha") == ["shapes"]

    said = await admin_says(world, "atelier models", forbid="shapes")
    assert said == "✅ Saved.\nDefault: `builtin:random`\nMembers may pick: `builtin:random`\nNot offered: `shapes`"
    assert await model_choices(world) == ["builtin:random"]

    refused = await answered(
        world, await world.discord.slash(world.member, "imagine", prompt="a red kite", model="shapes")
    )
    assert refused["flags"] & 64
    assert refused["content"] == "This server doesn't offer shapes: pick one of `builtin:random`."
    unknown = await answered(world, await world.discord.slash(world.member, "imagine", prompt="a kite", model="sdxl"))
    assert unknown["content"] == "There is no model called sdxl: pick one of `builtin:random`."


async def test_a_thread_keeps_the_model_it_started_with_for_its_edits(world):
    said = await admin_says(world, "atelier models", default="shapes")
    assert said.startswith("✅ Saved.\nDefault: `shapes`")

    thread_id, first = await imagine(world, "a large red circle on a blue background", seed=4)
    assert "· shapes ·" in first["content"]

    # The server's default changes; the conversation keeps drawing with the model it started with.
    await admin_says(world, "atelier models", default="builtin:random")
    edited = await say(world, thread_id, "make the background green")
    assert edited["content"].startswith("**#2** · Edit")
    assert stored(world, thread_id, 2).model == "shapes"

    _, other = await imagine(world, "a small yellow star on the left")
    assert "· builtin:random ·" in other["content"]


async def test_the_default_model_cannot_be_forbidden(world):
    said = await admin_says(world, "atelier models", forbid="builtin:random")
    assert said == "builtin:random is the server's default: choose another default first."
