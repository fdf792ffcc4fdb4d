"""POST /v1/segment: the mask of a thing named in words, from the CLIPSeg folder of [model] segmentation_path
(tiny ones built from configs, which find what they are asked for everywhere or nowhere)."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from generation.segmentation import mask_from
from tests.generation.helpers import generate, png_bytes


async def segment(client, **body) -> tuple[int, bytes | dict]:
    response = await client.post("/v1/segment", json=body)
    if response.content_type == "image/png":
        return response.status, await response.read()
    return response.status, await response.json()


async def test_a_found_thing_comes_back_as_a_mask_of_the_pictures_size(start_service, segmentation_folders):
    async with start_service(model={"segmentation_path": str(segmentation_folders["everywhere"])}) as client:
        parent = (await generate(client, width=64, height=96))["images"][0]["id"]
        status, mask = await segment(client, text="the cat", parent=parent)
        upload = base64.b64encode(png_bytes((80, 64))).decode()
        _, uploaded = await segment(client, text="the cat", image=upload)
        listed = await (await client.get("/v1/models")).json()

    assert status == 200
    with Image.open(io.BytesIO(mask)) as picture:
        assert picture.size == (64, 96) and np.asarray(picture.convert("L")).min() == 255
    assert Image.open(io.BytesIO(uploaded)).size == (80, 64)
    assert listed["segmentation"] is True


async def test_a_thing_not_in_the_picture_is_a_422_naming_it(start_service, segmentation_folders):
    async with start_service(model={"segmentation_path": str(segmentation_folders["nowhere"])}) as client:
        parent = (await generate(client))["images"][0]["id"]
        status, body = await segment(client, text="the cat", parent=parent)

    assert status == 422
    assert body["error"] == {
        "code": "not_in_picture",
        "field": "text",
        "message": "'the cat' was not found in the picture",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "the cat"}, "parent"),
        ({"text": " ", "parent": "0" * 32}, "text"),
        ({"text": "x", "parent": "0" * 32}, "parent"),
    ],
)
async def test_bad_segment_requests_name_the_field(start_service, segmentation_folders, body, field):
    async with start_service(model={"segmentation_path": str(segmentation_folders["everywhere"])}) as client:
        status, answer = await segment(client, **body)

    assert status in (400, 404) and answer["error"]["field"] == field


async def test_without_a_segmentation_model_the_service_says_so(start_service):
    async with start_service() as client:
        status, body = await segment(client, text="the cat", parent="0" * 32)

    assert status == 400
    assert body["error"]["message"] == "this service has no segmentation model: set [model] segmentation_path"


def test_a_mask_needs_enough_of_the_picture_above_the_threshold():
    probabilities = np.zeros((100, 100))
    probabilities[:10, :10] = 0.9
    assert np.asarray(mask_from(probabilities)).sum() == 100 * 255
    probabilities[:] = 0.0
    probabilities[0, :20] = 0.9  # 0.2 %: noise, not a thing
    assert mask_from(probabilities) is None
