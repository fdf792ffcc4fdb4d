"""Each server's rules, end to end in Discord: refusals, rewrites, appeals, admin commands and the audit log."""

from tests.bot.conftest import World
from tests.bot.test_discord_e2e import buttons, imagine, results, say


async def answered(world: World, interaction) -> dict:
    """The message an interaction ended up showing (its response, or the follow-up that replaced it)."""
    await world.discord.wait_for(lambda: interaction.responded)
    if interaction.responded["type"] == 4:
        return world.discord.messages[interaction.original]
    return await world.discord.wait_for(
        lambda: (
            (m := world.discord.messages.get(interaction.original or ""))
            and (m["content"] or m["embeds"] or m["attachments"])
            and m
        )
    )


async def test_a_refused_imagine_is_one_ephemeral_line_with_an_appeal_button(world):
    interaction = await world.discord.slash(world.member, "imagine", prompt="a naked schoolgirl")

    reply = await answered(world, interaction)

    assert reply["flags"] & 64
    assert reply["content"].startswith("🚫 Not drawn (sexual content, case ")
    assert "minors" in reply["content"]
    assert "Appeal" in buttons(reply)
    assert not [c for c in world.discord.channels.values() if c["type"] == 11]


async def test_an_edit_cannot_sneak_in_what_the_first_prompt_could_not(world):
    thread_id, _ = await imagine(world, "a portrait on a beach")

    answer = await say(world, thread_id, "add Emma Watson, naked")

    assert answer["content"].startswith("🚫 Not drawn (real people, case ")
    assert "Appeal" in buttons(answer)
    assert len(results(world, thread_id)) == 1


async def test_balanced_rewrites_a_living_artists_name_and_shows_it(world):
    _, first = await imagine(world, "a castle in the style of Greg Rutkowski")

    assert "rutkowski" not in first["content"].lower()
    assert "fantasy illustration" in first["content"]


async def test_rules_need_manage_server_and_take_effect(world):
    refused = await world.discord.slash(world.member, "atelier rules preset", preset="strict")
    assert "Manage Server" in (await answered(world, refused))["content"]

    admin = world.discord.add_member("grace", admin=True)
    changed = await world.discord.slash(admin, "atelier rules preset", preset="strict")
    assert (await answered(world, changed))["content"] == "✅ Preset set to strict."

    blocked = await world.discord.slash(world.member, "imagine", prompt="Barack Obama waving")
    assert "(real people, case" in (await answered(world, blocked))["content"]

    allowed = await world.discord.slash(admin, "atelier rules entity", name="Barack Obama", action="allow")
    assert (await answered(world, allowed))["content"] == "✅ Barack Obama: allow."
    tested = await world.discord.slash(admin, "atelier rules test", prompt="Barack Obama waving")
    assert (await answered(world, tested))["content"].startswith("**allow**")

    audit = await world.discord.slash(admin, "atelier audit", action="block")
    log = (await answered(world, audit))["content"]
    assert "block `entity:person`" in log and "Barack Obama waving" in log


async def test_an_appeal_reaches_the_moderation_channel_once(world):
    admin = world.discord.add_member("grace", admin=True)
    mods = world.discord.add_channel("mods")
    # The bot learns about new channels from the gateway; restart it so its cache has the new one.
    await world.stop_bot()
    await world.start_bot()
    set_channel = await world.discord.slash(admin, "atelier channel", channel=world.discord.channels[mods])
    assert "Appeals now go to" in (await answered(world, set_channel))["content"]
    refusal = await answered(world, await world.discord.slash(world.member, "imagine", prompt="a naked schoolgirl"))
    appeal_id = buttons(refusal)["Appeal"]

    by_someone_else = await world.discord.click(admin, refusal["id"], appeal_id)
    assert "Only the member" in (await answered(world, by_someone_else))["content"]
    appealed = await world.discord.click(world.member, refusal["id"], appeal_id)
    assert "was sent to the moderators" in (await answered(world, appealed))["content"]
    posted = await world.discord.wait_for(lambda: world.discord.channel_messages(mods))
    assert posted[0]["embeds"][0]["title"].startswith("Appeal of case ")
    again = await world.discord.click(world.member, refusal["id"], appeal_id)
    assert "already sent" in (await answered(world, again))["content"]


