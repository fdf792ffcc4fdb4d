"""“Only the cat” in a Discord thread: the service's segmentation model finds it, and only it is repainted."""

import pytest

from tests.bot.conftest import open_world
from tests.bot.test_discord_e2e import imagine, say


@pytest.fixture
async def world(start_service, tmp_path, moderator, segmentation_folders):
    segmentation = {"segmentation_path": str(segmentation_folders["nowhere"])}
    async with open_world(start_service, tmp_path, moderator, model=segmentation) as world:
        yield world


async def test_a_thing_the_model_cannot_find_is_said_in_one_line(world):
    thread_id, _ = await imagine(world, "a cat on a sofa")

    answer = await say(world, thread_id, "make only the cat orange")

    assert answer["content"] == (
        "⚠️ I can't find “cat” in #1: name a part instead (the left half, the top right…), or use the Region button."
    )
