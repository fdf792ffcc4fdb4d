"""Train the built-in model on the procedural world.

    python -m generation.builtin.train --out DIR [--seed 0] [--text-steps 800] [--vae-steps 1200]
                                       [--unet-steps 3200] [--decoder-steps 700] [--minutes 90] [--batch 32]
                                       [--device cpu|cuda] [--threads N] [--workers N]

Four stages of a fixed number of steps, each with a warmup and a cosine decay of its learning rate. The defaults take
about an hour on 2 CPU cores (UNet steps 0.6 s, VAE steps 1.1 s; an earlier, slower machine measured 1.58 s a UNet
step, where the cap below would cut the UNet stage), or a few minutes on a GPU, where ``--workers`` processes render
the pictures so that the card is not kept waiting. ``--minutes`` is a safety cap: on a slower machine the stages
stop cleanly when their share of it is spent (stages 0 and 1 after 30 % of it, stage 2 at 85 %, keeping the rest
for stage 3) and save what they have.

0. the text encoder learns, on captions alone, to tell where each thing of a caption is and what colour, shape and
   size it has, read back by attention as the UNet reads it (:class:`SceneProbe`, not saved). Binding each word to
   its thing is what the diffusion loss alone teaches slowest: without this stage, object colours stayed at chance;
1. the VAE learns to reconstruct rendered scenes (L1 + MSE, object pixels weighing 5x the background, plus a
   small KL term); its latent scale is then measured, as for Stable Diffusion;
2. with the VAE frozen, the UNet and the text encoder (at a low rate) learn together on (latents, caption) pairs in
   English and French with the v-prediction loss, latents under objects weighing 3x; 10 % of captions are emptied
   for classifier-free guidance; an EMA of the UNet's weights is what gets saved;
3. the decoder alone is refined (objects weighing 2x), the encoder frozen so the UNet's latents keep their meaning.

Everything is determined by the seed (weights, data stream, noise), the step counts and fixed hyperparameters, so
the same command on the same kind of machine reproduces the same weights. Held-out scenes
(:func:`world.is_held_out`) never reach training. ``DIR`` receives an ordinary diffusers folder
(``save_pretrained``, safetensors in half precision) with ``atelier.json`` (the defaults it declares: its native
64x64 size, steps, guidance), ``training.json`` (seed, steps, minutes, final losses) and ``loss.png``.
"""

from __future__ import annotations

import argparse
import copy
import itertools
import json
import math
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from generation.builtin import world
from generation.builtin.model import build_pipeline, parameter_count, save, world_tokenizer
from generation.builtin.tokenizer import MAX_LENGTH

TEXT_STEPS = 800
TEXT_LR = 2e-3
TEXT_WARMUP = 100
TEXT_BATCH = 128
# The longest caption is 42 tokens. The text encoder's attention is causal, so the states of these first positions
# are the same whatever padding follows: training on them alone is exact and cheaper.
TEXT_LENGTH = 48
# A VAE trained 300 steps blurred small objects together (loss 0.73): the model then drew the right number of objects
# 46 % of the time. After 1200 steps (loss 0.11; and 1400 decoder steps rather than 350), 99.5 % (GPU trials).
VAE_STEPS = 1200
UNET_STEPS = 3200
# Share of --minutes after which stages 0 and 1 stop even if they have steps left.
VAE_SHARE = 0.3
# Share of --minutes kept for stage 3: on a slow machine the UNet stage stops early rather than the decoder never
# being refined (backgrounds stay washed out without it).
DECODER_SHARE = 0.15
VAE_LR = 5e-4
VAE_WARMUP = 50
OBJECT_WEIGHT = 5.0
# Stage 3: the decoder alone, the encoder (and so the latents the UNet learned) frozen.
DECODER_STEPS = 700
DECODER_LR = 3e-4
DECODER_WARMUP = 20
# Objects still count more, but less than in stage 1, which left backgrounds washed out.
DECODER_OBJECT_WEIGHT = 2.0
KL_WEIGHT = 1e-6
SCALE_SAMPLES = 128
UNET_LR = 1e-3
# Low, so the text encoder keeps what stage 0 taught it while it adapts to the UNet.
TEXT_ENCODER_LR = 1e-4
# Latents under an object weigh this much more in the diffusion loss: objects are a small part of each picture, and
# drawing each in its colour at its place is what the model finds hardest.
DIFFUSION_OBJECT_WEIGHT = 3.0
WEIGHT_DECAY = 1e-2
UNET_WARMUP = 200
# Both learning rates end at this fraction of their peak.
FINAL_LR_SHARE = 0.1
EMA_DECAY = 0.999
UNCONDITIONAL_SHARE = 0.1
GRAD_CLIP = 1.0
# Time kept back from the budget to measure the latents and to save.
RESERVE_S = 20.0
FINAL_WINDOW = 50
PROGRESS_EVERY = 50


