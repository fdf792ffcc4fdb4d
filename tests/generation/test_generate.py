import io

import numpy
from PIL import Image

from generation.provenance import AI_GENERATED, CREATED
from tests.generation.helpers import actions_of, dev_root, generate, image_bytes, pixels, read_credential


async def test_generate_returns_signed_images_with_their_seeds(client):
    result = await generate(client, count=2, seed=41, width=64, height=96)

    assert [image["seed"] for image in result["images"]] == [41, 42]
    assert {(image["width"], image["height"]) for image in result["images"]} == {(64, 96)}
    assert set(result["timings"]) >= {"queued_ms", "inference_ms", "signing_ms", "total_ms"}
    first, second = [await image_bytes(client, image["id"]) for image in result["images"]]
    assert pixels(first) != pixels(second)
    with Image.open(io.BytesIO(first)) as picture:
        assert picture.size == (64, 96)
    assert result["images"][0]["url"].endswith(f"/v1/images/{result['images'][0]['id']}")

    state, store = read_credential(first, dev_root(client))
    assert state == "Trusted"
    (created,) = actions_of(store["manifests"][store["active_manifest"]])
    assert created["action"] == CREATED
    assert created["digitalSourceType"] == AI_GENERATED
    assert created["softwareAgent"]["name"] == "builtin:random"


async def test_same_seed_gives_the_same_picture(client):
    first = await generate(client, seed=5)
    again = await generate(client, seed=5)
    other = await generate(client, seed=6)

    first_pixels = pixels(await image_bytes(client, first["images"][0]["id"]))
    assert first_pixels == pixels(await image_bytes(client, again["images"][0]["id"]))
    assert first_pixels != pixels(await image_bytes(client, other["images"][0]["id"]))


async def test_image_of_a_batch_is_reproducible_alone(client):
    batch = await generate(client, seed=100, count=3)
    alone = await generate(client, seed=102)

    in_batch = numpy.frombuffer(pixels(await image_bytes(client, batch["images"][2]["id"])), numpy.uint8)
    on_its_own = numpy.frombuffer(pixels(await image_bytes(client, alone["images"][0]["id"])), numpy.uint8)
    # Batched matrix products round differently in the last bit; the picture is the same.
    assert numpy.abs(in_batch.astype(int) - on_its_own.astype(int)).max() <= 2


async def test_healthz_says_the_builtin_model_draws_noise(client):
    response = await client.get("/healthz")
    body = await response.json()
    assert response.status == 200
    assert body["model"] == "builtin:random"
    assert body["builtin"] is True
    assert body["device"] == "cpu"
    assert "noise" in body["note"]


async def test_metrics_count_jobs_images_and_device_time(client):
    await generate(client, count=2)
    text = await (await client.get("/metrics")).text()
    assert 'atelier_jobs_total{kind="generate",outcome="done"} 1.0' in text
    assert 'atelier_images_total{kind="generate"} 2.0' in text
    assert "atelier_queue_depth 0.0" in text
    assert 'atelier_job_seconds_count{kind="generate"} 1.0' in text
    device_seconds = next(line for line in text.splitlines() if line.startswith("atelier_gpu_seconds_total"))
    assert float(device_seconds.split()[-1]) > 0
