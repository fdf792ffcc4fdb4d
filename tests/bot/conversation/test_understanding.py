"""The edit understanding: what a member types in a thread and the prompt, negative prompt and strength it gives."""

import pytest

from bot.conversation.prompt import PromptState
from bot.conversation.understanding import Chat, Edit, NewImage, SelectImage, Unclear, Undo, understand

CAT = PromptState.start("a cat sitting on a sofa")
CAT_WITH_HAT = CAT.adding("a hat")
CAT_AT_NIGHT = CAT.with_slot("lighting", "at night")
CAT_WITHOUT_DOG = CAT.removing("dog")
BASE = "a cat sitting on a sofa"
SKY = PromptState.start("a fox under a blue sky")
SNOWING = CAT.with_slot("weather", "in the snow")

EDITS = [
    # Time of day and light.
    ("make it night", CAT, f"{BASE}, at night", "", 0.5),
    ("at sunset", CAT, f"{BASE}, at sunset", "", 0.5),
    ("golden hour please", CAT, f"{BASE}, golden hour light", "", 0.5),
    ("de nuit", CAT, f"{BASE}, at night", "", 0.5),
    ("au coucher du soleil", CAT, f"{BASE}, at sunset", "", 0.5),
    ("mets-le au lever du soleil", CAT, f"{BASE}, at sunrise", "", 0.5),
    ("by candlelight", CAT, f"{BASE}, lit by candlelight", "", 0.5),
    ("now at sunset", CAT_AT_NIGHT, f"{BASE}, at sunset", "", 0.5),
    # Weather.
    ("make it rain", CAT, f"{BASE}, in the rain", "", 0.55),
    ("sous la neige", CAT, f"{BASE}, in the snow", "", 0.55),
    ("foggy", CAT, f"{BASE}, in thick fog", "", 0.55),
    ("avec du brouillard", CAT, f"{BASE}, in thick fog", "", 0.55),
    # Mood.
    ("make it darker", CAT, f"{BASE}, dark, moody atmosphere", "", 0.4),
    ("plus sombre", CAT, f"{BASE}, dark, moody atmosphere", "", 0.4),
    ("can you make it happier please?", CAT, f"{BASE}, happy, cheerful mood", "", 0.4),
    ("rends-le plus joyeux", CAT, f"{BASE}, happy, cheerful mood", "", 0.4),
    ("more dramatic", CAT, f"{BASE}, dramatic mood", "", 0.4),
    ("un peu plus mystérieux", CAT, f"{BASE}, mysterious atmosphere", "", 0.4),
    ("scarier", CAT, f"{BASE}, scary, ominous atmosphere", "", 0.4),
    ("make it cozy", CAT, f"{BASE}, cozy, warm atmosphere", "", 0.4),
    ("plus calme stp", CAT, f"{BASE}, calm, peaceful mood", "", 0.4),
    # Colours.
    ("more colours", CAT, f"{BASE}, vibrant colors", "", 0.45),
    ("plus de couleurs", CAT, f"{BASE}, vibrant colors", "", 0.45),
    ("black and white", CAT, f"{BASE}, black and white", "", 0.45),
    ("en noir et blanc", CAT, f"{BASE}, black and white", "", 0.45),
    ("warmer colors", CAT, f"{BASE}, warm color palette", "", 0.45),
    ("des couleurs plus froides", CAT, f"{BASE}, cool color palette", "", 0.45),
    ("make it blue", CAT, f"{BASE}, blue color scheme", "", 0.45),
    ("en bleu", CAT, f"{BASE}, blue color scheme", "", 0.45),
    ("pastel colours", CAT, f"{BASE}, pastel colors", "", 0.45),
    ("sepia please", CAT, f"{BASE}, sepia tone", "", 0.45),
    ("moins de couleurs", CAT, f"{BASE}, muted colors", "", 0.45),
    # Style.
    ("as a watercolour", CAT, f"{BASE}, watercolor painting", "", 0.65),
    ("make it pixel art", CAT, f"{BASE}, pixel art", "", 0.65),
    ("in anime style", CAT, f"{BASE}, anime style", "", 0.65),
    ("en aquarelle", CAT, f"{BASE}, watercolor painting", "", 0.65),
    ("façon manga", CAT, f"{BASE}, manga style", "", 0.65),
    ("style bande dessinée", CAT, f"{BASE}, comic book style", "", 0.65),
    ("turn it into an oil painting", CAT, f"{BASE}, oil painting", "", 0.65),
    ("photorealistic", CAT, f"{BASE}, photorealistic", "", 0.65),
    ("in the style of ukiyo-e", CAT, f"{BASE}, ukiyo-e woodblock print", "", 0.65),
    ("fais-le en peinture à l'huile", CAT, f"{BASE}, oil painting", "", 0.65),
    ("in the style of a renaissance fresco", CAT, f"{BASE}, in the style of a renaissance fresco", "", 0.65),
    # Adding.
    ("add a hat", CAT, f"{BASE}, with a hat", "", 0.7),
    ("put a red scarf on the cat", CAT, f"{BASE}, with a red scarf on the cat", "", 0.7),
    ("add some birds in the sky", CAT, f"{BASE}, with some birds in the sky", "", 0.8),
    ("ajoute un chapeau", CAT, f"{BASE}, with a hat", "", 0.7),
    ("ajoute un chien noir", CAT, f"{BASE}, with a black dog", "", 0.7),
    ("mets des fleurs sur la table", CAT, f"{BASE}, with some flowers on the table", "", 0.7),
    ("with a rainbow", CAT, f"{BASE}, with a rainbow", "", 0.7),
    ("add a dog", CAT_WITHOUT_DOG, f"{BASE}, with a dog", "", 0.7),
    # Removing: out of the prompt, into the negative prompt.
    ("remove the hat", CAT_WITH_HAT, BASE, "hat", 0.75),
    ("enlève le chapeau", CAT_WITH_HAT, BASE, "hat", 0.75),
    ("without the hat", CAT_WITH_HAT, BASE, "hat", 0.75),
    ("no hat", CAT_WITH_HAT, BASE, "hat", 0.75),
    ("get rid of the hat please", CAT_WITH_HAT, BASE, "hat", 0.75),
    ("supprime le chapeau", CAT_WITH_HAT, BASE, "hat", 0.75),
    # A word that merely contains "and" or "et" is not a conjunction to drop with the removed thing.
    ("enlève le carré", PromptState.start("un grand carré jaune"), "un grand jaune", "carré", 0.75),
    ("remove the dog", CAT, BASE, "dog", 0.75),
    ("sans chien", CAT, BASE, "dog", 0.75),
    ("remove the cat", CAT, "sitting on a sofa", "cat", 0.75),
    # Replacing.
    ("replace the cat with a dog", CAT, "a dog sitting on a sofa", "cat", 0.7),
    ("remplace le chat par un chien", CAT, "a dog sitting on a sofa", "cat", 0.7),
    ("turn the cat into a tiger", CAT, "a tiger sitting on a sofa", "cat", 0.7),
    ("transforme le chat en renard", CAT, "a fox sitting on a sofa", "cat", 0.7),
    ("a dog instead of the cat", CAT, "a dog sitting on a sofa", "cat", 0.7),
    ("swap the sofa for a bench", CAT, "a cat sitting on a bench", "sofa", 0.7),
    ("replace the hat with a crown", CAT_WITH_HAT, f"{BASE}, with a crown", "hat", 0.7),
    ("change the background to a beach", CAT, f"{BASE}, with a beach in the background", "", 0.7),
    ("make the sofa red", CAT, "a cat sitting on a red sofa", "", 0.6),
    ("peins le canapé en rouge", CAT, "a cat sitting on a red sofa", "", 0.6),
    ("make the sky purple", SKY, "a fox under a purple sky", "", 0.6),
    ("change the sky to pink", SKY, "a fox under a pink sky", "", 0.6),
    ("le ciel en violet", SKY, "a fox under a purple sky", "", 0.6),
    ("make it black and white", CAT, f"{BASE}, black and white", "", 0.45),
    ("tout en bleu", CAT, f"{BASE}, blue color scheme", "", 0.45),
    # Less of something, or none of it: out of the prompt and into the negative prompt.
    ("less dramatic", CAT.with_slot("mood", "dramatic mood"), BASE, "dramatic", 0.4),
    ("moins sombre", CAT.with_slot("mood", "dark, moody atmosphere"), BASE, "dark", 0.4),
    ("less snow", SNOWING, BASE, "snow", 0.55),
    ("moins de neige", SNOWING, BASE, "snow", 0.55),
    ("no snow", SNOWING, BASE, "snow", 0.75),
    ("sans pluie", CAT.with_slot("weather", "in the rain"), BASE, "rain", 0.75),
    ("pas de neige", SNOWING, BASE, "snow", 0.75),
    ("remove the rain", CAT.with_slot("weather", "in the rain"), BASE, "rain", 0.75),
    ("plus de chats", CAT, f"{BASE}, with more cats", "", 0.7),
    ("no, make it day", CAT, f"{BASE}, in daylight", "", 0.5),
    ("change it to winter", CAT, f"{BASE}, in winter", "", 0.55),
    ("en hiver", CAT, f"{BASE}, in winter", "", 0.55),
    # Anything else becomes a detail of the prompt.
    ("make it look older", CAT, f"{BASE}, look older", "", 0.55),
]


