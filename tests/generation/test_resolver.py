"""Tracing a copy that lost its credential back to its signed original: the watermark, the perceptual hash, and the
public resolver (after the C2PA Soft Binding Resolution API) that answers with the original's manifest."""

import base64
import io
import random

import numpy as np
from PIL import Image, ImageEnhance

from generation import watermark
from generation.api.keys import DATABASE, STORE
from generation.api.resolver import lookup, query_of
from generation.builtin.world import random_scene, render
from tests.generation.helpers import dev_root, edit, generate, image_bytes, read_credential

LARGE = {"width": 256, "height": 256}
TOKEN = "resolver-test-token"
AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}


def copy(data: bytes, fmt: str = "PNG", scale: float = 1.0, brighten: float = 1.0, **options) -> bytes:
    """The picture re-saved without its metadata, as a platform or a screenshot would."""
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    if scale != 1.0:
        picture = picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.BICUBIC)
    if brighten != 1.0:
        picture = ImageEnhance.Brightness(picture).enhance(brighten)
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    return buffer.getvalue()


async def matches(client, data: bytes, mime: str = "image/png", headers: dict | None = None) -> list[dict]:
    response = await client.post("/v1/matches/byContent", data=data, headers={"Content-Type": mime, **(headers or {})})
    assert response.status == 200, await response.text()
    return (await response.json())["matches"]


async def made(client, **body) -> tuple[str, bytes]:
    image_id = (await generate(client, **LARGE, **body))["images"][0]["id"]
    return image_id, await image_bytes(client, image_id)


async def report(client, image_id: str) -> dict:
    return await (await client.get(f"/v1/images/{image_id}/provenance")).json()


async def test_a_large_output_carries_a_watermark_its_credential_names(client):
    image_id, data = await made(client)
    found = await report(client, image_id)
    bindings = {binding["alg"]: binding["value"] for binding in found["soft_bindings"]}
    assert set(bindings) == {watermark.WATERMARK_ALGORITHM, watermark.FINGERPRINT_ALGORITHM}
    assert "c2pa.watermarked.bound" in [action["action"] for action in found["actions"]]
    picture = Image.open(io.BytesIO(data))
    assert watermark.read(picture) == watermark.identifier_of_binding(bindings[watermark.WATERMARK_ALGORITHM])
    assert bindings[watermark.FINGERPRINT_ALGORITHM] == watermark.fingerprint_value(watermark.fingerprint(picture))


async def test_a_small_output_has_no_room_for_a_watermark_but_keeps_its_fingerprint(client):
    small = (await generate(client))["images"][0]["id"]
    found = await report(client, small)
    assert [binding["alg"] for binding in found["soft_bindings"]] == [watermark.FINGERPRINT_ALGORITHM]
    assert "c2pa.watermarked.bound" not in [action["action"] for action in found["actions"]]


async def test_the_watermark_can_be_turned_off(start_service):
    async with start_service(provenance={"watermark": False}) as client:
        image_id, _ = await made(client)
        found = await report(client, image_id)
    assert [binding["alg"] for binding in found["soft_bindings"]] == [watermark.FINGERPRINT_ALGORITHM]


async def test_a_stripped_copy_resolves_to_its_original_by_its_watermark(client):
    image_id, data = await made(client)
    [match] = await matches(client, copy(data))
    assert match["image"] == image_id
    assert match["signal"] == "watermark"
    assert match["similarityScore"] == 100
    assert match["original"] == f"/v1/images/{image_id}"


async def test_re_encoded_resized_and_brightened_copies_resolve_to_their_original(client):
    image_id, data = await made(client)
    for name, transformed, mime in [
        ("JPEG 75", copy(data, "JPEG", quality=75), "image/jpeg"),
        ("WebP 80", copy(data, "WEBP", quality=80), "image/webp"),
        ("half size", copy(data, scale=0.5), "image/png"),
        ("0.8x", copy(data, scale=0.8), "image/png"),
        ("brightened 10 %", copy(data, brighten=1.1), "image/png"),
    ]:
        found = await matches(client, transformed, mime)
        assert found and found[0]["image"] == image_id, name


