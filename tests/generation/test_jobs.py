import asyncio
import threading

from generation.api.keys import BLOBS, QUEUE, WORKER
from tests.generation.helpers import image_bytes, png_bytes, upload_form


async def poll_until_finished(client, job_id: str) -> dict:
    for _ in range(600):
        status = await (await client.get(f"/v1/jobs/{job_id}")).json()
        if status["state"] in ("done", "failed"):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} never finished")


async def test_wait_false_answers_at_once_and_the_job_can_be_polled(client):
    response = await client.post("/v1/generate", json={"prompt": "a boat", "wait": False, "steps": 6})
    assert response.status == 202
    accepted = await response.json()
    assert response.headers["Location"] == f"/v1/jobs/{accepted['job']}"
    assert accepted["state"] in ("queued", "running")
    assert accepted["total_steps"] == 6

    status = await poll_until_finished(client, accepted["job"])
    assert status["state"] == "done"
    assert status["step"] == status["total_steps"] == 6
    await image_bytes(client, status["images"][0]["id"])


async def test_queued_jobs_report_their_position_and_run_in_order(client):
    worker = client.app[WORKER]
    # Occupy the model thread so the queue holds still while positions are read.
    gate = threading.Event()
    worker._model_thread.submit(gate.wait)
    accepted = []
    for index in range(3):
        response = await client.post("/v1/generate", json={"prompt": f"boat {index}", "wait": False})
        accepted.append((await response.json())["job"])
    await asyncio.sleep(0.05)
    statuses = [await (await client.get(f"/v1/jobs/{job}")).json() for job in accepted]
    assert [status["state"] for status in statuses] == ["running", "queued", "queued"]
    assert [status["queue_position"] for status in statuses] == [None, 1, 2]
    metrics = await (await client.get("/metrics")).text()
    assert "atelier_queue_depth 2.0" in metrics

    gate.set()
    finished = [await poll_until_finished(client, job) for job in accepted]
    assert all(status["state"] == "done" for status in finished)
    started = [(await client.app[QUEUE].get(job)).started_at for job in accepted]
    assert started == sorted(started)


async def test_edit_reports_the_steps_it_will_actually_run(client):
    parent = (await (await client.post("/v1/generate", json={"prompt": "a boat"})).json())["images"][0]["id"]
    response = await client.post(
        "/v1/edit", json={"prompt": "a boat at night", "parent": parent, "steps": 10, "strength": 0.5, "wait": False}
    )
    assert (await response.json())["total_steps"] == 5
    assert (await poll_until_finished(client, (await response.json())["job"]))["step"] == 5


async def test_unknown_job_is_a_404(client):
    response = await client.get("/v1/jobs/nope")
    assert response.status == 404
    assert (await response.json())["error"]["field"] == "job"


async def test_uploads_are_kept_only_while_their_job_needs_them(client):
    form = upload_form({"prompt": "a boat at night"}, image=(png_bytes(), "image/png"), mask=(png_bytes(), "image/png"))
    response = await client.post("/v1/edit", data=form)
    assert response.status == 200, await response.text()
    blobs = client.app[BLOBS].root
    assert not [path for path in blobs.rglob("*") if path.is_file()]
    assert not client.app[WORKER].active


async def test_a_failing_job_log_neither_hangs_requests_nor_stops_the_worker(client, monkeypatch):
    job_log = client.app[QUEUE].job_log
    original_save = job_log.save
    failures = []

    def save_failing_once(job):
        if job.state == "done" and not failures:
            failures.append(job.id)
            raise OSError("disk full")
        original_save(job)

    monkeypatch.setattr(job_log, "save", save_failing_once)
    first = await client.post("/v1/generate", json={"prompt": "a boat"})
    assert first.status == 200
    second = await client.post("/v1/generate", json={"prompt": "another boat"})
    assert second.status == 200
    assert failures


def stored_blobs(client) -> list:
    return [path for path in client.app[BLOBS].root.rglob("*") if path.is_file()]


async def test_uploads_of_refused_or_cancelled_edits_are_not_kept(start_service):
    async with start_service(limits={"max_job_cost": 64 * 64 * 2}) as client:
        form = upload_form({"prompt": "a boat", "steps": 10}, image=(png_bytes(), "image/png"))
        assert (await client.post("/v1/edit", data=form)).status == 400
        black = png_bytes(color=(0, 0, 0))
        form = upload_form({"prompt": "a boat"}, image=(png_bytes(), "image/png"), mask=(black, "image/png"))
        assert (await client.post("/v1/edit", data=form)).status == 400
        assert stored_blobs(client) == []

    async with start_service() as client:
        gate = threading.Event()
        client.app[WORKER]._model_thread.submit(gate.wait)
        await client.post("/v1/generate", json={"prompt": "a", "wait": False})
        form = upload_form({"prompt": "a boat", "wait": False}, image=(png_bytes((128, 64)), "image/png"))
        queued = (await (await client.post("/v1/edit", data=form)).json())["job"]
        assert len(stored_blobs(client)) == 1
        await client.delete(f"/v1/jobs/{queued}")
        gate.set()
        assert stored_blobs(client) == []


async def test_two_edits_of_the_same_upload_each_keep_it_while_they_need_it(client):
    gate = threading.Event()
    client.app[WORKER]._model_thread.submit(gate.wait)
    jobs = []
    for seed in (1, 2):
        form = upload_form({"prompt": "a boat", "seed": seed, "wait": False}, image=(png_bytes(), "image/png"))
        jobs.append((await (await client.post("/v1/edit", data=form)).json())["job"])
    await client.delete(f"/v1/jobs/{jobs[1]}")
    gate.set()
    assert (await poll_until_finished(client, jobs[0]))["state"] == "done"
    assert stored_blobs(client) == []


async def test_a_restart_sweeps_blobs_no_job_needs(start_service):
    async with start_service() as client:
        root = client.app[BLOBS].root
    orphan = root / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a crash")
    async with start_service():
        assert not orphan.exists()
