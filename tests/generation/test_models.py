"""Several models in one service: named in requests, listed, loaded when first asked for, let go by the budget."""

from pathlib import Path

import pytest

from atelier.config import BUILTIN_MODEL, ConfigError, load_config
from generation.api.keys import BACKEND
from generation.jobs.model import GenerateSpec, Sampling
from generation.service import StartupError, build_service
from tests.conftest import service_config
from tests.generation.helpers import actions_of, dev_root, edit, generate, image_bytes, read_credential

# The trained built-in model as a second model: its folder declares 64x64, 20 steps and guidance 2.0.
SHAPES = {"shapes": {"path": BUILTIN_MODEL, "steps": 3}}


def spec_for(model: str) -> GenerateSpec:
    return GenerateSpec(Sampling("a cat", "", 4, 7.0, (1,)), 64, 64, model=model)


async def listing(client) -> dict:
    response = await client.get("/v1/models")
    assert response.status == 200
    return {model["name"]: model for model in (await response.json())["models"]}


async def test_the_service_lists_its_models_with_their_own_defaults(start_service):
    async with start_service(models=SHAPES) as client:
        models = await listing(client)

    assert list(models) == ["builtin:random", "shapes"]
    assert models["builtin:random"]["default"] and models["builtin:random"]["loaded"]
    assert not models["shapes"]["default"] and not models["shapes"]["loaded"]
    # [defaults] (the tests' small ones), under the folder's atelier.json, under the model's own section.
    assert models["builtin:random"]["defaults"]["steps"] == 4
    assert models["builtin:random"]["defaults"]["guidance"] == 7.0
    assert models["shapes"]["defaults"]["steps"] == 3
    assert models["shapes"]["defaults"]["guidance"] == 2.0


async def test_a_request_names_the_model_that_draws_it(start_service):
    async with start_service(models=SHAPES) as client:
        named = await generate(client, prompt="a large red circle on a blue background", model="shapes", seed=3)
        plain = await generate(client, seed=3)
        edited = await edit(client, named["images"][0]["id"], prompt="a large red circle on a green background",
                            model="shapes")  # fmt: skip
        models = await listing(client)
        credential = read_credential(await image_bytes(client, named["images"][0]["id"]), dev_root(client))[1]

    assert named["model"] == "shapes" and named["total_steps"] == 3
    assert plain["model"] == "builtin:random" and plain["total_steps"] == 4
    assert edited["model"] == "shapes"
    (created,) = actions_of(credential["manifests"][credential["active_manifest"]])
    assert created["softwareAgent"]["name"] == "shapes"
    assert models["shapes"]["loaded"] and models["shapes"]["memory_mb"] > 1


async def test_an_unknown_model_is_refused_naming_the_field_and_the_models(start_service):
    async with start_service(models=SHAPES) as client:
        response = await client.post("/v1/generate", json={"prompt": "a cat", "model": "sdxl"})
        body = await response.json()

    assert response.status == 400
    assert body["error"]["field"] == "model"
    assert "builtin:random, shapes" in body["error"]["message"]


async def test_the_least_recently_used_model_makes_room_within_the_budget(start_service):
    # Room for the trained model alone (30 MB in float32), not for both (35 MB).
    async with start_service(models=SHAPES, model={"memory_budget_gb": 0.032}) as client:
        await generate(client, model="shapes")
        after_shapes = await listing(client)
        again = await generate(client, seed=9)
        after_default = await listing(client)

    assert not after_shapes["builtin:random"]["loaded"] and after_shapes["shapes"]["loaded"]
    assert again["state"] == "done" and again["model"] == "builtin:random"
    assert after_default["builtin:random"]["loaded"] and not after_default["shapes"]["loaded"]


async def test_jobs_of_two_models_never_share_a_forward(start_service):
    async with start_service(models=SHAPES) as client:
        shelf = client.app[BACKEND]

    assert shelf.batch_key(spec_for("shapes")) != shelf.batch_key(spec_for(""))
    # Jobs recorded before there were several models belong to the default one.
    assert shelf.batch_key(spec_for("")) == shelf.batch_key(spec_for("builtin:random"))


def test_a_named_model_that_is_not_on_disk_stops_the_start_with_one_line(tmp_path: Path):
    config = service_config(tmp_path, models={"sd15": {"path": str(tmp_path / "missing")}})

    with pytest.raises(StartupError, match=r"^\[models\.sd15\]: model not found: .*missing$"):
        build_service(config)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('[models."SD 1.5"]\npath = "x"', r"\[models\.SD 1\.5\]: a model's name is"),
        ("[models.sd15]\nsteps = 20", r"\[models\.sd15\] path: Field required"),
        ('[models.sd15]\npath = "x"\nwidth = 100', r"\[models\.sd15\] width = 100 must be a multiple of 8"),
    ],
)
def test_bad_model_sections_are_named(tmp_path: Path, section: str, message: str):
    file = tmp_path / "config.toml"
    file.write_text(section + "\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=message):
        load_config(file, environ={})
