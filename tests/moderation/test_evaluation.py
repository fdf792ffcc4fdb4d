"""The evaluation set as a guard: evasions stay caught and harmless look-alikes stay allowed."""

from moderation.engine import Moderator
from moderation.evaluation import DEFAULT_CASES, evaluate, load_cases


def test_the_set_is_large_and_covers_every_class():
    cases = load_cases(DEFAULT_CASES)
    classes = {case["class"] for case in cases}
    assert len(cases) >= 400
    assert {
        "homoglyph",
        "invisible",
        "fullwidth",
        "math",
        "accents",
        "leet",
        "separators",
        "repeats",
        "typo1",
        "typo2",
        "handle",
        "brand_context",
        "safety",
        "benign",
        "benign_evasion",
    } <= classes


def test_recall_and_false_positives_hold():
    scores = evaluate(Moderator(), DEFAULT_CASES)
    for name, score in scores.items():
        if score.positives:
            # Two typos is the hardest class (75% measured); every other class is above 90%.
            assert score.recall >= (0.7 if name == "typo2" else 0.9), (name, score)
        if score.negatives:
            assert score.false_positive_rate == 0, (name, score)
    found = sum(score.found for score in scores.values())
    positives = sum(score.positives for score in scores.values())
    assert found / positives >= 0.95
