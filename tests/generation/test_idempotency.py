"""An Idempotency-Key makes a retried request return its first job instead of generating again."""

from __future__ import annotations

import asyncio

import aiohttp

from generation.api.keys import STORE


def images_made(client) -> int:
    return client.app[STORE].db["images"].count


async def post(client, key: str, **body):
    return await client.post("/v1/generate", json={"prompt": "a boat", **body}, headers={"Idempotency-Key": key})


async def test_the_same_key_returns_the_same_job_and_generates_once(client):
    first = await post(client, "turn-1", seed=3)
    second = await post(client, "turn-1", seed=3)
    assert first.status == second.status == 200
    first, second = await first.json(), await second.json()
    assert first["job"] == second["job"]
    assert first["images"] == second["images"]
    assert images_made(client) == 1


async def test_concurrent_retries_with_one_key_make_one_job(client):
    responses = await asyncio.gather(*(post(client, "turn-2") for _ in range(4)))
    jobs = {(await response.json())["job"] for response in responses}
    assert len(jobs) == 1
    assert images_made(client) == 1


async def test_a_key_reused_for_another_request_is_refused(client):
    await post(client, "turn-3", seed=1)
    response = await post(client, "turn-3", seed=2)
    assert response.status == 422
    assert (await response.json())["error"]["code"] == "idempotency_key_reused"


async def test_a_key_holds_across_a_restart(start_service):
    async with start_service() as client:
        first = await (await post(client, "turn-4", wait=False)).json()
    async with start_service() as client:
        again = await post(client, "turn-4", wait=False)
        assert (await again.json())["job"] == first["job"]


async def test_a_malformed_key_is_refused(client):
    response = await post(client, "x" * 300)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "Idempotency-Key"


async def test_a_waiting_client_with_a_key_that_hangs_up_finds_its_job_done_on_retry(client):
    url = client.make_url("/v1/generate")
    body = {"prompt": "a boat", "steps": 30}
    async with aiohttp.ClientSession() as session:
        first = asyncio.create_task(session.post(url, json=body, headers={"Idempotency-Key": "turn-5"}))
        await asyncio.sleep(0.3)
        first.cancel()
    retry = await post(client, "turn-5", steps=30)
    assert retry.status == 200
    assert (await retry.json())["state"] == "done"
