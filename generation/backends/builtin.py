"""The built-in model: a tiny Stable Diffusion pipeline built from configs with random weights.

It has the real architecture and code paths of Stable Diffusion 1.x (CLIP text encoder, conditional UNet,
8x VAE, Euler scheduler) at a fraction of the size, so the whole system runs on any machine without
downloading anything. Its weights are random: it draws structured noise, not pictures. It is built
deterministically (fixed seed, fixed configs) and saved once so every start serves the same model.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import torch
from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionPipeline, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

# Bump when the configs below change, so older caches are rebuilt rather than reused.
BUILTIN_VERSION = 1
BUILTIN_SEED = 0
START_TOKEN = "<|startoftext|>"
END_TOKEN = "<|endoftext|>"

UNET_CONFIG = {
    "sample_size": 64,
    "in_channels": 4,
    "out_channels": 4,
    "block_out_channels": (32, 64),
    "layers_per_block": 1,
    "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D"),
    "up_block_types": ("CrossAttnUpBlock2D", "UpBlock2D"),
    "cross_attention_dim": 32,
    "attention_head_dim": 8,
    "norm_num_groups": 8,
}
VAE_CONFIG = {
    "sample_size": 512,
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    # Four blocks give the 8x latent downscale of real Stable Diffusion VAEs.
    "block_out_channels": (8, 16, 32, 32),
    "down_block_types": ("DownEncoderBlock2D",) * 4,
    "up_block_types": ("UpDecoderBlock2D",) * 4,
    "layers_per_block": 1,
    "norm_num_groups": 8,
}
TEXT_ENCODER_CONFIG = {
    "hidden_size": 32,
    "intermediate_size": 37,
    "num_attention_heads": 4,
    "num_hidden_layers": 2,
    "max_position_embeddings": 77,
}
SCHEDULER_CONFIG = {"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear"}


def _byte_alphabet() -> list[str]:
    """The byte-to-character table of byte-level BPE (as in GPT-2 and CLIP), in byte order."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    extra = iter(range(256, 512))
    return [chr(byte) if byte in printable else chr(next(extra)) for byte in range(256)]


def write_tokenizer_files(folder: Path) -> CLIPTokenizer:
    """A CLIP tokenizer over single bytes: every text tokenizes, with no vocabulary to download."""
    alphabet = _byte_alphabet()
    tokens = [*alphabet, *(char + "</w>" for char in alphabet), START_TOKEN, END_TOKEN]
    folder.mkdir(parents=True, exist_ok=True)
    vocab_file = folder / "vocab.json"
    merges_file = folder / "merges.txt"
    vocab_file.write_text(json.dumps({token: index for index, token in enumerate(tokens)}), encoding="utf-8")
    merges_file.write_text("#version: 0.2\n", encoding="utf-8")
    return CLIPTokenizer(str(vocab_file), str(merges_file), model_max_length=77)


def build_builtin_pipeline(work_dir: Path) -> StableDiffusionPipeline:
    tokenizer = write_tokenizer_files(work_dir / "tokenizer-source")
    vocab = tokenizer.get_vocab()
    previous_state = torch.random.get_rng_state()
    torch.manual_seed(BUILTIN_SEED)
    try:
        text_encoder = CLIPTextModel(
            CLIPTextConfig(
                vocab_size=len(vocab),
                bos_token_id=vocab[START_TOKEN],
                eos_token_id=vocab[END_TOKEN],
                pad_token_id=vocab[END_TOKEN],
                **TEXT_ENCODER_CONFIG,
            )
        )
        unet = UNet2DConditionModel(**UNET_CONFIG)
        vae = AutoencoderKL(**VAE_CONFIG)
    finally:
        torch.random.set_rng_state(previous_state)
    return StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=EulerDiscreteScheduler(**SCHEDULER_CONFIG),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def cached_model_dir(cache_dir: Path) -> Path:
    """Where the built-in model is cached in ``cache_dir`` (it may not be built yet)."""
    return cache_dir / f"builtin-tiny-v{BUILTIN_VERSION}"


def builtin_model_dir(cache_dir: Path) -> Path:
    """The cached built-in model, built on first use. The folder is complete or absent, never partial."""
    target = cached_model_dir(cache_dir)
    if (target / "model_index.json").is_file():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix=".building-") as scratch:
        staging = Path(scratch) / "model"
        build_builtin_pipeline(Path(scratch)).save_pretrained(staging)
        try:
            staging.rename(target)
        except OSError:
            if not (target / "model_index.json").is_file():
                raise
            # Another process finished the same build first; its copy is identical.
            shutil.rmtree(staging, ignore_errors=True)
    return target
