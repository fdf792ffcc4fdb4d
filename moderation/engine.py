"""One call decides on a text with a server's policy: allow, rewrite, flag or block, and why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from moderation.matcher import Hit, Matcher, is_everyday_word, stem
from moderation.normalize import BREAK, cure, fold, fold_letters, squash
from moderation.policy import MEMBER, Action, Policy
from moderation.rewrite import Replacement, default_modifier, find_name, find_spans, rewrite
from moderation.ruleset import Category, Entity, Ruleset, load_ruleset, make_ruleset

_UNDER_18 = (
    r"(?:[1-9]|1[0-7]|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen"
    r"|sixteen|seventeen|un|deux|trois|quatre|cinq|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize)"
)
# An age under 18, however it is written: "16 years old", "aged 15", "15yo", "de 15 ans".
_MINOR_AGE = re.compile(
    rf"\b{_UNDER_18}\s*(?:years?\s*olds?|year\s*olds?|yrs?\s*old|yo|y o|ans)\b|\baged?\s*{_UNDER_18}\b"
)
DEFAULT_POLICY = Policy()
# Servers whose own entities have a matcher kept ready.
SERVER_MATCHERS = 64

REASONS = {
    "sexual_minors": "Sexual content involving minors is never allowed.",
    "sexual_real_person": "Sexual images of real people are never allowed.",
    "member_likeness": "This member hasn't agreed to be drawn on this server: leave them out, or ask them to "
    "allow it with /likeness.",
    "member_degraded": "Members of this server are never shown in violent or degrading scenes.",
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


class Finding(NamedTuple):
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
        self._matcher = Matcher(self.ruleset)
        # The server's own entities and members, in a small matcher of their own beside the default one.
        self._server_matchers: dict[tuple, Matcher] = {}

    def _matchers(self, policy: Policy) -> list[Matcher]:
        own = (*policy.custom, *policy.members)
        if not own:
            return [self._matcher]
        key = tuple(sorted((entity.name, entity.category, entity.aliases, entity.kind, entity.key) for entity in own))
        if key not in self._server_matchers:
            if len(self._server_matchers) >= SERVER_MATCHERS:
                self._server_matchers.pop(next(iter(self._server_matchers)))
            self._server_matchers[key] = Matcher(make_ruleset(own, {}, self.ruleset.brand_context))
        return [self._matcher, self._server_matchers[key]]

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
        policy = policy or DEFAULT_POLICY
        matchers = self._matchers(policy)
        capitals_name = policy.preset == "strict"
        hits = [hit for matcher in matchers for hit in self._hits(matcher, text, capitals_name=capitals_name)]
        if negative:
            hits = [Hit(Category.SEXUAL, None, hit.term) if hit.category is Category.CLOTHING else hit for hit in hits]
            if context:
                hits += [
                    hit
                    for matcher in matchers
                    for hit in self._hits(matcher, context, capitals_name=capitals_name)
                    if hit.category in (Category.PERSON, Category.MINORS)
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
    def _hits(matcher: Matcher, text: str, *, capitals_name: bool) -> list[Hit]:
        """The prompt's hits, gated names only where they mean their entity: near its context or, with
        ``capitals_name``, an ordinary word written capitalised in mid-sentence ("I love my new Apple")."""
        letters = fold_letters(text)
        folded = squash(letters)
        return [
            hit
            for hit in matcher.scan(folded, letters)
            if (
                not hit.gated
                or matcher.in_context(folded, hit)
                or (capitals_name and hit.entity.common_word and _capitalised_mid_sentence(text, hit.term))
            )
            and not (hit.entity is not None and hit.entity.kind == MEMBER and not _names_the_member(text, hit))
        ]


def _names_the_member(text: str, hit: Hit) -> bool:
    """A member named only by ordinary words ("Sky", "Lena Park") counts where the name is written capitalised or
    exactly as they write it ("lena.park"), so "a blue sky" names nobody; a distinctive name ("Łukasz",
    "skyler_99") counts however it is written. Under a capital, consent comes first: "Sky at dawn" counts too."""
    words = [word for word in hit.term.split() if word != BREAK]
    if any(len(word) >= 4 and not is_everyday_word(word) for word in words):
        return True
    lowered = text.casefold()
    if any(not name.isalpha() and name.casefold() in lowered for name in hit.entity.names if " " not in name):
        return True
    matches = list(find_name(hit.term, text))
    # Written in letters the pattern can't retrace: count it.
    return not matches or any(match.group(0)[:1].isupper() for match in matches)


_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n])[\s\"'(«“-]*$")


def _capitalised_mid_sentence(text: str, term: str) -> bool:
    """Whether ``term`` is written the way a brand is, in a sentence of ordinary case: capitalised inside the
    sentence ("I love my new Apple"), or, for a name of several words, each word capitalised ("Iron Man")."""
    words = re.findall(r"[^\W\d_]+", text)
    if not words or sum(word[0].isupper() for word in words) * 2 > len(words):
        return False  # shouting or Title Case: capitals say nothing here
    for match in find_name(term, text):
        written = match.group(0)
        if not written[0].isupper() or written.isupper():
            continue
        if not _SENTENCE_START.search(text[: match.start()]):
            return True
        written_words = re.findall(r"[^\W\d_]+", written)
        if len(written_words) > 1 and all(word[0].isupper() for word in written_words):
            return True
    return False


def _findings(hits: list[Hit], policy: Policy, nsfw_channel: bool) -> list[Finding]:
    present = {hit.category for hit in hits}
    findings: list[Finding] = []

    def add(action: Action, hit: Hit, rule: str) -> None:
        if action is not Action.ALLOW:
            findings.append(Finding(action, hit.category, hit.entity.name if hit.entity else None, rule, hit.term))

    if Category.SEXUAL in present:
        sexual = next(hit for hit in hits if hit.category is Category.SEXUAL)
        if Category.MINORS in present:
            add(Action.BLOCK, sexual, "sexual_minors")
        if Category.PERSON in present:
            add(Action.BLOCK, next(hit for hit in hits if hit.category is Category.PERSON), "sexual_real_person")
    degrading = Category.VIOLENCE in present or Category.DEMEANING in present
    for hit in hits:
        if hit.entity is not None:
            override = policy.entity_action(hit.entity)
            action = override or policy.action_for(hit.category)
            if hit.entity.kind == MEMBER:
                rule = "member_likeness"
            else:
                rule = "entity_override" if override else f"entity:{hit.category}"
            add(action, hit, rule)
            if degrading and hit.category is Category.PERSON and action is not Action.BLOCK:
                if hit.entity.kind == MEMBER:
                    add(Action.BLOCK, hit, "member_degraded")
                else:
                    add(policy.people_in_degrading_scenes, hit, "person_degraded")
        elif hit.category in (Category.SEXUAL, Category.VIOLENCE, Category.HATE):
            action = policy.action_for(hit.category)
            relax = hit.category is Category.SEXUAL and nsfw_channel and policy.nsfw_channels_relax_sexual
            if relax and action is Action.BLOCK and policy.preset != "strict":
                action = Action.FLAG
            add(action, hit, f"safety:{hit.category}")
    return findings


def _replacement(ruleset: Ruleset, policy: Policy, name: str, terms: tuple[str, ...]) -> Replacement:
    entity = ruleset.find(name) or next((item for item in policy.custom if item.name == name), None)
    forms = _forms(entity)
    return Replacement(forms.noun, forms.modifier, forms.heads, terms)


@lru_cache(maxsize=4096)
def _forms(entity: Entity | None) -> Replacement:
    """What replaces an entity: its noun and modifier forms and the nouns it goes before."""
    if entity is not None and entity.neutral:
        noun = entity.neutral
    elif entity is not None and entity.category is Category.ARTIST:
        noun = "an original style"
    elif entity is not None and entity.category is Category.PERSON:
        noun = "a person"
    else:
        noun = "a generic design"
    modifier = (entity.modifier if entity else "") or default_modifier(noun)
    # A context phrase's last word is the noun a name goes before ("mail van" -> "a Postman Pat van").
    heads = frozenset(stem(words[-1]) for term in entity.context if (words := fold(term).split())) if entity else ()
    return Replacement(noun, modifier, frozenset(heads))


def _rewritten(text: str, findings: list[Finding], ruleset: Ruleset, policy: Policy) -> str:
    """The prompt with each rewritten entity replaced by a neutral description that reads naturally.

    An entity may be found under several of its names (a name and its unaccented spelling): the longest
    match is replaced and the others are then gone. If no spelling can be found in the text as typed (an
    evasion the pattern can't retrace), the folded text is used instead, so the name never survives.
    """
    terms: dict[str, list[str]] = {}
    for finding in findings:
        if finding.action is Action.REWRITE and finding.entity:
            terms.setdefault(finding.entity, []).append(finding.term)
    replacements = [_replacement(ruleset, policy, name, tuple(found)) for name, found in terms.items()]
    spans, lost = find_spans(text, replacements)
    text = rewrite(text, spans)
    if lost:
        # A spelling the pattern can't retrace: fall back to the folded text so the name never survives.
        folded = fold(text).replace(f" {BREAK} ", ", ")
        spans, _ = find_spans(folded, lost)
        if spans:
            text = rewrite(folded, spans)
    return text
