"""The robustness benchmark runs end to end: originals published as the service does, copies looked up through
the resolver's own path, pictures that are no copy matching nothing."""

import asyncio

from generation.robustness import TRANSFORMS, run, table


def test_a_small_run_resolves_lossless_copies_and_matches_no_stranger():
    figures = asyncio.run(run(count=3, unrelated=4, seed=1))
    assert set(figures["transforms"]) == set(TRANSFORMS)
    assert figures["transforms"]["re-saved without metadata"] == {
        "right": 3,
        "wrong": 0,
        "missed": 0,
        "signals": {"watermark": 3},
    }
    assert figures["false_matches"] == 0
    printed = table(figures)
    assert "| cropped 10 % per side |" in printed
    assert "4 unrelated pictures: 0 matched" in printed
