"""What the worker needs from a model backend: declared here, so backends depend on jobs and not the reverse.

A backend runs jobs step by step. ``start`` turns a job into a trajectory (its own scheduler state and
latents), ``step`` advances every given trajectory by one denoising step (sharing forwards where it can), and
``finish`` turns finished trajectories into pictures. Every method blocks; the worker calls them from the one
thread that owns the model.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from generation.jobs.model import Job, Spec


@dataclass(frozen=True)
class JobInputs:
    """The decoded pictures an edit starts from, loaded by the worker before the job starts."""

    source: Image.Image | None = None
    mask: Image.Image | None = None
    # What the backend stored with the parent when it made it (see ``Finished.kept``), if anything.
    source_state: bytes | None = None


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do; the API refuses requests that need more, naming the field."""

    edit: bool = True
    inpaint: bool = True
    negative_prompt: bool = True


class Trajectory(Protocol):
    job: Job

    @property
    def rows(self) -> int:
        """Rows this job adds to each forward (two per image with guidance): its share of the work."""

    @property
    def done(self) -> bool: ...


@dataclass(frozen=True)
class Finished:
    """A finished job's pictures, and what the backend wants stored with each (e.g. its latents, so an edit of
    it starts from them): opaque bytes, or None."""

    images: list[Image.Image]
    kept: list[bytes | None]


class Backend(Protocol):
    name: str
    device: str
    capabilities: Capabilities
    # Images one forward may hold at most (``room`` lowers it for large images).
    max_batch: int

    def total_steps(self, spec: Spec) -> int:
        """Denoising steps the job will run (an edit runs only ``steps x strength`` of them)."""

    def batch_key(self, spec: Spec) -> Hashable:
        """Jobs with equal keys may share a forward pass."""

    def room(self, spec: Spec) -> int:
        """How many images of this spec's size may share one forward (at least 1)."""

    def start(self, job: Job, inputs: JobInputs) -> Trajectory: ...

    def step(self, trajectories: Sequence[Trajectory]) -> None: ...

    def finish(self, trajectories: Sequence[Trajectory]) -> list[Finished]: ...

    def describe(self) -> dict:
        """What /healthz says of the model: at least ``model`` and ``device``."""

    def synchronize(self) -> None:
        """Wait for the device to finish queued work, so that clocks around a step measure it."""
