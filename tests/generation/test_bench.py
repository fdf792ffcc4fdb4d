"""``python -m generation.bench``: a short real run, its refusals, and the full-size architectures it builds."""

import json
from dataclasses import replace

import pytest
import torch
from diffusers import AutoencoderKL, UNet2DConditionModel
from transformers import CLIPTextConfig, CLIPTextModel, CLIPTextModelWithProjection

from generation.archs import SD15, SDXL, Architecture
from generation.bench import (
    Settings,
    build_pipeline,
    flops_per_image,
    generate,
    load_pipeline,
    main,
    make_requests,
)

FIGURES = [
    "baseline_img_per_s",
    "baseline_batched_img_per_s",
    "service_img_per_s",
    "service_one_client_img_per_s",
    "ratio",
    "scaling",
    "p50_s",
    "p95_s",
    "one_client_p50_s",
]
NULLABLE = ["joules_per_image", "baseline_joules_per_image", "peak_fraction"]


def test_a_short_cpu_run_writes_every_figure(tmp_path, capsys):
    path = tmp_path / "figures.json"
    code = main(["--arch", "tiny", "--device", "cpu", "--requests", "4", "--concurrency", "2", "--json", str(path)])

    assert code == 0, capsys.readouterr().err
    figures = json.loads(path.read_text())
    assert all(figures[key] > 0 for key in FIGURES), figures
    assert all(key in figures for key in NULLABLE)
    # No energy counter and no peak figure on a CPU.
    assert figures["baseline_joules_per_image"] is None
    assert figures["peak_fraction"] is None
    assert figures["device"].startswith("cpu: ")
    assert figures["arguments"] == {
        "arch": "tiny",
        "device": "cpu",
        "dtype": "float32",
        "concurrency": 2,
        "requests": 4,
        "steps": 4,
        "size": 64,
        "guidance": 7.0,
        "count": 1,
    }
    assert "Atelier service, 2 clients" in capsys.readouterr().out


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_cuda_device_is_refused_in_one_line(capsys):
    assert main(["--device", "cuda"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("bench: ") and error.count("\n") == 1 and "Traceback" not in error


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--size", "100"])
    assert exited.value.code == 2
    assert "multiple of 8" in capsys.readouterr().err


def test_full_architectures_have_the_released_parameter_counts():
    def parameters(module: torch.nn.Module) -> int:
        return sum(parameter.numel() for parameter in module.parameters())

    # On the meta device: shapes without memory, so SDXL's 3.5 billion parameters cost nothing here.
    with torch.device("meta"):
        assert parameters(UNet2DConditionModel(**SD15.unet)) == 859_520_964
        assert parameters(UNet2DConditionModel(**SDXL.unet)) == 2_567_463_684
        assert parameters(AutoencoderKL(**SD15.vae)) == parameters(AutoencoderKL(**SDXL.vae)) == 83_653_863
        assert parameters(CLIPTextModel(CLIPTextConfig(**SD15.text_encoder))) == 123_060_480
        assert parameters(CLIPTextModelWithProjection(CLIPTextConfig(**SDXL.text_encoder_2))) == 694_659_840


def test_sd15_flops_per_image_match_those_measured_on_a_gpu(tmp_path):
    # Configs alone: flops_per_image reads them from the folder and counts on the meta device.
    with torch.device("meta"):
        UNet2DConditionModel(**SD15.unet).save_config(tmp_path / "unet")
        AutoencoderKL(**SD15.vae).save_config(tmp_path / "vae")
    settings = Settings("sd15", "cpu", torch.float32, size=512, steps=25, guidance=7.5, count=1)
    # docs/benchmarks.md: 1606.5 GFLOP per UNet forward at batch 2, 2514.5 GFLOP per 512x512 decode.
    assert flops_per_image(tmp_path, settings) / 1e12 == pytest.approx(42.68, rel=1e-3)


def shrunk(arch: Architecture) -> Architecture:
    """``arch`` with every block and encoder kept, at widths (and SDXL's 10-deep attention at a depth of 2) that a
    CPU runs in a second."""
    text = {"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 4, "num_hidden_layers": 2}
    vae = {**arch.vae, "block_out_channels": (8, 16, 32, 32), "norm_num_groups": 8}
    if arch.text_encoder_2 is None:
        unet = {**arch.unet, "block_out_channels": (32, 64, 64, 64), "cross_attention_dim": 32, "norm_num_groups": 8}
        return replace(arch, unet=unet, vae=vae, text_encoder={**arch.text_encoder, **text, "projection_dim": 32})
    unet = {
        **arch.unet,
        # Heads stay (5, 10, 20), 8 channels each; both encoders' 32 widths concatenate to 64.
        "block_out_channels": (40, 80, 160),
        "transformer_layers_per_block": (1, 2, 2),
        "cross_attention_dim": 64,
        "norm_num_groups": 8,
        "addition_time_embed_dim": 8,
        "projection_class_embeddings_input_dim": 32 + 6 * 8,
    }
    return replace(
        arch,
        unet=unet,
        vae=vae,
        text_encoder={**arch.text_encoder, **text, "projection_dim": 32},
        text_encoder_2={**arch.text_encoder_2, **text, "projection_dim": 32},
    )


@pytest.mark.parametrize("arch", [SD15, SDXL], ids=lambda arch: arch.name)
def test_the_architectures_build_save_load_and_generate(tmp_path, arch):
    folder = tmp_path / "model"
    build_pipeline(shrunk(arch), tmp_path).save_pretrained(folder)
    settings = Settings(arch.name, "cpu", torch.float32, size=64, steps=1, guidance=7.0, count=2)

    pipeline = load_pipeline(folder, settings)

    assert type(pipeline).__name__ == ("StableDiffusionPipeline" if arch is SD15 else "StableDiffusionXLPipeline")
    assert generate(pipeline, make_requests(2, settings.count), settings) == 4
    assert flops_per_image(folder, settings) > 0
