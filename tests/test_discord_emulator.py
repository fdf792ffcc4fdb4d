"""The loopback Discord emulator, driven by the real discord.py client: roles, locales, history, the bot going
offline or losing its connection, expired interaction tokens and direct messages."""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands
from discord.ext import commands

from tests.discord_emulator import DiscordEmulator


@pytest.fixture
async def emulator(monkeypatch):
    emulator = DiscordEmulator()
    await emulator.start()
    monkeypatch.setattr(discord.http.Route, "BASE", emulator.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(emulator.gateway_url))
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def connect(emulator):
    """``await connect(client)``: log the client in against the emulator and wait until it is ready."""
    started: list[tuple[discord.Client, asyncio.Task]] = []

    async def start(client: discord.Client) -> discord.Client:
        task = asyncio.create_task(client.start("emulated-token"))
        started.append((client, task))
        ready = asyncio.create_task(client.wait_until_ready())
        await asyncio.wait({task, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            ready.cancel()
            task.result()
        assert ready.done(), "the client never became ready"
        return client

    yield start
    for client, task in started:
        await stop(client, task)


async def stop(client: discord.Client, task: asyncio.Task | None = None) -> None:
    await client.close()
    if task is not None:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(task, 5)


def bot(**intents: bool) -> commands.Bot:
    return commands.Bot(command_prefix="!", intents=discord.Intents(guilds=True, **intents), guild_ready_timeout=0.05)


class Recorder:
    """The messages a client receives."""

    def __init__(self, bot: commands.Bot) -> None:
        self.messages: list[discord.Message] = []
        bot.add_listener(self.on_message)

    async def on_message(self, message: discord.Message) -> None:
        self.messages.append(message)

    def contents(self) -> list[str]:
        return [message.content for message in self.messages]


# ---------------------------------------------------------------- roles


async def test_the_guild_lists_its_roles_with_everyone_under_the_guild_id(emulator, connect):
    ada = emulator.add_member("ada", admin=True)
    painter = await emulator.add_role("Painter")

    me = await connect(bot(members=True))

    guild = me.get_guild(int(emulator.guild_id))
    assert guild.default_role.id == guild.id
    assert {role.name for role in guild.roles} == {"@everyone", "Admin", "Painter"}
    assert guild.get_role(int(painter)).permissions == guild.default_role.permissions
    member = guild.get_member(int(ada))
    assert [role.name for role in member.roles] == ["@everyone", "Admin"]
    assert member.guild_permissions.administrator


async def test_a_new_role_and_a_role_given_reach_the_bot(emulator, connect):
    ada = emulator.add_member("ada")
    me = await connect(bot(members=True))
    guild = me.get_guild(int(emulator.guild_id))
    updates = []

    @me.listen()
    async def on_member_update(before: discord.Member, after: discord.Member) -> None:
        updates.append((before.roles, after.roles))

    painter = await emulator.add_role("Painter")
    role = await emulator.wait_for(lambda: guild.get_role(int(painter)))
    assert role.name == "Painter" and role.position == 2

    await emulator.give_role(ada, painter)
    await emulator.wait_for(lambda: role in guild.get_member(int(ada)).roles)
    assert emulator.member_roles[ada] == [painter]

    await emulator.take_role(ada, painter)
    await emulator.wait_for(lambda: role not in guild.get_member(int(ada)).roles)
    assert len(updates) == 2


async def test_members_in_interactions_and_messages_carry_their_roles(emulator, connect):
    ada = emulator.add_member("ada")
    painter = await emulator.add_role("Painter")
    await emulator.give_role(ada, painter)
    me = bot(guild_messages=True, message_content=True)
    seen: dict[str, list[int]] = {}

    @me.tree.command(description="Who am I")
    async def whoami(interaction: discord.Interaction) -> None:
        seen["interaction"] = [role.id for role in interaction.user.roles]
        await interaction.response.send_message("you", ephemeral=True)

    @me.listen()
    async def on_message(message: discord.Message) -> None:
        seen["message"] = [role.id for role in message.author.roles]

    await connect(me)
    await me.tree.sync()

    await emulator.slash(ada, "whoami")
    await emulator.post(ada, emulator.channel_id, "hello")

    await emulator.wait_for(lambda: len(seen) == 2)
    # Without the members intent the bot caches no members: the roles come from the payloads themselves.
    assert seen["interaction"] == seen["message"] == [int(emulator.guild_id), int(painter)]


# ---------------------------------------------------------------- locales


class French(app_commands.Translator):
    async def translate(self, string, locale, context):
        words = {"hello": "bonjour", "Say hello": "Dire bonjour"}
        return words.get(string.message) if locale is discord.Locale.french else None


async def test_interactions_carry_the_locale_and_synced_commands_keep_their_localizations(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot()
    seen: list[tuple[discord.Locale, discord.Locale]] = []

    @me.tree.command(name=app_commands.locale_str("hello"), description=app_commands.locale_str("Say hello"))
    async def hello(interaction: discord.Interaction) -> None:
        seen.append((interaction.locale, interaction.guild_locale))
        await interaction.response.send_message("hi")

    await connect(me)
    await me.tree.set_translator(French())
    await me.tree.sync()

    command = next(command for command in emulator.commands if command["name"] == "hello")
    assert command["name_localizations"] == {"fr": "bonjour"}
    assert command["description_localizations"] == {"fr": "Dire bonjour"}

    french = await emulator.slash(ada, "hello", locale="fr")
    english = await emulator.slash(ada, "hello")
    await emulator.wait_for(lambda: len(seen) == 2)
    english_us = discord.Locale.american_english
    assert seen == [(discord.Locale.french, english_us), (english_us, english_us)]
    assert (french.locale, english.locale) == ("fr", "en-US")


async def test_guild_commands_are_recorded_and_usable(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot()
    guild = discord.Object(int(emulator.guild_id))
    seen = []

    @me.tree.command(description="Only here", guild=guild)
    async def local(interaction: discord.Interaction) -> None:
        seen.append(interaction.locale)
        await interaction.response.send_message("here")

    await connect(me)
    await me.tree.sync(guild=guild)

    assert [command["name"] for command in emulator.guild_commands[emulator.guild_id]] == ["local"]
    assert emulator.commands == []
    await emulator.slash(ada, "local", locale="de")
    await emulator.wait_for(lambda: seen)
    assert seen == [discord.Locale.german]


async def test_clicks_and_menus_carry_the_locale(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot()
    seen = []

    @me.tree.context_menu(name="Inspect")
    async def inspect(interaction: discord.Interaction, message: discord.Message) -> None:
        seen.append(interaction.locale)
        await interaction.response.send_message("inspected", ephemeral=True)

    @me.listen()
    async def on_interaction(interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.component:
            seen.append(interaction.locale)
            await interaction.response.defer()

    await connect(me)
    await me.tree.sync()
    message = await emulator.post(ada, emulator.channel_id, "look")
    await emulator.message_menu(ada, "Inspect", message["id"], locale="ja")
    await emulator.click(ada, message["id"], "anything", locale="pt-BR")

    await emulator.wait_for(lambda: len(seen) == 2)
    assert seen == [discord.Locale.japanese, discord.Locale.brazil_portuguese]


# ---------------------------------------------------------------- history


async def test_history_pages_like_discord(emulator, connect):
    ada = emulator.add_member("ada")
    posted = [await emulator.post(ada, emulator.channel_id, f"m{n}") for n in range(130)]
    me = await connect(bot(guild_messages=True, message_content=True))
    channel = me.get_channel(int(emulator.channel_id))

    after = [m.content async for m in channel.history(limit=None, after=discord.Object(int(posted[4]["id"])))]
    assert after == [f"m{n}" for n in range(5, 130)]

    newest = [m.content async for m in channel.history(limit=3)]
    assert newest == ["m129", "m128", "m127"]

    before = [m.content async for m in channel.history(limit=120, before=discord.Object(int(posted[125]["id"])))]
    assert before == [f"m{n}" for n in range(124, 4, -1)]

    around = [m.content async for m in channel.history(limit=5, around=discord.Object(int(posted[60]["id"])))]
    assert sorted(around) == ["m58", "m59", "m60", "m61", "m62"]

    oldest = [m.content async for m in channel.history(limit=2, oldest_first=True)]
    assert oldest == ["m0", "m1"]

    # Ids carry their time, as Discord's do: history after a moment works.
    moment = discord.utils.snowflake_time(int(posted[-1]["id"]))
    await asyncio.sleep(0.01)
    await emulator.post(ada, emulator.channel_id, "later")
    assert [m.content async for m in channel.history(after=moment)] == ["later"]


async def test_history_refuses_a_limit_over_100(emulator, connect):
    me = await connect(bot())
    with pytest.raises(discord.HTTPException) as refused:
        await me.http.logs_from(emulator.channel_id, 101)
    assert refused.value.status == 400
    with pytest.raises(discord.NotFound):
        await me.http.logs_from("1", 10)


# ---------------------------------------------------------------- the bot offline, disconnected, resuming


async def test_a_message_posted_while_the_bot_is_offline_is_stored_but_never_delivered(emulator, connect):
    ada = emulator.add_member("ada")
    first = bot(guild_messages=True, message_content=True)
    heard = Recorder(first)
    await connect(first)
    await emulator.post(ada, emulator.channel_id, "before")
    await emulator.wait_for(lambda: heard.contents() == ["before"])

    await first.close()
    await emulator.wait_for(lambda: not emulator.bot_connected)
    missed = await emulator.post(ada, emulator.channel_id, "while offline")

    second = bot(guild_messages=True, message_content=True)
    heard_again = Recorder(second)
    await connect(second)
    await emulator.post(ada, emulator.channel_id, "after")
    await emulator.wait_for(lambda: heard_again.contents())
    await asyncio.sleep(0.1)

    assert heard_again.contents() == ["after"]
    channel = second.get_channel(int(emulator.channel_id))
    history = [m async for m in channel.history(after=discord.Object(int(missed["id"]) - 1))]
    assert [m.content for m in history] == ["while offline", "after"]
    assert history[0].author.id == int(ada)


@pytest.mark.parametrize("code", [4000, 1006])
async def test_a_dropped_connection_resumes_and_gets_what_it_missed(emulator, connect, code):
    ada = emulator.add_member("ada")
    me = bot(guild_messages=True, message_content=True)
    heard = Recorder(me)
    resumed = asyncio.Event()

    @me.listen()
    async def on_resumed() -> None:
        resumed.set()

    await connect(me)
    emulator.identified.clear()

    await emulator.disconnect_bot(code=code)
    assert not emulator.bot_connected
    await emulator.post(ada, emulator.channel_id, "during the gap")

    await asyncio.wait_for(resumed.wait(), 10)
    assert emulator.bot_connected and not emulator.identified.is_set()
    await emulator.post(ada, emulator.channel_id, "after the gap")
    await emulator.wait_for(lambda: len(heard.messages) == 2)
    assert heard.contents() == ["during the gap", "after the gap"]


async def test_a_session_that_cannot_resume_identifies_anew_without_replay(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot(guild_messages=True, message_content=True)
    heard = Recorder(me)
    readies = []

    @me.listen()
    async def on_ready() -> None:
        readies.append(1)

    async def identify_at_once(shard_id: int | None, initial: bool = False) -> None:
        pass  # discord.py waits 5 s before identifying again; nothing to pace here

    me.before_identify_hook = identify_at_once

    await connect(me)
    emulator.identified.clear()

    await emulator.disconnect_bot(resumable=False)
    await emulator.post(ada, emulator.channel_id, "lost")

    await asyncio.wait_for(emulator.identified.wait(), 10)
    await emulator.wait_for(lambda: emulator.bot_connected and len(readies) == 2)
    await emulator.post(ada, emulator.channel_id, "heard")
    await emulator.wait_for(lambda: heard.messages)
    await asyncio.sleep(0.1)
    assert heard.contents() == ["heard"]
    assert not emulator.resumed.is_set()


# ---------------------------------------------------------------- expired interaction tokens


async def test_webhook_calls_after_the_token_expired_are_refused(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot()
    go = asyncio.Event()
    failures: dict[str, discord.HTTPException] = {}

    @me.tree.command(description="Takes long")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await go.wait()
        for name, call in (
            ("followup", lambda: interaction.followup.send("late")),
            ("edit", lambda: interaction.edit_original_response(content="late")),
            ("get", lambda: interaction.original_response()),
        ):
            try:
                await call()
            except discord.HTTPException as exc:
                failures[name] = exc

    await connect(me)
    await me.tree.sync()
    interaction = await emulator.slash(ada, "slow")
    await emulator.wait_for(lambda: interaction.responded)

    emulator.expire(interaction)
    go.set()

    await emulator.wait_for(lambda: len(failures) == 3)
    assert {(exc.status, exc.code, exc.text) for exc in failures.values()} == {(401, 50027, "Invalid Webhook Token")}


async def test_a_live_token_still_works_and_an_expired_callback_is_unknown(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot()
    answered = []

    @me.tree.command(description="Quick")
    async def quick(interaction: discord.Interaction) -> None:
        await interaction.response.defer()
        message = await interaction.followup.send("done", wait=True)
        answered.append(message.id)

    await connect(me)
    await me.tree.sync()
    interaction = await emulator.slash(ada, "quick")
    await emulator.wait_for(lambda: answered)
    assert emulator.messages[interaction.original]["content"] == "done"

    emulator.expire(interaction)
    url = f"{emulator.api_base}/interactions/{interaction.id}/{interaction.token}/callback"
    async with aiohttp.ClientSession() as session, session.post(url, json={"type": 5}) as response:
        assert response.status == 404
        assert (await response.json())["code"] == 10062


# ---------------------------------------------------------------- direct messages


async def test_member_send_opens_a_dm_channel_and_lands_there(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot(members=True, dm_messages=True, message_content=True)
    heard = Recorder(me)
    await connect(me)
    member = me.get_guild(int(emulator.guild_id)).get_member(int(ada))
    assert emulator.dm_channel(ada) is None

    sent = await member.send("your picture is ready")

    dm_id = emulator.dm_channel(ada)
    assert dm_id == str(sent.channel.id)
    assert isinstance(sent.channel, discord.DMChannel) and sent.guild is None
    assert [m["content"] for m in emulator.channel_messages(dm_id)] == ["your picture is ready"]
    assert emulator.channels[dm_id]["type"] == 1
    again = await me.http.start_private_message(int(ada))
    assert again["id"] == dm_id

    await emulator.post(ada, dm_id, "thanks")
    reply = await emulator.wait_for(lambda: [m for m in heard.messages if m.author.id == int(ada)])
    assert reply[0].content == "thanks" and isinstance(reply[0].channel, discord.DMChannel)
    history = [m.content async for m in sent.channel.history()]
    assert history == ["thanks", "your picture is ready"]


async def test_dm_events_need_the_direct_messages_intent(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot(members=True, guild_messages=True, message_content=True)
    heard = Recorder(me)
    await connect(me)
    await me.get_guild(int(emulator.guild_id)).get_member(int(ada)).send("hello")
    await emulator.post(ada, emulator.dm_channel(ada), "in private")
    await emulator.post(ada, emulator.channel_id, "in public")
    await emulator.wait_for(lambda: "in public" in heard.contents())
    assert heard.contents() == ["in public"]


async def test_without_the_message_content_intent_only_mentions_keep_their_content(emulator, connect):
    ada = emulator.add_member("ada")
    me = bot(guild_messages=True)
    heard = Recorder(me)
    await connect(me)
    await emulator.post(ada, emulator.channel_id, "secret")
    await emulator.post(ada, emulator.channel_id, f"<@{emulator.application_id}> hello")
    await emulator.wait_for(lambda: len(heard.messages) == 2)
    assert heard.contents() == ["", f"<@{emulator.application_id}> hello"]
    assert heard.messages[1].mentions == [me.user]
