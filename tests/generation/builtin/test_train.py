"""The built-in model's training command: a few steps give a folder diffusers loads and runs, the same every time."""

import json

import pytest
import torch
from diffusers import StableDiffusionPipeline
from safetensors.torch import load_file

from generation.builtin import world
from generation.builtin.model import build_pipeline, world_tokenizer
from generation.builtin.train import (
    SceneProbe,
    _latent_weights,
    _probe_targets,
    batches,
    main,
    parse_args,
    pretrain_text_encoder,
    refine_decoder,
    train,
)

QUICK = [
    "--text-steps",
    "3",
    "--vae-steps",
    "3",
    "--unet-steps",
    "3",
    "--decoder-steps",
    "2",
    "--batch",
    "4",
    "--no-progress",
]


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("trained") / "model"
    summary = train(parse_args(["--out", str(out), "--seed", "3", *QUICK]))
    return out, summary


def test_the_folder_loads_and_draws_a_64_pixel_picture(trained):
    out, _ = trained
    pipeline = StableDiffusionPipeline.from_pretrained(out, torch_dtype=torch.float32)
    image = pipeline(
        "a large yellow square in the centre on a blue background",
        num_inference_steps=2,
        generator=torch.Generator().manual_seed(0),
    ).images[0]
    assert image.size == (64, 64)
    assert pipeline.unet.config.sample_size == 16 and pipeline.vae.config.sample_size == 64


def test_the_scheduler_predicts_velocity_with_zero_terminal_snr(trained):
    config = json.loads((trained[0] / "scheduler" / "scheduler_config.json").read_text())
    assert config["prediction_type"] == "v_prediction"
    assert config["rescale_betas_zero_snr"] is True
    assert config["timestep_spacing"] == "trailing"


def test_the_run_is_recorded_with_a_loss_curve(trained):
    out, summary = trained
    assert (out / "loss.png").read_bytes().startswith(b"\x89PNG")
    recorded = json.loads((out / "training.json").read_text())
    assert recorded["seed"] == 3 and recorded["vae_steps"] == 3 and recorded["unet_steps"] == 3
    assert recorded["decoder_steps"] == 2 and recorded["text_steps"] == 3
    assert recorded["final_losses"] == summary["final_losses"]
    assert all(value is not None and value > 0 for value in recorded["final_losses"].values())
    assert recorded["vae_scaling_factor"] > 0
    assert list(out.rglob("*.safetensors")) and not list(out.rglob("*.bin"))


def test_the_folder_is_stored_in_half_precision_and_declares_its_native_size(trained):
    out, _ = trained
    declared = json.loads((out / "atelier.json").read_text())["defaults"]
    assert (declared["width"], declared["height"]) == (64, 64)
    unet = load_file(next((out / "unet").glob("*.safetensors")))
    assert {tensor.dtype for tensor in unet.values()} == {torch.float16}


def test_the_same_seed_gives_the_same_weights(trained, tmp_path, capsys):
    out, _ = trained
    assert main(["--out", str(tmp_path / "again"), "--seed", "3", *QUICK]) == 0
    assert "saved" in capsys.readouterr().out
    for part in ("unet", "text_encoder", "vae"):
        (first,) = (out / part).glob("*.safetensors")
        (second,) = (tmp_path / "again" / part).glob("*.safetensors")
        one, two = load_file(first), load_file(second)
        assert one.keys() == two.keys()
        assert all(torch.equal(one[name], two[name]) for name in one)
    unet = load_file(next((out / "unet").glob("*.safetensors")))
    name = "conv_in.weight"
    assert not torch.equal(unet[name], torch.zeros_like(unet[name]))


def test_refining_the_decoder_keeps_the_latents_the_unet_learned(tmp_path):
    vae = build_pipeline(world_tokenizer(tmp_path)).vae
    encoder = {name: tensor.clone() for name, tensor in vae.encoder.state_dict().items()}
    decoder = {name: tensor.clone() for name, tensor in vae.decoder.state_dict().items()}
    options = parse_args(["--out", str(tmp_path / "unused"), "--decoder-steps", "2", "--batch", "2", "--no-progress"])
    assert len(refine_decoder(vae, options, deadline=float("inf"))) == 2
    assert all(torch.equal(encoder[name], tensor) for name, tensor in vae.encoder.state_dict().items())
    assert not all(torch.equal(decoder[name], tensor) for name, tensor in vae.decoder.state_dict().items())


def test_the_text_stage_trains_the_text_encoder_to_read_each_place(tmp_path):
    tokenizer = world_tokenizer(tmp_path)
    text_encoder = build_pipeline(tokenizer).text_encoder
    before = {name: tensor.clone() for name, tensor in text_encoder.state_dict().items()}
    options = parse_args(["--out", str(tmp_path / "unused"), "--text-steps", "2", "--no-progress"])
    assert len(pretrain_text_encoder(text_encoder, tokenizer, options, deadline=float("inf"))) == 2
    assert not all(torch.equal(before[name], tensor) for name, tensor in text_encoder.state_dict().items())


def test_the_probe_asks_for_each_thing_at_its_place_and_nothing_elsewhere():
    scene = world.Scene(
        things=(world.Thing("star", "red", "small", "top left"), world.Thing("heart", "blue", "large", "right")),
        background="sunset",
    )
    targets = _probe_targets([scene], torch.device("cpu"))
    colours = targets["colour"][0].tolist()
    assert colours[world.POSITIONS.index("top left")] == list(world.COLOURS).index("red")
    assert colours[world.POSITIONS.index("right")] == list(world.COLOURS).index("blue")
    assert colours.count(len(world.COLOURS)) == len(world.POSITIONS) - 2
    assert targets["background"].tolist() == [world.BACKGROUNDS.index("sunset")]
    loss, right = SceneProbe(width=64).loss(torch.randn(1, 8, 64), [scene])
    assert loss.item() > 0 and 0.0 <= right <= 1.0


def test_latents_under_objects_weigh_more_in_the_diffusion_loss():
    pixels = torch.ones(1, 1, 64, 64)
    pixels[:, :, :16, :16] = 5.0  # an object over the top-left 4x4 latents
    weights = _latent_weights(pixels, 16)
    assert weights.shape == (1, 1, 16, 16)
    assert torch.allclose(weights[0, 0, :4, :4], torch.tensor(3.0))
    assert torch.allclose(weights[0, 0, 4:, 4:], torch.tensor(1.0))


def test_rendering_in_worker_processes_gives_the_same_batches_in_the_same_order():
    alone, shared = batches(5, 3), batches(5, 3, workers=2)
    for _ in range(5):
        (images, weights, captions), (images_shared, weights_shared, captions_shared) = next(alone), next(shared)
        assert captions == captions_shared
        assert torch.equal(images, images_shared) and torch.equal(weights, weights_shared)


def test_loader_workers_stay_off_on_a_cpu_unless_asked_and_never_go_negative():
    assert parse_args(["--out", "x"]).loader_workers == 0
    assert parse_args(["--out", "x", "--workers", "3"]).loader_workers == 3
    assert main(["--out", "x", "--workers", "-1"]) == 2
