"""Loading an operator's checkpoint: what the service keeps of it and what it says about it."""

from diffusers import StableDiffusionPipeline
from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
from transformers import CLIPConfig, CLIPImageProcessor

from atelier.config import ModelConfig
from generation.backends.loader import load_model
from tests.conftest import serve


def _folder_with_a_safety_checker(model, folder):
    """An SD 1.x folder as operators have them: the built-in random pipeline plus diffusers' safety checker."""
    tiny = {"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 2, "num_hidden_layers": 1}
    config = CLIPConfig(text_config=tiny, vision_config={**tiny, "image_size": 32, "patch_size": 8}, projection_dim=32)
    pipeline = model.pipeline
    with_checker = StableDiffusionPipeline(
        vae=pipeline.vae,
        text_encoder=pipeline.text_encoder,
        tokenizer=pipeline.tokenizer,
        unet=pipeline.unet,
        scheduler=pipeline.scheduler,
        safety_checker=StableDiffusionSafetyChecker(config),
        feature_extractor=CLIPImageProcessor(size={"shortest_edge": 32}, crop_size=32),
        requires_safety_checker=False,
    )
    with_checker.save_pretrained(folder, safe_serialization=True)
    return folder


async def test_a_checkpoints_own_safety_checker_is_taken_out_and_reported(model, tmp_path):
    folder = _folder_with_a_safety_checker(model, tmp_path / "sd15")
    loaded = load_model(ModelConfig(path=str(folder), device="cpu"), tmp_path)
    assert loaded.pipeline.safety_checker is None
    assert loaded.safety_checker_removed

    async with serve(loaded, tmp_path / "data") as client:
        health = await (await client.get("/healthz")).json()
        assert health["safety_checker"].startswith("removed")
        response = await client.post("/v1/generate", json={"prompt": "a fox", "steps": 2})
        assert response.status == 200, await response.text()
