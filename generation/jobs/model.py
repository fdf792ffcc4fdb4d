"""What a job asks for, and where it stands.

Specs hold only plain values and references (image ids, blob digests), never decoded pictures, so a job can
be written to the job log, read back after a crash and run by whichever worker claims it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Hashable
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


@dataclass(frozen=True)
class Sampling:
    prompt: str
    negative_prompt: str
    steps: int
    guidance: float
    seeds: tuple[int, ...]

    @property
    def count(self) -> int:
        return len(self.seeds)


@dataclass(frozen=True)
class BlobRef:
    """Bytes a request brought (an upload, a mask), kept in the blob store under their SHA-256."""

    sha256: str
    mime: str


@dataclass(frozen=True)
class GenerateSpec:
    sampling: Sampling
    width: int
    height: int
    # The model that draws it, by name ("" in jobs recorded before there were several: the default one).
    model: str = ""
    # LoRAs applied, as (name, weight) pairs sorted by name.
    loras: tuple[tuple[str, float], ...] = ()
    # Whether the public resolver answers for its images without a token.
    public: bool = False

    kind = "generate"


@dataclass(frozen=True)
class EditSpec:
    """An edit of a stored image (``parent``) or of an upload, at ``scale`` times its size, maybe masked or on a
    larger canvas (``extend``).

    ``width`` and ``height`` are the output's, known when the request is accepted.
    """

    sampling: Sampling
    strength: float
    width: int
    height: int
    parent: str | None = None
    upload: BlobRef | None = None
    mask: BlobRef | None = None
    scale: int = 1
    # Margins (left, top, right, bottom) the canvas grows by; the new area is drawn, the picture kept as it is.
    extend: tuple[int, int, int, int] | None = None
    model: str = ""
    loras: tuple[tuple[str, float], ...] = ()
    # An instruction edit's pull towards the picture (the instruction's is ``sampling.guidance``).
    image_guidance: float = 1.5
    # Whether the public resolver answers for its images without a token.
    public: bool = False

    kind = "edit"


Spec = GenerateSpec | EditSpec


def spec_to_json(spec: Spec) -> dict:
    return {"kind": spec.kind, **asdict(spec)}


def spec_from_json(data: dict) -> Spec:
    data = dict(data)
    kind = data.pop("kind")
    sampling = data.pop("sampling")
    sampling = Sampling(**{**sampling, "seeds": tuple(sampling["seeds"])})
    data["loras"] = tuple((name, weight) for name, weight in data.get("loras", ()))
    if kind == "generate":
        return GenerateSpec(sampling=sampling, **data)
    for name in ("upload", "mask"):
        if data.get(name) is not None:
            data[name] = BlobRef(**data[name])
    if data.get("extend") is not None:
        data["extend"] = tuple(data["extend"])
    return EditSpec(sampling=sampling, **data)


@dataclass(frozen=True)
class ImageResult:
    id: str
    seed: int
    width: int
    height: int


@dataclass
class Usage:
    """What a job cost the device: its share of every forward it took part in, plus its own encodes."""

    device_seconds: float = 0.0
    joules: float = 0.0
    # True when any part of the energy is an estimate (time x configured watts) rather than a meter reading.
    estimated: bool = False

    def charge(self, seconds: float, joules: float, estimated: bool) -> None:
        self.device_seconds += seconds
        self.joules += joules
        self.estimated = self.estimated or estimated

    def to_json(self) -> dict:
        return {
            "device_seconds": round(self.device_seconds, 6),
            "joules": round(self.joules, 3),
            "estimated": self.estimated,
        }


def new_job_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Job:
    """One request's life. Progress fields are written by the worker and read by the API."""

    spec: Spec | None
    id: str = field(default_factory=new_job_id)
    kind: str = ""
    state: JobState = JobState.QUEUED
    step: int = 0
    total_steps: int = 0
    # Jobs sharing a batch key may share a forward pass (the backend decides: same latent size).
    batch_key: Hashable = None
    created_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    # Times the job was started; a crash while running costs one attempt.
    attempts: int = 0
    images: list[ImageResult] = field(default_factory=list)
    timings: dict[str, int] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    idempotency_key: str | None = None
    request_hash: str | None = None
    cancel_requested: bool = False
    finished: asyncio.Event = field(default_factory=asyncio.Event, repr=False)
    # Counts the changes a client sees (state, step, queue position, the result); long polls wait on ``changed``.
    revision: int = field(default=0, compare=False)
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.spec is not None:
            self.kind = self.spec.kind

    @property
    def samples(self) -> int:
        return self.spec.sampling.count

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES

    def report_step(self, step: int) -> None:
        # Called on the model thread: the worker calls ``touch`` on the event loop once the step is done.
        self.step = min(step, self.total_steps) if self.total_steps else step

    @property
    def changed(self) -> asyncio.Event:
        """Set at the next ``touch``: take it before reading the job, then wait on it for what comes after."""
        return self._changed

    def touch(self) -> None:
        """Something a client sees has changed: a new revision, and whoever waits for a change wakes up.

        Event loop only; every change is followed by a touch, so a reader never misses one.
        """
        self.revision += 1
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()
