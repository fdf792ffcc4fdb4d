"""Instruction-edit models (``[model] edit_path``): "make it look like winter" applied to a picture, the words as
the instruction and the picture as the input. InstructPix2Pix (SD 1.x) is stepped like every job; FLUX.1 Kontext
and Qwen-Image-Edit run through diffusers' own pipeline (``PipelineEditBackend``).

Each job is stepped as ``StableDiffusionInstructPix2PixPipeline`` does: three rows per image (the instruction with
the picture, the picture alone, neither), guided by ``guidance`` towards the instruction and ``image_guidance``
towards the picture.
"""

from __future__ import annotations

import inspect
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import torch
from diffusers.utils.torch_utils import randn_tensor

from generation.backends.diffusers import planned_steps
from generation.backends.loader import LoadedModel
from generation.jobs.backend import Capabilities, Finished, JobInputs
from generation.jobs.model import Job, Spec


@dataclass
class InstructTrajectory:
    job: Job
    scheduler: object
    timesteps: torch.Tensor
    latents: torch.Tensor
    # Instruction, negative, negative; the picture's latents, twice, then zeros: one row each, per image.
    embeddings: torch.Tensor
    picture: torch.Tensor
    step_options: dict
    index: int = 0

    @property
    def rows(self) -> int:
        return 3 * self.latents.shape[0]

    @property
    def done(self) -> bool:
        return self.index >= len(self.timesteps)


class _EditModel:
    """What every instruction-edit backend shares: the model, planning (every step runs, jobs of one size and
    model together), and reporting."""

    def __init__(self, model: LoadedModel) -> None:
        self.model = model
        self.name = model.name
        self.pipeline = model.pipeline
        self.device = model.device
        self.capabilities = Capabilities(inpaint=False)

    def total_steps(self, spec: Spec) -> int:
        return planned_steps(spec)

    def batch_key(self, spec: Spec) -> Hashable:
        return (self.name, spec.height, spec.width)

    def describe(self) -> dict:
        return {"model": self.name, "device": self.device, "pipeline": type(self.pipeline).__name__}

    def synchronize(self) -> None:
        if self.device == "cuda":
            torch.cuda.synchronize()


class InstructBackend(_EditModel):
    def __init__(self, model: LoadedModel) -> None:
        super().__init__(model)
        self._scheduler_class = type(self.pipeline.scheduler)
        self._scheduler_config = self.pipeline.scheduler.config
        self._step_parameters = set(inspect.signature(self.pipeline.scheduler.step).parameters)
        self._dtype = self.pipeline.unet.dtype

    @torch.inference_mode()
    def start(self, job: Job, inputs: JobInputs) -> InstructTrajectory:
        spec, pipeline = job.spec, self.pipeline
        sampling = spec.sampling
        device = torch.device(self.device)
        embeddings = pipeline._encode_prompt(sampling.prompt, device, 1, True, sampling.negative_prompt or None)
        pixels = pipeline.image_processor.preprocess(inputs.source, spec.height, spec.width)
        picture = pipeline.prepare_image_latents(pixels, 1, 1, embeddings.dtype, device, True)
        scheduler = self._scheduler_class.from_config(self._scheduler_config)
        scheduler.set_timesteps(sampling.steps, device=device)
        generators = [torch.Generator("cpu").manual_seed(seed) for seed in sampling.seeds]
        shape = (len(generators), pipeline.vae.config.latent_channels, *picture.shape[-2:])
        latents = randn_tensor(shape, generator=generators, device=device, dtype=self._dtype)
        return InstructTrajectory(
            job=job,
            scheduler=scheduler,
            timesteps=scheduler.timesteps,
            latents=latents * scheduler.init_noise_sigma,
            embeddings=embeddings,
            picture=picture,
            step_options={"generator": generators} if "generator" in self._step_parameters else {},
        )

    @torch.inference_mode()
    def step(self, trajectories: Sequence[InstructTrajectory]) -> None:
        for trajectory in trajectories:
            self._advance(trajectory)

    def _advance(self, trajectory: InstructTrajectory) -> None:
        sampling = trajectory.job.spec.sampling
        count = trajectory.latents.shape[0]
        t = trajectory.timesteps[trajectory.index]
        scheduler = trajectory.scheduler
        scaled = scheduler.scale_model_input(torch.cat([trajectory.latents] * 3), t)
        rows = torch.cat([scaled, trajectory.picture.repeat_interleave(count, dim=0)], dim=1)
        embeddings = trajectory.embeddings.repeat_interleave(count, dim=0)
        prediction = self.pipeline.unet(rows, t, encoder_hidden_states=embeddings, return_dict=False)[0]
        instructed, pictured, neither = prediction.chunk(3)
        guided = (
            neither
            + sampling.guidance * (instructed - pictured)
            + trajectory.job.spec.image_guidance * (pictured - neither)
        )
        trajectory.latents = scheduler.step(guided, t, trajectory.latents, return_dict=False,
                                            **trajectory.step_options)[0]  # fmt: skip
        trajectory.index += 1
        trajectory.job.report_step(trajectory.index)

    @torch.inference_mode()
    def finish(self, trajectories: Sequence[InstructTrajectory]) -> list[Finished]:
        vae = self.pipeline.vae
        finished = []
        for trajectory in trajectories:
            decoded = vae.decode(trajectory.latents / vae.config.scaling_factor, return_dict=False)[0]
            images = self.pipeline.image_processor.postprocess(decoded, output_type="pil")
            finished.append(Finished(images=images, kept=[None] * len(images)))
        return finished


