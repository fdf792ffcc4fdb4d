"""How an image's cost on the service's device reads to a member: "0.9 s GPU, ~0.11 Wh"."""

from __future__ import annotations

from bot.i18n import _
from bot.storage import StoredImage

JOULES_PER_WATT_HOUR = 3600


def cost_text(image: StoredImage) -> str | None:
    """Device time and energy of one image; ``~`` marks energy estimated from time rather than metered."""
    if image.device_seconds is None or image.joules is None:
        return None
    watt_hours = image.joules / JOULES_PER_WATT_HOUR
    energy = f"{'~' if image.energy_estimated else ''}{watt_hours:.2g}"
    return _("{seconds} s GPU, {energy} Wh", seconds=format(image.device_seconds, ".2g"), energy=energy)
