"""Members talking to the bot in Discord, end to end."""

from tests.bot.conftest import World


def bot_messages(world: World, channel_id: str) -> list[dict]:
    return [m for m in world.discord.channel_messages(channel_id) if m["author"]["id"] == world.discord.bot_user["id"]]


def results(world: World, channel_id: str) -> list[dict]:
    """Bot messages in a channel that carry a finished image."""
    return [m for m in bot_messages(world, channel_id) if m["attachments"] and m["content"].startswith("**#")]


def buttons(message: dict) -> dict[str, str]:
    return {
        component["label"]: component["custom_id"] for row in message["components"] for component in row["components"]
    }


async def imagine(world: World, prompt: str, **options) -> tuple[str, dict]:
    """Run /imagine in the channel; return the conversation thread id and its first result."""
    discord = world.discord
    interaction = await discord.slash(world.member, "imagine", prompt=prompt, **options)
    thread = await discord.wait_for(
        lambda: next((c for c in discord.channels.values() if c["type"] == 11 and c["name"] == prompt), None)
    )
    first = await discord.wait_for(lambda: results(world, thread["id"]))
    assert interaction.responded["type"] == 5
    return thread["id"], first[0]


async def test_login_syncs_the_commands(world):
    names = {command["name"] for command in world.discord.commands}
    assert {"imagine", "provenance", "Show provenance"} <= names


async def test_imagine_opens_a_thread_with_the_image_and_its_buttons(world):
    thread_id, result = await imagine(world, "a lighthouse at dusk", seed=7)

    assert result["content"].startswith("**#1** · New image")
    assert "> a lighthouse at dusk" in result["content"]
    assert "seed 7 · 64x64 · builtin:tiny" in result["content"]
    assert result["attachments"][0]["filename"] == "atelier-1.png"
    assert set(buttons(result)) == {"Variations", "Re-roll", "Edit", "Upscale", "Undo", "Provenance"}
    assert all(custom_id.startswith("atelier:") for custom_id in buttons(result).values())
    opening = world.discord.messages[thread_id]
    assert "the conversation continues in the thread" in opening["content"]
