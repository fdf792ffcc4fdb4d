"""Zoom out, pan and new aspect ratios: what a member types, and the canvas it asks for."""

import pytest

from bot.conversation.engine import margins
from bot.conversation.prompt import PromptState
from bot.conversation.understanding import Outpaint, understand

HOUSE = PromptState.start("a red house in a field")

OUTPAINTS = [
    ("zoom out", Outpaint(zoom=1.5)),
    ("zoom out 2x", Outpaint(zoom=2.0)),
    ("zoom out x3", Outpaint(zoom=3.0)),
    ("please zoom out by 1.5x", Outpaint(zoom=1.5)),
    ("dézoome", Outpaint(zoom=1.5)),
    ("dézoome 2x", Outpaint(zoom=2.0)),
    ("fais un zoom arrière", Outpaint(zoom=1.5)),
    ("show more on the left", Outpaint(side="left")),
    ("extend to the right", Outpaint(side="right")),
    ("pan up", Outpaint(side="top")),
    ("étends vers la gauche", Outpaint(side="left")),
    ("élargis à droite", Outpaint(side="right")),
    ("montre plus en bas", Outpaint(side="bottom")),
    ("make it 16:9", Outpaint(ratio=(16, 9))),
    ("16:9", Outpaint(ratio=(16, 9))),
    ("en 16/9", Outpaint(ratio=(16, 9))),
    ("en format portrait", Outpaint(ratio=(2, 3))),
    ("portrait format", Outpaint(ratio=(2, 3))),
    ("make it portrait", Outpaint(ratio=(2, 3))),
    ("format paysage", Outpaint(ratio=(3, 2))),
    ("square", Outpaint(ratio=(1, 1))),
    ("make it square", Outpaint(ratio=(1, 1))),
    ("format carré", Outpaint(ratio=(1, 1))),
    ("widescreen", Outpaint(ratio=(16, 9))),
]


@pytest.mark.parametrize(("text", "expected"), OUTPAINTS)
def test_zoom_pan_and_aspect_turns_ask_for_more_picture(text, expected):
    assert understand(text, HOUSE) == expected


@pytest.mark.parametrize("text", ["a portrait", "make it a portrait", "landscape", "add a square", "zoom in"])
def test_words_that_name_a_kind_of_picture_or_a_thing_do_not_reframe(text):
    assert not isinstance(understand(text, HOUSE), Outpaint)


@pytest.mark.parametrize(
    ("outpaint", "size", "expected"),
    [
        (Outpaint(zoom=1.5), (64, 64), (16, 16, 16, 16)),
        (Outpaint(zoom=2.0), (512, 768), (256, 384, 256, 384)),
        (Outpaint(side="left"), (64, 96), (32, 0, 0, 0)),
        (Outpaint(side="bottom"), (64, 96), (0, 0, 0, 48)),
        (Outpaint(ratio=(16, 9)), (64, 64), (24, 0, 24, 0)),
        (Outpaint(ratio=(2, 3)), (64, 64), (0, 16, 0, 16)),
        (Outpaint(ratio=(1, 1)), (96, 64), (0, 16, 0, 16)),
        (Outpaint(ratio=(1, 1)), (64, 64), (0, 0, 0, 0)),
    ],
)
def test_the_canvas_grows_around_the_picture_in_multiples_of_8(outpaint, size, expected):
    extend = margins(outpaint, *size)
    assert extend == expected
    left, top, right, bottom = extend
    assert (size[0] + left + right) % 8 == 0 and (size[1] + top + bottom) % 8 == 0
