"""How usage and limits read in Discord. Pure text."""

from __future__ import annotations

from bot.i18n import N_, _
from bot.studio.budget import Allowance, Spent, grams_of_co2
from bot.studio.tiers import LIMIT_NAMES, Limits, Tier

LIMIT_LABELS = {
    "daily_gpu_seconds": N_("GPU time a day"),
    "daily_watt_hours": N_("energy a day"),
    "concurrent": N_("running at once"),
    "queued": N_("waiting at once"),
    "max_side": N_("largest side"),
    "max_steps": N_("steps"),
    "max_count": N_("images per request"),
}


def limit_value(name: str, value: float) -> str:
    if name == "daily_gpu_seconds":
        return f"{value:g} s" if value else _("no budget")
    if name == "daily_watt_hours":
        return f"{value:g} Wh" if value else _("no budget")
    if name == "max_side":
        return f"{int(value)} px"
    return f"{int(value)}"


def limits_text(limits: Limits, tier: Tier | None = None) -> str:
    """One line per limit; those a tier set itself are in bold, inherited ones plain."""
    own = dict(tier.overrides) if tier is not None else {}
    lines = []
    for name in LIMIT_NAMES:
        value = limit_value(name, getattr(limits, name))
        lines.append(f"{_(LIMIT_LABELS[name])}: {'**' + value + '**' if name in own else value}")
    return "\n".join(lines)


def spent_text(spent: Spent, grid_gco2_per_kwh: float) -> str:
    if not spent.images:
        return _("nothing yet")
    co2 = grams_of_co2(spent, grid_gco2_per_kwh)
    images = _("1 image") if spent.images == 1 else _("{count} images", count=spent.images)
    return _(
        "{images} · {seconds} s GPU · {energy} Wh · ~{co2} g CO₂",
        images=images,
        seconds=format(spent.device_seconds, ".1f"),
        energy=("~" if spent.estimated else "") + format(spent.watt_hours, ".2f"),
        co2=format(co2, ".1f"),
    )


def left_text(allowance: Allowance, spent: Spent) -> str:
    gpu, energy = allowance.left(spent)
    parts = []
    if gpu is not None:
        parts.append(_("{left} of {budget} s GPU", left=format(gpu, ".1f"), budget=format(allowance.gpu_seconds, "g")))
    if energy is not None:
        parts.append(_("{left} of {budget} Wh", left=format(energy, ".2f"), budget=format(allowance.watt_hours, "g")))
    return " · ".join(parts) if parts else _("no daily budget")
