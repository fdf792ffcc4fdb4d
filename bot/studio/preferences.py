"""Members' and servers' own defaults for /imagine: a member's setting wins, else the server's, else the
built-in one; whatever the member types in /imagine wins over all of them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

# Width:height. The shorter side is the default size's shorter side (512 for most checkpoints, 64 for the built-in
# model), so "portrait" is 512x768 on one model and 64x96 on the other.
ASPECTS = {
    "square": (1, 1),
    "portrait": (2, 3),
    "landscape": (3, 2),
    "wide": (16, 9),
    "tall": (9, 16),
}
# Quality scales the service's default steps and the picture's sides (the tier still caps both).
QUALITIES = {"draft": (0.5, 0.75), "standard": (1.0, 1.0), "high": (1.5, 1.5)}
PRIVACY = ("off", "ephemeral", "dm")
# Buttons anyone may press unless the server says otherwise; the rest only the image's owner.
# "zoom" stands for the Zoom out and pan buttons together.
BUTTONS = ("var", "reroll", "edit", "region", "up", "zoom", "undo")
OWNER_ONLY = frozenset({"edit", "region", "undo"})


def aspect_size(aspect: str, default_size: tuple[int, int]) -> tuple[int, int]:
    """The size of an aspect for a model whose default size is ``default_size`` (sides multiples of 8)."""
    across, down = ASPECTS[aspect]
    short = min(default_size)
    scale = short / min(across, down)
    return tuple(max(8, round(side * scale / 8) * 8) for side in (across, down))


@dataclass(frozen=True)
class Preferences:
    aspect: str | None = None
    count: int | None = None
    quality: str | None = None
    style: str | None = None
    private: str | None = None
    # Servers only: put before every negative prompt.
    negative: str | None = None

    @classmethod
    def from_json(cls, data: dict) -> Preferences:
        names = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})

    def to_json(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}

    def changed(self, **options) -> Preferences:
        """Set the options given (None: not given); an empty string unsets one (it inherits again)."""
        given = {key: (None if value == "" else value) for key, value in options.items() if value is not None}
        return replace(self, **given)

    def over(self, base: Preferences) -> Preferences:
        return Preferences(
            **{field.name: getattr(self, field.name) or getattr(base, field.name) for field in fields(self)}
        )


@dataclass(frozen=True)
class Draw:
    """What /imagine sends once preferences are applied."""

    prompt: str
    negative: str
    width: int | None
    height: int | None
    steps: int | None
    count: int


def apply(
    preferences: Preferences,
    *,
    prompt: str,
    negative: str,
    size: tuple[int, int] | None,
    steps: int | None,
    count: int | None,
    default_size: tuple[int, int],
    default_steps: int,
) -> Draw:
    step_scale, side_scale = QUALITIES[preferences.quality or "standard"]
    if size is None:
        width, height = aspect_size(preferences.aspect, default_size) if preferences.aspect else default_size
        if side_scale != 1.0:
            width, height = (max(64, int(side * side_scale) // 8 * 8) for side in (width, height))
        size = (width, height) if (width, height) != default_size else None
    if steps is None and step_scale != 1.0:
        steps = max(1, round(default_steps * step_scale))
    style = preferences.style
    if style and style.lower() not in prompt.lower():
        prompt = f"{prompt}, {style}"
    if preferences.negative:
        negative = f"{preferences.negative}, {negative}" if negative else preferences.negative
    return Draw(
        prompt=prompt,
        negative=negative,
        width=size[0] if size else None,
        height=size[1] if size else None,
        steps=steps,
        count=count or preferences.count or 1,
    )


def owner_only(server_buttons: dict) -> frozenset[str]:
    """The buttons only an image's owner may press on this server."""
    chosen = set(OWNER_ONLY)
    for button, who in server_buttons.items():
        if button in BUTTONS:
            (chosen.add if who == "owner" else chosen.discard)(button)
    return frozenset(chosen)