@dataclass
class WholeTrajectory:
    job: Job
    inputs: JobInputs
    images: list | None = None

    @property
    def rows(self) -> int:
        return self.job.samples

    @property
    def done(self) -> bool:
        return self.images is not None


class PipelineEditBackend(_EditModel):
    """FLUX.1 Kontext and Qwen-Image-Edit: diffusers' own pipeline runs each job whole at its first step (their
    denoising can't share a forward with other jobs here); the steps it reports come from its step callback."""

    def __init__(self, model: LoadedModel) -> None:
        super().__init__(model)
        self._accepted = set(inspect.signature(self.pipeline.__call__).parameters)

    def start(self, job: Job, inputs: JobInputs) -> WholeTrajectory:
        return WholeTrajectory(job=job, inputs=inputs)

    @torch.inference_mode()
    def step(self, trajectories: Sequence[WholeTrajectory]) -> None:
        for trajectory in trajectories:
            if trajectory.images is None:
                trajectory.images = self._run(trajectory)

    def _run(self, trajectory: WholeTrajectory) -> list:
        job = trajectory.job
        spec, sampling = job.spec, job.spec.sampling

        def reached(pipeline, index, timestep, outputs):
            job.report_step(index + 1)
            return outputs

        options = {
            "image": trajectory.inputs.source,
            "prompt": sampling.prompt,
            "height": spec.height,
            "width": spec.width,
            "num_inference_steps": sampling.steps,
            "guidance_scale": sampling.guidance,
            "num_images_per_prompt": job.samples,
            "generator": [torch.Generator("cpu").manual_seed(seed) for seed in sampling.seeds],
            "callback_on_step_end": reached,
            # Kontext would resize to its preferred area; the picture keeps its size here.
            "max_area": spec.width * spec.height,
            "_auto_resize": False,
        }
        if sampling.negative_prompt:
            options["negative_prompt"] = sampling.negative_prompt
        return self.pipeline(**{key: value for key, value in options.items() if key in self._accepted}).images

    def finish(self, trajectories: Sequence[WholeTrajectory]) -> list[Finished]:
        return [Finished(images=list(t.images), kept=[None] * len(t.images)) for t in trajectories]
