"""The usage chart admins see: whole days in order, and a PNG Discord can show whatever the data."""

from __future__ import annotations

import datetime
import io
import random
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from bot.exts.studio._chart import DayUsage, _figure, fill_days, usage_chart

NOV_1 = datetime.date(2024, 11, 1)


def day(offset: int) -> datetime.date:
    return NOV_1 + datetime.timedelta(days=offset)


def month(seed: int = 0) -> list[DayUsage]:
    chance = random.Random(seed)
    rows = [
        DayUsage(day(i), chance.randint(1, 30), chance.uniform(1, 600), chance.uniform(0.1, 20))
        for i in range(30)
        if chance.random() < 0.6
    ]
    return fill_days(rows, day(0), day(29))


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image


def test_fill_days_fills_gaps_with_zeros_in_order():
    rows = [DayUsage(day(3), 2, 10.0, 0.5), DayUsage(day(0), 1, 5.0, 0.25)]
    filled = fill_days(rows, day(0), day(4))
    assert [d.day for d in filled] == [day(i) for i in range(5)]
    assert filled[0] == DayUsage(day(0), 1, 5.0, 0.25)
    assert filled[3] == DayUsage(day(3), 2, 10.0, 0.5)
    assert [filled[i] for i in (1, 2, 4)] == [DayUsage(day(i), 0, 0.0, 0.0) for i in (1, 2, 4)]


def test_fill_days_sums_duplicates_and_accepts_any_order():
    rows = [
        DayUsage(day(2), 1, 1.5, 0.1),
        DayUsage(day(0), 4, 2.0, 0.2),
        DayUsage(day(2), 2, 3.0, 0.3),
    ]
    filled = fill_days(reversed(rows), day(0), day(2))
    assert [d.day for d in filled] == [day(0), day(1), day(2)]
    assert filled[2].images == 3
    assert filled[2].device_seconds == pytest.approx(4.5)
    assert filled[2].watt_hours == pytest.approx(0.4)


def test_fill_days_leaves_out_rows_outside_the_range():
    rows = [DayUsage(day(-1), 9, 9.0, 9.0), DayUsage(day(1), 1, 1.0, 1.0), DayUsage(day(5), 9, 9.0, 9.0)]
    assert sum(d.images for d in fill_days(rows, day(0), day(2))) == 1


def test_fill_days_single_day_and_reversed_range():
    assert fill_days([], day(0), day(0)) == [DayUsage(day(0), 0, 0.0, 0.0)]
    with pytest.raises(ValueError):
        fill_days([], day(1), day(0))


def test_chart_is_a_png_sized_for_an_embed():
    assert png(usage_chart(month(), "Last 30 days")).size == (1000, 500)


def test_a_month_from_fill_days_has_one_bar_per_day():
    figure = _figure(month(), "Last 30 days")
    bars_axis = figure.axes[0]
    assert len(bars_axis.containers) == 1
    assert len(bars_axis.containers[0]) == 30


def test_gaps_in_the_input_still_give_one_bar_per_day():
    figure = _figure([DayUsage(day(4), 1, 1.0, 0.1), DayUsage(day(0), 1, 1.0, 0.1)], "gappy")
    assert len(figure.axes[0].containers[0]) == 5


def test_gpu_time_in_minutes_only_from_two_minutes_a_day():
    seconds = _figure([DayUsage(day(0), 1, 119.0, 1.0)], "t").axes[0].get_ylabel()
    minutes = _figure([DayUsage(day(0), 1, 120.0, 1.0)], "t").axes[0].get_ylabel()
    assert "(s)" in seconds
    assert "(min)" in minutes


def test_different_usage_gives_a_different_picture():
    assert usage_chart(month(1), "Last 30 days") != usage_chart(month(2), "Last 30 days")


def test_one_day_and_ninety_days_render():
    assert png(usage_chart([DayUsage(day(0), 3, 42.0, 0.7)], "Today")).size == (1000, 500)
    chance = random.Random(3)
    quarter = [DayUsage(day(i), chance.randint(0, 50), chance.uniform(0, 900), chance.uniform(0, 9)) for i in range(90)]
    assert png(usage_chart(quarter, "Last 90 days")).size == (1000, 500)


def test_all_zero_usage_renders_with_a_note():
    empty_month = fill_days([], day(0), day(29))
    assert png(usage_chart(empty_month, "Quiet month")).size == (1000, 500)
    texts = [text.get_text() for text in _figure(empty_month, "Quiet month").axes[0].texts]
    assert any("no usage" in text.lower() for text in texts)


def test_no_days_is_an_error():
    with pytest.raises(ValueError, match="no days to chart"):
        usage_chart([], "Nothing")


def test_rendering_in_threads_matches_rendering_alone():
    # It runs in asyncio.to_thread: concurrent charts must not draw into each other.
    inputs = [month(seed) for seed in range(2)]
    alone = [usage_chart(days, f"chart {i}") for i, days in enumerate(inputs)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda pair: usage_chart(pair[1], f"chart {pair[0]}"), enumerate(inputs)))
    assert together == alone
