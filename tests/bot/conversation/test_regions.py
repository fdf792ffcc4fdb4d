"""Region words and grid cells: which part of the picture a turn changes, and the mask that keeps the rest."""

import numpy as np
import pytest

from bot.conversation.prompt import PromptState
from bot.conversation.regions import REGIONS, ThingArea, grid_region, restricted
from bot.conversation.understanding import REGION_STRENGTH, Edit, EditKind, Unclear, understand

HOUSE = PromptState.start("a red house in a field")
BASE = "a red house in a field"

REGION_TURNS = [
    # A restricted change: the region is named with "only", "just", "everything but" or leads the turn.
    ("make only the sky purple", EditKind.RECOLOUR, f"{BASE}, purple sky", "top half"),
    ("only the sky: make it purple", EditKind.COLOUR, f"{BASE}, purple color scheme", "top half"),
    ("just the background: make it snowy", EditKind.WEATHER, f"{BASE}, in the snow", "border"),
    ("only the left half: make it night", EditKind.LIGHTING, f"{BASE}, at night", "left half"),
    ("make only the left half green", EditKind.COLOUR, f"{BASE}, green color scheme", "left half"),
    ("make just the top right corner darker", EditKind.MOOD, f"{BASE}, dark, moody atmosphere", "top right"),
    ("in the top left corner, add a bird", EditKind.ADD, f"{BASE}, with a bird", "top left"),
    ("in the middle: make it night", EditKind.LIGHTING, f"{BASE}, at night", "centre"),
    ("everything but the centre in black and white", EditKind.COLOUR, f"{BASE}, black and white", None),
    ("remove only the left cat", EditKind.REMOVE, BASE, "left third"),
    # An addition placed somewhere goes only there.
    ("add a moon in the top right corner", EditKind.ADD, f"{BASE}, with a moon in the top right corner", "top right"),
    ("add a tree on the left", EditKind.ADD, f"{BASE}, with a tree on the left", "left third"),
    ("put a sun at the top", EditKind.ADD, f"{BASE}, with a sun at the top", "top third"),
    # French.
    ("seulement le ciel en violet", EditKind.RECOLOUR, f"{BASE}, purple sky", "top half"),
    ("juste le fond, en bleu", EditKind.COLOUR, f"{BASE}, blue color scheme", "border"),
    ("uniquement la moitié gauche : de nuit", EditKind.LIGHTING, f"{BASE}, at night", "left half"),
    ("tout sauf le centre en noir et blanc", EditKind.COLOUR, f"{BASE}, black and white", None),
    ("ajoute une lune en haut à droite", EditKind.ADD, f"{BASE}, with a moon in the top right corner", "top right"),
    ("mets un chat au milieu", EditKind.ADD, f"{BASE}, with a cat in the centre", "centre"),
    ("seulement le coin en haut à droite, plus sombre", EditKind.MOOD, f"{BASE}, dark, moody atmosphere", "top right"),
    ("add birds in the sky", EditKind.ADD, f"{BASE}, with birds in the sky", "top half"),
    ("dans le coin inférieur gauche, ajoute une fleur", EditKind.ADD, f"{BASE}, with a flower", "bottom left"),
]


@pytest.mark.parametrize(("text", "kind", "prompt", "region"), REGION_TURNS)
def test_a_turn_naming_a_region_edits_only_that_region(text, kind, prompt, region):
    edit = understand(text, HOUSE)
    assert isinstance(edit, Edit)
    assert (edit.kind, edit.prompt) == (kind, prompt)
    assert edit.region is not None
    assert edit.strength == REGION_STRENGTH
    if region is None:
        assert edit.region.name == "everything but the centre"
        assert edit.region.outside
    else:
        assert edit.region.name == region


@pytest.mark.parametrize(
    "text",
    [
        "make it night",
        "make the background green",
        "add a hat",
        "a lighthouse on the left instead of the house",
        "just make it brighter",
        "only more colours",
        "the topping should be red",
    ],
)
def test_a_turn_without_a_region_edits_the_whole_picture(text):
    assert getattr(understand(text, HOUSE), "region", None) is None


@pytest.mark.parametrize(
    ("text", "thing", "prompt"),
    [
        ("make only the door blue", "door", "a red house in a field, blue door"),
        ("just the door: make it blue", "door", "a red house in a field, blue color scheme"),
        ("rends seulement la porte bleue", "door", "a red house in a field, blue door"),
        ("make only the roof green", "roof", "a red house in a field, green roof"),
    ],
)
def test_a_thing_named_after_only_is_found_by_the_segmentation_model(text, thing, prompt):
    edit = understand(text, HOUSE)
    assert isinstance(edit, Edit)
    assert edit.region == ThingArea(thing)
    assert edit.prompt == prompt
    assert edit.strength == REGION_STRENGTH


def _pixels(region, width=96, height=64):
    return np.asarray(region.mask(width, height))


def test_a_mask_is_white_inside_black_outside_with_a_soft_edge_only_inside():
    mask = _pixels(REGIONS["left half"])
    assert mask.shape == (64, 96)
    assert (mask[:, 48:] == 0).all(), "nothing right of the half may be repainted"
    assert (mask[:, :40] == 255).all(), "deep inside, the region is repainted fully"
    edge = mask[32, 40:48]
    assert (np.diff(edge.astype(int)) <= 0).all() and 0 < edge[-1] < 255, "the edge fades towards the outside"


def test_the_pictures_own_border_is_not_an_edge():
    mask = _pixels(REGIONS["top left"])
    assert mask[0, 0] == 255 and mask[0, 10] == 255 and mask[10, 0] == 255


def test_everything_but_a_region_is_its_complement():
    centre, border = _pixels(REGIONS["centre"]), _pixels(REGIONS["centre"].inverted())
    assert ((centre > 0) ^ (border > 0)).all()
    assert REGIONS["centre"].inverted().inverted() == REGIONS["centre"]


def test_grid_cells_together_make_one_region_without_a_seam():
    region = grid_region({(0, 0), (0, 1)})
    assert region.name == "top left + top centre"
    mask = _pixels(region, 90, 90)
    assert (mask[:25, :55] == 255).all(), "no fade between two picked cells"
    assert (mask[30:, :] == 0).all() and (mask[:, 60:] == 0).all()


def test_grid_cells_out_of_the_grid_are_refused():
    with pytest.raises(ValueError, match="row, column"):
        grid_region({(3, 0)})
    with pytest.raises(ValueError, match="at least one"):
        grid_region(set())


def test_a_region_round_trips_through_json():
    region = grid_region({(2, 2), (1, 1)}).inverted()
    assert type(region).from_json(region.to_json()) == region


def test_a_region_alone_is_not_an_instruction():
    located = restricted("only the sky")
    assert located is not None and located.instruction == ""
    assert understand("only the sky", HOUSE) == Unclear("only the sky")
