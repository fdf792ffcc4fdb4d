"""Publishing a job's pictures: watermark, encode, sign and store each one in a worker pool, then record them.

It runs beside the model: while one batch is being signed, the next steps already run.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from atelier.logs import get_logger
from generation.database import DatabaseThread
from generation.imaging import encode_png
from generation.jobs.model import EditSpec, ImageResult, Job
from generation.provenance import Ingredient, Provenance, SoftBinding
from generation.resolving import features
from generation.store import BlobStore, ImageStore
from generation.watermark import (
    FINGERPRINT_ALGORITHM,
    WATERMARK_ALGORITHM,
    binding_value,
    can_carry,
    embed,
    fingerprint,
    fingerprint_value,
    new_identifier,
)

log = get_logger("generation.publishing")


class Publisher:
    def __init__(
        self,
        images: ImageStore,
        blobs: BlobStore,
        provenance: Provenance,
        database: DatabaseThread,
        default_model: str,
        workers: int,
        compress_level: int,
        watermark: bool = True,
    ) -> None:
        self.images = images
        self.blobs = blobs
        self.provenance = provenance
        self.database = database
        self.default_model = default_model
        self.compress_level = compress_level
        self.watermark = watermark
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish")

    async def publish(self, job: Job, pictures: list[Image.Image], kept: list[bytes | None]) -> list[ImageResult]:
        """Sign and store each picture, with what the backend wants kept beside it."""
        loop = asyncio.get_running_loop()
        ingredient = await loop.run_in_executor(self._pool, self._ingredient, job)
        written = await asyncio.gather(
            *(
                loop.run_in_executor(self._pool, self._sign_and_write, job, index, picture, state, ingredient)
                for index, (picture, state) in enumerate(zip(pictures, kept, strict=True))
            )
        )
        await self.database.run(self.images.record, [row for row, _ in written])
        results = [result for _, result in written]
        for result in results:
            log.info("image.stored", job=job.id, image=result.id, parent=getattr(job.spec, "parent", None))
        return results

    def _ingredient(self, job: Job) -> Ingredient | None:
        spec = job.spec
        if not isinstance(spec, EditSpec):
            return None
        if spec.parent is not None:
            return Ingredient(self.images.read(spec.parent), "image/png", f"{spec.parent}.png", uploaded=False)
        extension = spec.upload.mime.split("/")[1]
        return Ingredient(self.blobs.read(spec.upload.sha256), spec.upload.mime, f"upload.{extension}", True)

    def _sign_and_write(
        self, job: Job, index: int, picture: Image.Image, state: bytes | None, ingredient: Ingredient | None
    ) -> tuple[dict, ImageResult]:
        spec = job.spec
        seed = spec.sampling.seeds[index]
        model = spec.model or self.default_model
        parameters = _parameters(job, seed, model)
        identifier = None
        # A masked edit keeps every pixel outside its mask: a new watermark would touch them all.
        if self.watermark and can_carry(picture) and not (isinstance(spec, EditSpec) and spec.mask is not None):
            identifier = new_identifier()
            picture = embed(picture, identifier)
        perceptual_hash = fingerprint(picture)
        bindings = [SoftBinding(FINGERPRINT_ALGORITHM, fingerprint_value(perceptual_hash))]
        if identifier is not None:
            bindings.insert(0, SoftBinding(WATERMARK_ALGORITHM, binding_value(identifier)))
        signed = self.provenance.sign(
            encode_png(picture, self.compress_level),
            title=f"atelier-{job.id}-{index + 1}.png",
            model=model,
            parameters=parameters,
            description=spec.sampling.prompt if self.provenance.include_prompt else "edited with a text prompt",
            ingredient=ingredient,
            usage=_image_usage(job),
            bindings=tuple(bindings),
            watermarked=identifier is not None,
        )
        image_id, digest = self.images.write(signed.png)
        if state is not None:
            self.images.write_state(image_id, state)
        row = {
            "id": image_id,
            "sha256": digest,
            "kind": job.kind,
            "job": job.id,
            "parent": parameters.get("parent"),
            "created_at": time.time(),
            "model": model,
            "prompt": parameters["prompt"],
            "negative_prompt": parameters["negative_prompt"],
            "seed": seed,
            "width": picture.width,
            "height": picture.height,
            "steps": parameters["steps"],
            "guidance": parameters["guidance"],
            "strength": parameters.get("strength"),
            "masked": int(bool(parameters.get("masked"))),
            "source_sha256": _sha256_of_upload(spec),
            "bytes": len(signed.png),
            "watermark": None if identifier is None else f"{identifier:012x}",
            "phash": perceptual_hash,
            "manifest_label": signed.label,
            "manifest": signed.manifest,
            "public": int(spec.public),
            "features": features(picture),
        }
        return row, ImageResult(id=image_id, seed=seed, width=picture.width, height=picture.height)

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _parameters(job: Job, seed: int, model: str) -> dict:
    spec = job.spec
    sampling = spec.sampling
    parameters = {
        "model": model,
        "prompt": sampling.prompt,
        "negative_prompt": sampling.negative_prompt,
        "seed": seed,
        "steps": sampling.steps,
        "guidance": sampling.guidance,
        "width": spec.width,
        "height": spec.height,
        "job": job.id,
    }
    if spec.loras:
        parameters["loras"] = [{"name": name, "weight": weight} for name, weight in spec.loras]
    if isinstance(spec, EditSpec):
        parameters.update(strength=spec.strength, parent=spec.parent, masked=spec.mask is not None)
    return parameters


def _image_usage(job: Job) -> dict:
    """One picture's share of its job's usage (the job's images cost the same)."""
    share = 1 / job.samples
    usage = job.usage
    return {
        "device_seconds": round(usage.device_seconds * share, 6),
        "joules": round(usage.joules * share, 3),
        "estimated": usage.estimated,
        "job_images": job.samples,
    }


def _sha256_of_upload(spec) -> str | None:
    if isinstance(spec, EditSpec) and spec.upload is not None:
        return spec.upload.sha256
    return None
