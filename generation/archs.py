"""Full-size Stable Diffusion architectures as data, for benchmarks with random weights.

A network's compute depends on its shapes, not on its weights, so building these configs with random weights
costs exactly what the released checkpoints cost, without downloading them. The values follow the released
configs of Stable Diffusion 1.5 and Stable Diffusion XL base 1.0 (their ``unet``, ``vae``, ``text_encoder``,
``text_encoder_2`` and ``scheduler`` folders). Token ids are left out: they come from the tokenizer in use.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Architecture:
    name: str
    # Keyword arguments of UNet2DConditionModel, AutoencoderKL, CLIPTextConfig and EulerDiscreteScheduler.
    unet: dict
    vae: dict
    text_encoder: dict
    # The second, projected text encoder of SDXL; None for single-encoder (SD 1.x) pipelines.
    text_encoder_2: dict | None
    scheduler: dict
    default_size: int
    default_steps: int


# The noise schedule both families were trained with, sampled with Euler as in SDXL's released scheduler config.
EULER_SCHEDULER = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "prediction_type": "epsilon",
    "timestep_spacing": "leading",
    "steps_offset": 1,
    "interpolation_type": "linear",
    "use_karras_sigmas": False,
}

# The ViT-L/14 text tower of OpenAI CLIP: SD 1.x's only text encoder, SDXL's first.
CLIP_VIT_L_TEXT = {
    "vocab_size": 49408,
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
    "max_position_embeddings": 77,
    "hidden_act": "quick_gelu",
    "layer_norm_eps": 1e-5,
    "projection_dim": 768,
}

# The 8x KL autoencoder shared by SD 1.x and SDXL; only the scaling factor and the fp16 upcast differ.
KL_F8_VAE = {
    "in_channels": 3,
    "out_channels": 3,
    "latent_channels": 4,
    "block_out_channels": (128, 256, 512, 512),
    "down_block_types": ("DownEncoderBlock2D",) * 4,
    "up_block_types": ("UpDecoderBlock2D",) * 4,
    "layers_per_block": 2,
    "norm_num_groups": 32,
    "act_fn": "silu",
}

SD15 = Architecture(
    name="sd15",
    unet={
        "sample_size": 64,
        "in_channels": 4,
        "out_channels": 4,
        "block_out_channels": (320, 640, 1280, 1280),
        "layers_per_block": 2,
        "down_block_types": ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
        "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
        "cross_attention_dim": 768,
        "attention_head_dim": 8,
        "norm_num_groups": 32,
        "norm_eps": 1e-5,
        "act_fn": "silu",
        "flip_sin_to_cos": True,
        "freq_shift": 0,
        "downsample_padding": 1,
        "mid_block_scale_factor": 1,
    },
    vae={**KL_F8_VAE, "sample_size": 512, "scaling_factor": 0.18215},
    text_encoder=CLIP_VIT_L_TEXT,
    text_encoder_2=None,
    scheduler=EULER_SCHEDULER,
    default_size=512,
    default_steps=25,
)

SDXL = Architecture(
    name="sdxl",
    unet={
        "sample_size": 128,
        "in_channels": 4,
        "out_channels": 4,
        "block_out_channels": (320, 640, 1280),
        "layers_per_block": 2,
        "transformer_layers_per_block": (1, 2, 10),
        "down_block_types": ("DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"),
        "up_block_types": ("CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "UpBlock2D"),
        "mid_block_type": "UNetMidBlock2DCrossAttn",
        "cross_attention_dim": 2048,
        "attention_head_dim": (5, 10, 20),
        "use_linear_projection": True,
        # Pooled text embedding (1280) plus six size and crop numbers, each embedded in 256: 1280 + 6 * 256.
        "addition_embed_type": "text_time",
        "addition_time_embed_dim": 256,
        "projection_class_embeddings_input_dim": 2816,
        "norm_num_groups": 32,
        "norm_eps": 1e-5,
        "act_fn": "silu",
        "flip_sin_to_cos": True,
        "freq_shift": 0,
        "downsample_padding": 1,
        "mid_block_scale_factor": 1,
    },
    # SDXL's VAE overflows in fp16, so diffusers decodes with it in fp32 (force_upcast), as with the released one.
    vae={**KL_F8_VAE, "sample_size": 1024, "scaling_factor": 0.13025, "force_upcast": True},
    text_encoder=CLIP_VIT_L_TEXT,
    # The OpenCLIP ViT-bigG/14 text tower, with its projection.
    text_encoder_2={
        "vocab_size": 49408,
        "hidden_size": 1280,
        "intermediate_size": 5120,
        "num_hidden_layers": 32,
        "num_attention_heads": 20,
        "max_position_embeddings": 77,
        "hidden_act": "gelu",
        "layer_norm_eps": 1e-5,
        "projection_dim": 1280,
    },
    scheduler=EULER_SCHEDULER,
    default_size=1024,
    default_steps=25,
)

ARCHITECTURES = {arch.name: arch for arch in (SD15, SDXL)}
