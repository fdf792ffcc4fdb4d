"""A server's named styles as members name them in a thread, in English and French."""

import pytest

from bot.conversation.prompt import PromptState
from bot.conversation.understanding import clean
from bot.studio.styles import Style, style_named_in

NEON = Style(name="néon", suffix="neon lights, synthwave", negative="blurry", loras=(("glow", 0.5),))
STYLES = {"néon": NEON}


@pytest.mark.parametrize(
    "text",
    [
        "en style néon",
        "Style néon",
        "use the néon style",
        "dans le style néon",
        "applique le style néon",
        "néon style please",
    ],
)
def test_a_style_is_asked_for_by_name(text):
    assert style_named_in(clean(text), STYLES) == NEON


@pytest.mark.parametrize("text", ["en style aquarelle", "make it neon", "style", "a néon sign in the style of the 80s"])
def test_other_turns_name_no_style(text):
    assert style_named_in(clean(text), STYLES) is None


def test_a_style_sets_the_style_slot_its_negative_and_loras_which_go_with_the_slot():
    styled = PromptState.start("a harbour").with_style(NEON.suffix, NEON.negative, NEON.loras)
    assert styled.compose() == "a harbour, neon lights, synthwave"
    assert styled.negative_prompt() == "blurry"
    assert styled.loras == (("glow", 0.5),)
    assert PromptState.from_json(styled.to_json()) == styled
    assert styled.with_slot("style", "watercolor painting").loras == ()
    assert styled.with_slot("lighting", "at night").loras == (("glow", 0.5),)
