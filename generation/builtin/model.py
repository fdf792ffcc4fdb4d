"""The architecture of the trained built-in model: a small Stable Diffusion 1.x pipeline for 64x64 pictures.

Everything here is data (configs) plus one builder, so the trained folder is an ordinary diffusers
``StableDiffusionPipeline`` that ``from_pretrained`` loads and the service runs unchanged:

* VAE: 64x64x3 pictures <-> 16x16x4 latents (three blocks, a 4x downscale);
* UNet: about 6M parameters on 16x16 latents, cross-attention at 8x8 and 4x4 (and in the middle block);
* text encoder: a CLIP text transformer of about 0.4M parameters over the world's tokenizer;
* scheduler: DDIM with v-prediction, zero-terminal-SNR betas and "trailing" timesteps. Epsilon prediction with
  the usual schedule learned nothing in 20 minutes on a CPU; this combination did.

Native size: ``unet.config.sample_size`` (16) x the VAE's scale factor (4) = 64, which diffusers uses as the
default height and width.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

from generation.builtin import world
from generation.builtin.tokenizer import END_TOKEN, MAX_LENGTH, START_TOKEN, write_tokenizer

IMAGE_SIZE = 64
LATENT_SIZE = 16
LATENT_CHANNELS = 4

VAE_CONFIG = {
    "sample_size": IMAGE_SIZE,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": LATENT_CHANNELS,
    # Three blocks: two downsamples, 64 -> 16.
    "block_out_channels": (32, 64, 64),
    "down_block_types": ("DownEncoderBlock2D",) * 3,
    "up_block_types": ("UpDecoderBlock2D",) * 3,
    "layers_per_block": 1,
    "norm_num_groups": 32,
    # Replaced after the VAE is trained by 1 / (standard deviation of its latents), as in Stable Diffusion.
    "scaling_factor": 1.0,
}
TEXT_HIDDEN = 64
TEXT_ENCODER_CONFIG = {
    "hidden_size": TEXT_HIDDEN,
    "intermediate_size": 512,
    "num_attention_heads": 4,
    "num_hidden_layers": 4,
    "max_position_embeddings": MAX_LENGTH,
}
UNET_CONFIG = {
    "sample_size": LATENT_SIZE,
    "in_channels": LATENT_CHANNELS,
    "out_channels": LATENT_CHANNELS,
    "block_out_channels": (64, 128, 128),
    "layers_per_block": 1,
    # Resolutions 16, 8, 4: attention where it is cheap.
    "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
    "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
    "cross_attention_dim": TEXT_HIDDEN,
    # diffusers' (historical) name for the number of heads.
    "attention_head_dim": 4,
    "norm_num_groups": 32,
}
SCHEDULER_CONFIG = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "prediction_type": "v_prediction",
    "rescale_betas_zero_snr": True,
    "timestep_spacing": "trailing",
    "clip_sample": False,
    "steps_offset": 1,
    # The last step lands on the clean picture.
    "set_alpha_to_one": True,
}


# What a request that leaves them out gets from this model (written to atelier.json, which the service reads):
# its native size, and the sampling the evaluation measured best.
DECLARED_DEFAULTS = {"width": IMAGE_SIZE, "height": IMAGE_SIZE, "steps": 20, "guidance": 2.0}
# Half precision on disk halves the folder; the service loads it in the precision it runs in.
SAVED_DTYPE = torch.float16


def save(pipeline: StableDiffusionPipeline, folder: Path) -> None:
    """Save as an ordinary diffusers folder (half precision, safetensors) with the defaults the model declares."""
    folder.mkdir(parents=True, exist_ok=True)
    pipeline.to("cpu", SAVED_DTYPE).save_pretrained(folder, safe_serialization=True)
    (folder / "atelier.json").write_text(json.dumps({"defaults": DECLARED_DEFAULTS}, indent=2) + "\n", encoding="utf-8")


def world_tokenizer(folder: Path) -> CLIPTokenizer:
    """The tokenizer over the world's vocabulary (each word one token; the same files every time)."""
    return write_tokenizer(folder, world.vocabulary())


def build_scheduler() -> DDIMScheduler:
    return DDIMScheduler(**SCHEDULER_CONFIG)


def build_text_encoder(tokenizer: CLIPTokenizer) -> CLIPTextModel:
    vocab = tokenizer.get_vocab()
    config = CLIPTextConfig(
        vocab_size=len(vocab),
        bos_token_id=vocab[START_TOKEN],
        eos_token_id=vocab[END_TOKEN],
        pad_token_id=vocab[END_TOKEN],
        **TEXT_ENCODER_CONFIG,
    )
    return CLIPTextModel(config)


def build_pipeline(tokenizer: CLIPTokenizer, seed: int = 0) -> StableDiffusionPipeline:
    """The untrained pipeline, with weights drawn from ``seed`` (the global RNG is left as it was)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        text_encoder = build_text_encoder(tokenizer)
        vae = AutoencoderKL(**VAE_CONFIG)
        unet = UNet2DConditionModel(**UNET_CONFIG)
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=build_scheduler(),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def parameter_count(module: torch.nn.Module) -> int:
    return sum(parameter.numel() for parameter in module.parameters())
