"""/help's examples are run through the real understanding: each must do what a member would expect."""

import pytest

from bot.conversation.prompt import PromptState
from bot.conversation.understanding import Chat, NewImage, understand
from bot.exts.help import EXAMPLE_PROMPT, EXAMPLES, example_line


@pytest.mark.parametrize("text", EXAMPLES)
def test_every_help_example_is_understood(text):
    intent = understand(text, PromptState.start(EXAMPLE_PROMPT))
    assert not isinstance(intent, Chat)
    assert isinstance(intent, NewImage) == text.startswith("new:")


def test_help_lines_show_the_prompt_each_example_makes():
    assert example_line("make it night") == "`make it night` → a cottage in a forest, at night"
    assert example_line("remove the chimney").endswith("(without: chimney)")
