"""Inference: turns job specs into pictures with the loaded diffusers pipelines.

Every method here blocks for as long as the model runs; the worker calls it from its own thread.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from diffusers import AutoPipelineForImage2Image, AutoPipelineForInpainting
from PIL import Image

from generation.imaging import keep_unmasked
from generation.jobs import EditSpec, GenerateSpec, Job, Sampling
from generation.loader import LoadedModel


def edit_step_count(steps: int, strength: float) -> int:
    """How many denoising steps an image-to-image run actually takes (diffusers skips the rest)."""
    return int(steps * strength)


class Engine:
    def __init__(self, model: LoadedModel) -> None:
        self.model = model
        self._text_to_image = model.pipeline
        # from_pipe shares the already-loaded weights: no second copy in memory.
        self._image_to_image = AutoPipelineForImage2Image.from_pipe(model.pipeline)
        self._inpaint = AutoPipelineForInpainting.from_pipe(model.pipeline)
        for pipeline in (self._image_to_image, self._inpaint):
            pipeline.set_progress_bar_config(disable=True)

    def total_steps(self, job: Job) -> int:
        spec = job.spec
        if isinstance(spec, EditSpec):
            return edit_step_count(spec.sampling.steps, spec.strength)
        return spec.sampling.steps

    def run_batch(self, jobs: Sequence[Job]) -> list[list[Image.Image]]:
        """Run jobs and return each one's images in order. Jobs run one after another for now; the
        signature takes a batch so that compatible requests can later share one forward pass."""
        return [self._run(job) for job in jobs]

    def _run(self, job: Job) -> list[Image.Image]:
        spec = job.spec
        sampling = spec.sampling
        common = {
            "prompt": [sampling.prompt] * len(sampling.seeds),
            "negative_prompt": [sampling.negative_prompt] * len(sampling.seeds) if sampling.negative_prompt else None,
            "num_inference_steps": sampling.steps,
            "guidance_scale": sampling.guidance,
            "generator": _generators(sampling),
            "callback_on_step_end": _progress(job),
        }
        with torch.inference_mode():
            if isinstance(spec, GenerateSpec):
                return self._text_to_image(width=spec.width, height=spec.height, **common).images
            if spec.mask is None:
                return self._image_to_image(image=spec.source.image, strength=spec.strength, **common).images
            edited = self._inpaint(
                image=spec.source.image,
                mask_image=spec.mask,
                strength=spec.strength,
                width=spec.width,
                height=spec.height,
                **common,
            ).images
            return [keep_unmasked(spec.source.image, image, spec.mask) for image in edited]


def _generators(sampling: Sampling) -> list[torch.Generator]:
    # CPU generators make a seed give the same starting noise on every device.
    return [torch.Generator("cpu").manual_seed(seed) for seed in sampling.seeds]


def _progress(job: Job):
    def on_step_end(pipeline, step: int, _timestep, callback_kwargs: dict) -> dict:
        job.report_step(step + 1)
        return callback_kwargs

    return on_step_end