@pytest.mark.parametrize(
    ("instruction", "state", "prompt", "negative", "strength"),
    EDITS,
    ids=[case[0] for case in EDITS],
)
def test_edit_instructions(instruction, state, prompt, negative, strength):
    intent = understand(instruction, state)
    assert isinstance(intent, Edit), intent
    assert intent.prompt == prompt
    assert intent.negative_prompt == negative
    assert intent.strength == strength


def test_the_table_is_large_enough():
    assert len(EDITS) >= 60


NAVIGATION = [
    ("#2", SelectImage(2, None)),
    ("go back to #2", SelectImage(2, None)),
    ("image 3", SelectImage(3, None)),
    ("retour à l'image 2", SelectImage(2, None)),
    ("#2 but make it night", SelectImage(2, "make it night")),
    ("from #4, add a hat", SelectImage(4, "add a hat")),
    ("back to the original", SelectImage(1, None)),
    ("undo", Undo()),
    ("Undo!", Undo()),
    ("annule", Undo()),
    ("go back", Undo()),
    ("revenir en arrière", Undo()),
    ("new: a red car", NewImage("a red car")),
    ("New image of A Red Car", NewImage("A Red Car")),
    ("start over", NewImage(None)),
    ("nouvelle image : un phare breton", NewImage("un phare breton")),
    ("recommence", NewImage(None)),
    # "new" starts no new image here: these are words no rule reads.
    ("new york at night", Unclear("new york at night")),
    ("thanks!", Chat()),
    ("merci", Chat()),
    ("lol", Chat()),
]


