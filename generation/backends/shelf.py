"""The service's models by name: the default one loaded at start, the others (``[models.NAME]``) when first asked
for, and the least recently used let go when the memory budget needs room.

The shelf is the worker's backend: it plans jobs without loading anything, and hands each start, step and finish
to the model the job names. The worker only batches jobs with equal batch keys, and the key holds the model, so
while one model runs no other has a job in flight: letting one go when another is loaded never cuts a job short.
"""

from __future__ import annotations

import gc
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

from atelier.config import DefaultsConfig
from atelier.logs import get_logger
from generation.backends.diffusers import DiffusersBackend, DiffusersTrajectory, images_per_forward, planned_steps
from generation.errors import ApiError, invalid
from generation.jobs.backend import Capabilities, Finished, JobInputs
from generation.jobs.model import Job, Spec

log = get_logger("generation.shelf")

GIB = 1024**3


@dataclass(frozen=True)
class ShelfEntry:
    """A model the service offers: its name, the sampling a request that leaves it out gets, and what its
    weights take on disk (a first guess at their size in memory, before it is loaded)."""

    name: str
    defaults: DefaultsConfig
    disk_bytes: int = 0
    # "text-to-image", or "instruct" for the instruction-edit model (edits only, by instruction).
    kind: str = "text-to-image"


class ModelUnavailable(ApiError):
    """A named model could not be loaded when a job needed it (the details are in the service log)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            503, "model_unavailable", f"the model {name!r} could not be loaded; the details are in the service log"
        )


def memory_bytes(backend: DiffusersBackend) -> int:
    """What a loaded model's weights take: every parameter and buffer of its torch components."""
    total = 0
    for component in backend.pipeline.components.values():
        if isinstance(component, torch.nn.Module):
            tensors = [*component.parameters(), *component.buffers()]
            total += sum(tensor.numel() * tensor.element_size() for tensor in tensors)
    return total


