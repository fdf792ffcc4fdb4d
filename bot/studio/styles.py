"""A server's named styles: what ``/imagine style:`` and "en style NAME" in a thread apply in one word (a prompt
suffix, a negative prompt, sampling, a model and LoRAs), set by its admins with ``/atelier style``."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Typed in /imagine and in threads: one word, letters (any script), digits, '-' and '_'.
STYLE_NAME = re.compile(r"[^\W_][\w-]{0,31}")


@dataclass(frozen=True)
class Style:
    name: str
    suffix: str
    negative: str = ""
    steps: int | None = None
    guidance: float | None = None
    model: str | None = None
    # (LoRA name, weight) pairs of the service's [loras] folder.
    loras: tuple[tuple[str, float], ...] = ()

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "suffix": self.suffix,
            "negative": self.negative,
            "steps": self.steps,
            "guidance": self.guidance,
            "model": self.model,
            "loras": [list(lora) for lora in self.loras],
        }

    @classmethod
    def from_json(cls, data: dict) -> Style:
        return cls(
            name=data["name"],
            suffix=data["suffix"],
            negative=data.get("negative", ""),
            steps=data.get("steps"),
            guidance=data.get("guidance"),
            model=data.get("model"),
            loras=tuple((name, float(weight)) for name, weight in data.get("loras", ())),
        )


# "en style néon", "in the neon style", "style neon", "use the neon style", "applique le style néon".
_NAMED = re.compile(
    r"^(?:(?:use|apply|try|utilise|applique|essaie|mets)\s+)?(?:(?:en|in|with|avec|dans|into)\s+)?"
    r"(?:(?:the|a|an|le|la|un|une)\s+)?(?:style\s+(?P<after>\S+)|(?P<before>\S+)\s+style)$"
)


def style_named_in(text: str, styles: dict[str, Style]) -> Style | None:
    """The server's style a turn asks for by name (``text`` already lower case, without "please"), if any."""
    match = _NAMED.match(text)
    if match is None:
        return None
    return styles.get(match["after"] or match["before"])
