import random

import numpy as np
import pytest

from generation.builtin import world
from generation.builtin.evaluate import EDIT_KINDS, edited_scene, region_mask, report
from generation.builtin.world import Scene, Thing

SCENE = Scene((Thing("circle", "red", "small", "left"), Thing("star", "yellow", "small", "right")), "blue")


@pytest.mark.parametrize("seed", range(20))
def test_each_edit_changes_what_it_says_and_keeps_the_rest(seed):
    rng = random.Random(seed)
    scene, _ = next(world.samples(seed, 1, held_out=True))
    for kind in EDIT_KINDS:
        case = edited_scene(scene, kind, rng)
        if case is None:
            continue
        edited = case.scene
        assert world.is_valid(edited) and edited != scene
        if kind == "background":
            assert edited.things == scene.things and edited.background in world.COLOURS
        elif kind in ("recolour", "region"):
            changed = [i for i, (a, b) in enumerate(zip(scene.things, edited.things, strict=True)) if a != b]
            assert changed == [case.index]
            old, new = scene.things[case.index], edited.things[case.index]
            assert (old.shape, old.size, old.position) == (new.shape, new.size, new.position)
            assert edited.background == scene.background
        elif kind == "add":
            assert edited.things[:-1] == scene.things and len(edited.things) == len(scene.things) + 1
        else:
            assert len(edited.things) == len(scene.things) - 1 and set(edited.things) < set(scene.things)


def test_impossible_edits_are_skipped():
    full = Scene(
        (
            Thing("circle", "red", "small", "left"),
            Thing("star", "yellow", "small", "right"),
            Thing("heart", "pink", "small", "top"),
        ),
        "blue",
    )
    alone = Scene((Thing("square", "white", "large", "centre"),), "black")
    assert edited_scene(full, "add", random.Random(0)) is None
    assert edited_scene(alone, "remove", random.Random(0)) is None


def test_a_region_mask_covers_its_object_and_a_margin_but_not_the_others():
    mask = np.asarray(region_mask(SCENE, 0, 64)) > 0
    circle, star = world.object_mask(SCENE, 0), world.object_mask(SCENE, 1)
    assert mask[circle].all() and mask.sum() > circle.sum()
    assert not mask[star].any()


def test_the_report_names_each_rate_and_the_targets_it_missed():
    def figure(hits, total):
        return {"rate": hits / total if total else None, "hits": hits, "total": total}

    summary = {
        "model": "builtin:tiny",
        "held_out_captions": 200,
        "seconds": 1.0,
        "background": figure(199, 200),
        "object_colour": figure(300, 400),
        "left_right": figure(90, 100),
        "top_bottom": figure(80, 100),
        "count": figure(170, 200),
        "all": figure(100, 200),
        "edits": figure(0, 0),
        "edits_by_kind": {kind: figure(0, 0) for kind in EDIT_KINDS},
    }
    lines = report(summary).splitlines()
    assert lines[1].startswith("background") and "99.5%" in lines[1] and "missed" not in lines[1]
    assert "75.0%" in lines[2] and "(target 90%, missed)" in lines[2]
    assert "n/a" in lines[7]
