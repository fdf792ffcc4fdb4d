"""Cancelling: a queued job at once, a running one at its next step, and a waiting client that hangs up."""

from __future__ import annotations

import asyncio
import threading

import aiohttp

from generation.api.keys import QUEUE, WORKER
from tests.generation.test_jobs import poll_until_finished


async def wait_until_running(client, job_id: str, step: int = 1) -> dict:
    for _ in range(400):
        status = await (await client.get(f"/v1/jobs/{job_id}")).json()
        if status["state"] == "running" and status["step"] >= step:
            return status
        await asyncio.sleep(0.01)
    raise AssertionError(f"job {job_id} never ran")


async def test_a_queued_job_is_cancelled_at_once(client):
    gate = threading.Event()
    client.app[WORKER]._model_thread.submit(gate.wait)
    running = (await (await client.post("/v1/generate", json={"prompt": "a", "wait": False})).json())["job"]
    # Another size can't join the running batch: this one waits in the queue.
    queued = (await (await client.post("/v1/generate", json={"prompt": "b", "wait": False, "width": 128})).json())[
        "job"
    ]
    response = await client.delete(f"/v1/jobs/{queued}")
    assert response.status == 200
    assert (await response.json())["state"] == "cancelled"
    gate.set()
    assert (await poll_until_finished(client, running))["state"] == "done"
    status = await (await client.get(f"/v1/jobs/{queued}")).json()
    assert status["state"] == "cancelled"
    assert status["usage"]["device_seconds"] == 0


async def test_a_running_job_stops_at_its_next_step_and_reports_what_it_used(client):
    response = await client.post("/v1/generate", json={"prompt": "a boat", "steps": 100, "wait": False})
    job_id = (await response.json())["job"]
    await wait_until_running(client, job_id, step=2)
    response = await client.delete(f"/v1/jobs/{job_id}")
    assert response.status == 202
    assert (await response.json())["cancel_requested"] is True
    status = await poll_until_finished_or_cancelled(client, job_id)
    assert status["state"] == "cancelled"
    assert status["step"] < 100
    assert status["usage"]["device_seconds"] > 0
    assert not client.app[WORKER].active


async def poll_until_finished_or_cancelled(client, job_id: str) -> dict:
    for _ in range(600):
        status = await (await client.get(f"/v1/jobs/{job_id}")).json()
        if status["state"] in ("done", "failed", "cancelled"):
            return status
        await asyncio.sleep(0.02)
    raise AssertionError(f"job {job_id} never ended")


async def test_an_ended_job_can_not_be_cancelled(client):
    done = await (await client.post("/v1/generate", json={"prompt": "a boat"})).json()
    response = await client.delete(f"/v1/jobs/{done['job']}")
    assert response.status == 409
    assert (await response.json())["error"]["code"] == "job_finished"
    assert (await client.delete("/v1/jobs/nope")).status == 404


async def hang_up_while_waiting(client, body: dict) -> str:
    """Send a waiting request, hang up once its job runs, and return the job's id."""
    url = client.make_url("/v1/generate")
    async with aiohttp.ClientSession() as session:
        request = asyncio.create_task(session.post(url, json={"prompt": "a boat", "steps": 100, **body}))
        queue = client.app[QUEUE]
        for _ in range(400):
            running = [job for job in queue._jobs.values() if job.step >= 2]
            if running:
                break
            await asyncio.sleep(0.01)
        request.cancel()
    return running[0].id


async def test_a_waiting_client_that_hangs_up_cancels_its_job(client):
    job_id = await hang_up_while_waiting(client, {})
    status = await poll_until_finished_or_cancelled(client, job_id)
    assert status["state"] == "cancelled"


async def test_a_waiting_client_may_keep_its_job_when_it_hangs_up(client):
    job_id = await hang_up_while_waiting(client, {"keep": True, "steps": 12})
    status = await poll_until_finished_or_cancelled(client, job_id)
    assert status["state"] == "done"


async def test_a_job_cancelled_while_its_batch_is_being_started_never_runs(client):
    worker = client.app[WORKER]
    gate = threading.Event()
    worker._model_thread.submit(gate.wait)
    jobs = [
        (await (await client.post("/v1/generate", json={"prompt": prompt, "wait": False})).json())["job"]
        for prompt in ("a", "b", "c")
    ]
    # b's inputs load slowly (a large upload would): c is claimed with b but not started yet.
    loading, go_on = asyncio.Event(), asyncio.Event()
    load = worker.inputs.load

    async def slow_load(spec):
        if spec.sampling.prompt == "b":
            loading.set()
            await go_on.wait()
        return await load(spec)

    worker.inputs.load = slow_load
    gate.set()
    await asyncio.wait_for(loading.wait(), 20)
    response = await client.delete(f"/v1/jobs/{jobs[2]}")
    assert response.status == 202
    assert (await response.json())["cancel_requested"] is True
    go_on.set()
    assert (await poll_until_finished_or_cancelled(client, jobs[2]))["state"] == "cancelled"
    assert (await poll_until_finished_or_cancelled(client, jobs[1]))["state"] == "done"
