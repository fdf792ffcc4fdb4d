"""The pixel judge: a picture of the scene passes, a picture of another scene fails where it differs."""

import random
from dataclasses import replace

import numpy as np
from PIL import Image

from generation.builtin.judge import judge, nearest_colour
from generation.builtin.world import Scene, Thing, is_valid, random_scene, render

SCENE = Scene(
    things=(Thing("circle", "red", "small", "left"), Thing("star", "green", "large", "right")),
    background="blue",
)


def test_the_picture_of_a_scene_passes_every_check():
    rng = random.Random(5)
    scenes = [random_scene(rng) for _ in range(200)]
    assert all(judge(render(scene), scene).all for scene in scenes)


def test_a_wrong_background_fails_the_background_only():
    drawn = render(replace(SCENE, background="black"))
    verdict = judge(drawn, SCENE)
    assert not verdict.background and all(verdict.colours)


def test_a_wrong_colour_fails_that_object():
    other = replace(SCENE, things=(SCENE.things[0], replace(SCENE.things[1], colour="yellow")))
    assert is_valid(other)
    verdict = judge(render(other), SCENE)
    assert verdict.colours == (True, False) and verdict.background


def test_an_object_on_the_wrong_side_fails_its_side():
    moved = replace(
        SCENE, things=(replace(SCENE.things[0], position="right"), replace(SCENE.things[1], position="left"))
    )
    assert not any(judge(render(moved), SCENE).sides)


def test_a_missing_object_fails_the_count():
    assert not judge(render(replace(SCENE, things=SCENE.things[:1])), SCENE).count


def test_noise_passes_nothing():
    picture = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8))
    assert not judge(picture, SCENE).all
    assert nearest_colour(np.array([250, 10, 10])) == "red"