async def appeal_in_a_thread(world: World, admin: str) -> tuple[str, dict]:
    """A member's edit refused under the strict preset and appealed; returns the thread and the appeal."""
    mods = world.discord.add_channel("mods")
    await world.stop_bot()
    await world.start_bot()
    await answered(world, await world.discord.slash(admin, "atelier channel", channel=world.discord.channels[mods]))
    await answered(world, await world.discord.slash(admin, "atelier rules preset", preset="strict"))
    thread_id, _ = await imagine(world, "a lighthouse")
    refusal = await say(world, thread_id, "add Barack Obama waving")
    assert refusal["content"].startswith("🚫")
    await answered(world, await world.discord.click(world.member, refusal["id"], buttons(refusal)["Appeal"]))
    appeal = await world.discord.wait_for(lambda: world.discord.channel_messages(mods))
    return thread_id, appeal[0]


async def test_an_approved_appeal_tells_the_member_and_draws_the_prompt_once(world):
    admin = world.discord.add_member("grace", admin=True)
    thread_id, appeal = await appeal_in_a_thread(world, admin)
    assert set(buttons(appeal)) == {"Approve", "Deny"}

    by_a_member = await world.discord.click(world.member, appeal["id"], buttons(appeal)["Approve"])
    assert "Manage Server" in (await answered(world, by_a_member))["content"]
    await world.discord.click(admin, appeal["id"], buttons(appeal)["Approve"])

    drawn = await world.discord.wait_for(lambda: results(world, thread_id)[1:] or None)
    assert "> a lighthouse, with barack obama waving" in drawn[0]["content"].lower()
    resolved = world.discord.messages[appeal["id"]]
    assert resolved["components"] == [] and "approved by" in resolved["embeds"][0]["fields"][-1]["value"]
    again = await say(world, thread_id, "#2 add Barack Obama waving")  # approved once, not for good
    assert again["content"].startswith("🚫")


async def test_a_denied_appeal_tells_the_member(world):
    admin = world.discord.add_member("grace", admin=True)
    thread_id, appeal = await appeal_in_a_thread(world, admin)

    await world.discord.click(admin, appeal["id"], buttons(appeal)["Deny"])

    told = await world.discord.wait_for(
        lambda: [m for m in world.discord.channel_messages(thread_id) if "upheld the refusal" in m["content"]] or None
    )
    assert told[0]["content"].startswith(f"<@{world.member}>")
    assert len(results(world, thread_id)) == 1


async def test_members_decide_whether_they_may_be_drawn(world):
    discord = world.discord
    lena = discord.add_member("lena.park", nick="Captain Lena", global_name="Lena Park")
    tom = discord.add_member("tomr", global_name="Tom Reyes")

    denied = await answered(world, await discord.slash(lena, "likeness deny"))
    assert denied["flags"] & 64 and "Nobody can draw you" in denied["content"] and "Captain Lena" in denied["content"]
    allowed = await answered(world, await discord.slash(tom, "likeness allow"))
    assert "You may be drawn" in allowed["content"]

    for prompt in ("Captain Lena as an astronaut", "lena.park riding a horse", "a portrait of Lena Park"):
        refusal = await answered(world, await discord.slash(world.member, "imagine", prompt=prompt))
        assert refusal["content"].startswith("🚫 Not drawn (real people, case "), prompt
        assert "hasn't agreed to be drawn" in refusal["content"]

    _, drawn = await imagine(world, "Tom Reyes as an astronaut")
    assert drawn["attachments"]
    for prompt in ("Tom Reyes in handcuffs", "naked Tom Reyes"):
        refusal = await answered(world, await discord.slash(world.member, "imagine", prompt=prompt))
        assert refusal["content"].startswith("🚫 Not drawn ("), prompt

    admin = discord.add_member("grace", admin=True)
    listing = await answered(world, await discord.slash(admin, "atelier likeness list"))
    assert "Members who haven't chosen: **deny**" in listing["content"]
    assert f"<@{lena}> · deny · Captain Lena" in listing["content"]
    assert f"<@{tom}> · allow · Tom Reyes" in listing["content"]


async def test_the_server_default_applies_to_members_who_have_not_chosen(world):
    discord = world.discord
    admin = discord.add_member("grace", admin=True)
    nina = discord.add_member("nina", global_name="Nina Okafor")
    # Using the bot at all makes a member known by their names.
    await answered(world, await discord.slash(nina, "likeness show"))

    refusal = await answered(world, await discord.slash(world.member, "imagine", prompt="Nina Okafor waving"))
    assert "hasn't agreed to be drawn" in refusal["content"]

    changed = await answered(world, await discord.slash(admin, "atelier likeness default", choice="allow"))
    assert "Members may be drawn here" in changed["content"]
    _, drawn = await imagine(world, "Nina Okafor waving")
    assert drawn["attachments"]
