"""Edits by instruction on the instruction-edit model of [model] edit_path (InstructPix2Pix, random weights built
from configs): the words and the picture reach it, stepped like every job, the same as diffusers' own pipeline."""

import io
from pathlib import Path

import numpy as np
import pytest
import torch
from diffusers import FluxKontextPipeline, StableDiffusionInstructPix2PixPipeline
from PIL import Image

from generation.service import StartupError, build_service
from tests.conftest import service_config
from tests.generation.helpers import generate, image_bytes


@pytest.fixture
def with_instruct(start_service, instruct_folder):
    return lambda **sections: start_service(model={"edit_path": str(instruct_folder)}, **sections)


async def instruct(client, parent: str, **body) -> tuple[int, dict]:
    payload = {"parent": parent, "prompt": "make it look like winter", "instruct": True, "seed": 5, **body}
    response = await client.post("/v1/edit", json=payload)
    return response.status, await response.json()


def as_array(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


async def test_an_instruction_edits_the_picture_as_diffusers_own_pipeline_does(with_instruct, instruct_folder):
    async with with_instruct() as client:
        parent = (await generate(client, seed=3))["images"][0]["id"]
        source = await image_bytes(client, parent)
        status, body = await instruct(client, parent, steps=4, guidance=7.0, image_guidance=1.5)
        edited = await image_bytes(client, body["images"][0]["id"])
        listed = {model["name"]: model for model in (await (await client.get("/v1/models")).json())["models"]}

    assert status == 200 and body["model"] == "instruct" and body["total_steps"] == 4
    pipeline = StableDiffusionInstructPix2PixPipeline.from_pretrained(instruct_folder, safety_checker=None)
    expected = pipeline(
        "make it look like winter",
        image=Image.open(io.BytesIO(source)).convert("RGB"),
        num_inference_steps=4,
        guidance_scale=7.0,
        image_guidance_scale=1.5,
        generator=torch.Generator().manual_seed(5),
        output_type="np",
    ).images[0]
    assert np.abs(as_array(edited) - np.round(expected * 255)).max() <= 2
    assert listed["instruct"]["kind"] == "instruct" and not listed["instruct"]["default"]


async def test_an_instruction_cannot_take_a_mask_or_another_model(with_instruct):
    async with with_instruct() as client:
        parent = (await generate(client))["images"][0]["id"]
        masked = await instruct(client, parent, extend={"left": 8})
        named = await instruct(client, parent, model="builtin:random")
        drawn = await client.post("/v1/generate", json={"prompt": "a cat", "model": "instruct"})
        refusal = (await drawn.json())["error"]["message"]

    assert masked[0] == 400 and masked[1]["error"]["field"] == "extend"
    assert named[0] == 400 and named[1]["error"]["field"] == "model"
    assert drawn.status == 400 and "unknown model 'instruct'" in refusal


async def test_without_an_instruction_model_the_field_is_refused(start_service):
    async with start_service() as client:
        parent = (await generate(client))["images"][0]["id"]
        status, body = await instruct(client, parent)

    assert status == 400
    assert body["error"] == {
        "code": "invalid",
        "field": "instruct",
        "message": "this service has no instruction-edit model: set [model] edit_path",
    }


def test_a_text_to_image_folder_as_edit_path_stops_the_start(tmp_path, model):
    folder = Path(model.pipeline.unet.config._name_or_path).parent
    config = service_config(tmp_path, model={"edit_path": str(folder)})

    with pytest.raises(StartupError, match=r"^\[model\] edit_path is not an instruction-edit checkpoint"):
        build_service(config)


async def test_an_instruction_model_may_be_a_named_section_and_is_chosen_by_name(start_service, instruct_folder):
    sections = {"pix": {"path": str(instruct_folder), "kind": "instruct"}}
    async with start_service(models=sections) as client:
        parent = (await generate(client))["images"][0]["id"]
        status, body = await instruct(client, parent, model="pix", steps=3)
        default_status, default_body = await instruct(client, parent, steps=3)

    assert status == 200 and body["model"] == "pix"
    assert default_status == 200 and default_body["model"] == "pix"


def test_a_named_instruction_model_that_is_not_one_stops_the_start_naming_its_section(tmp_path, model):
    folder = Path(model.pipeline.unet.config._name_or_path).parent
    config = service_config(tmp_path, models={"pix": {"path": str(folder), "kind": "instruct"}})

    with pytest.raises(StartupError, match=r"^\[models\.pix\] path is not an instruction-edit checkpoint"):
        build_service(config)


async def test_a_flux_kontext_folder_edits_by_instruction_as_its_own_pipeline_does(start_service, kontext_folder):
    async with start_service(model={"edit_path": str(kontext_folder)}) as client:
        parent = (await generate(client, seed=3))["images"][0]["id"]
        source = await image_bytes(client, parent)
        status, body = await instruct(client, parent, steps=2, guidance=2.5)
        edited = await image_bytes(client, body["images"][0]["id"])

    assert status == 200 and body["model"] == "instruct" and body["total_steps"] == 2
    pipeline = FluxKontextPipeline.from_pretrained(kontext_folder)
    expected = pipeline(
        image=Image.open(io.BytesIO(source)).convert("RGB"),
        prompt="make it look like winter",
        height=64,
        width=64,
        num_inference_steps=2,
        guidance_scale=2.5,
        generator=[torch.Generator().manual_seed(5)],
        max_area=64 * 64,
        _auto_resize=False,
        output_type="np",
    ).images[0]
    assert np.abs(as_array(edited) - np.round(expected * 255)).max() <= 2
