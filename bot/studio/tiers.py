"""Tiers: each server sorts its members by role, and opens Atelier to one tier after another.

A tier's limits inherit from ``[studio]`` wherever the admin left them unset, so changing the defaults
changes every tier that didn't choose otherwise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

from atelier.config import StudioConfig
from bot.i18n import _

EVERYONE = "everyone"
# Sides are multiples of this, and at least MIN_SIDE, as the service wants.
SIDE_STEP = 8
MIN_SIDE = 64


@dataclass(frozen=True)
class Limits:
    daily_gpu_seconds: float = 0.0  # 0: no budget
    daily_watt_hours: float = 0.0
    concurrent: int = 2
    queued: int = 5
    max_side: int = 1024
    max_steps: int = 50
    max_count: int = 4

    @classmethod
    def from_config(cls, studio: StudioConfig) -> Limits:
        return cls(**{field.name: getattr(studio, field.name) for field in fields(cls)})


LIMIT_NAMES = tuple(field.name for field in fields(Limits))


def shown_tier(name: str) -> str:
    """A tier's name as members read it: the built-in tier of servers without tiers is translated."""
    return _("everyone") if name == EVERYONE else name


@dataclass(frozen=True)
class Tier:
    name: str
    rank: int
    roles: tuple[int, ...] = ()
    open: bool = True
    # Only the limits the admin set; the rest inherit.
    overrides: tuple[tuple[str, float], ...] = ()

    def limits(self, defaults: Limits) -> Limits:
        return replace(defaults, **{name: type(getattr(defaults, name))(value) for name, value in self.overrides})

    def with_overrides(self, **changes: float | None) -> Tier:
        """Set (a number) or unset (None: inherit again) some limits."""
        current = dict(self.overrides)
        for name, value in changes.items():
            if name not in LIMIT_NAMES:
                raise ValueError(f"unknown limit {name!r}")
            if value is None:
                current.pop(name, None)
            else:
                current[name] = value
        return replace(self, overrides=tuple(sorted(current.items())))


@dataclass(frozen=True)
class Placement:
    """Where a member stands: their tier and its limits, or why they may not draw."""

    tier: str | None
    limits: Limits | None
    refusal: str | None = None

    @property
    def allowed(self) -> bool:
        return self.refusal is None


def place(
    tiers: list[Tier], roles: set[int], guild_id: int, defaults: Limits, role_name=lambda role: f"<@&{role}>"
) -> Placement:
    """The first open tier (by rank) holding one of the member's roles. A server without tiers is open to
    everyone with the defaults. ``guild_id`` is the @everyone role's id, which every member has."""
    if not tiers:
        return Placement(EVERYONE, defaults)
    held = roles | {guild_id}
    for tier in sorted(tiers, key=lambda tier: tier.rank):
        if tier.open and held & set(tier.roles):
            return Placement(tier.name, tier.limits(defaults))
    opened = [tier for tier in sorted(tiers, key=lambda tier: tier.rank) if tier.open and tier.roles]
    if not opened:
        return Placement(None, None, _("Atelier isn't open to anyone on this server yet."))
    who = ", ".join(_("everyone") if role == guild_id else role_name(role) for tier in opened for role in tier.roles)
    return Placement(None, None, _("Atelier is open to {who} on this server for now.", who=who))


@dataclass(frozen=True)
class Request:
    width: int | None
    height: int | None
    steps: int | None
    count: int


@dataclass(frozen=True)
class Fitted:
    request: Request
    notes: tuple[str, ...] = ()


def fit(request: Request, limits: Limits, tier: str, default_steps: int) -> Fitted:
    """The request within the tier's limits, and a line for each thing the member asked for that was reduced
    (a service default above the tier's limit is lowered without a word: the member didn't ask for it)."""
    notes = []
    width, height = request.width, request.height
    if width and height and max(width, height) > limits.max_side:
        scale = limits.max_side / max(width, height)
        width = max(MIN_SIDE, int(width * scale) // SIDE_STEP * SIDE_STEP)
        height = max(MIN_SIDE, int(height * scale) // SIDE_STEP * SIDE_STEP)
        notes.append(
            _("size {before} → {after}", before=_size(request.width, request.height), after=_size(width, height))
        )
    steps = request.steps
    if steps is None and default_steps > limits.max_steps:
        steps = limits.max_steps
    elif steps is not None and steps > limits.max_steps:
        steps = limits.max_steps
        notes.append(_("steps {before} → {after}", before=request.steps, after=steps))
    count = request.count
    if count > limits.max_count:
        count = limits.max_count
        notes.append(_("{before} images → {after}", before=request.count, after=count))
    fitted = Request(width=width, height=height, steps=steps, count=count)
    if not notes:
        return Fitted(fitted)
    line = _("Reduced to fit the {tier} tier: {changes}.", tier=shown_tier(tier), changes=", ".join(notes))
    return Fitted(fitted, (line,))


def _size(width: int | None, height: int | None) -> str:
    return f"{width}x{height}"


@dataclass(frozen=True)
class Caller:
    """A member asking for an image, placed in their tier, and where their answer goes: what the engine needs
    to fit, queue, charge and (after a restart) post a job."""

    guild_id: int
    user_id: int
    channel_id: int | None
    tier: str
    limits: Limits
    # The message showing the turn's progress, which the result replaces.
    answer_to: int | None = None

    def to_json(self) -> dict:
        return {**asdict(self), "limits": asdict(self.limits)}

    @classmethod
    def from_json(cls, data: dict) -> Caller:
        return cls(**{**data, "limits": Limits(**data["limits"])})
