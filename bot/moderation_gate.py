"""Every prompt the bot is about to send passes the server's moderation policy first.

The moderation library decides; this gate keeps each server's policy and every decision in SQLite, turns a
block into a short message for the member (with a case number they can appeal), and hands on the prompt the
policy allows (rewritten where the policy rewrites brand or artist names).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from pathlib import Path

from atelier.config import ModerationConfig
from atelier.logs import get_logger
from bot.conversation.engine import TurnError
from bot.i18n import N_, _
from bot.storage import BotStore
from moderation import Action, Decision, Moderator, Policy, PolicyError, load_ruleset, semantic
from moderation.output import NudityDetector

log = get_logger("bot.moderation")

# Rules no moderator can lift on appeal: a member's own refusal to be drawn is theirs, not the moderators'.
ABSOLUTE_RULES = ("sexual_minors", "sexual_real_person", "member_likeness", "member_degraded")

CATEGORY_LABELS = {
    "person": N_("real people"),
    "brand": N_("brands and characters"),
    "artist": N_("living artists"),
    "sexual": N_("sexual content"),
    "violence": N_("graphic violence"),
    "hate": N_("hate symbols"),
}
# Categories without a label above, shown by their name (the others' names are choices of /atelier's commands).
OTHER_CATEGORIES = (N_("minors"), N_("demeaning"), N_("clothing"))
# The moderation library's reasons (``moderation.engine.REASONS``), marked here so that members read them in their
# language; tests/bot/test_i18n.py checks this list keeps up with the library.
REASONS = (
    N_("Sexual content involving minors is never allowed."),
    N_("Sexual images of real people are never allowed."),
    N_("This member hasn't agreed to be drawn on this server: leave them out, or ask them to allow it with /likeness."),
    N_("Members of this server are never shown in violent or degrading scenes."),
    N_("Real people can't be shown in violent or degrading scenes here: leave the person out or change the scene."),
    N_("Images of real people aren't allowed on this server: describe a fictional person instead."),
    N_(
        "Brands, logos and trademarked characters aren't allowed here: describe a generic product or an original "
        "character."
    ),
    N_("Imitating a living artist's style isn't allowed here: describe the style itself (mood, movement, medium)."),
    N_("Sexual content isn't allowed here."),
    N_("Graphic violence isn't allowed on this server."),
    N_("Hate symbols aren't allowed."),
    N_("Brand and living artists' names are replaced with neutral descriptions on this server."),
    N_("Allowed, and noted for the server's moderators."),
    N_("Allowed."),
)


def build_moderator(settings: ModerationConfig, cache_dir: Path | None = None) -> Moderator:
    """The rule engine, with the semantic layer when it is switched on and installed (its vectors kept in
    ``cache_dir``)."""
    ruleset = load_ruleset()
    if not settings.semantic:
        return Moderator(ruleset)
    if not semantic.available():
        log.warning("moderation.semantic_unavailable", detail="install the 'semantic' extra to use it")
        return Moderator(ruleset)
    return Moderator(ruleset, semantic=semantic.SemanticIndex(ruleset, settings.semantic_threshold, cache_dir))


class Refused(TurnError):
    """A prompt the server's policy blocks; ``case`` is the decision's number, for an appeal."""

    def __init__(self, message: str, case: int) -> None:
        super().__init__(message)
        self.case = case


@dataclass(frozen=True)
class Cleared:
    prompt: str
    negative: str
    rewritten: bool
    # An approved appeal that let this through, used up once the image is made.
    approval: int | None = None


class PromptGate:
    def __init__(
        self,
        store: BotStore,
        moderator: Moderator,
        default_preset: str,
        detector: NudityDetector | None = None,
        default_output_action: str = "block",
        default_likeness: str = "deny",
    ) -> None:
        self.store = store
        self.moderator = moderator
        self.default_preset = default_preset
        self.detector = detector
        self.default_output_action = default_output_action
        self.default_likeness = default_likeness

    async def screen(self, *, conversation: str, user_id: int | None, number: int, png: bytes) -> str:
        """What to do with a finished image: "post", "spoiler" (explicit, in an NSFW channel that allows
        it) or "hold" (explicit). Without a detector every image is posted."""
        if self.detector is None:
            return "post"
        verdict = await asyncio.to_thread(self.detector.check, png)
        if not verdict.explicit:
            return "post"
        row = self.store.conversation(conversation) or {}
        settings = self.store.guild_settings(row["guild_id"]) if row.get("guild_id") else None
        action = (settings or {}).get("nsfw_action") or self.default_output_action
        outcome = "spoiler" if action == "spoiler" and row.get("nsfw") else "hold"
        self.store.record_decision(
            guild_id=row.get("guild_id"),
            conversation=conversation,
            user_id=user_id,
            prompt=f"image #{number}",
            action="flag" if outcome == "spoiler" else "block",
            category="sexual",
            entity=None,
            rule="output:" + ",".join(verdict.labels),
            reason="The image check found explicit nudity.",
            sent_prompt=None,
        )
        log.info("moderation.image", conversation=conversation, image=number, outcome=outcome)
        return outcome

    def policy(self, guild_id: int | None) -> Policy:
        settings = self.store.guild_settings(guild_id) if guild_id is not None else None
        if settings is None or not settings.get("policy"):
            return Policy(preset=self.default_preset)
        try:
            return Policy.from_json(json.loads(settings["policy"]))
        except (ValueError, PolicyError):
            # A damaged stored policy must not stop the server's images: fall back to the strict preset.
            log.error("moderation.policy_unreadable", guild=guild_id, exc_info=True)
            return Policy(preset="strict")

    def likeness_default(self, guild_id: int) -> str:
        """Whether the server's members may be drawn until they choose: "allow" or "deny"."""
        settings = self.store.guild_settings(guild_id) or {}
        return settings.get("likeness_default") or self.default_likeness

    def policy_with_members(self, guild_id: int | None) -> Policy:
        """The server's policy with its members as people, each allowed or not by their own choice or else by
        the server's default."""
        policy = self.policy(guild_id)
        if guild_id is None:
            return policy
        default = self.likeness_default(guild_id)
        members = {
            str(row["user_id"]): (tuple(row["names"]), (row["choice"] or default) == "allow")
            for row in self.store.likeness(guild_id)
        }
        return policy.with_members(members) if members else policy

    def save_policy(self, guild_id: int, policy: Policy) -> None:
        self.store.save_guild_settings(guild_id, policy=json.dumps(policy.to_json()))

    def check(
        self,
        *,
        conversation: str | None,
        user_id: int | None,
        prompt: str,
        negative: str = "",
        guild_id: int | None = None,
        nsfw: bool = False,
        early: bool = False,
    ) -> Cleared:
        """The prompt and negative prompt to send, or ``Refused`` naming the category and what to change.

        A conversation brings its server and NSFW flag; before one exists (``/imagine`` checking early) they
        are given (``early``), and only a block is recorded then: the rest is recorded when really sent."""
        if conversation is not None:
            row = self.store.conversation(conversation) or {}
            guild_id, nsfw = row.get("guild_id"), bool(row.get("nsfw"))
        policy = self.policy_with_members(guild_id)
        decision = self.moderator.decide(prompt, policy, nsfw_channel=nsfw)
        decision, approval = self._approved(decision, guild_id, user_id, prompt)
        case = None
        if not early or decision.action == "block":
            case = self._record(guild_id, conversation, user_id, prompt, decision)
        if decision.action == "block":
            raise Refused(_refusal(decision, case), case)
        cleared_negative = ""
        if negative:
            # A negative prompt can steer as much as a prompt ("clothes" in the negative undresses).
            negative_decision = self.moderator.decide(
                negative, policy, nsfw_channel=nsfw, negative=True, context=prompt
            )
            negative_decision, negative_approval = self._approved(
                negative_decision, guild_id, user_id, f"(negative) {negative}"
            )
            approval = approval if approval is not None else negative_approval
            if negative_decision.action != "allow" and (not early or negative_decision.action == "block"):
                case = self._record(guild_id, conversation, user_id, f"(negative) {negative}", negative_decision)
            if negative_decision.action == "block":
                raise Refused(_refusal(negative_decision, case), case)
            cleared_negative = negative_decision.prompt
        return Cleared(decision.prompt, cleared_negative, decision.action == "rewrite", approval)

    def _approved(
        self, decision: Decision, guild_id: int | None, user_id: int | None, prompt: str
    ) -> tuple[Decision, int | None]:
        """A block lifted by the moderators' approval of an appeal of exactly this prompt (never past the absolute
        rules); the approval is used up only once the image is made."""
        if decision.action != "block" or _absolute(decision):
            return decision, None
        approval = self.store.approval(guild_id, user_id, prompt)
        if approval is None:
            return decision, None
        log.info("moderation.approved_prompt", guild=guild_id, user=user_id, case=approval)
        return replace(decision, action=Action.ALLOW, rule=f"appeal:{approval}", prompt=prompt), approval

    def _record(
        self, guild_id: int | None, conversation: str | None, user_id: int | None, prompt: str, decision: Decision
    ) -> int:
        case = self.store.record_decision(
            guild_id=guild_id,
            conversation=conversation,
            user_id=user_id,
            prompt=prompt,
            action=str(decision.action),
            category=decision.category,
            entity=decision.entity,
            rule=decision.rule,
            reason=decision.reason,
            sent_prompt=decision.prompt,
        )
        if decision.action != "allow":
            log.info(
                "moderation.decision",
                guild=guild_id,
                conversation=conversation,
                user=user_id,
                case=case,
                action=str(decision.action),
                rule=decision.rule,
            )
        return case


def _absolute(decision: Decision) -> bool:
    """Rules no server and no moderator can lift: sexual content with minors or with a real person, and a member's
    likeness."""
    return any(finding.rule in ABSOLUTE_RULES for finding in decision.findings)


def _refusal(decision: Decision, case: int) -> str:
    label = CATEGORY_LABELS.get(decision.category or "") or decision.category or N_("policy")
    return _("🚫 Not drawn ({label}, case {case}): {reason}", label=_(label), case=case, reason=_(decision.reason))
