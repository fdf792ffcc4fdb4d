"""The story of a conversation: each image under the one it was made from, with what made it and its cost."""

import io

from PIL import Image

from bot.conversation.prompt import PromptState
from bot.conversation.tree import MAX_DRAWN, build, tree_png, tree_text
from bot.storage import StoredImage


def image(number: int, parent: int | None = None, kind: str = "generate", **fields) -> StoredImage:
    return StoredImage(
        conversation="c",
        number=number,
        kind=kind,
        state=PromptState.start("a boat"),
        seed=1,
        width=64,
        height=64,
        parent=parent,
        **fields,
    )


def test_branches_hang_under_their_parent_in_the_order_made():
    roots = build([image(3, 1), image(1), image(2, 1), image(4, 2), image(5)])
    assert [root.image.number for root in roots] == [1, 5]
    assert [child.image.number for child in roots[0].children] == [2, 3]
    assert [child.image.number for child in roots[0].children[0].children] == [4]


def test_an_image_whose_parent_is_missing_is_a_root_rather_than_lost():
    assert [root.image.number for root in build([image(7, 3)])] == [7]


def test_text_names_each_action_rewrite_and_cost():
    images = [
        image(1, action="New image", device_seconds=2.0, joules=720.0),
        image(2, 1, "edit", action="Edit (lighting) of #1", sent_prompt="a luxury watch", device_seconds=1, joules=360),
        image(3, 1, "upscale"),
        image(4, kind="upload"),
    ]
    lines = tree_text(images, current=2).splitlines()
    assert lines[0] == "#1 New image · 2 s GPU, 0.2 Wh"
    assert lines[1] == (
        "├─ #2 Edit (lighting) of #1 · prompt rewritten by moderation: “a luxury watch” · 1 s GPU, 0.1 Wh ◀"
    )
    # Images recorded before actions were kept are named by their kind.
    assert lines[2] == "└─ #3 Upscale of #1"
    assert lines[3] == "#4 A member's picture"
    assert lines[4] == "Images: 4 · 3 s GPU, 0.3 Wh in all"


def test_long_text_is_cut_to_the_limit_and_says_how_much_is_left():
    images = [image(1)] + [image(number, number - 1, "edit") for number in range(2, 200)]
    text = tree_text(images, limit=1000)
    assert len(text) <= 1000
    assert text.splitlines()[-1].startswith("… and ")


def test_the_drawing_is_a_png_that_grows_with_the_branches():
    narrow = Image.open(io.BytesIO(tree_png([image(1), image(2, 1)])))
    wide = Image.open(io.BytesIO(tree_png([image(1), *(image(number, 1) for number in range(2, 8))])))
    assert narrow.format == "PNG"
    assert wide.size[0] > 2 * narrow.size[0]


def test_a_huge_conversation_is_drawn_from_its_latest_images():
    images = [image(1)] + [image(number, 1) for number in range(2, MAX_DRAWN + 40)]
    drawn = Image.open(io.BytesIO(tree_png(images)))
    assert drawn.size[0] < 300 * MAX_DRAWN
