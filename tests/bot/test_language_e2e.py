"""A French member gets French: command names in their client, replies in their language."""

from tests.bot.test_discord_e2e import imagine, results, say
from tests.bot.test_moderation_e2e import answered


async def test_commands_carry_french_names_and_descriptions(world):
    command = next(command for command in world.discord.commands if command["name"] == "imagine")

    assert command["name_localizations"]["fr"] == "imaginer"
    assert command["description_localizations"]["fr"]
    assert {option["name_localizations"]["fr"] for option in command["options"]} >= {"prompt"}


async def test_a_french_member_is_answered_in_french(world):
    refused = await world.discord.slash(world.member, "imagine", prompt="un renard", size="énorme", locale="fr")
    assert (await answered(world, refused))["content"].startswith("La taille 'énorme' n'est ni un format")

    usage = await answered(world, await world.discord.slash(world.member, "usage", locale="fr"))
    assert usage["embeds"][0]["title"] == "Ta consommation d'Atelier"

    await world.discord.slash(world.member, "imagine", prompt="un renard dans la neige", locale="fr")
    thread = await world.discord.wait_for(
        lambda: next((c for c in world.discord.channels.values() if c.get("name") == "un renard dans la neige"), None)
    )
    first = await world.discord.wait_for(lambda: results(world, thread["id"]))
    assert first[0]["content"].startswith("**#1** · Nouvelle image")


async def test_the_same_member_writing_english_in_a_thread_is_answered_in_english(world):
    thread_id, _ = await imagine(world, "a fox in the snow")
    await world.discord.slash(world.member, "usage", locale="fr")  # their Discord speaks French

    answer = await say(world, thread_id, "make it night")

    assert answer["content"].startswith("**#2** · Edit (lighting) of #1")
