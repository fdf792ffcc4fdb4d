"""Step-level continuous batching over diffusers' own components (Stable Diffusion 1.x, 2.x and XL).

Each job keeps its own scheduler (timesteps, step index, sigmas) and latents; at every step one UNet forward
runs over the rows of all the jobs given, each at its own timestep, and guidance is applied per job with its
own scale. A job alone runs exactly as ``StableDiffusionPipeline`` would with the same seeds; in company its
output differs only by the float rounding of a larger matrix product.

Edits start from the latents this backend stored with the parent when it made it (no VAE encode, and the
same start after a restart), or else from the mean of the VAE's encoding of the source (deterministic, one
encode for all of a job's images).
"""

from __future__ import annotations

import inspect
import json
import struct
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy
import safetensors
import safetensors.torch
import torch
from diffusers import StableDiffusionXLPipeline
from diffusers.image_processor import VaeImageProcessor
from diffusers.utils.torch_utils import randn_tensor
from PIL import Image

from atelier.logs import get_logger
from generation.backends.loader import BUILTIN_NOTES, LoadedModel
from generation.errors import ApiError
from generation.imaging import keep_unmasked
from generation.jobs.backend import Capabilities, Finished, JobInputs
from generation.jobs.model import EditSpec, GenerateSpec, Job, Sampling, Spec

log = get_logger("generation.diffusers")

# Prompt embeddings kept on the device: a server's members reuse prompts (and the empty negative prompt).
EMBEDDING_CACHE_SIZE = 256


def edit_step_count(steps: int, strength: float) -> int:
    """How many denoising steps an image-to-image run takes (diffusers skips the first ones)."""
    return min(int(steps * strength), steps)


def planned_steps(spec: Spec) -> int:
    """Denoising steps a job will run (an edit runs only ``steps x strength`` of them)."""
    if isinstance(spec, EditSpec):
        return edit_step_count(spec.sampling.steps, spec.strength)
    return spec.sampling.steps


