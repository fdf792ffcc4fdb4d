"""The prompt of a conversation as structured state, so each edit changes one part and keeps the rest.

"a fox in the snow" then "make it night" then "as a watercolour" gives
"a fox in the snow, at night, watercolor painting": the subject and every earlier change stay; a second
"at sunset" replaces "at night" rather than piling up contradictions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

SLOTS = ("style", "lighting", "weather", "mood", "colour")
_COLOUR_WORDS = (
    "red",
    "blue",
    "green",
    "yellow",
    "orange",
    "purple",
    "pink",
    "black",
    "white",
    "grey",
    "gray",
    "golden",
    "gold",
    "silver",
    "brown",
    "teal",
    "turquoise",
)
_ARTICLE = re.compile(r"^(?:the|a|an|some|my|his|her|its|their)\s+", re.IGNORECASE)


def without_article(text: str) -> str:
    return _ARTICLE.sub("", text.strip())


def _mentions(text: str, thing: str) -> re.Match | None:
    """Where ``thing`` (with or without its article) appears in ``text`` as whole words."""
    core = re.escape(without_article(thing))
    return re.search(rf"(?:\b(?:the|a|an|some)\s+)?\b{core}\b", text, re.IGNORECASE)


@dataclass(frozen=True)
class PromptState:
    subject: str
    additions: tuple[str, ...] = ()
    details: tuple[str, ...] = ()
    slots: dict[str, str] = field(default_factory=dict)
    negative: tuple[str, ...] = ()
    # LoRAs of a server's named style, as (name, weight): they go with the style slot, and with it when it changes.
    loras: tuple[tuple[str, float], ...] = ()

    def compose(self) -> str:
        parts = [self.subject]
        parts += [f"with {addition}" for addition in self.additions]
        parts += list(self.details)
        parts += [self.slots[slot] for slot in SLOTS if self.slots.get(slot)]
        return ", ".join(part for part in parts if part)

    def negative_prompt(self) -> str:
        return ", ".join(self.negative)

    def with_slot(self, slot: str, value: str) -> PromptState:
        return replace(self, slots={**self.slots, slot: value}, loras=() if slot == "style" else self.loras)

    def without_slot(self, slot: str) -> PromptState:
        slots = {key: value for key, value in self.slots.items() if key != slot}
        return replace(self, slots=slots, loras=() if slot == "style" else self.loras)

    def with_style(self, suffix: str, negative: str = "", loras: tuple[tuple[str, float], ...] = ()) -> PromptState:
        """A server's named style: its suffix in the style slot, its negative prompt and LoRAs added."""
        styled = self.with_slot("style", suffix)
        for part in (part.strip() for part in negative.split(",")):
            styled = styled.excluding(part)
        return replace(styled, loras=loras)

    def excluding(self, thing: str) -> PromptState:
        core = without_article(thing)
        if not core or core.lower() in (item.lower() for item in self.negative):
            return self
        return replace(self, negative=(*self.negative, core))

    def recolouring(self, thing: str, colour: str) -> PromptState:
        """Give ``thing`` a new colour, dropping the colour it had ("a blue sky" -> "a purple sky")."""
        pattern = re.compile(rf"\b(?:(?:{'|'.join(_COLOUR_WORDS)})\s+)?{re.escape(thing)}\b", re.IGNORECASE)
        found = False

        def paint(text: str) -> str:
            nonlocal found
            result, count = pattern.subn(f"{colour} {thing}", text, count=1)
            found = found or bool(count)
            return result

        state = replace(
            self,
            subject=paint(self.subject),
            additions=tuple(paint(item) for item in self.additions),
            details=tuple(paint(item) for item in self.details),
        )
        return state if found else state.with_detail(f"{colour} {thing}")

    def with_detail(self, detail: str) -> PromptState:
        if detail.lower() in (existing.lower() for existing in self.details):
            return self
        return replace(self, details=(*self.details, detail))

    def adding(self, thing: str) -> PromptState:
        negative = tuple(
            item for item in self.negative if without_article(item).lower() != without_article(thing).lower()
        )
        return replace(self, additions=(*self.additions, thing), negative=negative)

    def removing(self, thing: str) -> PromptState:
        """Take ``thing`` out of the prompt wherever it was written, and keep it out with the negative prompt."""
        subject = _strip_mention(self.subject, thing)
        additions = tuple(item for item in self.additions if not _mentions(item, thing))
        details = tuple(item for item in self.details if not _mentions(item, thing))
        slots = {slot: value for slot, value in self.slots.items() if not _mentions(value, thing)}
        negative = self.negative
        core = without_article(thing)
        if core.lower() not in (item.lower() for item in negative):
            negative = (*negative, core)
        return replace(
            self, subject=subject or self.subject, additions=additions, details=details, slots=slots, negative=negative
        )

    def replacing(self, old: str, new: str, exclude_old: bool = True) -> PromptState:
        """Swap ``old`` for ``new`` where it appears, else add ``new``; ``old`` goes to the negative prompt
        unless ``exclude_old`` is False (a recolouring keeps the thing itself)."""
        found = False

        def swap(text: str) -> str:
            nonlocal found
            match = _mentions(text, old)
            if not match:
                return text
            found = True
            written = match.group(0)
            # Keep the prompt's own article: "a cat" -> "a fox", not "fox" or "the fox".
            article = written[: len(written) - len(without_article(written))]
            replacement = article + without_article(new) if article else new
            return text[: match.start()] + replacement + text[match.end() :]

        state = replace(
            self,
            subject=swap(self.subject),
            additions=tuple(swap(item) for item in self.additions),
            details=tuple(swap(item) for item in self.details),
        )
        if not found:
            state = state.adding(new)
        if not exclude_old:
            return state
        core = without_article(old)
        negative = tuple(
            item for item in state.negative if without_article(item).lower() != without_article(new).lower()
        )
        if core.lower() not in (item.lower() for item in negative):
            negative = (*negative, core)
        return replace(state, negative=negative)

    def rewritten(self, change: Callable[[str], str]) -> PromptState:
        """The same state with ``change`` applied to every piece of its text."""
        return PromptState(
            subject=change(self.subject),
            additions=tuple(change(item) for item in self.additions),
            details=tuple(change(item) for item in self.details),
            slots={slot: change(value) for slot, value in self.slots.items()},
            negative=tuple(change(item) for item in self.negative),
        )

    def to_json(self) -> dict:
        return {
            "subject": self.subject,
            "additions": list(self.additions),
            "details": list(self.details),
            "slots": dict(self.slots),
            "negative": list(self.negative),
            "loras": [list(lora) for lora in self.loras],
        }

    @classmethod
    def from_json(cls, data: dict) -> PromptState:
        return cls(
            subject=data["subject"],
            additions=tuple(data.get("additions", ())),
            details=tuple(data.get("details", ())),
            slots=dict(data.get("slots", {})),
            negative=tuple(data.get("negative", ())),
            loras=tuple((name, float(weight)) for name, weight in data.get("loras", ())),
        )

    @classmethod
    def start(cls, prompt: str, negative: str = "") -> PromptState:
        negatives = tuple(part.strip() for part in negative.split(",") if part.strip())
        return cls(subject=prompt.strip(), negative=negatives)


def _strip_mention(text: str, thing: str) -> str:
    match = _mentions(text, thing)
    if not match:
        return text
    before, after = text[: match.start()], text[match.end() :]
    # Drop a joining "with"/"and" left dangling before the removed words.
    before = re.sub(r"\s*(?:,\s*)?\b(?:with|and|avec|et)\s*$", "", before, flags=re.IGNORECASE)
    joined = (before.rstrip() + " " + after.lstrip()).strip()
    return re.sub(r"\s+,", ",", re.sub(r"\s{2,}", " ", joined)).strip(" ,")
