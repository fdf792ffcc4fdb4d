"""The server's fair queue: round-robin across members, each within their own limits."""

import asyncio

import pytest

from bot.studio.fair_queue import Cancelled, FairQueue, QueueFull


async def run_all(queue: FairQueue, jobs: list[tuple[int, str]], concurrent: int = 1, hold: float = 0.01):
    order: list[str] = []

    async def one(member: int, label: str) -> None:
        async with queue.slot(member, concurrent=concurrent, queued=10, label=label):
            order.append(label)
            await asyncio.sleep(hold)

    tasks = []
    for member, label in jobs:
        tasks.append(asyncio.create_task(one(member, label)))
        await asyncio.sleep(0)  # joined in this order
    await asyncio.gather(*tasks)
    return order


async def test_two_members_bursts_are_interleaved():
    queue = FairQueue(slots=1)
    burst = [(1, f"a{i}") for i in range(4)] + [(2, f"b{i}") for i in range(4)]

    order = await run_all(queue, burst)

    assert order == ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"]


async def test_a_member_never_runs_more_than_their_concurrent_limit():
    queue = FairQueue(slots=4)
    running = peak = 0

    async def one():
        nonlocal running, peak
        async with queue.slot(1, concurrent=2, queued=10):
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.01)
            running -= 1

    await asyncio.gather(*(one() for _ in range(6)))
    assert peak == 2


async def test_positions_are_places_in_the_fair_order_and_move():
    queue = FairQueue(slots=1)
    release = asyncio.Event()
    seen: dict[str, list[int]] = {"a1": [], "b0": []}

    async def hold(member, label):
        async def report(position):
            seen.setdefault(label, []).append(position)

        async with queue.slot(member, concurrent=1, queued=10, label=label, on_position=report):
            await release.wait()

    first = asyncio.create_task(hold(1, "a0"))
    await asyncio.sleep(0)
    second = asyncio.create_task(hold(1, "a1"))
    await asyncio.sleep(0)
    third = asyncio.create_task(hold(2, "b0"))
    await asyncio.sleep(0.01)

    # b0 joined last but is served before a1: members take turns.
    assert seen["b0"][-1] == 1 and seen["a1"][-1] == 2
    release.set()
    await asyncio.gather(first, second, third)


async def test_the_queued_limit_refuses_one_more():
    queue = FairQueue(slots=1)
    release = asyncio.Event()

    async def hold():
        async with queue.slot(1, concurrent=1, queued=1):
            await release.wait()

    running = asyncio.create_task(hold())
    waiting = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    with pytest.raises(QueueFull, match="1 running and 1 waiting"):
        async with queue.slot(1, concurrent=1, queued=1):
            pass
    release.set()
    await asyncio.gather(running, waiting)


async def test_a_waiting_ticket_can_be_cancelled_and_frees_its_place():
    queue = FairQueue(slots=1)
    release = asyncio.Event()

    async def hold(label):
        async with queue.slot(1, concurrent=1, queued=5, label=label):
            await release.wait()

    running = asyncio.create_task(hold("first"))
    waiting = asyncio.create_task(hold("second"))
    await asyncio.sleep(0.01)
    ticket = next(t for t in queue.tickets() if t.label == "second")

    assert queue.cancel(ticket)
    with pytest.raises(Cancelled):
        await waiting
    assert [t.label for t in queue.tickets()] == ["first"]
    assert not queue.cancel(queue.tickets()[0])  # running: only the service can stop it
    release.set()
    await running


async def test_a_turn_abandoned_while_waiting_leaves_no_trace():
    queue = FairQueue(slots=1)
    release = asyncio.Event()

    async def hold():
        async with queue.slot(1, concurrent=1, queued=5):
            await release.wait()

    running = asyncio.create_task(hold())
    waiting = asyncio.create_task(hold())
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.sleep(0.01)
    assert len(queue.tickets()) == 1
    release.set()
    await running
    assert queue.tickets() == []
