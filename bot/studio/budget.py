"""Daily budgets: a member's day runs from the server's reset hour (UTC) to the next; what they used is the
sum of their jobs' charges since then, and what they may use is their tier's budget plus any grant."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

JOULES_PER_WATT_HOUR = 3600.0


def day_start(now: datetime.datetime, reset_hour: int) -> datetime.datetime:
    """The start of the budget day holding ``now`` (an aware datetime)."""
    now = now.astimezone(datetime.UTC)
    start = now.replace(hour=reset_hour, minute=0, second=0, microsecond=0)
    return start if start <= now else start - datetime.timedelta(days=1)


def month_start(now: datetime.datetime) -> datetime.datetime:
    now = now.astimezone(datetime.UTC)
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Spent:
    images: int = 0
    device_seconds: float = 0.0
    joules: float = 0.0
    estimated: bool = False

    @property
    def watt_hours(self) -> float:
        return self.joules / JOULES_PER_WATT_HOUR


@dataclass(frozen=True)
class Allowance:
    gpu_seconds: float  # 0: no budget
    watt_hours: float

    def left(self, spent: Spent) -> tuple[float | None, float | None]:
        """GPU seconds and watt-hours left today; None where there is no budget."""
        return (
            max(0.0, self.gpu_seconds - spent.device_seconds) if self.gpu_seconds else None,
            max(0.0, self.watt_hours - spent.watt_hours) if self.watt_hours else None,
        )

    def exhausted(self, spent: Spent) -> bool:
        gpu, energy = self.left(spent)
        return gpu == 0.0 or energy == 0.0


def grams_of_co2(spent: Spent, grid_gco2_per_kwh: float) -> float:
    return spent.watt_hours / 1000 * grid_gco2_per_kwh
