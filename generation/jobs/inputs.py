"""Loading what an edit starts from (a stored image, an upload, a mask) when its job is about to run."""

from __future__ import annotations

import asyncio

from PIL import Image

from atelier.config import LimitsConfig
from generation.imaging import decode_upload, extended, fit_for_editing, prepare_mask, release_memory
from generation.jobs.backend import JobInputs
from generation.jobs.model import EditSpec, Spec
from generation.store import BlobStore, ImageStore


class InputsMissing(Exception):
    """An input the job refers to is gone (a deleted image or blob); the message says which."""


class InputLoader:
    def __init__(self, images: ImageStore, blobs: BlobStore, limits: LimitsConfig, decoding: asyncio.Semaphore):
        self.images = images
        self.blobs = blobs
        self.limits = limits
        self.decoding = decoding

    async def load(self, spec: Spec) -> JobInputs:
        if not isinstance(spec, EditSpec):
            return JobInputs()
        async with self.decoding:
            try:
                return await asyncio.to_thread(self._load, spec)
            finally:
                await asyncio.to_thread(release_memory)

    def _load(self, spec: EditSpec) -> JobInputs:
        limits = self.limits
        if spec.parent is not None:
            path = self.images.path_for(spec.parent)
            if not path.is_file():
                raise InputsMissing(f"the parent image {spec.parent} is no longer on this service")
            with Image.open(path) as stored:
                source = stored.convert("RGB")
            state = self.images.read_state(spec.parent)
        else:
            data = self._blob(spec.upload.sha256, "uploaded image")
            state = None
            upload = decode_upload(data, "image", limits)
            source = fit_for_editing(upload.image, limits.max_edit_side, limits.min_side)
        if spec.scale != 1:
            source = source.resize((spec.width, spec.height), Image.Resampling.LANCZOS)
        mask = None
        if spec.mask is not None:
            data = self._blob(spec.mask.sha256, "mask")
            mask = prepare_mask(decode_upload(data, "mask", limits, source.size).image, source.size)
        if spec.extend is not None:
            source, mask = extended(source, spec.extend)
        return JobInputs(source=source, mask=mask, source_state=state)

    def _blob(self, digest: str, what: str) -> bytes:
        try:
            return self.blobs.read(digest)
        except (OSError, ValueError):
            raise InputsMissing(f"the {what} of this job is no longer on this service") from None