async def test_a_copy_of_an_edit_resolves_to_the_edit_and_not_to_its_parent(client):
    parent, parent_data = await made(client, seed=5)
    child = (await edit(client, parent, strength=0.5, seed=6))["images"][0]["id"]
    child_data = await image_bytes(client, child)
    assert (await matches(client, copy(child_data, "JPEG", quality=90), "image/jpeg"))[0]["image"] == child
    assert (await matches(client, copy(parent_data, "JPEG", quality=90), "image/jpeg"))[0]["image"] == parent


async def test_a_masked_edit_keeps_the_pixels_outside_its_mask_and_still_resolves_to_itself(client):
    parent, parent_data = await made(client, seed=8)
    mask = Image.new("L", (256, 256), 0)
    mask.paste(255, (64, 64, 192, 192))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    encoded = base64.b64encode(buffer.getvalue()).decode()
    child = (await edit(client, parent, mask=encoded, strength=0.9, seed=9))["images"][0]["id"]
    child_data = await image_bytes(client, child)
    before = np.asarray(Image.open(io.BytesIO(parent_data)).convert("RGB"))
    after = np.asarray(Image.open(io.BytesIO(child_data)).convert("RGB"))
    outside = np.asarray(mask) == 0
    assert np.array_equal(before[outside], after[outside])
    # Outside its mask the edit carries its parent's watermark: the pixels tell them apart.
    assert (await matches(client, copy(child_data)))[0]["image"] == child


async def test_unrelated_pictures_match_nothing(client):
    await made(client)
    gradient = np.tile(np.linspace(0, 255, 256, dtype=np.uint8), (256, 1))
    rng = np.random.default_rng(0)
    for picture in [
        Image.fromarray(np.stack([gradient, gradient.T, 255 - gradient], axis=2)),
        Image.fromarray(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)),
        Image.new("RGB", (300, 200), "navy"),
    ]:
        buffer = io.BytesIO()
        picture.save(buffer, format="PNG")
        assert await matches(client, buffer.getvalue()) == []


async def test_the_manifest_is_served_and_reads_with_c2pa(client):
    _image_id, data = await made(client)
    [match] = await matches(client, copy(data))
    response = await client.get(f"/v1/manifests/{match['manifestId']}")
    assert response.status == 200
    assert response.content_type == "application/c2pa"
    _state, store = read_credential(await response.read(), dev_root(client), mime="application/c2pa")
    assert store["active_manifest"] == match["manifestId"]
    codes = {entry["code"] for entry in store["validation_results"]["activeManifest"]["success"]}
    assert {"claimSignature.validated", "signingCredential.trusted"} <= codes
    # The same manifest as the signed original's.
    _state, original = read_credential(data, dev_root(client))
    assert original["active_manifest"] == match["manifestId"]
    missing = await client.get("/v1/manifests/urn:c2pa:00000000-0000-0000-0000-000000000000")
    assert missing.status == 404
    assert (await missing.json())["error"]["field"] == "manifestId"


async def test_bindings_resolve_without_the_picture(client):
    image_id, _ = await made(client)
    bindings = {binding["alg"]: binding["value"] for binding in (await report(client, image_id))["soft_bindings"]}
    by_mark = await client.get(
        "/v1/matches/byBinding",
        params={"alg": watermark.WATERMARK_ALGORITHM, "value": bindings[watermark.WATERMARK_ALGORITHM]},
    )
    assert [match["image"] for match in (await by_mark.json())["matches"]] == [image_id]
    by_hash = await client.post(
        "/v1/matches/byBinding",
        json={"alg": watermark.FINGERPRINT_ALGORITHM, "value": bindings[watermark.FINGERPRINT_ALGORITHM]},
    )
    assert (await by_hash.json())["matches"][0]["image"] == image_id
    supported = await (await client.get("/v1/services/supportedAlgorithms")).json()
    assert supported == {
        "watermarks": [{"alg": watermark.WATERMARK_ALGORITHM}],
        "fingerprints": [{"alg": watermark.FINGERPRINT_ALGORITHM}],
    }


