import itertools
import random

import numpy as np
import pytest

from generation.builtin import world
from generation.builtin.world import COLOURS, POSITIONS, SHAPES, SIZES, Scene, Thing


def some_scenes(count: int, seed: int = 0) -> list[Scene]:
    rng = random.Random(seed)
    return [world.random_scene(rng) for _ in range(count)]


def all_captions(scene: Scene, language: str, tries: int = 400) -> set[str]:
    rng = random.Random(0)
    return {world.caption(scene, rng, language) for _ in range(tries)}


def test_rendering_is_deterministic_and_sized():
    for scene in some_scenes(30):
        first = world.render(scene)
        assert first.mode == "RGB" and first.size == (64, 64)
        assert first.tobytes() == world.render(scene).tobytes()
    assert world.render(scene, size=96).size == (96, 96)


def test_random_scenes_are_valid():
    scenes = some_scenes(1000)
    assert all(world.is_valid(scene) for scene in scenes)
    assert {len(scene.things) for scene in scenes} == {1, 2, 3}
    assert {scene.background for scene in scenes} == set(world.BACKGROUNDS)


def test_every_place_on_every_background_leaves_colours_that_stand_out():
    for background, size, position in itertools.product(world.BACKGROUNDS, SIZES, POSITIONS):
        allowed = [c for c in COLOURS if world.contrasts(c, background, size, position)]
        assert len(allowed) >= 3, (background, size, position)
        assert background not in allowed
    assert not world.contrasts("black", "night sky", "small", "top")
    assert not world.contrasts("orange", "yellow", "small", "top")
    assert world.contrasts("yellow", "sunset", "small", "top")  # purple up there
    assert not world.contrasts("yellow", "sunset", "large", "bottom")  # orange down there


def test_masks_hold_their_colours():
    for scene in some_scenes(300, seed=1):
        image = np.asarray(world.render(scene), dtype=np.float64)
        for index, thing in enumerate(scene.things):
            inner = world.interior(world.object_mask(scene, index))
            assert inner.sum() > 10, thing
            mean = image[inner].mean(axis=0)
            assert np.abs(mean - COLOURS[thing.colour]).max() < 12, (scene, thing, mean)
        if scene.background in COLOURS:
            inner = world.interior(world.background_mask(scene))
            mean = image[inner].mean(axis=0)
            assert np.abs(mean - COLOURS[scene.background]).max() < 2, (scene, mean)


def test_a_plain_background_is_exactly_its_colour_away_from_objects():
    scene = Scene((Thing("star", "white", "small", "top left"),), "blue")
    image = np.asarray(world.render(scene))
    untouched = world.coverage(scene, 0) == 0
    assert untouched.sum() > 3000
    assert (image[untouched] == COLOURS["blue"]).all()
    assert (image[world.coverage(scene, 0) == 1] == COLOURS["white"]).all()


def test_objects_lie_where_their_position_says():
    for shape, size, position in itertools.product(SHAPES, SIZES, POSITIONS):
        scene = Scene((Thing(shape, "red", size, position),), "white")
        mask = world.object_mask(scene, 0)
        rows, cols = np.nonzero(mask)
        x, y = cols.mean() / 64, rows.mean() / 64
        words = position.split()
        expected_x = "left" if "left" in words else "right" if "right" in words else "middle"
        expected_y = "top" if "top" in words else "bottom" if "bottom" in words else "middle"
        assert {"left": x < 0.35, "right": x > 0.65, "middle": 0.4 < x < 0.6}[expected_x], (shape, size, position, x)
        assert {"top": y < 0.35, "bottom": y > 0.65, "middle": 0.4 < y < 0.6}[expected_y], (shape, size, position, y)
        # The whole object is inside the picture, not clipped by its edge.
        assert not (mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any())
        # Small about a fifth of the side, large about two fifths, whatever the shape.
        extent = max(np.ptp(rows), np.ptp(cols)) + 1
        assert (11 <= extent <= 14) if size == "small" else (23 <= extent <= 27), (shape, size, extent)


def test_objects_never_overlap_and_masks_split_the_picture():
    for scene in some_scenes(400, seed=2):
        covered = [world.coverage(scene, index) > 0 for index in range(len(scene.things))]
        for a, b in itertools.combinations(covered, 2):
            assert not (a & b).any(), scene
        masks = [world.object_mask(scene, index) for index in range(len(scene.things))]
        total = sum(mask.astype(int) for mask in masks) + world.background_mask(scene)
        assert (total == 1).all()


@pytest.mark.parametrize("language", world.LANGUAGES)
def test_every_caption_reads_back_to_its_scene(language):
    rng = random.Random(3)
    templates_seen = set()
    for _ in range(2000):
        scene = world.random_scene(rng)
        text = world.caption(scene, rng, language)
        assert text == text.lower()
        assert world.parse_caption(text) == scene, text
        patterns = world._patterns(language)
        templates_seen.add(next(i for i, pattern in enumerate(patterns) if pattern.fullmatch(text)))
    assert templates_seen == set(range(len(world._TEMPLATES[language])))
    assert len(world._TEMPLATES[language]) >= 6


def test_samples_read_back_and_use_only_the_vocabulary():
    vocabulary = world.vocabulary()
    assert vocabulary == sorted(set(vocabulary))
    known = set(vocabulary)
    used = set()
    for scene, text in world.samples(4, 2000):
        assert world.parse_caption(text) == scene, text
        assert set(world.tokens(text)) <= known, text
        used.update(world.tokens(text))
    assert len(used) > 0.9 * len(known)


