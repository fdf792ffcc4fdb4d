"""Members' jobs share the model: same-size jobs join one forward, other sizes wait their turn, and each job
is charged its share of the device time, which its credential records."""

from __future__ import annotations

import asyncio
import re
import threading

from generation.api.keys import BACKEND, QUEUE, WORKER
from tests.generation.helpers import image_bytes, png_bytes, read_credential, upload_form
from tests.generation.test_cancel import wait_until_running
from tests.generation.test_jobs import poll_until_finished


def record_batches(app, monkeypatch) -> list[list[tuple[str, tuple]]]:
    """Each forward's jobs, as (job id, batch key) pairs."""
    backend = app[BACKEND]
    batches = []
    original = backend.step

    def step(trajectories):
        batches.append([(t.job.id, t.job.batch_key) for t in trajectories])
        return original(trajectories)

    monkeypatch.setattr(backend, "step", step)
    return batches


async def submit_while_the_model_is_busy(client, bodies: list[dict]) -> list[str]:
    """Submit jobs while the model thread is held, so they are all waiting when it frees up."""
    gate = threading.Event()
    client.app[WORKER]._model_thread.submit(gate.wait)
    jobs = []
    for body in bodies:
        response = await client.post("/v1/generate", json={"prompt": "a boat", "wait": False, **body})
        assert response.status == 202, await response.text()
        jobs.append((await response.json())["job"])
    gate.set()
    return jobs


async def test_jobs_of_one_size_share_forwards_and_other_sizes_never_do(client, monkeypatch):
    batches = record_batches(client.app, monkeypatch)
    bodies = [{"seed": 1}, {"seed": 2, "steps": 6}, {"seed": 3, "width": 128}, {"seed": 4, "guidance": 1.0}]
    jobs = await submit_while_the_model_is_busy(client, bodies)
    finished = [await poll_until_finished(client, job) for job in jobs]
    assert all(status["state"] == "done" for status in finished)

    assert all(len({key for _, key in batch}) == 1 for batch in batches), "sizes were mixed in a forward"
    shared = max(len(batch) for batch in batches)
    assert shared >= 3, f"the three 64 px jobs never shared a forward: {batches}"
    steps_of = {job: sum(job in dict(batch) for batch in batches) for job in jobs}
    assert steps_of == {jobs[0]: 4, jobs[1]: 6, jobs[2]: 4, jobs[3]: 4}


async def test_a_lone_job_starts_at_once(client):
    response = await client.post("/v1/generate", json={"prompt": "a boat", "wait": False})
    job_id = (await response.json())["job"]
    await poll_until_finished(client, job_id)
    job = await client.app[QUEUE].get(job_id)
    # No window waiting for companions: the job starts as soon as the worker sees it.
    assert job.started_at - job.created_at < 0.25


async def test_usage_splits_the_device_time_among_the_jobs_and_is_signed(client):
    jobs = await submit_while_the_model_is_busy(client, [{"seed": 1}, {"seed": 2, "count": 2}, {"seed": 3}])
    finished = [await poll_until_finished(client, job) for job in jobs]
    for status in finished:
        usage = status["usage"]
        assert usage["device_seconds"] > 0
        assert usage["estimated"] is True
        assert usage["joules"] > 0
    metrics = await (await client.get("/metrics")).text()
    metered = float(re.search(r'atelier_gpu_seconds_total\{device="cpu"\} (\S+)', metrics).group(1))
    charged = sum(status["usage"]["device_seconds"] for status in finished)
    assert abs(charged - metered) < 1e-4
    # A job with two images costs more than one with one image, all else equal: the third job, not the first,
    # which alone pays for encoding what later jobs find cached (the empty negative prompt, "a boat").
    assert finished[1]["usage"]["device_seconds"] > finished[2]["usage"]["device_seconds"]

    image = finished[1]["images"][0]["id"]
    _, store = read_credential(await image_bytes(client, image), None)
    manifest = store["manifests"][store["active_manifest"]]
    signed = next(a["data"] for a in manifest["assertions"] if a["label"] == "org.atelier.usage")
    assert signed["job_images"] == 2
    assert abs(signed["device_seconds"] - finished[1]["usage"]["device_seconds"] / 2) < 1e-5
    report = await (await client.get(f"/v1/images/{image}/provenance")).json()
    assert report["usage"]["joules"] == signed["joules"]


async def test_many_clients_at_once_all_get_their_images(client):
    async def one(seed: int) -> dict:
        response = await client.post("/v1/generate", json={"prompt": f"boat {seed}", "seed": seed})
        assert response.status == 200, await response.text()
        return await response.json()

    results = await asyncio.gather(*(one(seed) for seed in range(8)))
    assert len({result["images"][0]["id"] for result in results}) == 8


async def test_a_failed_decode_ends_its_jobs_and_the_worker_goes_on(client, monkeypatch):
    backend = client.app[BACKEND]
    finish = backend.finish
    failures = []

    def failing_once(trajectories):
        if not failures:
            failures.append(len(trajectories))
            raise RuntimeError("out of memory")
        return finish(trajectories)

    monkeypatch.setattr(backend, "finish", failing_once)
    response = await client.post("/v1/generate", json={"prompt": "a boat"})
    assert response.status == 500
    assert "decoding" in (await response.json())["error"]["message"]
    assert (await client.post("/v1/generate", json={"prompt": "a boat"})).status == 200


async def test_a_slow_upload_never_pauses_the_running_batch(client):
    worker = client.app[WORKER]
    load, loading, go_on = worker.inputs.load, asyncio.Event(), asyncio.Event()

    async def slow_load(spec):
        if getattr(spec, "upload", None) is not None:
            loading.set()
            await go_on.wait()
        return await load(spec)

    worker.inputs.load = slow_load
    response = await client.post("/v1/generate", json={"prompt": "a", "steps": 60, "wait": False})
    running = (await response.json())["job"]
    await wait_until_running(client, running, step=2)
    form = upload_form({"prompt": "b", "wait": False}, image=(png_bytes(), "image/png"))
    edit = (await (await client.post("/v1/edit", data=form)).json())["job"]
    await asyncio.wait_for(loading.wait(), 10)
    step = (await client.app[QUEUE].get(running)).step
    await asyncio.sleep(0.3)
    assert (await client.app[QUEUE].get(running)).step > step, "the batch waited for the upload's decode"
    go_on.set()
    assert (await poll_until_finished(client, edit))["state"] == "done"
    assert (await poll_until_finished(client, running))["state"] == "done"