class ModelShelf:
    def __init__(
        self,
        entries: Sequence[ShelfEntry],
        default: DiffusersBackend,
        load: Callable[[str], DiffusersBackend],
        *,
        device: str,
        max_batch: int,
        max_batch_pixels: int,
        budget_bytes: int = 0,
        loras: dict[str, Path] | None = None,
    ) -> None:
        self.entries = {entry.name: entry for entry in entries}
        self.default_name = entries[0].name
        self.name = self.default_name
        self.device = device
        self.max_batch = max_batch
        self.max_batch_pixels = max_batch_pixels
        self.capabilities = Capabilities()
        self.budget_bytes = budget_bytes
        # The operator's LoRAs by name (every model's backend applies them per request).
        self.loras = loras or {}
        self._load = load
        # Loaded models, least recently used first, with what each takes in memory.
        self._loaded: OrderedDict[str, DiffusersBackend] = OrderedDict({self.default_name: default})
        self._sizes: dict[str, int] = {self.default_name: memory_bytes(default)}
        # Mutated on the model thread, read by the routes on the event loop.
        self._lock = threading.Lock()

    # ------------------------------------------------------------ names and defaults

    def resolve(self, requested: str | None) -> str:
        """The model a request names (the default when it names none), or a 400 naming ``model``."""
        if requested is None or requested == "":
            return self.default_name
        drawing = [name for name, entry in self.entries.items() if entry.kind != "instruct"]
        if requested not in drawing:
            raise invalid("model", f"unknown model {requested!r}; this service has {', '.join(drawing)}")
        return requested

    def defaults(self, name: str) -> DefaultsConfig:
        return self.entries[name].defaults

    @property
    def instruct_name(self) -> str | None:
        """The first instruction-edit model's name (the one free-form turns go to), when the service has one."""
        return next((name for name, entry in self.entries.items() if entry.kind == "instruct"), None)

    def resolve_instruct(self, requested: str | None) -> str:
        """The instruction-edit model an edit by instruction names (the first one when none), or a 400."""
        editing = [name for name, entry in self.entries.items() if entry.kind == "instruct"]
        if not editing:
            raise invalid("instruct", "this service has no instruction-edit model: set [model] edit_path")
        if requested is None:
            return editing[0]
        if requested not in editing:
            raise invalid(
                "model", f"{requested!r} is not an instruction-edit model; this service has {', '.join(editing)}"
            )
        return requested

    def listing(self) -> list[dict]:
        """Every model, for ``GET /v1/models``: name, whether it is the default and loaded, its defaults."""
        with self._lock:
            loaded = {name: self._sizes.get(name) for name in self._loaded}
        return [
            {
                "name": name,
                "kind": entry.kind,
                "default": name == self.default_name,
                "loaded": name in loaded,
                "memory_mb": round(loaded[name] / 2**20, 1) if name in loaded else None,
                "defaults": entry.defaults.model_dump(),
            }
            for name, entry in self.entries.items()
        ]

    # ------------------------------------------------------------ planning (nothing is loaded)

    def total_steps(self, spec: Spec) -> int:
        return planned_steps(spec)

    def batch_key(self, spec: Spec) -> Hashable:
        return (self._name_of(spec), spec.height, spec.width, spec.loras)

    def room(self, spec: Spec) -> int:
        return images_per_forward(spec.width, spec.height, self.max_batch, self.max_batch_pixels)

    def _name_of(self, spec: Spec) -> str:
        return spec.model or self.default_name

    # ------------------------------------------------------------ running (on the model thread)

    def start(self, job: Job, inputs: JobInputs) -> DiffusersTrajectory:
        return self.backend_for(self._name_of(job.spec)).start(job, inputs)

    def step(self, trajectories: Sequence[DiffusersTrajectory]) -> None:
        self._running(trajectories).step(trajectories)

    def finish(self, trajectories: Sequence[DiffusersTrajectory]) -> list[Finished]:
        return self._running(trajectories).finish(trajectories)

    def _running(self, trajectories: Sequence[DiffusersTrajectory]) -> DiffusersBackend:
        return self._loaded[self._name_of(trajectories[0].job.spec)]

    def backend_for(self, name: str) -> DiffusersBackend:
        """The named model, loaded now if it is not, after letting go of what the budget needs."""
        if name not in self.entries:
            raise ApiError(400, "invalid", f"the model {name!r} is no longer configured on this service", "model")
        with self._lock:
            backend = self._loaded.get(name)
            if backend is not None:
                self._loaded.move_to_end(name)
                return backend
            self._make_room(self._sizes.get(name, self.entries[name].disk_bytes), keep=name)
        log.info("model.loading", model=name)
        try:
            backend = self._load(name)
        except Exception:
            log.error("model.load_failed", model=name, exc_info=True)
            raise ModelUnavailable(name) from None
        with self._lock:
            self._loaded[name] = backend
            self._sizes[name] = memory_bytes(backend)
            self._make_room(0, keep=name)
        log.info("model.loaded", model=name, memory_mb=round(self._sizes[name] / 2**20, 1))
        return backend

    def _make_room(self, needed: int, keep: str) -> None:
        """Let go of the least recently used models until ``needed`` more bytes fit in the budget."""
        if not self.budget_bytes:
            return
        released = False
        for name in list(self._loaded):
            held = sum(self._sizes[loaded] for loaded in self._loaded)
            if held + needed <= self.budget_bytes:
                break
            if name == keep:
                continue
            del self._loaded[name]
            released = True
            log.info("model.released", model=name, memory_mb=round(self._sizes[name] / 2**20, 1))
        if released:
            gc.collect()
            if self.device == "cuda":
                torch.cuda.empty_cache()

    # ------------------------------------------------------------ reporting

    def describe(self) -> dict:
        with self._lock:
            default = self._loaded.get(self.default_name)
            loaded = list(self._loaded)
        body = default.describe() if default is not None else {"model": self.default_name, "device": self.device}
        return {**body, "models": list(self.entries), "loaded_models": loaded}

    def synchronize(self) -> None:
        if self.device == "cuda":
            torch.cuda.synchronize()
