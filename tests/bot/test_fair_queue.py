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


async def test_a_ticket_cancelled_while_its_member_is_told_its_place_never_runs():
    # The waiter is busy editing the member's message when the Cancel comes and a slot frees: the slot goes to
    # the next ticket, and the cancelled one never runs (nor is charged).
    queue = FairQueue(slots=1)
    release, editing, edited = asyncio.Event(), asyncio.Event(), asyncio.Event()
    ran: list[str] = []

    async def hold(member, label, on_position=None):
        async with queue.slot(member, concurrent=1, queued=5, label=label, on_position=on_position):
            ran.append(label)
            await release.wait()

    async def slow_edit(position):
        editing.set()
        await edited.wait()

    first = asyncio.create_task(hold(1, "first"))
    await asyncio.sleep(0)
    second = asyncio.create_task(hold(2, "second", slow_edit))
    await asyncio.wait_for(editing.wait(), 1)
    third = asyncio.create_task(hold(3, "third"))
    await asyncio.sleep(0.01)
    ticket = next(t for t in queue.tickets() if t.label == "second")
    later = next(t for t in queue.tickets() if t.label == "third")
    assert later.position == 2

    assert queue.cancel(ticket)
    assert [t.label for t in queue.tickets()] == ["first", "third"] and later.position == 1
    release.set()  # a slot frees while "second" is still in its edit
    await asyncio.sleep(0.01)
    edited.set()
    with pytest.raises(Cancelled):
        await second
    await asyncio.gather(first, third)
    assert ran == ["first", "third"]
    assert queue.tickets() == []


async def test_tickets_have_random_short_ids_that_find_them():
    queue = FairQueue(slots=1)
    release = asyncio.Event()

    async def hold(label):
        async with queue.slot(1, concurrent=1, queued=5, label=label):
            await release.wait()

    tasks = [asyncio.create_task(hold(label)) for label in ("a", "b", "c")]
    await asyncio.sleep(0.01)
    tickets = queue.tickets()
    ids = [ticket.id for ticket in tickets]
    assert len(set(ids)) == 3
    assert all(len(ticket_id) == 8 and int(ticket_id, 16) >= 0 for ticket_id in ids)
    assert all(queue.find(ticket.id) is ticket for ticket in tickets)
    assert queue.find("1") is None
    release.set()
    await asyncio.gather(*tasks)


async def test_members_are_forgotten_once_the_queue_is_idle():
    queue = FairQueue(slots=2)
    await run_all(queue, [(member, f"m{member}") for member in range(1, 6)], concurrent=1)
    assert queue.tickets() == []
    assert queue._served == {} and not queue._running


async def test_a_member_with_nothing_running_leaves_no_count_while_others_run():
    queue = FairQueue(slots=2)
    release = asyncio.Event()

    async def hold(member):
        async with queue.slot(member, concurrent=1, queued=5):
            await release.wait()

    long = asyncio.create_task(hold(1))
    await asyncio.sleep(0)
    async with queue.slot(2, concurrent=1, queued=5):
        assert queue._running == {1: 1, 2: 1}
    assert queue._running == {1: 1}
    release.set()
    await long
    assert not queue._running and queue._served == {}
