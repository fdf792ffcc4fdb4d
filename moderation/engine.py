"""One call decides on a text with a server's policy: allow, rewrite, flag or block, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass

from moderation.matcher import Hit, Matcher
from moderation.normalize import cure, fold
from moderation.policy import Action, Policy
from moderation.ruleset import Category, Ruleset, load_ruleset

# Letters as leet can write them, to find a folded match again in the text the user typed.
_SPELLINGS = {"a": "a4@", "b": "b8", "e": "e3", "i": "i1l!", "l": "l1i", "o": "o0", "s": "s5$", "t": "t7"}

REASONS = {
    "sexual_minors": "Sexual content involving minors is never allowed.",
    "sexual_real_person": "Sexual images of real people are never allowed.",
    "person_degraded": "Real people can't be shown in violent or degrading scenes here: leave the person out or "
    "change the scene.",
    Category.PERSON: "Images of real people aren't allowed on this server: describe a fictional person instead.",
    Category.BRAND: "Brands, logos and trademarked characters aren't allowed here: describe a generic product or "
    "an original character.",
    Category.ARTIST: "Imitating a living artist's style isn't allowed here: describe the style itself (mood, "
    "movement, medium).",
    Category.SEXUAL: "Sexual content isn't allowed here.",
    Category.VIOLENCE: "Graphic violence isn't allowed on this server.",
    Category.HATE: "Hate symbols aren't allowed.",
    "rewrite": "Brand and living artists' names are replaced with neutral descriptions on this server.",
    "flag": "Allowed, and noted for the server's moderators.",
    "allow": "Allowed.",
}


@dataclass(frozen=True)
class Finding:
    action: Action
    category: Category
    entity: str | None
    rule: str
    term: str


@dataclass(frozen=True)
class Decision:
    action: Action
    category: str | None
    entity: str | None
    rule: str | None
    reason: str
    prompt: str
    findings: tuple[Finding, ...] = ()

    def to_json(self) -> dict:
        return {
            "action": str(self.action),
            "category": self.category,
            "entity": self.entity,
            "rule": self.rule,
            "reason": self.reason,
            "prompt": self.prompt,
        }


class Moderator:
    def __init__(self, ruleset: Ruleset | None = None, semantic=None) -> None:
        self.ruleset = ruleset or load_ruleset()
        self.semantic = semantic
        self._matchers: dict[tuple, Matcher] = {(): Matcher(self.ruleset)}

    def _matcher(self, policy: Policy) -> Matcher:
        key = tuple(sorted((entity.name, entity.category, entity.aliases) for entity in policy.custom))
        if key not in self._matchers:
            self._matchers[key] = Matcher(self.ruleset.extended(policy.custom))
        return self._matchers[key]

    def decide(
        self, text: str, policy: Policy | None = None, *, nsfw_channel: bool = False, negative: bool = False
    ) -> Decision:
        """Decide on a prompt, or with ``negative`` on a negative prompt, where clothing kept out of the
        picture counts as sexual content."""
        policy = policy or Policy()
        matcher = self._matcher(policy)
        folded = fold(text)
        hits = []
        for hit in matcher.scan(folded):
            if hit.entity is not None and hit.entity.common_word and not matcher.brand_context(folded, hit.entity):
                continue
            if hit.category is Category.CLOTHING:
                if not negative:
                    continue
                hit = Hit(Category.SEXUAL, None, hit.term)
            hits.append(hit)
        findings = _findings(hits, policy, nsfw_channel)
        if self.semantic is not None and not any(hit.entity is not None for hit in hits):
            findings += self.semantic.findings(text)
        if not findings:
            return Decision(Action.ALLOW, None, None, None, REASONS["allow"], text)
        worst = max(findings, key=lambda finding: finding.action.severity)
        prompt = _rewritten(text, findings, self.ruleset, policy) if worst.action is Action.REWRITE else text
        if worst.action is Action.BLOCK:
            reason = REASONS.get(worst.rule) or REASONS[worst.category]
        else:
            reason = REASONS[str(worst.action)]
        return Decision(worst.action, str(worst.category), worst.entity, worst.rule, reason, prompt, tuple(findings))


def _findings(hits: list[Hit], policy: Policy, nsfw_channel: bool) -> list[Finding]:
    present = {hit.category for hit in hits}
    people = [hit for hit in hits if hit.category is Category.PERSON]
    findings: list[Finding] = []

    def add(action: Action, hit: Hit, rule: str) -> None:
        findings.append(Finding(action, hit.category, hit.entity.name if hit.entity else None, rule, hit.term))

    sexual = next((hit for hit in hits if hit.category is Category.SEXUAL), None)
    if sexual is not None:
        if Category.MINORS in present:
            add(Action.BLOCK, sexual, "sexual_minors")
        if people:
            add(Action.BLOCK, people[0], "sexual_real_person")
    for hit in hits:
        if hit.entity is not None:
            override = policy.entity_action(hit.entity)
            action = override or policy.action_for(hit.category)
            add(action, hit, "entity_override" if override else f"entity:{hit.category}")
            if (
                hit.category is Category.PERSON
                and action is not Action.BLOCK
                and (Category.VIOLENCE in present or Category.DEMEANING in present)
            ):
                add(policy.people_in_degrading_scenes, hit, "person_degraded")
        elif hit.category in (Category.SEXUAL, Category.VIOLENCE, Category.HATE):
            action = policy.action_for(hit.category)
            relax = hit.category is Category.SEXUAL and nsfw_channel and policy.nsfw_channels_relax_sexual
            if relax and action is Action.BLOCK and policy.preset != "strict":
                action = Action.FLAG
            add(action, hit, f"safety:{hit.category}")
    return [finding for finding in findings if finding.action is not Action.ALLOW]


def _neutral(ruleset: Ruleset, policy: Policy, name: str) -> str:
    entity = ruleset.find(name) or next((item for item in policy.custom if item.name == name), None)
    if entity is not None and entity.neutral:
        return entity.neutral
    return "an original style" if entity is not None and entity.category is Category.ARTIST else "a generic design"


def _pattern(folded: str) -> str:
    """A regex that finds a folded term in the text as typed: any case, leet, separators, repeats."""
    words = []
    for word in folded.split():
        letters = [f"[{re.escape(_SPELLINGS.get(char, char))}]+" for char in word]
        words.append(r"[\W_]*".join(letters))
    return r"(?<![a-z0-9])" + r"[\W_]*".join(words) + r"(?![a-z0-9])"


def _rewritten(text: str, findings: list[Finding], ruleset: Ruleset, policy: Policy) -> str:
    """The prompt with each rewritten entity replaced once by its neutral description.

    An entity may be found under several of its names (a name and its unaccented spelling): the longest
    match is replaced and the others are then gone. If no spelling can be found in the text as typed (an
    evasion the pattern can't retrace), the folded text is used instead, so the name never survives.
    """
    terms: dict[str, list[str]] = {}
    for finding in findings:
        if finding.action is Action.REWRITE and finding.entity:
            terms.setdefault(finding.entity, []).append(finding.term)
    for entity, found in terms.items():
        neutral = _neutral(ruleset, policy, entity)
        for term in sorted(found, key=len, reverse=True):
            pattern = re.compile(_pattern(term), re.IGNORECASE)
            rewritten, count = pattern.subn(neutral, text)
            if not count:
                rewritten, count = pattern.subn(neutral, cure(text))
            if count:
                text = rewritten
                break
        else:
            folded = fold(text)
            for term in found:
                folded = re.sub(rf"\b{re.escape(term)}\b", neutral, folded)
            text = folded
    return text
