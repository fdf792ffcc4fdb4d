"""The batched backend on a tiny Stable Diffusion XL built from configs: two text encoders, pooled embeddings
and time ids per job, zeros for an empty negative prompt, as diffusers' own XL pipeline does."""

from __future__ import annotations

import pytest
import torch
from diffusers import AutoencoderKL, EulerDiscreteScheduler, StableDiffusionXLPipeline, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

from generation.backends.builtin import END_TOKEN, START_TOKEN, write_tokenizer_files
from generation.backends.diffusers import DiffusersBackend
from generation.backends.loader import LoadedModel
from tests.generation.backends.test_diffusers import TOLERANCE, difference, drawn_by_diffusers, generation, run


@pytest.fixture(scope="module")
def xl(tmp_path_factory) -> LoadedModel:
    tokenizer = write_tokenizer_files(tmp_path_factory.mktemp("tokenizer"))
    vocab = tokenizer.get_vocab()
    torch.manual_seed(0)
    text_config = CLIPTextConfig(
        bos_token_id=vocab[START_TOKEN],
        eos_token_id=vocab[END_TOKEN],
        pad_token_id=vocab[END_TOKEN],
        hidden_size=32,
        intermediate_size=37,
        num_attention_heads=4,
        num_hidden_layers=2,
        vocab_size=len(vocab),
        projection_dim=32,
    )
    pipeline = StableDiffusionXLPipeline(
        vae=AutoencoderKL(
            block_out_channels=(32, 64),
            down_block_types=("DownEncoderBlock2D",) * 2,
            up_block_types=("UpDecoderBlock2D",) * 2,
            latent_channels=4,
            norm_num_groups=8,
        ),
        text_encoder=CLIPTextModel(text_config),
        text_encoder_2=CLIPTextModelWithProjection(text_config),
        tokenizer=tokenizer,
        tokenizer_2=tokenizer,
        unet=UNet2DConditionModel(
            block_out_channels=(32, 64),
            layers_per_block=1,
            sample_size=32,
            down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
            up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
            attention_head_dim=(2, 4),
            use_linear_projection=True,
            addition_embed_type="text_time",
            addition_time_embed_dim=8,
            transformer_layers_per_block=(1, 2),
            projection_class_embeddings_input_dim=6 * 8 + 32,
            cross_attention_dim=64,
            norm_num_groups=8,
        ),
        scheduler=EulerDiscreteScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear"),
    )
    pipeline.set_progress_bar_config(disable=True)
    return LoadedModel(pipeline=pipeline, name="tiny-xl", builtin=False, device="cpu", dtype=torch.float32)


def test_xl_jobs_alone_match_diffusers_and_in_company_match_alone(xl):
    backend = DiffusersBackend(xl, max_batch=8, max_batch_pixels=8 * 64 * 64, keep_latents=False)
    (ours,) = run(backend, [generation("a red fox", 3)])[0]
    assert difference(ours, drawn_by_diffusers(xl.pipeline, "a red fox", 3)) <= TOLERANCE

    def jobs():
        return [generation("a red fox", 3), generation("a boat", 5, steps=6, guidance=1.0), generation("sun", 9)]

    together = run(backend, jobs())
    for index in range(3):
        (alone,) = run(backend, [jobs()[index]])
        assert difference(alone[0], together[index][0]) <= TOLERANCE
