"""A server's usage over time as a picture: admins see at a glance how much GPU time and energy their members'
images took each day of the last month, which a table of thirty rows would hide.

Pure rendering, no Discord and no database, so that it can run in a worker thread and be tested alone."""

from __future__ import annotations

import datetime
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from bot.i18n import _

# 1000x500 px: wide enough for a month of bars, and Discord shows it in an embed without scaling it down much.
_SIZE_INCHES = (10, 5)
_DPI = 100
# Beyond this many days bars are too narrow for level labels and markers; counts turn on their side instead.
_MANY_DAYS = 45
_MAX_TICKS = 10
_MIN_SPAN_DAYS = 7
_GPU_COLOUR = "#5865F2"
_ENERGY_COLOUR = "#E67E22"
_MUTED = "#6B6F76"


@dataclass(frozen=True)
class DayUsage:
    day: datetime.date
    images: int
    device_seconds: float
    watt_hours: float


def fill_days(rows: Iterable[DayUsage], first: datetime.date, last: datetime.date) -> list[DayUsage]:
    """Every day from ``first`` to ``last`` inclusive, in order, with zeros where ``rows`` has none; rows for the
    same day are summed and rows outside the range are left out."""
    if first > last:
        raise ValueError("first day is after last day")
    totals: dict[datetime.date, tuple[int, float, float]] = {}
    for row in rows:
        if not first <= row.day <= last:
            continue
        images, seconds, watt_hours = totals.get(row.day, (0, 0.0, 0.0))
        totals[row.day] = (images + row.images, seconds + row.device_seconds, watt_hours + row.watt_hours)
    filled = []
    for offset in range((last - first).days + 1):
        day = first + datetime.timedelta(days=offset)
        images, seconds, watt_hours = totals.get(day, (0, 0.0, 0.0))
        filled.append(DayUsage(day, images, seconds, watt_hours))
    return filled


def usage_chart(days: Sequence[DayUsage], title: str) -> bytes:
    """A PNG chart of usage per day: GPU time as bars (left axis, in minutes when the largest day is >= 120 s,
    else seconds) and energy in Wh as a line (right axis), one bar per day in order, days with nothing drawn as
    zero. Sized for a Discord embed (about 1000x500 px)."""
    figure = _figure(days, title)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _figure(days: Sequence[DayUsage], title: str) -> Figure:
    if not days:
        raise ValueError("no days to chart")
    # Gaps and duplicates would otherwise turn into missing or overlapping bars.
    days = fill_days(days, min(d.day for d in days), max(d.day for d in days))
    dates = [d.day for d in days]
    seconds = [d.device_seconds for d in days]
    in_minutes = max(seconds) >= 120
    gpu = [s / 60 for s in seconds] if in_minutes else seconds
    energy = [d.watt_hours for d in days]
    images = [d.images for d in days]

    # The object API on an explicit Agg canvas, never pyplot: no global figure state, so threads can't interfere.
    figure = Figure(figsize=_SIZE_INCHES, dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    bars_axis = figure.add_subplot()
    energy_axis = bars_axis.twinx()

    bars = bars_axis.bar(dates, gpu, width=0.8, color=_GPU_COLOUR, zorder=2)
    # A single day has no line to draw, so the marker carries its value.
    many = len(days) > _MANY_DAYS
    energy_axis.plot(
        dates,
        energy,
        color=_ENERGY_COLOUR,
        linewidth=1.5 if many else 2,
        marker="" if many else "o",
        markersize=3 if len(days) > 1 else 6,
    )

    bars_axis.set_ylabel(_("GPU time (min)") if in_minutes else _("GPU time (s)"))
    energy_axis.set_ylabel(_("Energy (Wh)"))
    bars_axis.set_xlabel(_("Day"))
    # Room above the tallest bar for its image count, and an axis of 0..1 rather than a degenerate one when empty.
    bars_axis.set_ylim(0, max(gpu) * 1.15 or 1)
    energy_axis.set_ylim(0, max(energy) * 1.15 or 1)

    step = max(1, math.ceil(len(days) / _MAX_TICKS))
    bars_axis.set_xticks(dates[::step])
    bars_axis.xaxis.set_major_formatter(DateFormatter("%b %d"))
    # In day units (a date minus hours is still the same date), and at least a week wide so that one or two days
    # read as narrow bars rather than a wall of colour.
    pad = max(0.6, (_MIN_SPAN_DAYS - len(days)) / 2)
    bars_axis.set_xlim(date2num(dates[0]) - pad, date2num(dates[-1]) + pad)

    bars_axis.grid(axis="y", color="#D0D3D8", linewidth=0.6, zorder=0)
    bars_axis.spines[["top", "right"]].set_visible(False)
    energy_axis.spines[["top", "left"]].set_visible(False)
    energy_axis.spines["right"].set_color(_ENERGY_COLOUR)
    energy_axis.tick_params(axis="y", colors=_ENERGY_COLOUR)
    energy_axis.yaxis.label.set_color(_ENERGY_COLOUR)

    bars_axis.bar_label(
        bars,
        labels=[str(n) if n else "" for n in images],
        padding=2,
        fontsize=6 if many else 7,
        rotation=90 if many else 0,
        color=_MUTED,
        zorder=3,
    )

    total_images = sum(images)
    if total_images == 0 and sum(seconds) == 0 and sum(energy) == 0:
        bars_axis.text(
            0.5,
            0.5,
            _("No usage in this period"),
            transform=bars_axis.transAxes,
            ha="center",
            va="center",
            fontsize=14,
            color=_MUTED,
        )

    figure.suptitle(title, x=0.01, ha="left", fontsize=14, fontweight="bold")
    images_text = _("1 image") if total_images == 1 else _("{count} images", count=total_images)
    summary = _(
        "{images}, {duration} GPU, {energy}",
        images=images_text,
        duration=_duration(sum(seconds)),
        energy=_energy(sum(energy)),
    )
    if total_images:
        summary += " " + _("(numbers above bars: images per day)")
    bars_axis.set_title(summary, loc="left", fontsize=9, color=_MUTED)

    # Proxies rather than the artists, so the legend shows a bar swatch and a plain line whatever the data.
    handles = [
        Patch(color=_GPU_COLOUR, label=_("GPU time")),
        Line2D([], [], color=_ENERGY_COLOUR, linewidth=2, marker="o", markersize=3, label=_("Energy")),
    ]
    # On the subtitle's line, above the plot, where no bar or point can be hidden behind it.
    energy_axis.legend(
        handles=handles, loc="lower right", bbox_to_anchor=(1, 1), ncols=2, frameon=False, fontsize=9, borderaxespad=0.2
    )
    return figure


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 120 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _energy(watt_hours: float) -> str:
    if watt_hours >= 1000:
        return f"{watt_hours / 1000:.2f} kWh"
    if watt_hours >= 10:
        return f"{watt_hours:.0f} Wh"
    return f"{watt_hours:.2g} Wh"
