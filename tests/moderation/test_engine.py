"""Decisions a server's members and admins would notice."""

import pytest

from moderation.engine import Moderator
from moderation.policy import Action, Policy, PolicyError


@pytest.fixture(scope="module")
def moderator() -> Moderator:
    return Moderator()


STRICT = Policy(preset="strict")
BALANCED = Policy()
OPEN = Policy(preset="open")


@pytest.mark.parametrize(
    ("text", "policy", "action", "category", "entity"),
    [
        ("Barack Obama shaking hands", BALANCED, "allow", None, None),
        ("Barack Obama shaking hands", STRICT, "block", "person", "Barack Obama"),
        ("Barack Obama in handcuffs", BALANCED, "block", "person", "Barack Obama"),
        ("Barack Obama in handcuffs", OPEN, "flag", "person", "Barack Obama"),
        ("naked Emma Watson on a beach", OPEN, "block", "person", "Emma Watson"),
        ("a sexy teen in lingerie", OPEN, "block", "sexual", None),
        ("kids playing in a park", STRICT, "allow", None, None),
        ("a nude figure study", BALANCED, "block", "sexual", None),
        ("a nude figure study", OPEN, "flag", "sexual", None),
        ("a swastika flag on a wall", BALANCED, "block", "hate", None),
        ("a gory battlefield", BALANCED, "flag", "violence", None),
        ("a gory battlefield", STRICT, "block", "violence", None),
        ("a dragon in the style of Greg Rutkowski", BALANCED, "rewrite", "artist", "Greg Rutkowski"),
        ("a dragon in the style of Greg Rutkowski", STRICT, "block", "artist", "Greg Rutkowski"),
        ("a dragon in the style of Greg Rutkowski", OPEN, "allow", None, None),
    ],
)
def test_presets(moderator, text, policy, action, category, entity):
    decision = moderator.decide(text, policy)
    assert (decision.action, decision.category, decision.entity) == (action, category, entity)
    assert decision.reason


def test_nsfw_channels_relax_sexual_content_but_never_the_absolute_rules(moderator):
    assert moderator.decide("a nude figure study", BALANCED, nsfw_channel=True).action == "flag"
    assert moderator.decide("a nude figure study", STRICT, nsfw_channel=True).action == "block"
    assert moderator.decide("naked Emma Watson", BALANCED, nsfw_channel=True).action == "block"
    assert moderator.decide("a naked schoolgirl", OPEN, nsfw_channel=True).rule == "sexual_minors"


def test_an_artist_name_is_rewritten_into_the_style(moderator):
    decision = moderator.decide("A castle at dusk, in the style of Greg Rutkowski, 4k", BALANCED)
    assert decision.action == "rewrite"
    assert "rutkowski" not in decision.prompt.lower()
    assert decision.prompt.startswith("A castle at dusk, in the style of ")
    assert decision.prompt.endswith(", 4k")
    assert "fantasy illustration" in decision.prompt


def test_an_evasive_spelling_is_rewritten_too(moderator):
    decision = moderator.decide("a castle by gr3g rutk0wsk1", BALANCED)
    assert decision.action == "rewrite"
    assert "rutk" not in decision.prompt


@pytest.mark.parametrize(
    "text",
    [
        "a swift river",
        "an apple pie",
        "the three musketeers",
        "a melon on a plate",
        "a mouse and a dog",
        "to cruise down the coast",
        "a shell on the beach",
        "a puma in the jungle",
    ],
)
def test_ordinary_words_pass(moderator, text):
    decision = moderator.decide(text, STRICT)
    assert decision.action == "allow", decision


def test_entity_overrides_beat_the_category(moderator):
    policy = STRICT.with_entity("Barack Obama", "allow")
    assert moderator.decide("Barack Obama waving", policy).action == "allow"
    policy = BALANCED.with_entity("Emma Watson", "block")
    assert moderator.decide("Emma Watson reading", policy).entity == "Emma Watson"
    assert moderator.decide("Emma Watson reading", policy).action == "block"


