"""Tiers, budgets and preferences: the rules a server's members meet before anything is drawn."""

import datetime

import pytest

from atelier.config import DefaultsConfig, StudioConfig
from bot.conversation.engine import TurnError
from bot.models import ModelCatalog
from bot.service_client import JobStatus, ServiceImage, Usage
from bot.storage import BotStore
from bot.studio.budget import day_start
from bot.studio.preferences import Preferences, apply, aspect_size, owner_only
from bot.studio.store import StudioStore
from bot.studio.studio import NotAllowed, Studio
from bot.studio.tiers import Limits, Request, Tier, fit, place

GUILD = 1000
SUPPORTER = 7
DEFAULTS = Limits()


def test_a_server_without_tiers_is_open_to_everyone_with_the_defaults():
    placement = place([], set(), GUILD, DEFAULTS)
    assert placement.allowed and placement.tier == "everyone" and placement.limits == DEFAULTS


def test_a_member_outside_the_rollout_hears_who_may_draw():
    tiers = [Tier("supporters", 1, (SUPPORTER,)), Tier("everyone", 2, (GUILD,), open=False)]

    refused = place(tiers, set(), GUILD, DEFAULTS)
    allowed = place(tiers, {SUPPORTER}, GUILD, DEFAULTS)

    assert refused.refusal == "Atelier is open to <@&7> on this server for now."
    assert allowed.tier == "supporters"


def test_opening_the_everyone_tier_later_admits_all_and_keeps_each_tier_s_limits():
    tiers = [
        Tier("supporters", 1, (SUPPORTER,), overrides=(("max_steps", 80),)),
        Tier("everyone", 2, (GUILD,), open=True, overrides=(("max_steps", 20),)),
    ]
    assert place(tiers, set(), GUILD, DEFAULTS).limits.max_steps == 20
    assert place(tiers, {SUPPORTER}, GUILD, DEFAULTS).limits.max_steps == 80


def test_unset_limits_inherit_the_defaults_and_can_be_unset_again():
    tier = Tier("t", 1).with_overrides(max_count=2, concurrent=3)
    assert tier.limits(Limits(max_side=768)) == Limits(max_side=768, max_count=2, concurrent=3)
    assert tier.with_overrides(max_count=None).limits(DEFAULTS).max_count == DEFAULTS.max_count


def test_a_request_is_fitted_to_the_tier_with_a_line_saying_so():
    limits = Limits(max_side=512, max_steps=20, max_count=2)

    fitted = fit(Request(width=1024, height=768, steps=40, count=4), limits, "free", default_steps=25)

    assert fitted.request == Request(width=512, height=384, steps=20, count=2)
    assert fitted.notes == ("Reduced to fit the free tier: size 1024x768 → 512x384, steps 40 → 20, 4 images → 2.",)
    quiet = fit(Request(width=None, height=None, steps=None, count=1), limits, "free", default_steps=25)
    assert quiet.request.steps == 20 and quiet.notes == ()


@pytest.mark.parametrize(
    ("now", "hour", "start"),
    [
        ("2026-12-03T10:00", 0, "2026-12-03T00:00"),
        ("2026-12-03T10:00", 12, "2026-12-02T12:00"),
        ("2026-12-03T12:00", 12, "2026-12-03T12:00"),
    ],
)
def test_the_budget_day_starts_at_the_reset_hour(now, hour, start):
    moment = datetime.datetime.fromisoformat(now).replace(tzinfo=datetime.UTC)
    assert day_start(moment, hour) == datetime.datetime.fromisoformat(start).replace(tzinfo=datetime.UTC)


@pytest.fixture
def studio(tmp_path):
    store = BotStore(tmp_path / "bot.db")
    now = datetime.datetime(2026, 12, 3, 10, tzinfo=datetime.UTC)
    return Studio(
        StudioStore(store.db), StudioConfig(daily_gpu_seconds=10), ModelCatalog(DefaultsConfig()), clock=lambda: now
    )


def done(job: str, seconds: float, images: int = 1) -> JobStatus:
    return JobStatus(
        job=job,
        state="done",
        images=tuple(ServiceImage(f"{job}{i}", 1, 64, 64) for i in range(images)),
        usage=Usage(device_seconds=seconds, joules=seconds * 300),
    )


def test_a_member_who_spent_the_daily_budget_is_told_when_it_resets(studio):
    caller = studio.caller(GUILD, 42, set(), None)
    request = Request(None, None, None, 1)
    studio.charge(caller, "c", done("a", 6.0))
    studio.fit(caller, request)  # 6 of 10 s: still allowed
    studio.charge(caller, "c", done("b", 4.0))
    studio.charge(caller, "c", done("b", 4.0))  # the same job posted again costs nothing more

    tomorrow = int(datetime.datetime(2026, 12, 4, tzinfo=datetime.UTC).timestamp())
    with pytest.raises(TurnError, match=rf"today's budget for the everyone tier; it starts again <t:{tomorrow}:R>"):
        studio.fit(caller, request)
    assert studio.today(caller).device_seconds == 10.0


def test_failed_jobs_cost_nothing_and_a_grant_extends_today(studio):
    caller = studio.caller(GUILD, 42, set(), None)
    studio.charge(caller, "c", JobStatus(job="x", state="failed", usage=Usage(device_seconds=50)))
    assert studio.today(caller).device_seconds == 0
    studio.charge(caller, "c", done("a", 10.0))
    studio.store.grant(GUILD, 42, studio.day(GUILD), gpu_seconds=5, watt_hours=0, granted_by=1)
    studio.fit(caller, Request(None, None, None, 1))
    assert studio.allowance(caller).left(studio.today(caller)) == (5.0, None)


def test_channels_limit_where_atelier_answers(studio):
    studio.store.set_channels(GUILD, (55,))
    studio.check_channel(GUILD, 55)
    studio.check_channel(GUILD, 999, parent_id=55)  # a thread of an allowed channel
    with pytest.raises(NotAllowed, match="answers in <#55>"):
        studio.check_channel(GUILD, 56)


def test_member_settings_win_over_the_server_s_and_typed_options_over_both():
    server = Preferences(aspect="landscape", style="watercolour", negative="text")
    member = Preferences(aspect="portrait", quality="draft")
    draw = apply(
        member.over(server),
        prompt="a fox",
        negative="",
        size=None,
        steps=None,
        count=None,
        default_size=(512, 512),
        default_steps=20,
    )
    assert (draw.width, draw.height, draw.steps, draw.count) == (384, 576, 10, 1)
    assert draw.prompt == "a fox, watercolour" and draw.negative == "text"
    typed = apply(
        member.over(server),
        prompt="a fox",
        negative="",
        size=(640, 640),
        steps=30,
        count=2,
        default_size=(512, 512),
        default_steps=20,
    )
    assert (typed.width, typed.height, typed.steps, typed.count) == (640, 640, 30, 2)


def test_aspects_keep_the_default_size_s_shorter_side():
    assert aspect_size("portrait", (512, 512)) == (512, 768)
    assert aspect_size("wide", (512, 512)) == (912, 512)
    assert aspect_size("landscape", (64, 64)) == (96, 64)
    assert aspect_size("tall", (64, 64)) == (64, 112)


def test_undo_edit_and_region_are_the_owner_s_unless_the_server_opens_them():
    assert owner_only({}) == {"edit", "region", "undo"}
    assert owner_only({"undo": "everyone", "region": "everyone", "reroll": "owner"}) == {"edit", "reroll"}
