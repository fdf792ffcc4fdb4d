"""The gate between conversations and the service: prompts checked, explicit images held or spoilered."""

from unittest.mock import create_autospec

import pytest

from bot.moderation_gate import PromptGate, Refused
from bot.storage import BotStore
from moderation import Moderator, Policy
from moderation.output import ImageVerdict, NudityDetector

EXPLICIT = ImageVerdict(explicit=True, labels=("FEMALE_BREAST_EXPOSED",))


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator()


@pytest.fixture
def store(tmp_path) -> BotStore:
    store = BotStore(tmp_path / "bot.db")
    store.open_conversation("sfw", surface="discord", title="t", guild_id=1, channel_id=10)
    store.open_conversation("nsfw", surface="discord", title="t", guild_id=1, channel_id=11, nsfw=True)
    return store


def gate_with(store, moderator, verdict: ImageVerdict) -> PromptGate:
    detector = create_autospec(NudityDetector, instance=True)
    detector.check.return_value = verdict
    return PromptGate(store, moderator, "balanced", detector, "block")


@pytest.mark.parametrize(
    ("conversation", "server_action", "outcome"),
    [("sfw", None, "hold"), ("nsfw", None, "hold"), ("nsfw", "spoiler", "spoiler"), ("sfw", "spoiler", "hold")],
)
async def test_explicit_images_are_held_or_spoilered_by_the_servers_choice(
    store, moderator, conversation, server_action, outcome
):
    if server_action:
        store.save_guild_settings(1, nsfw_action=server_action)
    gate = gate_with(store, moderator, EXPLICIT)
    assert await gate.screen(conversation=conversation, user_id=5, number=3, png=b"png") == outcome
    (decision,) = store.decisions(1)
    assert decision["rule"] == "output:FEMALE_BREAST_EXPOSED"
    assert decision["action"] == ("flag" if outcome == "spoiler" else "block")


async def test_clean_images_are_posted_and_leave_no_decision(store, moderator):
    gate = gate_with(store, moderator, ImageVerdict(explicit=False))
    assert await gate.screen(conversation="sfw", user_id=5, number=1, png=b"png") == "post"
    assert store.decisions(1) == []


def test_every_prompt_decision_is_kept_and_a_block_carries_its_case(store, moderator):
    gate = PromptGate(store, moderator, "balanced")
    cleared = gate.check(conversation="sfw", user_id=5, prompt="a castle by Greg Rutkowski")
    assert cleared.rewritten and "rutkowski" not in cleared.prompt.lower()
    with pytest.raises(Refused, match="sexual content") as refused:
        gate.check(conversation="sfw", user_id=5, prompt="a woman on a beach", negative="clothes, swimsuit")
    cleared = gate.check(conversation="sfw", user_id=5, prompt="a lake", negative="blurry, low quality")
    assert cleared.negative == "blurry, low quality"
    rows = store.decisions(1, limit=10)
    assert [row["action"] for row in rows][-2:] == ["allow", "rewrite"]
    assert store.decision(refused.value.case)["rule"] == "safety:sexual"


def test_a_servers_saved_policy_is_used(store, moderator):
    gate = PromptGate(store, moderator, "balanced")
    gate.save_policy(1, Policy(preset="strict"))
    with pytest.raises(Refused, match="real people"):
        gate.check(conversation="sfw", user_id=5, prompt="Barack Obama waving")
