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
