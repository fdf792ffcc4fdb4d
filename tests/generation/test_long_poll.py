"""GET /v1/jobs/{job}?wait=&seen=: a long poll that answers when the job's version changes."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest

from generation.api.keys import WORKER


@contextlib.contextmanager
def model_held(client):
    """Occupy the model thread, so jobs stay where they are until the block ends."""
    gate = threading.Event()
    client.app[WORKER]._model_thread.submit(gate.wait)
    try:
        yield gate
    finally:
        gate.set()


async def submit(client, **body) -> dict:
    response = await client.post("/v1/generate", json={"prompt": "a boat", "wait": False, **body})
    assert response.status == 202, await response.text()
    return await response.json()


async def status(client, job: str, **query) -> dict:
    response = await client.get(f"/v1/jobs/{job}", params=query)
    assert response.status == 200, await response.text()
    return await response.json()


async def until(client, job: str, check) -> dict:
    for _ in range(400):
        answer = await status(client, job)
        if check(answer):
            return answer
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job} never got there: {answer}")


async def finished(client, job: str) -> dict:
    return await until(client, job, lambda answer: answer["state"] in ("done", "failed", "cancelled"))


async def test_a_long_poll_waits_for_the_next_change_and_answers_it(client):
    with model_held(client) as gate:
        job = (await submit(client))["job"]
        before = await until(client, job, lambda answer: answer["state"] == "running")
        poll = asyncio.create_task(status(client, job, wait="20", seen=before["version"]))
        await asyncio.sleep(0.3)
        assert not poll.done(), "the long poll answered although nothing changed"
        gate.set()
        after = await asyncio.wait_for(poll, 15)
    assert after["version"] != before["version"]
    assert (after["state"], after["step"]) != (before["state"], before["step"])
    # Each answer's version is the next poll's ``seen``: the steps come one change at a time, then the end.
    while after["state"] == "running":
        after = await status(client, job, wait="20", seen=after["version"])
    assert after["state"] == "done" and after["step"] == after["total_steps"]


async def test_a_stale_version_or_none_answers_at_once(client):
    with model_held(client):
        job = (await submit(client))["job"]
        current = await until(client, job, lambda answer: answer["state"] == "running")
        assert (await asyncio.wait_for(status(client, job, wait="20", seen="stale"), 5))["job"] == job
        assert (await asyncio.wait_for(status(client, job, wait="20"), 5))["version"] == current["version"]


async def test_a_finished_job_answers_at_once_also_from_the_log_after_a_restart(start_service):
    async with start_service() as client:
        done = await (await client.post("/v1/generate", json={"prompt": "a boat"})).json()
        assert done["state"] == "done" and done["version"]
        again = await asyncio.wait_for(status(client, done["job"], wait="30", seen=done["version"]), 5)
        assert again["state"] == "done" and again["version"] == done["version"]
    async with start_service() as client:
        read_back = await asyncio.wait_for(status(client, done["job"], wait="30", seen=done["version"]), 5)
        assert read_back["state"] == "done"
        assert read_back["images"][0]["id"] == done["images"][0]["id"]


@pytest.mark.parametrize("wait", ["0", "31", "abc", "-1", "nan", "inf", ""])
async def test_a_bad_wait_is_refused_naming_it(client, wait):
    job = (await (await client.post("/v1/generate", json={"prompt": "a boat"})).json())["job"]
    response = await client.get(f"/v1/jobs/{job}", params={"wait": wait, "seen": "x"})
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "invalid" and error["field"] == "wait"


async def test_a_queued_job_hears_when_its_place_in_the_queue_moves(client):
    with model_held(client) as gate:
        running = (await submit(client))["job"]
        await until(client, running, lambda answer: answer["state"] == "running")
        # Another size can't join the running batch: it waits at the head, and the third job behind it.
        ahead = (await submit(client, width=128))["job"]
        behind = (await submit(client))["job"]
        second = await status(client, behind)
        assert second["queue_position"] == 2
        poll = asyncio.create_task(status(client, behind, wait="25", seen=second["version"]))
        await asyncio.sleep(0.3)
        assert not poll.done()
        gate.set()
        first = await asyncio.wait_for(poll, 20)
    assert first["state"] == "queued" and first["queue_position"] == 1
    assert first["version"] != second["version"]
    assert (await status(client, ahead))["state"] in ("running", "done")
    for job in (running, ahead, behind):
        assert (await finished(client, job))["state"] == "done"


async def test_a_cancel_of_the_job_ahead_moves_the_one_behind(client):
    with model_held(client):
        running = (await submit(client))["job"]
        await until(client, running, lambda answer: answer["state"] == "running")
        ahead = (await submit(client, width=128))["job"]
        behind = (await submit(client, width=128))["job"]
        second = await status(client, behind)
        poll = asyncio.create_task(status(client, behind, wait="25", seen=second["version"]))
        await asyncio.sleep(0.2)
        assert not poll.done()
        assert (await client.delete(f"/v1/jobs/{ahead}")).status == 200
        first = await asyncio.wait_for(poll, 5)
        assert first["queue_position"] == 1 and second["queue_position"] == 2


async def test_a_client_hanging_up_during_a_long_poll_leaves_the_job_running(client):
    with model_held(client) as gate:
        job = (await submit(client))["job"]
        current = await until(client, job, lambda answer: answer["state"] == "running")
        poll = asyncio.create_task(status(client, job, wait="25", seen=current["version"]))
        await asyncio.sleep(0.2)
        poll.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poll
        await asyncio.sleep(0.1)
        gate.set()
        assert (await finished(client, job))["state"] == "done"


async def test_a_stopping_service_answers_its_long_polls_at_once(start_service):
    async with start_service() as client:
        with model_held(client) as gate:
            job = (await submit(client))["job"]
            current = await until(client, job, lambda answer: answer["state"] == "running")
            poll = asyncio.create_task(status(client, job, wait="30", seen=current["version"]))
            await asyncio.sleep(0.2)
            closing = asyncio.create_task(client.server.close())
            # Answered while the service stops, not cut off after its grace period: the job is unchanged.
            answer = await asyncio.wait_for(poll, 5)
            assert answer["version"] == current["version"]
            gate.set()
            await closing