async def test_bad_lookups_name_what_was_wrong(client):
    for params, field in [
        ({"alg": "com.example.other", "value": "AAAA"}, "alg"),
        ({"alg": watermark.FINGERPRINT_ALGORITHM, "value": "not base64!"}, "value"),
        ({"alg": watermark.WATERMARK_ALGORITHM}, "value"),
        ({"alg": watermark.WATERMARK_ALGORITHM, "value": "AAAAAAAAAAA=", "maxResults": "0"}, "maxResults"),
    ]:
        response = await client.get("/v1/matches/byBinding", params=params)
        assert response.status == 400, params
        assert (await response.json())["error"]["field"] == field
    response = await client.post("/v1/matches/byContent", data=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    assert response.status == 415


async def test_without_the_token_only_public_images_are_resolved(start_service):
    async with start_service(service={"token": TOKEN}) as client:
        private = await generate_with(client, {})
        public = await generate_with(client, {"public": True})
        private_copy = copy(await image_bytes_with(client, private))
        public_copy = copy(await image_bytes_with(client, public))

        assert await matches(client, private_copy) == []
        assert [match["image"] for match in await matches(client, private_copy, headers=AUTHORIZED)] == [private]
        assert [match["image"] for match in await matches(client, public_copy)] == [public]
        assert (await client.get(f"/v1/images/{public}")).status == 200
        assert (await client.get(f"/v1/images/{public}/provenance")).status == 200
        assert (await client.get(f"/v1/images/{private}")).status == 401
        assert (await client.get("/v1/images/not-an-id")).status == 401
        assert (await client.post("/v1/generate", json={"prompt": "a fox"})).status == 401
        [found] = await matches(client, private_copy, headers=AUTHORIZED)
        assert (await client.get(f"/v1/manifests/{found['manifestId']}")).status == 404
        assert (await client.get(f"/v1/manifests/{found['manifestId']}", headers=AUTHORIZED)).status == 200


async def generate_with(client, body: dict) -> str:
    response = await client.post("/v1/generate", json={"prompt": "a fox", **LARGE, **body}, headers=AUTHORIZED)
    assert response.status == 200, await response.text()
    return (await response.json())["images"][0]["id"]


async def image_bytes_with(client, image_id: str) -> bytes:
    return await (await client.get(f"/v1/images/{image_id}", headers=AUTHORIZED)).read()


async def test_the_resolver_is_rate_limited_per_client(start_service):
    async with start_service(provenance={"resolver_rate": "2/minute"}) as client:
        for _ in range(2):
            assert (await client.get("/v1/services/supportedAlgorithms")).status == 200
        refused = await client.get("/v1/services/supportedAlgorithms")
        assert refused.status == 429
        assert (await refused.json())["error"]["code"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # The rest of the service isn't counted.
        assert (await client.get("/healthz")).status == 200


async def test_a_cropped_copy_resolves_to_its_original_by_its_local_features(client):
    image_id, data = await made(client, seed=11)
    await made(client, seed=12)
    picture = Image.open(io.BytesIO(data)).convert("RGB")
    cropped = picture.crop((26, 26, 230, 230))
    buffer = io.BytesIO()
    cropped.save(buffer, format="JPEG", quality=90)
    found = await matches(client, buffer.getvalue(), "image/jpeg")
    assert found[0]["image"] == image_id
    assert found[0]["signal"] == "features"


async def test_a_thousand_unrelated_pictures_match_nothing(client):
    for seed in range(3):
        await made(client, seed=seed)
    rng, scenes = np.random.default_rng(3), random.Random(3)
    found = 0
    for index in range(1000):
        if index % 2:
            picture = render(random_scene(scenes), 128)
        else:
            picture = Image.fromarray(rng.integers(0, 256, (128, 128, 3), dtype=np.uint8))
        found += bool(await lookup(client.app[STORE], client.app[DATABASE], await query_of(picture), picture))
    assert found == 0
