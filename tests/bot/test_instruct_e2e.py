"""Free-form turns in a Discord thread reach the service's instruction-edit model when it has one."""

import pytest

from tests.bot.conftest import open_world
from tests.bot.test_discord_e2e import imagine, say, stored


@pytest.fixture
async def world(start_service, tmp_path, moderator, instruct_folder):
    async with open_world(start_service, tmp_path, moderator, model={"edit_path": str(instruct_folder)}) as world:
        yield world


async def test_a_turn_no_rule_reads_is_an_edit_by_instruction(world):
    thread_id, _ = await imagine(world, "a lighthouse on a cliff")

    answer = await say(world, thread_id, "give the whole scene a cosy winter feeling")

    assert answer["content"].startswith(
        "**#2** · Edit by instruction of #1: “give the whole scene a cosy winter feeling”"
    )
    assert answer["attachments"]
    image = stored(world, thread_id, 2)
    assert image.model == "instruct" and image.parent == 1