@dataclass
class Options:
    out: Path
    seed: int = 0
    minutes: float = 90.0
    text_steps: int = TEXT_STEPS
    vae_steps: int = VAE_STEPS
    unet_steps: int = UNET_STEPS
    decoder_steps: int = DECODER_STEPS
    batch: int = 32
    device: str = "cpu"
    threads: int | None = None
    workers: int | None = None
    progress: bool = True

    @property
    def loader_workers(self) -> int:
        """Processes rendering the pictures: none on a CPU, which the model's own steps keep busy; on a GPU,
        enough that rendering keeps up with its steps."""
        if self.workers is not None:
            return self.workers
        return 0 if self.device == "cpu" else min(8, max(0, (os.cpu_count() or 1) - 2))


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(prog="python -m generation.builtin.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the trained pipeline")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--minutes", type=float, default=90.0, help="stop both stages once this much time is spent")
    parser.add_argument("--text-steps", type=int, default=TEXT_STEPS)
    parser.add_argument("--vae-steps", type=int, default=VAE_STEPS)
    parser.add_argument("--unet-steps", type=int, default=UNET_STEPS)
    parser.add_argument("--decoder-steps", type=int, default=DECODER_STEPS)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's own)")
    parser.add_argument(
        "--workers", type=int, default=None, help="processes rendering pictures (default: 0 on cpu, up to 8 on cuda)"
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false")
    return Options(**vars(parser.parse_args(argv)))


# --- data -------------------------------------------------------------------------------------------------------------


def _render(chosen: list[tuple[world.Scene, str]], object_weight: float):
    pictures = np.stack([np.asarray(world.render(scene), dtype=np.uint8) for scene, _ in chosen])
    weights = np.stack(
        [np.where(world.background_mask(scene), 1.0, object_weight).astype(np.float32) for scene, _ in chosen]
    )
    images = torch.from_numpy(pictures).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    return images, torch.from_numpy(weights)[:, None], [caption for _, caption in chosen]


class _Batches(torch.utils.data.IterableDataset):
    """The batches of ``world.samples(seed, ...)``, in order. Each loader worker walks the whole stream of scenes
    (cheap) and renders only every n-th batch (the costly part), so the loader hands out the same batches in the
    same order whatever the number of workers, and the weights do not depend on it."""

    def __init__(self, seed: int, size: int, object_weight: float):
        super().__init__()
        self.seed, self.size, self.object_weight = seed, size, object_weight

    def __iter__(self):
        worker = torch.utils.data.get_worker_info()
        workers, mine = (1, 0) if worker is None else (worker.num_workers, worker.id)
        stream = world.samples(self.seed, 2**62)
        for number in itertools.count():
            chosen = list(itertools.islice(stream, self.size))
            if number % workers == mine:
                yield _render(chosen, self.object_weight)


def batches(
    seed: int, size: int, object_weight: float = OBJECT_WEIGHT, workers: int = 0
) -> Iterator[tuple[torch.Tensor, torch.Tensor, list[str]]]:
    """Endless (pictures in [-1, 1], per-pixel loss weights, captions), from ``world.samples(seed, ...)``, rendered
    by ``workers`` processes (0: in this one)."""
    loader = torch.utils.data.DataLoader(
        _Batches(seed, size, object_weight),
        batch_size=None,
        num_workers=workers,
        prefetch_factor=4 if workers else None,
    )
    return iter(loader)


# --- progress and outputs ---------------------------------------------------------------------------------------------


class Progress:
    """tqdm when installed, else a line on stderr every ``PROGRESS_EVERY`` steps."""

    def __init__(self, name: str, total: int | None, enabled: bool):
        self.name, self.total, self.enabled, self.step = name, total, enabled, 0
        self.bar = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=total, desc=name, unit="step", file=sys.stderr, dynamic_ncols=True)

    def update(self, loss: float) -> None:
        self.step += 1
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(1)
            if self.step % 10 == 0 or self.step == self.total:
                self.bar.set_postfix(loss=f"{loss:.4f}")
        elif self.step % PROGRESS_EVERY == 0:
            print(f"{self.name}: step {self.step}/{self.total or '?'} loss {loss:.4f}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _smooth(values: list[float], window: int) -> np.ndarray:
    if len(values) < 2:
        return np.asarray(values)
    window = max(1, min(window, len(values) // 5 or 1))
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def save_loss_curve(path: Path, losses: dict[str, list[float]]) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 3.5), tight_layout=True)
    FigureCanvasAgg(figure)
    for index, (name, values) in enumerate(losses.items(), start=1):
        axes = figure.add_subplot(1, len(losses), index)
        axes.plot(range(1, len(values) + 1), values, alpha=0.3, linewidth=0.8, label="step")
        smooth = _smooth(values, 50)
        axes.plot(range(len(values) - len(smooth) + 1, len(values) + 1), smooth, linewidth=1.5, label="mean")
        axes.set_title(f"{name} loss")
        axes.set_xlabel("step")
        if values and min(values) > 0:
            axes.set_yscale("log")
        axes.legend()
    figure.savefig(path, dpi=100)


def _final(values: list[float]) -> float | None:
    return float(np.mean(values[-FINAL_WINDOW:])) if values else None


def _warmup_then_cosine(warmup: int, total: int):
    """A learning-rate factor: linear warmup to 1, then a cosine down to ``FINAL_LR_SHARE`` at ``total``."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return FINAL_LR_SHARE + (1.0 - FINAL_LR_SHARE) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# --- training ---------------------------------------------------------------------------------------------------------


class SceneProbe(torch.nn.Module):
    """Reads a scene back from the text encoder's states the way the UNet will: by attention, one query per place
    of the world (and one for the background), each answered with the colour, shape and size found there.

    Only stage 0 uses it, and it is not saved: it gives the text encoder a strong, direct signal for what the
    diffusion loss teaches slowly, binding each colour, shape and size to its place in the caption."""

    def __init__(self, width: int):
        super().__init__()
        self.queries = torch.nn.Parameter(torch.randn(len(world.POSITIONS) + 1, width) * 0.02)
        self.attention = torch.nn.MultiheadAttention(width, num_heads=4, batch_first=True)
        self.colour = torch.nn.Linear(width, len(world.COLOURS) + 1)
        self.shape = torch.nn.Linear(width, len(world.SHAPES) + 1)
        self.size = torch.nn.Linear(width, len(world.SIZES) + 1)
        self.background = torch.nn.Linear(width, len(world.BACKGROUNDS))

    def loss(self, states: torch.Tensor, scenes: list[world.Scene]) -> tuple[torch.Tensor, float]:
        """The summed cross-entropy, and the share of objects whose colour was read right."""
        answers = self.attention(self.queries.expand(states.shape[0], -1, -1), states, states, need_weights=False)[0]
        places, background = answers[:, :-1], answers[:, -1]
        targets = _probe_targets(scenes, states.device)
        loss = F.cross_entropy(self.background(background), targets["background"])
        for name in ("colour", "shape", "size"):
            loss = loss + F.cross_entropy(getattr(self, name)(places).flatten(0, 1), targets[name].flatten())
        present = targets["colour"] != len(world.COLOURS)
        right = (self.colour(places).argmax(-1) == targets["colour"])[present]
        return loss, float(right.float().mean()) if right.numel() else 0.0


def _probe_targets(scenes: list[world.Scene], device: torch.device) -> dict[str, torch.Tensor]:
    """Per place, the index of what is there, or the last index ("nothing") for an empty place."""
    colours, shapes = list(world.COLOURS), list(world.SHAPES)
    empty = {"colour": len(colours), "shape": len(shapes), "size": len(world.SIZES)}
    targets = {name: torch.full((len(scenes), len(world.POSITIONS)), value) for name, value in empty.items()}
    for row, scene in enumerate(scenes):
        for thing in scene.things:
            place = world.POSITIONS.index(thing.position)
            targets["colour"][row, place] = colours.index(thing.colour)
            targets["shape"][row, place] = shapes.index(thing.shape)
            targets["size"][row, place] = world.SIZES.index(thing.size)
    targets["background"] = torch.tensor([world.BACKGROUNDS.index(scene.background) for scene in scenes])
    return {name: target.to(device) for name, target in targets.items()}


def pretrain_text_encoder(text_encoder, tokenizer, options: Options, deadline: float) -> list[float]:
    """Stage 0: the text encoder learns to say where each thing of a caption is and what it looks like
    (:class:`SceneProbe`), on captions alone, from its own data stream (``seed + 2``)."""
    device = torch.device(options.device)
    probe = SceneProbe(text_encoder.config.hidden_size).to(device)
    trained = [*text_encoder.parameters(), *probe.parameters()]
    optimizer = torch.optim.AdamW(trained, lr=TEXT_LR, weight_decay=WEIGHT_DECAY)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_then_cosine(TEXT_WARMUP, options.text_steps))
    stream = world.samples(options.seed + 2, 2**62)
    text_encoder.train()
    progress = Progress("text", options.text_steps, options.progress)
    losses: list[float] = []
    while progress.step < options.text_steps and time.monotonic() < deadline:
        scenes, captions = zip(*(next(stream) for _ in range(TEXT_BATCH)), strict=True)
        ids = tokenizer(
            list(captions), padding="max_length", max_length=TEXT_LENGTH, truncation=True, return_tensors="pt"
        ).input_ids.to(device)
        loss, _ = probe.loss(text_encoder(ids)[0], list(scenes))
        losses.append(_optimise(loss, optimizer, schedule, trained))
        progress.update(losses[-1])
    progress.close()
    return losses


def refine_decoder(vae, options: Options, deadline: float) -> list[float]:
    """Stage 3: train the VAE's decoder alone on its own data stream (``seed + 1``). The encoder is frozen, so the
    latents the UNet learned to draw stay the same and only their decoding gets sharper and truer in colour."""
    device = torch.device(options.device)
    data = batches(options.seed + 1, options.batch, DECODER_OBJECT_WEIGHT, options.loader_workers)
    decoder = [*vae.decoder.parameters(), *vae.post_quant_conv.parameters()]
    vae.requires_grad_(False)
    for parameter in decoder:
        parameter.requires_grad_(True)
    vae.decoder.train()
    optimizer = torch.optim.AdamW(decoder, lr=DECODER_LR, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_then_cosine(DECODER_WARMUP, options.decoder_steps))
    progress = Progress("decoder", options.decoder_steps, options.progress)
    losses: list[float] = []
    while progress.step < options.decoder_steps and time.monotonic() < deadline:
        images, weights, _ = next(data)
        images, weights = images.to(device), weights.to(device)
        with torch.no_grad():
            latents = vae.encode(images).latent_dist.mode()
        error = vae.decode(latents).sample - images
        loss = (weights * (error.abs() + error.square())).mean()
        losses.append(_optimise(loss, optimizer, schedule, decoder))
        progress.update(losses[-1])
    progress.close()
    vae.eval().requires_grad_(False)
    return losses


def _optimise(loss: torch.Tensor, optimizer, schedule, parameters) -> float:
    """One optimiser step on ``loss`` (gradients clipped) and the schedule moved on; the loss's value."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(parameters, GRAD_CLIP)
    optimizer.step()
    schedule.step()
    return loss.item()


def _latent_weights(pixel_weights: torch.Tensor, latent_size: int) -> torch.Tensor:
    """Each latent's weight in the diffusion loss: 1 on the background, up to ``DIFFUSION_OBJECT_WEIGHT`` under
    an object (by the share of its pixels that an object covers)."""
    on_object = (pixel_weights > 1.0).float()
    share = F.adaptive_avg_pool2d(on_object, latent_size)
    return 1.0 + (DIFFUSION_OBJECT_WEIGHT - 1.0) * share


def train(options: Options) -> dict:
    """Train, save the pipeline to ``options.out`` and return what ``training.json`` records."""
    started = time.monotonic()
    budget_s = options.minutes * 60.0
    reserve_s = min(RESERVE_S, 0.05 * budget_s)
    vae_deadline = started + VAE_SHARE * budget_s
    unet_deadline = started + (1.0 - DECODER_SHARE) * budget_s - reserve_s
    device = torch.device(options.device)
    if device.type == "cpu" and options.threads:
        torch.set_num_threads(options.threads)
    _seed_everything(options.seed)
    generator = torch.Generator(device).manual_seed(options.seed)
    dropout = random.Random(options.seed)

    with tempfile.TemporaryDirectory(prefix="atelier-tokenizer-") as scratch:
        tokenizer = world_tokenizer(Path(scratch))
        pipeline = build_pipeline(tokenizer, seed=options.seed)
    vae, unet, text_encoder = pipeline.vae.to(device), pipeline.unet.to(device), pipeline.text_encoder.to(device)
    scheduler = pipeline.scheduler
    data = batches(options.seed, options.batch, workers=options.loader_workers)
    losses: dict[str, list[float]] = {"text": [], "vae": [], "unet": []}

    # Stage 0: the text encoder, on captions alone.
    losses["text"] = pretrain_text_encoder(text_encoder, tokenizer, options, deadline=vae_deadline)

    # Stage 1: the VAE.
    vae.train()
    optimizer = torch.optim.AdamW(vae.parameters(), lr=VAE_LR, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_then_cosine(VAE_WARMUP, options.vae_steps))
    progress = Progress("vae", options.vae_steps, options.progress)
    while progress.step < options.vae_steps and time.monotonic() < vae_deadline:
        images, weights, _ = next(data)
        images, weights = images.to(device), weights.to(device)
        posterior = vae.encode(images).latent_dist
        reconstruction = vae.decode(posterior.sample(generator=generator)).sample
        error = reconstruction - images
        loss = (weights * (error.abs() + error.square())).mean() + KL_WEIGHT * posterior.kl().mean()
        losses["vae"].append(_optimise(loss, optimizer, schedule, vae.parameters()))
        progress.update(losses["vae"][-1])
    progress.close()
    vae.eval().requires_grad_(False)

    # The latents' scale, so that the UNet sees unit variance (Stable Diffusion's scaling_factor).
    with torch.no_grad():
        latents = [
            vae.encode(next(data)[0].to(device)).latent_dist.mode() for _ in range(-(-SCALE_SAMPLES // options.batch))
        ]
        scaling_factor = float(1.0 / torch.cat(latents).std().clamp_min(1e-6))
    vae.register_to_config(scaling_factor=scaling_factor)

    # Stage 2: the UNet and the text encoder.
    unet.train()
    text_encoder.train()
    ema = copy.deepcopy(unet).eval().requires_grad_(False)
    optimizer = torch.optim.AdamW(
        [
            {"params": list(unet.parameters()), "lr": UNET_LR},
            {"params": list(text_encoder.parameters()), "lr": TEXT_ENCODER_LR},
        ],
        weight_decay=WEIGHT_DECAY,
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, _warmup_then_cosine(UNET_WARMUP, options.unet_steps))
    trained = [*unet.parameters(), *text_encoder.parameters()]
    progress = Progress("unet", options.unet_steps, options.progress)
    while progress.step < options.unet_steps and time.monotonic() < unet_deadline:
        images, pixel_weights, captions = next(data)
        captions = ["" if dropout.random() < UNCONDITIONAL_SHARE else caption for caption in captions]
        with torch.no_grad():
            latents = vae.encode(images.to(device)).latent_dist.mode() * scaling_factor
        ids = tokenizer(
            captions, padding="max_length", max_length=MAX_LENGTH, truncation=True, return_tensors="pt"
        ).input_ids.to(device)
        hidden = text_encoder(ids)[0]
        noise = torch.randn(latents.shape, generator=generator, device=device)
        timesteps = torch.randint(
            0, scheduler.config.num_train_timesteps, (latents.shape[0],), generator=generator, device=device
        )
        noisy = scheduler.add_noise(latents, noise, timesteps)
        target = scheduler.get_velocity(latents, noise, timesteps)
        prediction = unet(noisy, timesteps, hidden).sample
        weights = _latent_weights(pixel_weights.to(device), latents.shape[-1])
        loss = (weights * (prediction.float() - target.float()).square()).mean() / weights.mean()
        decay = min(EMA_DECAY, (1 + progress.step) / (10 + progress.step))
        losses["unet"].append(_optimise(loss, optimizer, schedule, trained))
        with torch.no_grad():
            for average, weight in zip(ema.parameters(), unet.parameters(), strict=True):
                average.lerp_(weight, 1.0 - decay)
        progress.update(losses["unet"][-1])
    progress.close()

    losses["decoder"] = refine_decoder(vae, options, deadline=started + budget_s - reserve_s)

    # Save: the EMA UNet, as an ordinary diffusers folder.
    pipeline.register_modules(unet=ema)
    text_encoder.eval()
    out = Path(options.out)
    save(pipeline, out)
    save_loss_curve(out / "loss.png", losses)
    summary = {
        "seed": options.seed,
        "batch": options.batch,
        "device": options.device,
        "minutes_budget": options.minutes,
        "minutes": round((time.monotonic() - started) / 60.0, 3),
        "text_steps": len(losses["text"]),
        "vae_steps": len(losses["vae"]),
        "unet_steps": len(losses["unet"]),
        "decoder_steps": len(losses["decoder"]),
        "final_losses": {name: _final(values) for name, values in losses.items()},
        "vae_scaling_factor": scaling_factor,
        "parameters": {
            "vae": parameter_count(vae),
            "unet": parameter_count(ema),
            "text_encoder": parameter_count(text_encoder),
        },
        "hyperparameters": {
            "text_lr": TEXT_LR,
            "text_warmup": TEXT_WARMUP,
            "text_batch": TEXT_BATCH,
            "text_length": TEXT_LENGTH,
            "diffusion_object_weight": DIFFUSION_OBJECT_WEIGHT,
            "vae_share": VAE_SHARE,
            "decoder_share": DECODER_SHARE,
            "vae_lr": VAE_LR,
            "vae_warmup": VAE_WARMUP,
            "object_weight": OBJECT_WEIGHT,
            "kl_weight": KL_WEIGHT,
            "unet_lr": UNET_LR,
            "text_encoder_lr": TEXT_ENCODER_LR,
            "weight_decay": WEIGHT_DECAY,
            "unet_warmup": UNET_WARMUP,
            "final_lr_share": FINAL_LR_SHARE,
            "decoder_lr": DECODER_LR,
            "decoder_warmup": DECODER_WARMUP,
            "decoder_object_weight": DECODER_OBJECT_WEIGHT,
            "ema_decay": EMA_DECAY,
            "unconditional_share": UNCONDITIONAL_SHARE,
            "grad_clip": GRAD_CLIP,
            "languages": list(world.LANGUAGES),
        },
        "options": {**asdict(options), "out": str(out)},
        "losses": losses,
    }
    (out / "training.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if (
        min(options.batch, options.vae_steps, options.unet_steps) < 1
        or min(options.decoder_steps, options.text_steps, options.workers or 0) < 0
    ):
        print(
            "--batch, --vae-steps and --unet-steps must be at least 1, --text-steps, --decoder-steps and --workers"
            " at least 0",
            file=sys.stderr,
        )
        return 2
    if options.minutes <= 0 or not math.isfinite(options.minutes):
        print("--minutes must be a positive number", file=sys.stderr)
        return 2
    summary = train(options)
    losses = summary["final_losses"]
    print(
        f"saved {options.out}: {summary['vae_steps']} VAE steps (loss {losses['vae']}), "
        f"{summary['unet_steps']} UNet steps (loss {losses['unet']}) in {summary['minutes']} min"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
