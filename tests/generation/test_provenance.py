import pytest

from generation.api.keys import PROVENANCE
from generation.errors import ApiError
from generation.provenance import create_development_ca
from tests.generation.helpers import dev_root, edit, generate, image_bytes, png_bytes, read_credential


async def test_a_changed_pixel_breaks_the_credential(client):
    data = bytearray(await image_bytes(client, (await generate(client))["images"][0]["id"]))
    # The last IDAT byte before the IEND chunk lies in the compressed pixel data.
    data[data.rindex(b"IEND") - 9] ^= 0xFF
    state, _ = read_credential(bytes(data), dev_root(client))
    assert state == "Invalid"


async def test_without_the_root_a_verifier_sees_valid_but_untrusted(client):
    data = await image_bytes(client, (await generate(client))["images"][0]["id"])
    state, _ = read_credential(data, None)
    assert state == "Valid"


async def test_development_ca_is_created_once_and_reused(start_service, tmp_path):
    async with start_service() as client:
        first_root = dev_root(client)
        health = await (await client.get("/healthz")).json()
        assert health["provenance"] == "development CA (untrusted)"
    async with start_service() as client:
        assert dev_root(client) == first_root
    assert oct((tmp_path / "data" / "c2pa-dev" / "signer.key").stat().st_mode & 0o777) == "0o600"


async def test_an_operator_certificate_signs_and_is_trusted(start_service, tmp_path):
    own = tmp_path / "operator-ca"
    create_development_ca(own)
    settings = {
        "cert_chain": str(own / "signer-chain.pem"),
        "private_key": str(own / "signer.key"),
        "trust_anchors": str(own / "root.pem"),
    }
    async with start_service(provenance=settings) as client:
        image_id = (await generate(client))["images"][0]["id"]
        report = await (await client.get(f"/v1/images/{image_id}/provenance")).json()
        assert report["validation_state"] == "Trusted"
        assert report["trusted_by"] == "configured trust anchors"
        state, _ = read_credential(await image_bytes(client, image_id), (own / "root.pem").read_text())
        assert state == "Trusted"
        assert (await (await client.get("/healthz")).json())["provenance"] == "configured"
    assert not (tmp_path / "data" / "c2pa-dev").exists()


async def test_prompts_can_be_kept_out_of_the_credential(start_service):
    async with start_service(provenance={"include_prompt": False}) as client:
        image_id = (await generate(client, prompt="a private prompt", seed=77))["images"][0]["id"]
        report = await (await client.get(f"/v1/images/{image_id}/provenance")).json()
        assert "prompt" not in report["parameters"]
        assert report["parameters"]["seed"] == 77
        assert b"a private prompt" not in await image_bytes(client, image_id)
        edited = (await edit(client, image_id, prompt="a secret edit"))["images"][0]["id"]
        assert b"a secret edit" not in await image_bytes(client, edited)


async def test_report_on_an_unsigned_image_is_a_clear_refusal(client):
    with pytest.raises(ApiError) as caught:
        client.app[PROVENANCE].report(png_bytes())
    assert caught.value.code == "no_credential"
