"""Members talking to the bot in Discord, end to end."""

import io

import sqlite_utils
from PIL import Image

from tests.bot.conftest import World


def bot_messages(world: World, channel_id: str) -> list[dict]:
    return [m for m in world.discord.channel_messages(channel_id) if m["author"]["id"] == world.discord.bot_user["id"]]


def results(world: World, channel_id: str) -> list[dict]:
    """Bot messages in a channel that carry a finished image."""
    return [m for m in bot_messages(world, channel_id) if m["attachments"] and m["content"].startswith("**#")]


RESULT_BUTTONS = {
    "Variations",
    "Re-roll",
    "Edit",
    "Region",
    "Upscale",
    "Undo",
    "Provenance",
    "Zoom out 1.5x",
    "Zoom out 2x",
    "Left",
    "Up",
    "Down",
    "Right",
}


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
    assert "seed 7 · 64x64 · builtin:random" in result["content"]
    assert result["attachments"][0]["filename"] == "atelier-1.png"
    assert set(buttons(result)) == RESULT_BUTTONS
    assert all(custom_id.startswith("atelier:") for custom_id in buttons(result).values())
    opening = world.discord.messages[thread_id]
    assert "the conversation continues in the thread" in opening["content"]


async def say(world: World, thread_id: str, text: str, reply_to: str | None = None, attachments=None) -> dict:
    """Post as the member; return the bot's answer once it is final (an image, a move or a warning)."""
    discord = world.discord
    message = await discord.post(world.member, thread_id, text, reply_to=reply_to, attachments=attachments)

    def answer():
        for candidate in bot_messages(world, thread_id):
            reference = candidate.get("message_reference") or {}
            if reference.get("message_id") == message["id"] and not candidate["content"].startswith("⏳"):
                if candidate["content"].startswith(("🎨", "⏳")):
                    return None
                return candidate
        return None

    return await discord.wait_for(answer)


def stored(world: World, thread_id: str, number: int):
    return world.bot.store.image(thread_id, number)


async def test_a_message_in_the_thread_edits_the_previous_image(world):
    thread_id, _ = await imagine(world, "a fox in the snow", seed=3)

    answer = await say(world, thread_id, "make it night")

    assert answer["content"].startswith("**#2** · Edit (lighting) of #1")
    assert "> a fox in the snow, at night" in answer["content"]
    assert answer["attachments"]
    second = stored(world, thread_id, 2)
    assert second.parent == 1
    assert second.seed == 3
    report = await world.client.provenance(second.service_id)
    assert report["parents"] == [stored(world, thread_id, 1).service_id]


async def test_replying_to_an_older_image_branches_from_it(world):
    thread_id, first = await imagine(world, "a fox in the snow")
    await say(world, thread_id, "make it night")

    answer = await say(world, thread_id, "add a red scarf", reply_to=first["id"])

    assert answer["content"].startswith("**#3** · Edit (add) of #1")
    assert "> a fox in the snow, with a red scarf" in answer["content"]
    assert stored(world, thread_id, 3).parent == 1


async def test_numbers_and_undo_move_the_starting_image(world):
    thread_id, _ = await imagine(world, "a fox in the snow")
    await say(world, thread_id, "make it night")

    moved = await say(world, thread_id, "#1")
    assert "Back to #1" in moved["content"]
    edited = await say(world, thread_id, "en aquarelle")
    assert edited["content"].startswith("**#3** · Modification (style) de #1")  # a French turn, a French answer

    undone = await say(world, thread_id, "undo")
    assert "Back to #1" in undone["content"]
    missing = await say(world, thread_id, "#9")
    assert "There is no image #9" in missing["content"]


async def test_the_variations_button_makes_new_seeds_of_that_image(world):
    thread_id, first = await imagine(world, "a fox in the snow", seed=11)
    before = len(results(world, thread_id))

    interaction = await world.discord.click(world.member, first["id"], buttons(first)["Variations"])

    made = await world.discord.wait_for(
        lambda: len(results(world, thread_id)) >= before + 2 and results(world, thread_id)
    )
    assert interaction.responded["type"] == 5
    numbers = [stored(world, thread_id, n) for n in (2, 3)]
    assert all(image.parent == 1 for image in numbers)
    assert len({image.seed for image in numbers}) == 2 and 11 not in {image.seed for image in numbers}
    assert "Variations of #1" in made[-1]["content"]