def test_tokens_keep_commas_and_elisions_apart():
    assert world.tokens("un dégradé de l'orange au violet, fond bleu") == [
        "un",
        "dégradé",
        "de",
        "l'",
        "orange",
        "au",
        "violet",
        ",",
        "fond",
        "bleu",
    ]
    assert {"l'", ",", "centre", "center", "étoile", "cœur"} <= set(world.vocabulary())


def test_english_says_both_centre_and_center():
    scene = Scene((Thing("square", "yellow", "large", "centre"),), "blue")
    captions = all_captions(scene, "en")
    assert "a large yellow square in the centre on a blue background" in captions
    assert any(" center" in text for text in captions) and any(" centre" in text for text in captions)
    assert "a large yellow square in the center, blue background" in captions


def test_french_reads_as_expected():
    square = Scene((Thing("square", "yellow", "large", "centre"),), "blue")
    assert "un grand carré jaune au centre sur fond bleu" in all_captions(square, "fr")
    star = Scene((Thing("star", "red", "small", "top left"),), "night sky")
    assert "une petite étoile rouge en haut à gauche, ciel de nuit" in all_captions(star, "fr")
    two = Scene((Thing("circle", "red", "small", "left"), Thing("star", "green", "small", "right")), "black")
    assert "un petit cercle rouge à gauche et une petite étoile verte à droite sur fond noir" in all_captions(two, "fr")
    sunset = Scene((Thing("heart", "white", "large", "top"),), "sunset")
    assert "un coucher de soleil avec un grand cœur blanc en haut" in all_captions(sunset, "fr")
    gradient = Scene((Thing("circle", "white", "small", "bottom right"),), "blue to green")
    assert "un petit cercle blanc en bas à droite sur un dégradé du bleu au vert" in all_captions(gradient, "fr")
    for background, words in (
        ("orange to purple", "de l'orange au violet"),
        ("brown to orange", "du marron à l'orange"),
    ):
        scene = Scene((Thing("circle", "white", "small", "top"),), background)
        assert any(f"dégradé {words}" in text for text in all_captions(scene, "fr"))


@pytest.mark.parametrize(
    ("thing", "phrase"),
    [
        (Thing("star", "white", "small", "left"), "une petite étoile blanche à gauche"),
        (Thing("circle", "white", "small", "left"), "un petit cercle blanc à gauche"),
        (Thing("star", "purple", "large", "right"), "une grande étoile violette à droite"),
        (Thing("heart", "purple", "large", "right"), "un grand cœur violet à droite"),
        (Thing("star", "green", "small", "top"), "une petite étoile verte en haut"),
        (Thing("star", "grey", "small", "bottom"), "une petite étoile grise en bas"),
        (Thing("star", "brown", "small", "bottom"), "une petite étoile marron en bas"),
        (Thing("star", "pink", "small", "bottom"), "une petite étoile rose en bas"),
        (Thing("star", "orange", "small", "bottom"), "une petite étoile orange en bas"),
        (Thing("triangle", "black", "large", "bottom left"), "un grand triangle noir en bas à gauche"),
        (Thing("star", "black", "large", "bottom left"), "une grande étoile noire en bas à gauche"),
        (Thing("square", "blue", "small", "centre"), "un petit carré bleu au centre"),
        (Thing("star", "blue", "small", "centre"), "une petite étoile bleue au milieu"),
    ],
)
def test_french_adjectives_agree(thing, phrase):
    scene = Scene((thing,), "yellow")
    assert any(text.startswith(phrase + " ") for text in all_captions(scene, "fr")), phrase
    assert world.parse_caption(phrase + " sur fond jaune") == scene


def test_what_is_not_a_caption_does_not_parse():
    assert world.parse_caption("une petit étoile blanche à gauche sur fond noir") is None  # wrong agreement
    assert world.parse_caption("a purple dragon on a blue background") is None
    assert world.parse_caption("") is None
    assert world.parse_caption("A Large Yellow Square in the Centre on a Blue Background.") == Scene(
        (Thing("square", "yellow", "large", "centre"),), "blue"
    )


def test_samples_are_deterministic_per_seed():
    first = list(world.samples(5, 200))
    assert first == list(world.samples(5, 200))
    assert first != list(world.samples(6, 200))
    assert {world.language_of(text) for _, text in first} == {"en", "fr"}
    for language in world.LANGUAGES:
        only = list(world.samples(5, 100, languages=(language,)))
        assert {world.language_of(text) for _, text in only} == {language}


def test_held_out_scenes_never_reach_training():
    training = list(world.samples(7, 3000))
    held_out = list(world.samples(7, 200, held_out=True))
    assert not any(world.is_held_out(scene) for scene, _ in training)
    assert len(held_out) == 200 and all(world.is_held_out(scene) for scene, _ in held_out)
    assert not {scene for scene, _ in training} & {scene for scene, _ in held_out}
    # The split is about the picture, not the order its objects happen to be listed in.
    scene = next(scene for scene, _ in held_out if len(scene.things) > 1)
    assert world.is_held_out(Scene(tuple(reversed(scene.things)), scene.background))


def test_the_language_of_a_caption_is_known_and_none_outside_the_world():
    assert world.language_of("a large yellow square in the centre on a blue background") == "en"
    assert world.language_of("Un grand carré jaune au centre sur fond bleu.") == "fr"
    assert world.language_of("a fox in the snow") is None
