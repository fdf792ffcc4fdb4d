"""One call decides on a text with a server's policy: allow, rewrite, flag or block, and why."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from moderation.matcher import Hit, Matcher
from moderation.normalize import cure, fold, fold_letters, squash
from moderation.policy import Action, Policy
from moderation.ruleset import Category, Ruleset, load_ruleset

_UNDER_18 = (
    r"(?:[1-9]|1[0-7]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|un|deux|trois|quatre|cinq|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize)"
)
# An age under 18, however it is written: "16 years old", "aged 15", "15yo", "de 15 ans".
_MINOR_AGE = re.compile(
    rf"\b{_UNDER_18}\s*(?:years?\s*olds?|year\s*olds?|yrs?\s*old|yo|y o|ans)\b|\baged?\s*{_UNDER_18}\b"
)
# Letters as leet can write them, to find a folded match again in the text the user typed.
_SPELLINGS = {
    "a": "a4@àáâäãå",
    "b": "b8",
    "c": "cç",
    "e": "e3èéêë",
    "i": "i1ìíîï",
    "l": "l1",
    "n": "nñ",
    "o": "o0òóôöõø",
    "s": "s5$",
    "t": "t7",
    "u": "uùúûü",
    "y": "yýÿ",
}
_ARTICLE_BEFORE = re.compile(r"\b(a|an|A|An|AN)\s+$")
_LEADING_ARTICLE = re.compile(r"^(?:a|an)\s+", re.IGNORECASE)

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
        self,
        text: str,
        policy: Policy | None = None,
        *,
        nsfw_channel: bool = False,
        negative: bool = False,
        context: str = "",
    ) -> Decision:
        """Decide on a prompt; with ``negative``, on a negative prompt whose ``context`` is the prompt it goes
        with: clothing kept out counts as sexual, and the prompt's people and minors count for the rules that
        hold whatever the policy."""
        policy = policy or Policy()
        matcher = self._matcher(policy)
        hits = self._hits(matcher, text)
        if negative:
            hits = [Hit(Category.SEXUAL, None, hit.term) if hit.category is Category.CLOTHING else hit for hit in hits]
            if context:
                hits += [
                    hit for hit in self._hits(matcher, context) if hit.category in (Category.PERSON, Category.MINORS)
                ]
        else:
            hits = [hit for hit in hits if hit.category is not Category.CLOTHING]
        # An age only matters next to sexual content. It is read before leet folding ("15yo").
        if any(hit.category is Category.SEXUAL for hit in hits) and (
            match := _MINOR_AGE.search(cure(f"{text} {context}"))
        ):
            hits.append(Hit(Category.MINORS, None, match.group(0)))
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

    @staticmethod
    def _hits(matcher: Matcher, text: str) -> list[Hit]:
        letters = fold_letters(text)
        folded = squash(letters)
        hits = [
            hit
            for hit in matcher.scan(folded, letters)
            if not (hit.entity is not None and hit.entity.common_word and not matcher.brand_context(folded, hit.entity))
        ]
        return hits


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
    if entity is not None and entity.category is Category.ARTIST:
        return "an original style"
    if entity is not None and entity.category is Category.PERSON:
        return "a person"
    return "a generic design"


def _pattern(folded: str) -> str:
    """A regex that finds a folded term in the text as typed: any case, accents, leet, separators, repeats.
    Possessive quantifiers keep it linear on hostile input."""
    words = []
    for word in folded.split():
        # One class per run of a letter: "apple" is [a][p][l][e], each one or more times.
        letters = [f"[{re.escape(_SPELLINGS.get(char, char))}]++" for char, _ in itertools.groupby(word)]
        words.append(r"[\W_]*+".join(letters))
    return r"(?<![a-z0-9])" + r"[\W_]*+".join(words) + r"(?![a-z0-9])"


def _substitute(pattern: re.Pattern, neutral: str, text: str) -> tuple[str, int]:
    """Replace matches by ``neutral``, agreeing with an article just before ("a Nike shoe" -> "an athletic
    shoe", never "a a ...")."""

    def replacement(match: re.Match) -> str:
        return neutral

    pieces, count, last = [], 0, 0
    for match in pattern.finditer(text):
        before = text[last : match.start()]
        article = _ARTICLE_BEFORE.search(before)
        phrase = neutral
        if article:
            bare = _LEADING_ARTICLE.sub("", neutral)
            wanted = "an" if bare[:1].lower() in "aeiou" else "a"
            if article.group(1)[0].isupper():
                wanted = wanted.capitalize()
            before = before[: article.start(1)] + wanted + before[article.end(1) :]
            phrase = bare
        pieces.append(before + phrase)
        last = match.end()
        count += 1
    pieces.append(text[last:])
    return "".join(pieces), count


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
    # Longest names first, so "Apple Watch" is replaced before "Apple" could split it.
    for entity, found in sorted(terms.items(), key=lambda item: -max(len(term) for term in item[1])):
        neutral = _neutral(ruleset, policy, entity)
        for term in sorted(found, key=len, reverse=True):
            pattern = re.compile(_pattern(term), re.IGNORECASE)
            rewritten, count = _substitute(pattern, neutral, text)
            if count:
                text = rewritten
                break
        else:
            folded = fold(text)
            remaining = [term for term in found if re.search(rf"\b{re.escape(term)}\b", folded)]
            if not remaining:
                continue  # already replaced as part of a longer name
            # A spelling the pattern can't retrace: fall back to the folded text so the name never survives.
            for term in remaining:
                folded = re.sub(rf"\b{re.escape(term)}\b", neutral, folded)
            text = folded
    return text
