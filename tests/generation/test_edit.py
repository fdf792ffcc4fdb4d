import base64
import io

import numpy
from PIL import Image

from generation.api.keys import BACKEND
from generation.jobs.backend import Capabilities
from generation.provenance import AI_COMPOSITE, AI_GENERATED, EDITED, OPENED
from tests.generation.helpers import (
    actions_of,
    dev_root,
    edit,
    generate,
    image_bytes,
    pixels,
    png_bytes,
    read_credential,
    upload_form,
)


async def test_edit_chain_three_deep_keeps_every_parent_in_the_credential(client):
    root = (await generate(client, seed=3))["images"][0]["id"]
    chain = [root]
    for prompt in ("the fox at night", "the fox at night, snowing", "the fox at night, snowing, lanterns"):
        result = await edit(client, chain[-1], prompt=prompt)
        chain.append(result["images"][0]["id"])

    for depth in range(1, 4):
        data = await image_bytes(client, chain[depth])
        state, store = read_credential(data, dev_root(client))
        assert state == "Trusted"
        active = store["manifests"][store["active_manifest"]]
        (ingredient,) = active["ingredients"]
        assert ingredient["relationship"] == "parentOf"
        assert ingredient["title"] == f"{chain[depth - 1]}.png"
        opened, edited = actions_of(active)
        assert opened["action"] == OPENED
        assert edited["action"] == EDITED
        assert edited["digitalSourceType"] == AI_GENERATED
        # The whole history travels with the file: one manifest per generation and edit.
        assert len(store["manifests"]) == depth + 1

    report = await (await client.get(f"/v1/images/{chain[3]}/provenance")).json()
    assert report["validation_state"] == "Trusted"
    assert report["parent"] == chain[2]
    assert report["parents"] == [chain[2], chain[1], chain[0]]
    assert [action["action"] for action in report["actions"]] == [OPENED, EDITED]
    assert report["parameters"]["prompt"] == "the fox at night, snowing, lanterns"


async def test_edit_keeps_the_parent_size_and_changes_the_picture(client):
    parent = (await generate(client, width=96, height=64))["images"][0]
    result = await edit(client, parent["id"], strength=0.5)
    child = result["images"][0]
    assert (child["width"], child["height"]) == (96, 64)
    assert pixels(await image_bytes(client, child["id"])) != pixels(await image_bytes(client, parent["id"]))


async def test_edit_of_an_uploaded_photo_is_a_composite(client):
    form = upload_form(
        {"prompt": "make it a watercolour", "strength": 0.7}, image=(png_bytes((120, 80), fmt="JPEG"), "image/jpeg")
    )
    response = await client.post("/v1/edit", data=form)
    assert response.status == 200, await response.text()
    image = (await response.json())["images"][0]
    # Scaled to multiples of 8.
    assert (image["width"], image["height"]) == (120, 80)

    state, store = read_credential(await image_bytes(client, image["id"]), dev_root(client))
    assert state == "Trusted"
    active = store["manifests"][store["active_manifest"]]
    assert active["ingredients"][0]["format"] == "image/jpeg"
    assert actions_of(active)[1]["digitalSourceType"] == AI_COMPOSITE


async def test_masked_edit_changes_only_the_white_region(client):
    parent = (await generate(client, seed=9))["images"][0]["id"]
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (16, 16, 48, 48))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    encoded = base64.b64encode(buffer.getvalue()).decode()

    result = await edit(client, parent, prompt="a lantern", mask=encoded, strength=0.9)

    before = numpy.frombuffer(pixels(await image_bytes(client, parent)), numpy.uint8).reshape(64, 64, 3)
    after = numpy.frombuffer(pixels(await image_bytes(client, result["images"][0]["id"])), numpy.uint8).reshape(
        64, 64, 3
    )
    outside = numpy.ones((64, 64), bool)
    outside[16:48, 16:48] = False
    assert (before[outside] == after[outside]).all()
    assert (before[20:44, 20:44] != after[20:44, 20:44]).any()


async def test_mask_as_a_multipart_part_with_a_parent(client):
    parent = (await generate(client))["images"][0]["id"]
    mask = Image.new("L", (32, 32), 0)
    mask.paste(255, (0, 0, 16, 32))
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    form = upload_form({"prompt": "a door", "parent": parent}, mask=(buffer.getvalue(), "image/png"))
    response = await client.post("/v1/edit", data=form)
    assert response.status == 200, await response.text()
    child = (await response.json())["images"][0]["id"]

    before = numpy.frombuffer(pixels(await image_bytes(client, parent)), numpy.uint8).reshape(64, 64, 3)
    after = numpy.frombuffer(pixels(await image_bytes(client, child)), numpy.uint8).reshape(64, 64, 3)
    # The half-size mask is scaled up: the right half is kept.
    assert (before[:, 32:] == after[:, 32:]).all()