def test_a_server_can_add_its_own_entity_with_aliases(moderator):
    policy = BALANCED.with_entity("Zorblax Corp", "block", "brand").with_alias("Zorblax Corp", "Zorblaxcorp")
    assert moderator.decide("a Zorblax Corp robot", policy).action == "block"
    assert moderator.decide("a z0rbl4xc0rp robot", policy).entity == "Zorblax Corp"
    assert moderator.decide("a Zorblax Corp robot", BALANCED).action == "allow"
    assert moderator.decide("a Zorblax Corp robot", policy.without_entity("Zorblax Corp")).action == "allow"


def test_policies_round_trip_and_refuse_nonsense():
    policy = BALANCED.with_category("artist", "block").with_entity("Acme", "allow", "brand", ("acme inc",))
    assert Policy.from_json(policy.to_json()) == policy
    with pytest.raises(PolicyError, match="unknown action 'maybe'"):
        BALANCED.with_category("artist", "maybe")
    with pytest.raises(PolicyError, match="unknown category 'planets'"):
        BALANCED.with_category("planets", "block")
    with pytest.raises(PolicyError, match="unknown preset"):
        Policy(preset="lenient")


def test_every_action_has_a_reason_a_member_can_read(moderator):
    for text in ("Barack Obama in prison", "a nude study", "a gory scene", "a swastika"):
        decision = moderator.decide(text, STRICT)
        assert decision.action == Action.BLOCK
        assert decision.reason.endswith(".") and len(decision.reason) < 200


@pytest.mark.parametrize(
    "text",
    [
        "an x-ray of a hand",
        "a wallpaper in 8 k",
        "vitamin K",
        "Malcolm X portrait",
        "it teems with fish",
        "sonny on the beach",
        "une nuée d'oiseaux",
        "a well executed painting",
        "apple juice at the store",
        "a dove on a store sign",
        "Barack Obama, shot on 35mm film",
    ],
)
def test_everyday_prompts_reported_as_false_positives_now_pass(moderator, text):
    assert moderator.decide(text, OPEN).action == "allow", text
    assert moderator.decide(text, BALANCED).action == "allow", text


@pytest.mark.parametrize(
    "text",
    [
        "a nude girl, 16 years old",
        "nude girl aged 15",
        "a naked 15yo",
        "une fille nue de 15 ans",
        "a naked sixteen year old",
    ],
)
def test_ages_under_eighteen_count_as_minors(moderator, text):
    decision = moderator.decide(text, OPEN, nsfw_channel=True)
    assert (decision.action, decision.rule) == ("block", "sexual_minors")


def test_a_negative_prompt_is_judged_with_its_prompt(moderator):
    with_person = moderator.decide("clothes, swimsuit", OPEN, negative=True, context="Taylor Swift on a beach")
    with_child = moderator.decide("clothes", OPEN, negative=True, context="a little girl on a beach")
    assert with_person.rule == "sexual_real_person"
    assert with_child.rule == "sexual_minors"
    assert moderator.decide("blurry, low quality", OPEN, negative=True, context="a beach").action == "allow"


def test_names_too_short_to_match_safely_are_refused():
    with pytest.raises(PolicyError, match="too short"):
        BALANCED.with_entity("C++", "block", "brand")


def test_an_override_set_under_an_alias_applies(moderator):
    policy = STRICT.with_entity("Obama", "allow")
    assert moderator.decide("Barack Obama waving", policy).action == "allow"


