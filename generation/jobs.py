"""What a job asks for, and where it stands."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from PIL import Image


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Sampling:
    prompt: str
    negative_prompt: str
    steps: int
    guidance: float
    seeds: tuple[int, ...]


@dataclass(frozen=True)
class GenerateSpec:
    sampling: Sampling
    width: int
    height: int


@dataclass(frozen=True)
class EditSource:
    """The picture an edit starts from: a stored image (``parent``) or an upload (its bytes and type)."""

    image: Image.Image
    parent: str | None = None
    upload: bytes | None = None
    upload_mime: str | None = None


@dataclass(frozen=True)
class EditSpec:
    sampling: Sampling
    strength: float
    source: EditSource
    mask: Image.Image | None = None

    @property
    def width(self) -> int:
        return self.source.image.width

    @property
    def height(self) -> int:
        return self.source.image.height


@dataclass(frozen=True)
class ImageResult:
    id: str
    seed: int
    width: int
    height: int


def new_job_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Job:
    """One request's life. Progress fields are written by the model thread and read by the event loop."""

    spec: GenerateSpec | EditSpec | None
    id: str = field(default_factory=new_job_id)
    kind: str = ""
    state: JobState = JobState.QUEUED
    step: int = 0
    total_steps: int = 0
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    images: list[ImageResult] = field(default_factory=list)
    timings: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    finished: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        if not self.kind:
            self.kind = "edit" if isinstance(self.spec, EditSpec) else "generate"

    def release_inputs(self) -> None:
        """Drop the pictures and uploads a finished job held; its status and results stay."""
        self.spec = None

    def report_step(self, step: int) -> None:
        self.step = min(step, self.total_steps) if self.total_steps else step
