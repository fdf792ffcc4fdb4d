"""LoRAs from the operator's folder, applied per request by name and weight (diffusers' adapters), cached, and
kept apart in batching (the LoRAs: ``lora_folder`` in tests/conftest.py)."""

import pytest

from atelier.config import BUILTIN_MODEL
from generation.api.keys import BACKEND
from generation.jobs.model import GenerateSpec, Sampling
from generation.service import StartupError, build_service
from tests.conftest import service_config
from tests.generation.helpers import generate, image_bytes, pixels


@pytest.fixture
def with_loras(start_service, lora_dir):
    return lambda **sections: start_service(loras={"folder": str(lora_dir)}, **sections)


async def picture(client, **body) -> bytes:
    return pixels(await image_bytes(client, (await generate(client, seed=11, **body))["images"][0]["id"]))


async def test_a_lora_changes_the_picture_and_is_taken_off_for_the_next_request(with_loras):
    async with with_loras() as client:
        plain = await picture(client)
        glowing = await picture(client, loras=[{"name": "glow", "weight": 1.0}])
        weaker = await picture(client, loras=[{"name": "glow", "weight": 0.3}])
        none_at_all = await picture(client, loras=[{"name": "glow", "weight": 0.0}])
        again = await picture(client)
        listed = (await (await client.get("/v1/models")).json())["loras"]

    assert glowing != plain and weaker not in (plain, glowing)
    assert none_at_all == plain and again == plain
    assert listed == ["glow", "shapes-only"]


@pytest.mark.parametrize(
    ("loras", "field", "message"),
    [
        ([{"name": "neon"}], "loras.0.name", "unknown LoRA 'neon'; this service has glow, shapes-only"),
        ([{"name": "glow"}, {"name": "glow"}], "loras.1.name", "'glow' is named twice"),
        ([{"name": "glow", "weight": 3.0}], "loras.0.weight", "must be between -2.0 and 2.0"),
        ([{"name": "glow"}] * 4, "loras", "at most 3 at once"),
    ],
)
async def test_bad_loras_are_refused_naming_the_field(with_loras, loras, field, message):
    async with with_loras() as client:
        response = await client.post("/v1/generate", json={"prompt": "a cat", "loras": loras})
        body = await response.json()

    assert response.status == 400
    assert body["error"]["field"] == field
    assert message in body["error"]["message"]


async def test_a_lora_made_for_another_model_fails_its_job_with_the_reason(with_loras):
    async with with_loras() as client:
        response = await client.post("/v1/generate", json={"prompt": "a cat", "loras": [{"name": "shapes-only"}]})
        body = await response.json()
        after = await generate(client)

    assert response.status == 500 and body["error"]["code"] == "job_failed"
    assert body["error"]["message"] == "the LoRA 'shapes-only' does not fit the model 'builtin:random'"
    assert after["state"] == "done"


async def test_jobs_with_other_loras_never_share_a_forward(with_loras):
    async with with_loras() as client:
        shelf = client.app[BACKEND]

    def key(*loras):
        return shelf.batch_key(GenerateSpec(Sampling("a", "", 4, 7.0, (1,)), 64, 64, loras=loras))

    assert key(("glow", 1.0)) != key() != key(("glow", 0.5))
    assert key(("glow", 1.0)) == key(("glow", 1.0))


def test_a_missing_lora_folder_stops_the_start(tmp_path):
    config = service_config(tmp_path, model={"path": BUILTIN_MODEL}, loras={"folder": str(tmp_path / "none")})
    with pytest.raises(StartupError, match=r"^\[loras\] folder not found: .*none$"):
        build_service(config)


async def test_the_credential_records_the_loras_applied(with_loras):
    async with with_loras() as client:
        made = await generate(client, loras=[{"name": "glow", "weight": 0.5}])
        report = await (await client.get(f"/v1/images/{made['images'][0]['id']}/provenance")).json()

    assert report["parameters"]["loras"] == [{"name": "glow", "weight": 0.5}]