async def test_after_a_restart_the_thread_and_its_buttons_still_work(world):
    thread_id, first = await imagine(world, "a fox in the snow")

    await world.stop_bot()
    await world.start_bot()

    answer = await say(world, thread_id, "make it night")
    assert answer["content"].startswith("**#2** · Edit (lighting) of #1")
    before = len(results(world, thread_id))
    await world.discord.click(world.member, first["id"], buttons(first)["Re-roll"])
    rerolled = await world.discord.wait_for(
        lambda: len(results(world, thread_id)) > before and results(world, thread_id)
    )
    assert "Re-roll of #1" in rerolled[-1]["content"]


async def test_a_button_of_an_image_that_no_longer_exists_says_so(world):
    thread_id, first = await imagine(world, "a fox in the snow")
    world.bot.store.db["images"].delete((thread_id, 1))

    interaction = await world.discord.click(world.member, first["id"], buttons(first)["Variations"])

    await world.discord.wait_for(lambda: interaction.responded)
    assert interaction.responded["data"]["flags"] & 64
    assert "no longer exists" in interaction.responded["data"]["content"]


async def test_the_edit_modal_rewrites_the_prompt(world):
    thread_id, first = await imagine(world, "a fox in the snow")
    opened = await world.discord.click(world.member, first["id"], buttons(first)["Edit"])
    await world.discord.wait_for(lambda: opened.modal)
    assert opened.responded["type"] == 9

    await world.discord.submit_modal(world.member, opened, {"Prompt": "a wolf in the snow"})

    made = await world.discord.wait_for(lambda: len(results(world, thread_id)) >= 2 and results(world, thread_id))
    assert "**#2** · Rewritten prompt on #1" in made[-1]["content"]
    assert "> a wolf in the snow" in made[-1]["content"]


