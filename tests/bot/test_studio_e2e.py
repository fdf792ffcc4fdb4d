"""A server's studio end to end in Discord: staged rollout by role, budgets, limits, the fair queue, usage."""

import io

from PIL import Image

from tests.bot.conftest import World
from tests.bot.test_discord_e2e import imagine, results
from tests.bot.test_moderation_e2e import answered
from tests.discord_emulator import Member, Role


async def admin_says(world: World, command: str, **options) -> str:
    admin = world.discord.add_member("grace", admin=True)
    return (await answered(world, await world.discord.slash(admin, command, **options)))["content"]


async def test_a_member_outside_the_rollout_is_refused_until_the_admin_widens_it(world):
    supporters = await world.discord.add_role("Supporter")
    everyone = Role(world.discord.guild_id)
    await admin_says(world, "atelier access tier", name="supporters", role=Role(supporters))
    said = await admin_says(world, "atelier access tier", name="everyone", role=everyone, open=False)
    assert said.startswith("✅ Tier **everyone** (closed, rank 2) saved.")

    refused = await answered(world, await world.discord.slash(world.member, "imagine", prompt="a red kite"))
    assert refused["flags"] & 64
    assert refused["content"] == f"Atelier is open to <@&{supporters}> on this server for now."

    await world.discord.give_role(world.member, supporters)
    await imagine(world, "a red kite")  # a supporter may draw

    await world.discord.take_role(world.member, supporters)
    await admin_says(world, "atelier access tier", name="everyone", open=True)
    _, result = await imagine(world, "a blue kite")
    assert result["content"].startswith("**#1**")


async def test_options_beyond_the_tier_are_reduced_with_a_line_saying_so(world):
    await admin_says(world, "atelier access tier", name="everyone", role=Role(world.discord.guild_id), max_steps=2)
    await admin_says(world, "atelier access tier", name="everyone", max_count=1, max_side=64)

    thread_id, result = await imagine(world, "a paper boat", count=3, steps=4, size="128x96")

    assert "Reduced to fit the everyone tier: size 128x96 → 64x64, steps 4 → 2, 3 images → 1." in result["content"]
    assert len(results(world, thread_id)) == 1
    assert "64x64" in result["content"]


async def test_aspects_are_shaped_on_the_size_the_services_model_draws_at(world):
    # The test service draws at 64x64 by default (as the built-in model does); the bot learns it from the service.
    _, result = await imagine(world, "a paper boat", size="portrait")
    assert "64x96" in result["content"]


async def test_a_member_past_the_daily_budget_is_told_when_it_resets(world):
    await admin_says(
        world, "atelier access tier", name="everyone", role=Role(world.discord.guild_id), daily_gpu_seconds=0.001
    )
    await imagine(world, "a lantern")  # the first job may overrun the budget; the next can't start

    interaction = await world.discord.slash(world.member, "imagine", prompt="another lantern")
    thread = await world.discord.wait_for(
        lambda: next((c for c in world.discord.channels.values() if c.get("name") == "another lantern"), None)
    )
    refusal = await world.discord.wait_for(
        lambda: next((m for m in world.discord.channel_messages(thread["id"]) if m["content"].startswith("⚠️")), None)
    )
    assert interaction.responded
    assert "You've used today's budget for the everyone tier; it starts again <t:" in refusal["content"]

    granted = await admin_says(world, "atelier quota grant", member=Member(world.member), gpu_seconds=600.0)
    assert granted.startswith("✅")
    await imagine(world, "a third lantern")


async def test_usage_figures_are_the_jobs_run_and_the_chart_is_a_png(world):
    thread_id, _ = await imagine(world, "a windmill", count=2)
    images = [world.bot.store.image(thread_id, number) for number in (1, 2)]
    seconds = sum(image.device_seconds for image in images)

    usage = await answered(world, await world.discord.slash(world.member, "usage"))
    fields = {field["name"]: field["value"] for field in usage["embeds"][0]["fields"]}
    assert fields["Today"].startswith(f"2 images · {seconds:.1f} s GPU · ")
    assert fields["This month"] == fields["Today"]
    assert fields["Left today"] == "no daily budget"

    admin = world.discord.add_member("grace", admin=True)
    report = await answered(world, await world.discord.slash(admin, "atelier usage", days=30))
    assert report["embeds"][0]["title"] == "Atelier usage, last 30 days"
    assert (
        f"<@{world.member}>: 2 images" in {f["name"]: f["value"] for f in report["embeds"][0]["fields"]}["Top members"]
    )
    chart = report["attachments"][0]
    assert chart["filename"] == "usage.png"
    with Image.open(io.BytesIO(world.discord.files[chart["id"]])) as picture:
        assert picture.format == "PNG" and picture.size == (1000, 500)


async def test_the_fair_queue_interleaves_two_members_bursts(world):
    await world.stop_bot()
    world.config = world.config.with_overrides(studio={"server_concurrency": 1, "concurrent": 1})
    await world.start_bot()
    bob = world.discord.add_member("bob")
    prompts = [(world.member, f"ada {n}") for n in range(3)] + [(bob, f"bob {n}") for n in range(3)]
    for member, prompt in prompts:
        await world.discord.slash(member, "imagine", prompt=prompt)

    for _, prompt in prompts:
        thread = await world.discord.wait_for(
            lambda prompt=prompt: next((c for c in world.discord.channels.values() if c.get("name") == prompt), None)
        )
        await world.discord.wait_for(lambda thread=thread: results(world, thread["id"]))

    order = [row["user_id"] for row in world.bot.store.db["charges"].rows_where(order_by="created_at")]
    ada, bob_id = int(world.member), int(bob)
    assert order == [ada, bob_id, ada, bob_id, ada, bob_id]


async def test_a_members_role_counts_for_messages_read_after_a_reconnect(world):
    supporters = await world.discord.add_role("Supporter")
    await admin_says(world, "atelier access tier", name="supporters", role=Role(supporters))
    await world.discord.give_role(world.member, supporters)
    thread_id, _ = await imagine(world, "a greenhouse")
    await world.stop_bot()
    await world.discord.post(world.member, thread_id, "make it night")  # read from history: no member roles in it

    await world.start_bot()

    answer = await world.discord.wait_for(lambda: results(world, thread_id)[1:] or None)
    assert answer[0]["content"].startswith("**#2**")


async def test_buttons_under_a_private_result_answer_privately(world):
    await answered(world, await world.discord.slash(world.member, "settings", private="ephemeral"))
    interaction = await world.discord.slash(world.member, "imagine", prompt="a secret garden")
    first = await world.discord.wait_for(
        lambda: next(
            (m for m in world.discord.messages.values() if m["attachments"] and "a secret garden" in m["content"]),
            None,
        )
    )
    assert first["flags"] & 64 and interaction.responded["data"]["flags"] & 64
    assert not [c for c in world.discord.channels.values() if c.get("name") == "a secret garden"]

    button = next(c["custom_id"] for row in first["components"] for c in row["components"] if c["label"] == "Re-roll")
    click = await world.discord.click(world.member, first["id"], button)
    again = await world.discord.wait_for(
        lambda: (m := world.discord.messages.get(click.original or "")) and m["attachments"] and m
    )
    assert again["flags"] & 64
