"""The batched backend: a job's pictures are the same alone, in company, and as plain diffusers draws them."""

from __future__ import annotations

import numpy
import pytest
import torch
from PIL import Image

from generation.backends.diffusers import DiffusersBackend
from generation.jobs.backend import JobInputs
from generation.jobs.model import EditSpec, GenerateSpec, Job, Sampling

# Batched and solo forwards differ only in float rounding; on the CPU in float32 pictures come out identical
# or within one level of 255.
TOLERANCE = 1


@pytest.fixture
def backend(model) -> DiffusersBackend:
    return DiffusersBackend(model, max_batch=16, max_batch_pixels=16 * 64 * 64, keep_latents=True)


def generation(prompt: str, seed: int, steps: int = 4, guidance: float = 7.0, count: int = 1, size: int = 64) -> Job:
    sampling = Sampling(prompt, "", steps, guidance, tuple(range(seed, seed + count)))
    return Job(spec=GenerateSpec(sampling, size, size))


def edit(seed: int, strength: float, steps: int = 8, guidance: float = 7.0, parent: str | None = None) -> Job:
    sampling = Sampling("the same at night", "blurry", steps, guidance, (seed,))
    return Job(spec=EditSpec(sampling, strength, 64, 64, parent=parent))


def run(backend: DiffusersBackend, jobs: list[Job], inputs: dict[str, JobInputs] | None = None):
    """Every job's pictures, with the jobs sharing each step as the worker makes them."""
    active = [backend.start(job, (inputs or {}).get(job.id, JobInputs())) for job in jobs]
    pictures = {}
    while active:
        backend.step(active)
        done = [trajectory for trajectory in active if trajectory.done]
        if done:
            for trajectory, finished in zip(done, backend.finish(done), strict=True):
                pictures[trajectory.job.id] = finished.images
        active = [trajectory for trajectory in active if not trajectory.done]
    return [pictures[job.id] for job in jobs]


def difference(first: Image.Image, second: Image.Image) -> int:
    return int(numpy.abs(numpy.asarray(first, int) - numpy.asarray(second, int)).max())


def drawn_by_diffusers(pipeline, prompt: str, seed: int) -> Image.Image:
    """What the pipeline itself draws for a generation(prompt, seed) job."""
    generator = torch.Generator("cpu").manual_seed(seed)
    return pipeline(
        prompt=prompt, num_inference_steps=4, guidance_scale=7.0, width=64, height=64, generator=[generator]
    ).images[0]


def test_a_job_alone_draws_what_plain_diffusers_draws(backend, model):
    (ours,) = run(backend, [generation("a red fox", 3)])[0]
    assert difference(ours, drawn_by_diffusers(model.pipeline, "a red fox", 3)) <= TOLERANCE


def test_mixed_jobs_sharing_forwards_draw_what_each_draws_alone(backend, model):
    source = run(backend, [generation("a lighthouse", 1)])[0][0]
    mask = Image.new("L", (64, 64), 0)
    mask.paste(255, (0, 0, 32, 64))

    def jobs():
        return [
            generation("a red fox", 3),
            generation("a boat", 5, steps=6, guidance=1.0),
            generation("a sunset", 9, steps=3, guidance=3.5, count=2),
            edit(seed=4, strength=0.5),
            edit(seed=6, strength=0.9, steps=5, guidance=12.0),
        ]

    def inputs_for(batch):
        return {
            batch[3].id: JobInputs(source=source),
            batch[4].id: JobInputs(source=source, mask=mask),
        }

    together = jobs()
    batched = run(backend, together, inputs_for(together))
    for index in range(len(together)):
        alone = jobs()
        (solo,) = run(backend, [alone[index]], inputs_for(alone))
        assert len(solo) == len(batched[index])
        for own, shared in zip(solo, batched[index], strict=True):
            assert difference(own, shared) <= TOLERANCE, f"job {index} changed in company"
    # The masked edit kept the unmasked half exactly.
    kept = numpy.asarray(batched[4][0])[:, 40:]
    assert (kept == numpy.asarray(source)[:, 40:]).all()
    # Jobs made the steps they asked for: an edit runs steps x strength of them.
    assert [job.step for job in together] == [4, 6, 3, 4, 4]


def test_images_of_one_request_differ_by_seed(backend):
    first, second = run(backend, [generation("a boat", 11, count=2)])[0]
    assert difference(first, second) > 0


def test_an_edit_starting_from_kept_latents_skips_the_encode(backend, monkeypatch):
    job = generation("a lighthouse", 1)
    trajectory = backend.start(job, JobInputs())
    while not trajectory.done:
        backend.step([trajectory])
    (finished,) = backend.finish([trajectory])
    kept = JobInputs(source=finished.images[0], source_state=finished.kept[0])

    encodes = []
    encode = backend.vae.encode
    monkeypatch.setattr(backend.vae, "encode", lambda *args, **kwargs: encodes.append(1) or encode(*args, **kwargs))
    first, second = (edit(seed=2, strength=0.6), edit(seed=2, strength=0.6))
    (from_kept,) = run(backend, [first], {first.id: kept})[0]
    assert encodes == []
    # Latents another checkpoint kept are not used: the source is encoded instead.
    monkeypatch.setattr(backend, "name", "another-model")
    (encoded,) = run(backend, [second], {second.id: kept})[0]
    assert encodes == [1]
    assert difference(from_kept, encoded) > 0


def test_large_images_share_forwards_with_fewer_companions(backend):
    assert backend.room(GenerateSpec(Sampling("x", "", 1, 1.0, (0,)), 64, 64)) == 16
    assert backend.room(GenerateSpec(Sampling("x", "", 1, 1.0, (0,)), 128, 128)) == 4
    # Even an image over the pixel budget runs: alone.
    assert backend.room(GenerateSpec(Sampling("x", "", 1, 1.0, (0,)), 512, 512)) == 1
    assert backend.batch_key(GenerateSpec(Sampling("x", "", 1, 1.0, (0,)), 64, 128)) != backend.batch_key(
        GenerateSpec(Sampling("x", "", 1, 1.0, (0,)), 128, 64)
    )