async def test_the_region_button_edits_only_the_picked_cells_of_the_grid(world):
    thread_id, first = await imagine(world, "a fox in the snow")
    clicked = await world.discord.click(world.member, first["id"], buttons(first)["Region"])
    picker = await world.discord.wait_for(lambda: (m := world.discord.messages.get(clicked.original or "")) and m)
    assert picker["flags"] & 64, "only the member who pressed it sees the grid"
    menu = picker["components"][0]["components"][0]
    assert menu["type"] == 3 and len(menu["options"]) == 9 and menu["max_values"] == 9

    chosen = await world.discord.choose(world.member, picker["id"], menu["custom_id"], ["00", "01"])
    await world.discord.wait_for(lambda: chosen.modal)
    await world.discord.submit_modal(world.member, chosen, {"Instruction": "make it night"})

    made = await world.discord.wait_for(lambda: len(results(world, thread_id)) >= 2 and results(world, thread_id))
    assert "**#2** · Edit (lighting) of #1, only the top left + top centre" in made[-1]["content"]
    parent = Image.open(io.BytesIO(world.discord.files[first["attachments"][0]["id"]])).convert("RGB")
    edited = Image.open(io.BytesIO(world.discord.files[made[-1]["attachments"][0]["id"]])).convert("RGB")
    top = parent.height // 3
    assert list(edited.crop((0, top, *edited.size)).getdata()) == list(parent.crop((0, top, *parent.size)).getdata())
    assert list(edited.crop((0, 0, edited.width // 2, top // 2)).getdata()) != list(
        parent.crop((0, 0, parent.width // 2, top // 2)).getdata()
    )


async def test_zoom_and_pan_buttons_draw_around_the_picture(world):
    thread_id, first = await imagine(world, "a fox in the snow")
    await world.discord.click(world.member, first["id"], buttons(first)["Zoom out 2x"])
    made = await world.discord.wait_for(lambda: len(results(world, thread_id)) >= 2 and results(world, thread_id))
    assert "**#2** · Zoom out 2x of #1" in made[-1]["content"]
    parent = Image.open(io.BytesIO(world.discord.files[first["attachments"][0]["id"]])).convert("RGB")
    zoomed = Image.open(io.BytesIO(world.discord.files[made[-1]["attachments"][0]["id"]])).convert("RGB")
    assert zoomed.size == (parent.width * 2, parent.height * 2)
    middle = (
        parent.width // 2,
        parent.height // 2,
        parent.width // 2 + parent.width,
        parent.height // 2 + parent.height,
    )
    assert list(zoomed.crop(middle).getdata()) == list(parent.getdata())

    await world.discord.click(world.member, first["id"], buttons(first)["Left"])
    made = await world.discord.wait_for(lambda: len(results(world, thread_id)) >= 3 and results(world, thread_id))
    assert "**#3** · More of #1 on the left" in made[-1]["content"]
    panned = Image.open(io.BytesIO(world.discord.files[made[-1]["attachments"][0]["id"]])).convert("RGB")
    assert panned.size == (parent.width * 3 // 2, parent.height)
    assert list(panned.crop((parent.width // 2, 0, *panned.size)).getdata()) == list(parent.getdata())


async def test_a_turn_no_rule_reads_asks_before_touching_the_prompt(world):
    thread_id, _ = await imagine(world, "a fox in the snow")
    answer = await say(world, thread_id, "the fox should look at the camera")
    assert answer["content"].startswith("🤔 I can't read “the fox should look at the camera” as an edit of #1")
    assert not results(world, thread_id)[1:], "nothing was drawn"
    choices = buttons(answer)
    assert set(choices) == {"Add to the prompt", "Use as a new prompt"}

    await world.discord.click(world.member, answer["id"], choices["Add to the prompt"])
    made = await world.discord.wait_for(lambda: len(results(world, thread_id)) >= 2 and results(world, thread_id))
    assert "**#2** · Edit (detail) of #1" in made[-1]["content"]
    assert "a fox in the snow, the fox should look at the camera" in made[-1]["content"]

    await world.discord.click(world.member, answer["id"], choices["Use as a new prompt"])
    made = await world.discord.wait_for(lambda: len(results(world, thread_id)) >= 3 and results(world, thread_id))
    assert "**#3** · New image" in made[-1]["content"]


async def test_provenance_button_and_menu_show_the_credential(world):
    thread_id, _ = await imagine(world, "a fox in the snow")
    await say(world, thread_id, "make it night")
    second = results(world, thread_id)[-1]

    clicked = await world.discord.click(world.member, second["id"], buttons(second)["Provenance"])
    reply = await world.discord.wait_for(
        lambda: (m := world.discord.messages.get(clicked.original or "")) and m.get("embeds") and m
    )
    embed = reply["embeds"][0]
    assert reply["flags"] & 64
    assert "Trusted" in embed["description"]
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert fields["Made from"] == "#1"
    assert "c2pa.opened" in fields["Actions"] and "c2pa.edited" in fields["Actions"]
    assert fields["Model"] == "builtin:random"

    menu = await world.discord.message_menu(world.member, "Show provenance", second["id"])
    reply = await world.discord.wait_for(
        lambda: next(
            (
                m
                for m in world.discord.messages.values()
                if m.get("embeds") and m["flags"] & 64 and m is not None and menu.original == m["id"]
            ),
            None,
        )
    )
    assert "Trusted" in reply["embeds"][0]["description"]


async def test_provenance_finds_a_stripped_copy_by_its_picture(world):
    thread_id, _ = await imagine(world, "a fox in the snow")
    original = await world.client.image(stored(world, thread_id, 1).service_id)
    # Re-encoding drops the credential, as Discord may do.
    buffer = io.BytesIO()
    Image.open(io.BytesIO(original)).convert("RGB").save(buffer, format="JPEG", quality=90)
    copy = world.discord.upload(buffer.getvalue(), "copy.jpg", "image/jpeg")

    interaction = await world.discord.slash(world.member, "provenance show", image=copy)

    reply = await world.discord.wait_for(
        lambda: (m := world.discord.messages.get(interaction.original or "")) and m.get("embeds") and m
    )
    assert "Content credential of #1" in reply["embeds"][0]["title"]
    fields = {field["name"]: field["value"] for field in reply["embeds"][0]["fields"]}
    # 64x64 is too small for a watermark: the perceptual hash found it, through the service's resolver.
    assert fields["Found by"].startswith("its perceptual hash · ")
    story = next(field for field in reply["embeds"][0]["fields"] if field["name"] == "The story of its thread")
    assert "#1 New image" in story["value"]
    assert reply["attachments"][0]["filename"] == "tree.png"


async def test_provenance_tree_tells_the_story_of_the_thread(world):
    thread_id, _ = await imagine(world, "a fox in the snow", seed=3)
    await say(world, thread_id, "make it night")
    await say(world, thread_id, "#1")
    await say(world, thread_id, "plus de couleurs")

    interaction = await world.discord.slash(world.member, "provenance tree", channel_id=thread_id)

    reply = await world.discord.wait_for(
        lambda: (m := world.discord.messages.get(interaction.original or "")) and m.get("embeds") and m
    )
    lines = reply["embeds"][0]["description"].strip("`\n").splitlines()
    assert lines[0].startswith("#1 New image")
    assert lines[1].startswith("├─ #2 Edit (lighting) of #1")
    # Each action reads as the bot answered that turn: in the member's language.
    assert lines[2].startswith("└─ #3 Modification (couleurs) de #1") and lines[2].endswith("◀")
    drawing = Image.open(io.BytesIO(world.discord.files[reply["attachments"][0]["id"]]))
    assert drawing.format == "PNG"


async def test_provenance_tree_outside_a_thread_says_where_to_use_it(world):
    interaction = await world.discord.slash(world.member, "provenance tree")

    reply = await world.discord.wait_for(
        lambda: (m := world.discord.messages.get(interaction.original or "")) and m.get("content") and m
    )
    assert "use /provenance tree in a thread" in reply["content"]


async def test_a_re_posted_copy_of_a_result_edits_its_signed_original(world):
    thread_id, _ = await imagine(world, "a fox in the snow", seed=3)
    await say(world, thread_id, "make it night")
    first = await world.client.image(stored(world, thread_id, 1).service_id)
    buffer = io.BytesIO()
    Image.open(io.BytesIO(first)).convert("RGB").save(buffer, format="JPEG", quality=85)
    copy = world.discord.upload(buffer.getvalue(), "saved.jpg", "image/jpeg")

    answer = await say(world, thread_id, "", attachments=[copy])
    assert "That's a copy of #1" in answer["content"]
    assert world.bot.store.count(thread_id) == 2  # no upload recorded
    edited = await say(world, thread_id, "plus de couleurs")
    assert edited["content"].startswith("**#3**")
    assert stored(world, thread_id, 3).parent == 1


async def test_an_attached_picture_becomes_the_next_starting_image(world):
    thread_id, _ = await imagine(world, "a fox in the snow")
    buffer = io.BytesIO()
    Image.new("RGB", (96, 64), "teal").save(buffer, format="PNG")
    attachment = world.discord.upload(buffer.getvalue(), "mine.png")

    answer = await say(world, thread_id, "", attachments=[attachment])
    assert "Your picture is #2" in answer["content"]
    edited = await say(world, thread_id, "make it night")
    assert edited["content"].startswith("**#3** · Edit (lighting) of #2")
    assert stored(world, thread_id, 3).width == 96


async def test_an_attached_picture_of_any_size_can_be_zoomed_out(world):
    thread_id, _ = await imagine(world, "a fox in the snow")
    buffer = io.BytesIO()
    Image.new("RGB", (100, 75), "teal").save(buffer, format="PNG")
    attachment = world.discord.upload(buffer.getvalue(), "mine.png")
    await say(world, thread_id, "", attachments=[attachment])

    zoomed = await say(world, thread_id, "zoom out 2x")
    assert zoomed["content"].startswith("**#3** · Zoom out 2x of #2"), zoomed["content"]
    assert (stored(world, thread_id, 3).width, stored(world, thread_id, 3).height) == (192, 144)


async def test_a_service_that_is_down_gets_a_clear_message(world):
    thread_id, _ = await imagine(world, "a fox in the snow")
    await world.stop_bot()
    await world.start_bot(service_url="http://127.0.0.1:9")

    answer = await say(world, thread_id, "make it night")

    assert "The image service isn't answering" in answer["content"]


async def test_imagine_inside_a_thread_continues_it_in_the_follow_up(world):
    thread_id, _ = await imagine(world, "a fox in the snow")

    interaction = await world.discord.slash(world.member, "imagine", channel_id=thread_id, prompt="a red car")

    follow_up = await world.discord.wait_for(
        lambda: (m := world.discord.messages.get(interaction.original or "")) and m["attachments"] and m
    )
    assert interaction.responded["type"] == 5
    assert follow_up["content"].startswith("**#2** · New image")
    assert set(buttons(follow_up)) == RESULT_BUTTONS
    assert world.bot.store.current(thread_id).number == 2


async def test_bad_options_are_refused_ephemerally(world):
    interaction = await world.discord.slash(world.member, "imagine", prompt="a fox", size="huge")
    await world.discord.wait_for(lambda: interaction.responded)
    assert interaction.responded["type"] == 4
    assert interaction.responded["data"]["flags"] & 64
    assert "Size 'huge'" in interaction.responded["data"]["content"]


async def test_an_admin_lets_anyone_trace_the_server_s_new_images(world, tmp_path):
    thread_id, _ = await imagine(world, "a fox in the snow")
    admin = world.discord.add_member("grace", admin=True)

    changed = await world.discord.slash(admin, "atelier provenance", results="public")

    await world.discord.wait_for(lambda: changed.responded)
    assert "traced by anyone" in world.discord.messages[changed.original]["content"]
    await say(world, thread_id, "make it night")
    service = sqlite_utils.Database(tmp_path / "data" / "service.db")
    public = {row["id"]: row["public"] for row in service["images"].rows}
    assert public[stored(world, thread_id, 1).service_id] == 0  # made before: stays members-only
    assert public[stored(world, thread_id, 2).service_id] == 1
