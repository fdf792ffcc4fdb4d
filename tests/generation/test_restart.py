import asyncio
import contextlib
import threading

import aiohttp
from aiohttp.test_utils import TestServer

from generation.api.app import create_app
from generation.api.keys import BACKEND, QUEUE, WORKER
from generation.service import load_provenance, make_backend
from generation.store import open_database
from tests.conftest import service_config
from tests.generation.helpers import edit, generate, image_bytes, pixels


async def test_restart_keeps_every_image_usable_as_a_parent(start_service):
    async with start_service() as client:
        first = await generate(client)
        image_id = first["images"][0]["id"]
        job_id = first["job"]
        original = await image_bytes(client, image_id)

    async with start_service() as client:
        assert await image_bytes(client, image_id) == original
        child = await edit(client, image_id)
        report = await (await client.get(f"/v1/images/{child['images'][0]['id']}/provenance")).json()
        assert report["parents"] == [image_id]
        status = await (await client.get(f"/v1/jobs/{job_id}")).json()
        assert status["state"] == "done"
        assert status["images"][0]["id"] == image_id


async def test_jobs_cut_short_by_a_restart_are_reported_failed(start_service):
    async with start_service() as client:
        client.app[QUEUE].job_log.db["jobs"].insert(
            {"id": "f" * 32, "kind": "generate", "state": "running", "created_at": 0.0}
        )

    async with start_service() as client:
        status = await (await client.get(f"/v1/jobs/{'f' * 32}")).json()
        assert status["state"] == "failed"
        assert "restart" in status["error"]


async def test_a_graceful_stop_puts_waiting_requests_jobs_back_in_the_queue(model, tmp_path):
    config = service_config(tmp_path / "data")
    config.service.data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(config, make_backend(config, model), load_provenance(config))
    # Handlers still waiting 0.1 s into the stop are cut off, as SIGTERM does after its grace period.
    server = TestServer(app, host="127.0.0.1")
    await server.start_server(shutdown_timeout=0.1)
    gate = threading.Event()
    server.app[WORKER]._model_thread.submit(gate.wait)
    async with aiohttp.ClientSession() as http:
        url = server.make_url("/v1/generate")
        running = (await (await http.post(url, json={"prompt": "a", "wait": False})).json())["job"]
        # A member waiting for a job of another size, which queues behind the running one.
        waiting = asyncio.create_task(http.post(url, json={"prompt": "b", "width": 128}))
        await asyncio.sleep(0.3)
        threading.Timer(1, gate.set).start()
        await server.close()
        with contextlib.suppress(aiohttp.ClientError):
            await waiting
    rows = {row["id"]: row for row in open_database(tmp_path / "data" / "service.db")["jobs"].rows}
    queued = next(job for job in rows if job != running)
    assert rows[queued]["state"] == "queued"
    assert rows[running]["state"] == "queued"
    assert rows[running]["attempts"] == 0


async def test_an_edit_of_an_own_image_starts_from_its_latents_the_same_after_a_restart(start_service, monkeypatch):
    async with start_service() as client:
        parent = (await generate(client))["images"][0]["id"]
        before = pixels(await image_bytes(client, (await edit(client, parent, seed=9))["images"][0]["id"]))

    async with start_service() as client:

        def no_encode(*args, **kwargs):
            raise AssertionError("the parent was encoded again")

        shelf = client.app[BACKEND]
        monkeypatch.setattr(shelf.backend_for(shelf.default_name).vae, "encode", no_encode)
        after = pixels(await image_bytes(client, (await edit(client, parent, seed=9))["images"][0]["id"]))
    assert after == before


async def test_a_database_from_the_previous_release_opens_and_upgrades(start_service, tmp_path):
    # The jobs table as the release before the durable queue wrote it: no spec, usage, attempts or keys.
    old = open_database(tmp_path / "data" / "service.db")
    old["jobs"].drop()
    old["jobs"].create(
        {
            "id": str,
            "kind": str,
            "state": str,
            "step": int,
            "total_steps": int,
            "created_at": float,
            "finished_at": float,
            "images": str,
            "timings": str,
            "error": str,
        },
        pk="id",
    )
    old["jobs"].insert({"id": "d" * 32, "kind": "generate", "state": "done", "step": 4, "total_steps": 4,
                        "created_at": 0.0, "finished_at": 1.0, "images": "[]", "timings": "{}"})  # fmt: skip
    old.close()
    async with start_service() as client:
        status = await (await client.get(f"/v1/jobs/{'d' * 32}")).json()
        assert status["state"] == "done" and status["step"] == 4
        assert (await generate(client))["state"] == "done"
