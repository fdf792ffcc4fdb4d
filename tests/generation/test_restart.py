from generation.api.keys import QUEUE
from tests.generation.helpers import edit, generate, image_bytes


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