@pytest.mark.parametrize(("instruction", "intent"), NAVIGATION, ids=[case[0] for case in NAVIGATION])
def test_navigation(instruction, intent):
    understood = understand(instruction, CAT)
    if intent is None:
        assert isinstance(understood, Edit)
    else:
        assert understood == intent


def test_the_first_message_is_a_new_image_as_written():
    assert understand("A Fox in the Snow", None) == NewImage("A Fox in the Snow")


def test_edits_accumulate_and_a_second_change_of_the_same_kind_replaces_the_first():
    state = CAT
    for instruction in ("make it night", "as a watercolour", "add a hat", "at sunset", "remove the hat"):
        intent = understand(instruction, state)
        state = intent.state
    assert state.compose() == f"{BASE}, watercolor painting, at sunset"
    assert state.negative_prompt() == "hat"


@pytest.mark.parametrize(
    ("text", "prompt"),
    [
        ('add text that says "HELLO"', f'{BASE}, with text that says "HELLO"'),
        ("add a sign that says “Open Late”", f"{BASE}, with a sign that says “Open Late”"),
        ("ajoute un chat avec une pancarte « CHAT NOIR »", f"{BASE}, with a cat with a pancarte « CHAT NOIR »"),
    ],
)
def test_quoted_words_keep_their_case_and_are_never_translated(text, prompt):
    intent = understand(text, CAT)
    assert isinstance(intent, Edit)
    assert intent.prompt == prompt


def test_a_new_prompt_and_a_move_keep_quoted_words():
    assert understand('new: a poster saying "GO"', CAT) == NewImage(prompt='a poster saying "GO"')
    assert understand('#1 then add "ABC"', CAT) == SelectImage(number=1, then='add "ABC"')


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("bigger eyes", "bigger eyes"),
        ("more detailed please", "more detailed"),
        ("The cat should look at the camera", "The cat should look at the camera"),
        ('Write "HELLO" on the wall', 'Write "HELLO" on the wall'),
        ("only the sky: something strange", "only the sky: something strange"),
    ],
)
def test_a_turn_no_rule_reads_is_not_appended_but_offered_as_written(text, kept):
    assert understand(text, CAT) == Unclear(text=kept)
