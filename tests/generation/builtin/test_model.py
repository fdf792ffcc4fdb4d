"""The committed built-in model (builtin:tiny) through the service: its declared size and what it draws."""

import io
import json

import pytest
from PIL import Image

from atelier.config import ModelConfig
from generation.backends.loader import ModelLoadError, declared_defaults, load_model
from generation.builtin import WEIGHTS, world
from generation.builtin.judge import judge
from tests.generation.helpers import generate, image_bytes


def picture(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


async def test_it_draws_at_its_native_size_unless_asked_otherwise(trained_client):
    drawn = await generate(trained_client, prompt="a large yellow square in the centre on a blue background")
    assert (drawn["images"][0]["width"], drawn["images"][0]["height"]) == (64, 64)
    larger = await generate(trained_client, prompt="a small red circle on the left", width=96, height=64)
    assert picture(await image_bytes(trained_client, larger["images"][0]["id"])).size == (96, 64)
    health = await (await trained_client.get("/healthz")).json()
    assert health["model"] == "builtin:tiny" and health["declared_defaults"]["width"] == 64
    assert "trained by the project" in health["note"]
    assert health["defaults"]["width"] == health["defaults"]["height"] == 64


async def test_the_committed_weights_draw_the_world_not_noise(trained_client):
    # The evaluation measures about 70 % of held-out backgrounds right; noise would get none.
    right = 0
    for index, (scene, caption) in enumerate(world.samples(3, 10, held_out=True)):
        drawn = await generate(trained_client, prompt=caption, seed=index)
        right += judge(picture(await image_bytes(trained_client, drawn["images"][0]["id"])), scene).background
    assert right >= 4


def test_a_model_folder_declares_its_defaults_or_is_refused_with_the_reason(tmp_path):
    assert declared_defaults(WEIGHTS)["width"] == 64
    assert declared_defaults(tmp_path) == {}
    (tmp_path / "atelier.json").write_text(json.dumps({"defaults": {"width": 64, "colour": "red"}}))
    with pytest.raises(ModelLoadError, match=r"atelier.json is invalid: .* defaults may only set guidance, height"):
        declared_defaults(tmp_path)
    (tmp_path / "atelier.json").write_text(json.dumps({"defaults": {"steps": 0}}))
    with pytest.raises(ModelLoadError, match=r"atelier\.json is invalid: .*defaults\.steps"):
        declared_defaults(tmp_path)
    (tmp_path / "atelier.json").write_text("{not json")
    with pytest.raises(ModelLoadError, match=r"atelier\.json is invalid: .*Expecting property name"):
        declared_defaults(tmp_path)


def test_an_unknown_builtin_model_names_the_ones_there_are(tmp_path):
    with pytest.raises(ModelLoadError, match="unknown built-in model 'builtin:huge'; there are builtin:tiny and"):
        load_model(ModelConfig(path="builtin:huge", device="cpu"), tmp_path)