def images_per_forward(width: int, height: int, max_batch: int, max_batch_pixels: int) -> int:
    """Images of this size one forward may hold: the image limit, or fewer for large images (memory)."""
    return max(1, min(max_batch, max_batch_pixels // (width * height)))


@dataclass
class DiffusersTrajectory:
    """One job's place in the denoising: its scheduler, latents and conditioning."""

    job: Job
    scheduler: object
    timesteps: torch.Tensor
    latents: torch.Tensor
    embeddings: torch.Tensor
    guidance: float
    guided: bool
    added: dict[str, torch.Tensor] | None = None
    step_options: dict = field(default_factory=dict)
    # Inpainting with an ordinary UNet: the source's latents, the noise and the latent-sized mask.
    source_latents: torch.Tensor | None = None
    noise: torch.Tensor | None = None
    latent_mask: torch.Tensor | None = None
    inputs: JobInputs = field(default_factory=JobInputs)
    index: int = 0

    @property
    def samples(self) -> int:
        return self.latents.shape[0]

    @property
    def rows(self) -> int:
        return self.samples * (2 if self.guided else 1)

    @property
    def done(self) -> bool:
        return self.index >= len(self.timesteps)


class DiffusersBackend:
    def __init__(
        self,
        model: LoadedModel,
        max_batch: int,
        max_batch_pixels: int,
        keep_latents: bool,
        loras: dict[str, Path] | None = None,
    ) -> None:
        self.model = model
        self.name = model.name
        self.device = model.device
        self.max_batch = max_batch
        self.max_batch_pixels = max_batch_pixels
        self.capabilities = Capabilities()
        pipeline = model.pipeline
        self.pipeline = pipeline
        self.unet = pipeline.unet
        self.vae = pipeline.vae
        self.xl = isinstance(pipeline, StableDiffusionXLPipeline)
        self.scale_factor = pipeline.vae_scale_factor
        self.image_processor = VaeImageProcessor(vae_scale_factor=self.scale_factor)
        self._scheduler_class = type(pipeline.scheduler)
        self._scheduler_config = pipeline.scheduler.config
        self._step_parameters = set(inspect.signature(pipeline.scheduler.step).parameters)
        self._embeddings: OrderedDict[tuple, tuple] = OrderedDict()
        self._keep_latents = keep_latents
        self._dtype = self.unet.dtype
        # The operator's LoRAs by name; those loaded into this pipeline; those the last forward ran with.
        self._lora_files = loras or {}
        self._lora_adapters: set[str] = set()
        # None: not known yet (a pipeline may come with adapters already loaded), so the first job sets them.
        self._active_loras: tuple[tuple[str, float], ...] | None = None

    def optimise_for_cuda(self, channels_last: bool, compile_mode: str, sizes: Sequence[tuple[int, int]]) -> None:
        """Channels-last layout and torch.compile on CUDA; compilation is warmed up for each size given, alone
        and at a full batch, so members don't wait for it."""
        if self.device != "cuda":
            return
        if channels_last:
            self.unet.to(memory_format=torch.channels_last)
            self.vae.to(memory_format=torch.channels_last)
        if compile_mode == "off":
            return
        self.unet = torch.compile(self.unet, mode=None if compile_mode == "default" else compile_mode)
        for width, height in sizes:
            for count in sorted({1, self.room_for(width, height)}):
                self._warm_up(width, height, count)

    def _warm_up(self, width: int, height: int, count: int) -> None:
        job = Job(spec=GenerateSpec(Sampling("warm-up", "", 2, 7.0, tuple(range(count))), width, height))
        trajectory = self.start(job, JobInputs())
        while not trajectory.done:
            self.step([trajectory])
        self.finish([trajectory])

    # ------------------------------------------------------------ planning

    def total_steps(self, spec: Spec) -> int:
        return planned_steps(spec)

    def batch_key(self, spec: Spec) -> Hashable:
        return (spec.height // self.scale_factor, spec.width // self.scale_factor)

    def room(self, spec: Spec) -> int:
        return self.room_for(spec.width, spec.height)

    def room_for(self, width: int, height: int) -> int:
        return images_per_forward(width, height, self.max_batch, self.max_batch_pixels)

    def describe(self) -> dict:
        model = self.model
        body = {
            "model": model.name,
            "builtin": model.builtin,
            "device": model.device,
            "dtype": str(model.dtype).removeprefix("torch."),
            "pipeline": type(model.pipeline).__name__,
            "max_batch": self.max_batch,
        }
        if model.builtin:
            body["note"] = BUILTIN_NOTES[model.name]
        if model.declared_defaults:
            body["declared_defaults"] = model.declared_defaults
        if model.safety_checker_removed:
            body["safety_checker"] = "removed: it blacks out what it flags; Atelier screens every output itself"
        return body

    def synchronize(self) -> None:
        if self.device == "cuda":
            torch.cuda.synchronize()

    # ------------------------------------------------------------ starting a job

    @torch.inference_mode()
    def start(self, job: Job, inputs: JobInputs) -> DiffusersTrajectory:
        spec = job.spec
        sampling = spec.sampling
        guided = sampling.guidance > 1 and self.unet.config.time_cond_proj_dim is None
        self._use_loras(spec.loras)
        embeddings, added = self._conditioning(sampling.prompt, sampling.negative_prompt, guided, spec)
        scheduler = self._scheduler_class.from_config(self._scheduler_config)
        scheduler.set_timesteps(sampling.steps, device=self.device)
        generators = [torch.Generator("cpu").manual_seed(seed) for seed in sampling.seeds]
        shape = (
            len(generators),
            self.unet.config.in_channels,
            spec.height // self.scale_factor,
            spec.width // self.scale_factor,
        )
        step_options = {"generator": generators} if "generator" in self._step_parameters else {}
        trajectory = DiffusersTrajectory(
            job=job,
            scheduler=scheduler,
            timesteps=scheduler.timesteps,
            latents=torch.empty(0),
            embeddings=embeddings,
            guidance=sampling.guidance,
            guided=guided,
            added=added,
            step_options=step_options,
            inputs=inputs,
        )
        if not isinstance(spec, EditSpec):
            noise = randn_tensor(shape, generator=generators, device=torch.device(self.device), dtype=self._dtype)
            trajectory.latents = noise * scheduler.init_noise_sigma
            return trajectory
        run = edit_step_count(sampling.steps, spec.strength)
        first = (sampling.steps - run) * scheduler.order
        trajectory.timesteps = scheduler.timesteps[first:]
        if hasattr(scheduler, "set_begin_index"):
            scheduler.set_begin_index(first)
        source = self._source_latents(spec, inputs).expand(shape[0], -1, -1, -1)
        noise = randn_tensor(shape, generator=generators, device=torch.device(self.device), dtype=self._dtype)
        trajectory.latents = scheduler.add_noise(source, noise, trajectory.timesteps[:1].repeat(shape[0]))
        if inputs.mask is not None:
            trajectory.source_latents, trajectory.noise = source, noise
            trajectory.latent_mask = self._latent_mask(inputs.mask, shape[2:])
        return trajectory

    def _conditioning(self, prompt: str, negative: str, guided: bool, spec: Spec):
        """The job's text embeddings (unconditional first when guided), and SDXL's added conditions."""
        embeddings, pooled = self._text(prompt)
        if guided:
            unconditional, unconditional_pooled = self._unconditional(negative, embeddings, pooled)
            embeddings = torch.cat([unconditional, embeddings])
            pooled = torch.cat([unconditional_pooled, pooled]) if pooled is not None else None
        if not self.xl:
            return embeddings, None
        time_ids = self.pipeline._get_add_time_ids(
            (spec.height, spec.width),
            (0, 0),
            (spec.height, spec.width),
            dtype=embeddings.dtype,
            text_encoder_projection_dim=self._projection_dim(pooled),
        ).to(self.device)
        return embeddings, {"text_embeds": pooled, "time_ids": time_ids.repeat(pooled.shape[0], 1)}

    def _unconditional(self, negative: str, embeddings: torch.Tensor, pooled: torch.Tensor | None):
        if not negative and self.xl and getattr(self.pipeline.config, "force_zeros_for_empty_prompt", False):
            # SDXL's unconditional row for an empty negative prompt is zeros, as in its own pipeline.
            return torch.zeros_like(embeddings), torch.zeros_like(pooled)
        return self._text(negative)

    def _text(self, text: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        """One text's embeddings (and SDXL's pooled ones), cached: prompts recur, the empty negative most of all.
        A LoRA may change the text encoder, so the cache is per set of LoRAs."""
        key = (text, self._active_loras)
        if key not in self._embeddings:
            self._embeddings[key] = self._encode_text(text)
            while len(self._embeddings) > EMBEDDING_CACHE_SIZE:
                self._embeddings.popitem(last=False)
        self._embeddings.move_to_end(key)
        return self._embeddings[key]

    def _use_loras(self, loras: tuple[tuple[str, float], ...]) -> None:
        """Apply these LoRAs at these weights (loading each the first time), or none."""
        if loras == self._active_loras:
            return
        for name, _ in loras:
            if name not in self._lora_adapters:
                self._load_lora(name)
        if loras:
            self.pipeline.enable_lora()
            self.pipeline.set_adapters([name for name, _ in loras], adapter_weights=[weight for _, weight in loras])
        elif getattr(self.pipeline.unet, "peft_config", None):
            self.pipeline.disable_lora()
        self._active_loras = loras

    def _load_lora(self, name: str) -> None:
        path = self._lora_files[name]
        if name in getattr(self.pipeline.unet, "peft_config", {}):
            self._lora_adapters.add(name)  # loaded into this pipeline by an earlier backend
            return
        try:
            self.pipeline.load_lora_weights(str(path.parent), weight_name=path.name, adapter_name=name)
        except Exception as exc:
            log.warning("lora.unusable", lora=name, model=self.name, error=str(exc).splitlines()[0] if str(exc) else "")
            message = f"the LoRA {name!r} does not fit the model {self.name!r}"
            raise ApiError(422, "lora_unusable", message, "loras") from None
        self._lora_adapters.add(name)

    def _encode_text(self, text: str) -> tuple[torch.Tensor, torch.Tensor | None]:
        device = torch.device(self.device)
        if not self.xl:
            embeddings, _ = self.pipeline.encode_prompt(text, device, 1, False)
            return embeddings, None
        embeddings, _, pooled, _ = self.pipeline.encode_prompt(
            prompt=text, device=device, num_images_per_prompt=1, do_classifier_free_guidance=False
        )
        return embeddings, pooled

    def _projection_dim(self, pooled: torch.Tensor) -> int:
        encoder = getattr(self.pipeline, "text_encoder_2", None)
        return encoder.config.projection_dim if encoder is not None else int(pooled.shape[-1])

    def _source_latents(self, spec: EditSpec, inputs: JobInputs) -> torch.Tensor:
        kept = self._unpack(inputs.source_state) if spec.scale == 1 else None
        if kept is not None and kept.shape[2:] == (spec.height // self.scale_factor, spec.width // self.scale_factor):
            return kept.to(device=self.device, dtype=self._dtype)
        pixels = self.image_processor.preprocess(inputs.source, spec.height, spec.width)
        vae = self.vae
        pixels = pixels.to(device=self.device, dtype=vae.dtype)
        latents = vae.encode(pixels).latent_dist.mode()
        return self._normalise(latents).to(self._dtype)

    def _latent_mask(self, mask: Image.Image, size: torch.Size) -> torch.Tensor:
        # Binarised as diffusers' mask processor does: white (repaint) is 1, black (keep) is 0.
        binary = torch.from_numpy(numpy.asarray(mask.convert("L")) >= 128)[None, None].to(self._dtype)
        return torch.nn.functional.interpolate(binary, size=tuple(size)).to(self.device)

    # ------------------------------------------------------------ denoising

    @torch.inference_mode()
    def step(self, trajectories: Sequence[DiffusersTrajectory]) -> None:
        """One denoising step for every trajectory, in one UNet forward (they share their LoRAs: the batch key)."""
        self._use_loras(trajectories[0].job.spec.loras)
        inputs, timesteps, embeddings, added = [], [], [], []
        for trajectory in trajectories:
            t = trajectory.timesteps[trajectory.index]
            scaled = trajectory.scheduler.scale_model_input(trajectory.latents, t)
            repeats = trajectory.samples
            if trajectory.guided:
                scaled = torch.cat([scaled, scaled])
                conditioning = trajectory.embeddings.repeat_interleave(repeats, dim=0)
            else:
                conditioning = trajectory.embeddings.expand(repeats, -1, -1)
            inputs.append(scaled)
            embeddings.append(conditioning)
            timesteps.append(t.reshape(1).expand(trajectory.rows))
            if trajectory.added is not None:
                added.append({key: value.repeat_interleave(repeats, dim=0) for key, value in trajectory.added.items()})
        options = {}
        if added:
            options["added_cond_kwargs"] = {key: torch.cat([item[key] for item in added]) for key in added[0]}
        if self.unet.config.time_cond_proj_dim is not None:
            options["timestep_cond"] = self._guidance_embedding(trajectories)
        prediction = self.unet(
            torch.cat(inputs),
            torch.cat(timesteps),
            encoder_hidden_states=torch.cat(embeddings),
            return_dict=False,
            **options,
        )[0]
        for trajectory, rows in zip(trajectories, prediction.split([t.rows for t in trajectories]), strict=True):
            self._advance(trajectory, rows)

    def _guidance_embedding(self, trajectories: Sequence[DiffusersTrajectory]) -> torch.Tensor:
        scales = torch.cat([torch.full((t.rows,), t.guidance - 1) for t in trajectories])
        dimension = self.unet.config.time_cond_proj_dim
        embedding = self.pipeline.get_guidance_scale_embedding(scales, embedding_dim=dimension)
        return embedding.to(device=self.device, dtype=self._dtype)

    def _advance(self, trajectory: DiffusersTrajectory, prediction: torch.Tensor) -> None:
        if trajectory.guided:
            unconditional, conditional = prediction.chunk(2)
            prediction = unconditional + trajectory.guidance * (conditional - unconditional)
        t = trajectory.timesteps[trajectory.index]
        scheduler = trajectory.scheduler
        trajectory.latents = scheduler.step(
            prediction, t, trajectory.latents, return_dict=False, **trajectory.step_options
        )[0]
        trajectory.index += 1
        if trajectory.latent_mask is not None:
            # As diffusers' inpainting with an ordinary UNet: outside the mask, the source at the next noise level.
            kept = trajectory.source_latents
            if not trajectory.done:
                upcoming = trajectory.timesteps[trajectory.index].reshape(1).expand(trajectory.samples)
                kept = scheduler.add_noise(kept, trajectory.noise, upcoming)
            mask = trajectory.latent_mask
            trajectory.latents = (1 - mask) * kept + mask * trajectory.latents
        trajectory.job.report_step(trajectory.index)

    # ------------------------------------------------------------ finishing

    @torch.inference_mode()
    def finish(self, trajectories: Sequence[DiffusersTrajectory]) -> list[Finished]:
        """Decode finished trajectories together, and give each job its pictures."""
        latents = torch.cat([trajectory.latents for trajectory in trajectories])
        images = self._decode(latents)
        finished, start = [], 0
        for trajectory in trajectories:
            own = images[start : start + trajectory.samples]
            kept = [self._pack(sample) for sample in latents[start : start + trajectory.samples]]
            start += trajectory.samples
            inputs = trajectory.inputs
            if inputs.mask is not None:
                own = [keep_unmasked(inputs.source, image, inputs.mask) for image in own]
            finished.append(Finished(images=own, kept=kept))
        return finished

    def _normalise(self, latents: torch.Tensor) -> torch.Tensor:
        config = self.vae.config
        mean, std = getattr(config, "latents_mean", None), getattr(config, "latents_std", None)
        if mean is not None and std is not None:
            mean = torch.tensor(mean).view(1, -1, 1, 1).to(latents)
            std = torch.tensor(std).view(1, -1, 1, 1).to(latents)
            return (latents - mean) * config.scaling_factor / std
        return latents * config.scaling_factor

    def _decode(self, latents: torch.Tensor) -> list:
        config = self.vae.config
        # SDXL's VAE overflows in float16: it decodes in float32, as in diffusers.
        upcast = self.vae.dtype == torch.float16 and getattr(config, "force_upcast", False)
        if upcast:
            self.vae.to(torch.float32)
        try:
            mean, std = getattr(config, "latents_mean", None), getattr(config, "latents_std", None)
            latents = latents.to(self.vae.dtype)
            if mean is not None and std is not None:
                mean = torch.tensor(mean).view(1, -1, 1, 1).to(latents)
                std = torch.tensor(std).view(1, -1, 1, 1).to(latents)
                latents = latents * std / config.scaling_factor + mean
            else:
                latents = latents / config.scaling_factor
            decoded = self.vae.decode(latents, return_dict=False)[0]
        finally:
            if upcast:
                self.vae.to(torch.float16)
        return self.image_processor.postprocess(decoded, output_type="pil")

    def _pack(self, latents: torch.Tensor) -> bytes | None:
        """One image's final latents, stored beside it so an edit of it starts there."""
        if not self._keep_latents:
            return None
        return safetensors.torch.save({"latents": latents[None].contiguous().cpu()}, metadata={"model": self.name})

    def _unpack(self, state: bytes | None) -> torch.Tensor | None:
        """Latents stored with a parent, when this model made them (another checkpoint's latents don't fit)."""
        if not state:
            return None
        try:
            if _safetensors_metadata(state).get("model") != self.name:
                return None
            return safetensors.torch.load(state).get("latents")
        except (ValueError, KeyError, struct.error, safetensors.SafetensorError):
            return None


def _safetensors_metadata(data: bytes) -> dict:
    """The ``__metadata__`` of a safetensors file: an 8-byte little-endian length, then a JSON header."""
    (length,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8 : 8 + length]).get("__metadata__") or {}