async def test_edit_can_ask_for_several_variations(client):
    parent = (await generate(client))["images"][0]["id"]
    result = await edit(client, parent, count=2, seed=11)
    assert [image["seed"] for image in result["images"]] == [11, 12]
    first, second = [await image_bytes(client, image["id"]) for image in result["images"]]
    assert pixels(first) != pixels(second)


async def test_webp_upload_is_accepted(client):
    form = upload_form({"prompt": "brighter"}, image=(png_bytes((64, 64), fmt="WEBP"), "image/webp"))
    response = await client.post("/v1/edit", data=form)
    assert response.status == 200, await response.text()


async def test_large_uploads_are_scaled_to_the_edit_limit(start_service):
    async with start_service(limits={"max_edit_side": 256}) as client:
        form = upload_form({"prompt": "brighter"}, image=(png_bytes((2000, 1003), fmt="JPEG"), "image/jpeg"))
        response = await client.post("/v1/edit", data=form)
        image = (await response.json())["images"][0]
        assert (image["width"], image["height"]) == (256, 128)


async def test_multi_picture_jpegs_from_phones_are_accepted(client):
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (64, 64), "red"), Image.new("RGB", (64, 64), "blue")
    first.save(buffer, format="MPO", save_all=True, append_images=[second])
    response = await client.post("/v1/edit", data=upload_form({"prompt": "x"}, image=(buffer.getvalue(), "image/jpeg")))
    assert response.status == 200, await response.text()


async def test_scale_two_upscales_the_parent(client):
    parent = (await generate(client, width=64, height=96))["images"][0]["id"]
    child = (await edit(client, parent, scale=2, strength=0.3))["images"][0]
    assert (child["width"], child["height"]) == (128, 192)


async def test_a_backend_that_cannot_repaint_regions_refuses_masks(client, monkeypatch):
    parent = (await generate(client))["images"][0]["id"]
    monkeypatch.setattr(client.app[BACKEND], "capabilities", Capabilities(inpaint=False))
    form = upload_form({"prompt": "a door", "parent": parent}, mask=(png_bytes(), "image/png"))
    response = await client.post("/v1/edit", data=form)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "mask"


async def test_extend_draws_a_larger_canvas_and_keeps_the_picture_exactly_where_it_lands(client):
    parent = (await generate(client, seed=5, width=64, height=64))["images"][0]["id"]
    result = await edit(client, parent, prompt="the same scene, wider", strength=1.0, extend={"left": 16, "right": 48})
    child = result["images"][0]
    assert (child["width"], child["height"]) == (128, 64)

    before = numpy.frombuffer(pixels(await image_bytes(client, parent)), numpy.uint8).reshape(64, 64, 3)
    after = numpy.frombuffer(pixels(await image_bytes(client, child["id"])), numpy.uint8).reshape(64, 128, 3)
    assert (after[:, 16:80] == before).all(), "the original is kept pixel for pixel at its place"
    stretched_edge = numpy.repeat(before[:, -1:], 48, axis=1)
    assert (after[:, 80:] != stretched_edge).any(), "the new area is drawn, not only filled"


async def test_extend_is_refused_with_a_reason(client):
    parent = (await generate(client))["images"][0]["id"]
    cases = [
        ({"left": 0}, "one above 0"),
        ({"left": -8, "right": 16}, "0 or more"),
        ({"left": 4}, "multiples of 8"),
        ({"left": 8, "wrong": 1}, "extend.wrong"),
        ({"right": 4096}, "max_side"),
    ]
    for extend, reason in cases:
        response = await client.post("/v1/edit", json={"parent": parent, "prompt": "wider", "extend": extend})
        assert response.status == 400, extend
        error = (await response.json())["error"]
        assert error["field"].startswith("extend") and reason in error["message"], error
    response = await client.post(
        "/v1/edit", json={"parent": parent, "prompt": "wider", "extend": {"left": 8}, "scale": 2}
    )
    assert response.status == 400 and "without mask or scale" in (await response.json())["error"]["message"]