@pytest.mark.parametrize(
    "text",
    [
        "Tay-lor Swift on stage",
        "Tay lor Swift",
        "Taylor Sw!ft",
        "Taylor Sw|ft",
        "Swift, Taylor at a concert",
        "@taylorswift13 fan art",
        "T a y l o r  S w i f t",
        "Greg Rut kowski dragon",
    ],
)
def test_names_cut_inside_words_or_turned_around_are_found(moderator, text):
    assert moderator.decide(text, STRICT).action == "block", text


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("the Dove logo on a bottle", "Dove"),
        ("a brown UPS truck", "UPS"),
        ("a can of Red Bull", "Red Bull"),
        ("two cans of red bull on ice", "Red Bull"),
        ("a white Tesla charging", "Tesla"),
        ("Windows 11 taskbar", "Windows"),
        ("Taylor's Swift on stage", "Taylor Swift"),
        ("I love my new Apple, it is so fast", "Apple"),
    ],
)
def test_a_common_word_name_counts_next_to_its_context_or_written_as_a_brand(moderator, text, entity):
    assert moderator.decide(text, STRICT).entity == entity, text


@pytest.mark.parametrize(
    "text",
    [
        "a minimalist logo of a white dove",
        "a red bull in a field, logo of the ranch on the gate",
        "a tesla coil in a lab",
        "a window seat",
        "a monster under the bed",
        "a girl named Taylor reading",
        "a stormy sea, painted by John William Waterhouse",
        "An apple on a table",
    ],
)
def test_ordinary_words_near_brand_words_or_one_typo_from_a_name_pass(moderator, text):
    assert moderator.decide(text, STRICT).action == "allow", text


def test_capitals_prove_a_brand_only_under_strict(moderator):
    assert moderator.decide("I love my new Apple", BALANCED).action == "allow"
    assert moderator.decide("A JAGUAR IN THE JUNGLE", STRICT).action == "allow"


MEMBERS = {
    "111222333444555666": (("Sky", "skyler_99"), False),
    "999888777666555444": (("Marta Lopez", "Captain Marta"), True),
}


@pytest.mark.parametrize(
    ("text", "action", "rule"),
    [
        ("a portrait of Sky on a beach", "block", "member_likeness"),
        ("skyler_99 as a knight", "block", "member_likeness"),
        ("<@111222333444555666> as a knight", "block", "member_likeness"),
        ("a blue sky over the sea", "allow", None),
        ("Marta Lopez as an astronaut", "allow", None),
        ("Captain Marta in handcuffs", "block", "member_degraded"),
        ("naked Marta Lopez", "block", "sexual_real_person"),
    ],
)
def test_members_are_drawn_only_with_their_consent_and_never_degraded(moderator, text, action, rule):
    for policy in (BALANCED.with_members(MEMBERS), OPEN.with_members(MEMBERS)):
        decision = moderator.decide(text, policy)
        assert (decision.action, decision.rule) == (action, rule), text


def test_members_are_never_part_of_the_stored_policy():
    policy = BALANCED.with_members(MEMBERS)
    assert Policy.from_json(policy.to_json()) == BALANCED


def test_two_members_of_one_name_each_keep_their_own_choice(moderator):
    policy = BALANCED.with_members(
        {"311222333444555666": (("Alex",), True), "411222333444555666": (("Alex", "alex_b"), False)}
    )
    assert moderator.decide("<@411222333444555666> on a horse", policy).rule == "member_likeness"
    assert moderator.decide("a portrait of Alex", policy).rule == "member_likeness"  # one of them said no


def test_a_member_called_by_little_words_blocks_nothing(moderator):
    policy = BALANCED.with_members({"511222333444555666": (("The", "of the", "a cat"), False)})
    for text in ("The sun over the sea", "portrait of the queen", "a cat on a mat"):
        assert moderator.decide(text, policy).action == "allow", text
    assert moderator.decide("<@511222333444555666> waving", policy).rule == "member_likeness"


@pytest.mark.parametrize("text", ["Donald,Trump", "Taylor:Swift", "Scarlett,Johansson", "Tay,lor Swift"])
def test_punctuation_without_a_space_hides_no_name(moderator, text):
    assert moderator.decide(text, STRICT).action == "block", text


@pytest.mark.parametrize("text", ["a blackjack table in a casino", "inhabitant misanthropic", "a mysterious door"])
def test_a_word_holding_a_name_is_no_name(moderator, text):
    assert moderator.decide(text, STRICT).action == "allow", text
