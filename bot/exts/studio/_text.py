"""How usage and limits read in Discord. Pure text."""

from __future__ import annotations

from bot.studio.budget import Allowance, Spent, grams_of_co2
from bot.studio.tiers import LIMIT_NAMES, Limits, Tier

LIMIT_LABELS = {
    "daily_gpu_seconds": "GPU time a day",
    "daily_watt_hours": "energy a day",
    "concurrent": "running at once",
    "queued": "waiting at once",
    "max_side": "largest side",
    "max_steps": "steps",
    "max_count": "images per request",
}


def limit_value(name: str, value: float) -> str:
    if name == "daily_gpu_seconds":
        return f"{value:g} s" if value else "no budget"
    if name == "daily_watt_hours":
        return f"{value:g} Wh" if value else "no budget"
    if name == "max_side":
        return f"{int(value)} px"
    return f"{int(value)}"


def limits_text(limits: Limits, tier: Tier | None = None) -> str:
    """One line per limit; those a tier set itself are in bold, inherited ones plain."""
    own = dict(tier.overrides) if tier is not None else {}
    lines = []
    for name in LIMIT_NAMES:
        value = limit_value(name, getattr(limits, name))
        lines.append(f"{LIMIT_LABELS[name]}: {'**' + value + '**' if name in own else value}")
    return "\n".join(lines)


def spent_text(spent: Spent, grid_gco2_per_kwh: float) -> str:
    if not spent.images:
        return "nothing yet"
    approx = "~" if spent.estimated else ""
    co2 = grams_of_co2(spent, grid_gco2_per_kwh)
    return (
        f"{spent.images} image{'s' if spent.images != 1 else ''} · {spent.device_seconds:.1f} s GPU · "
        f"{approx}{spent.watt_hours:.2f} Wh · ~{co2:.1f} g CO₂"
    )


def left_text(allowance: Allowance, spent: Spent) -> str:
    gpu, energy = allowance.left(spent)
    parts = []
    if gpu is not None:
        parts.append(f"{gpu:.1f} of {allowance.gpu_seconds:g} s GPU")
    if energy is not None:
        parts.append(f"{energy:.2f} of {allowance.watt_hours:g} Wh")
    return " · ".join(parts) if parts else "no daily budget"
