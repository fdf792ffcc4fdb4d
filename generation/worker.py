"""The job queue and its single model worker: first in, first out, inference on one dedicated thread."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from PIL import Image

from atelier.logs import get_logger
from generation.engine import Engine
from generation.errors import ApiError
from generation.jobs import ImageResult, Job, JobState
from generation.metrics import Metrics
from generation.store import JobLog

log = get_logger("generation.worker")

# Finished jobs kept in memory for polling; older ones are still answered from the job log.
RECENT_JOBS = 1000

Publish = Callable[[Job, list[Image.Image]], Awaitable[list[ImageResult]]]


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


class Worker:
    def __init__(self, engine: Engine, publish: Publish, metrics: Metrics, job_log: JobLog, max_queue: int) -> None:
        self.engine = engine
        self.publish = publish
        self.metrics = metrics
        self.job_log = job_log
        self.max_queue = max_queue
        self._waiting: deque[Job] = deque()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._wakeup = asyncio.Event()
        # One thread owns the model: CUDA state and torch's thread pool stay with it.
        self._model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")

    def ensure_room(self) -> None:
        if len(self._waiting) >= self.max_queue:
            raise ApiError(503, "queue_full", f"the queue is full ({self.max_queue} jobs); try again shortly")

    def submit(self, job: Job) -> None:
        self.ensure_room()
        job.total_steps = self.engine.total_steps(job)
        self._waiting.append(job)
        self._remember(job)
        self.job_log.save(job)
        self.metrics.queue_depth.set(len(self._waiting))
        self._wakeup.set()
        log.info("job.queued", job=job.id, kind=job.kind, position=len(self._waiting))

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def queue_position(self, job: Job) -> int | None:
        """1 for the next job to run; None once it has started."""
        if job.state is not JobState.QUEUED:
            return None
        try:
            return self._waiting.index(job) + 1
        except ValueError:
            return None

    @property
    def depth(self) -> int:
        return len(self._waiting)

    def _remember(self, job: Job) -> None:
        self._jobs[job.id] = job
        while len(self._jobs) > RECENT_JOBS:
            oldest_id, oldest = next(iter(self._jobs.items()))
            if oldest.state in (JobState.QUEUED, JobState.RUNNING):
                break
            del self._jobs[oldest_id]

    async def run(self) -> None:
        while True:
            while not self._waiting:
                self._wakeup.clear()
                await self._wakeup.wait()
            job = self._waiting.popleft()
            self.metrics.queue_depth.set(len(self._waiting))
            try:
                await self._process(job)
            except Exception:
                # Bookkeeping failed (a full disk, a locked database): the job is answered, the worker goes on.
                log.error("job.bookkeeping_failed", job=job.id, exc_info=True)

    async def _process(self, job: Job) -> None:
        job.state = JobState.RUNNING
        job.started_at = time.time()
        log.info("job.started", job=job.id, kind=job.kind, steps=job.total_steps)
        loop = asyncio.get_running_loop()
        try:
            started = time.perf_counter()
            (images,) = await loop.run_in_executor(self._model_thread, self.engine.run_batch, [job])
            inference = time.perf_counter() - started
            self.metrics.gpu_seconds.labels(self.engine.model.device).inc(inference)
            started = time.perf_counter()
            job.images = await self.publish(job, images)
            publishing = time.perf_counter() - started
        except asyncio.CancelledError:
            job.state = JobState.FAILED
            job.error = "the service stopped before the job finished"
            raise
        except Exception as exc:
            job.state = JobState.FAILED
            job.error = f"generation failed: {type(exc).__name__}: {exc}"
            log.error("job.failed", job=job.id, kind=job.kind, exc_info=True)
        else:
            job.state = JobState.DONE
            job.step = job.total_steps
            job.timings = {
                "queued_ms": _ms(job.started_at - job.created_at),
                "inference_ms": _ms(inference),
                "signing_ms": _ms(publishing),
            }
        finally:
            job.finished_at = time.time()
            if job.state is JobState.DONE:
                job.timings["total_ms"] = _ms(job.finished_at - job.created_at)
            job.release_inputs()
            # Waiting requests are answered before anything else can fail.
            job.finished.set()
        if job.state is JobState.DONE:
            self.metrics.images.labels(job.kind).inc(len(job.images))
        self.metrics.jobs.labels(job.kind, str(job.state)).inc()
        self.metrics.latency.labels(job.kind).observe(job.finished_at - job.created_at)
        log.info("job.finished", job=job.id, kind=job.kind, state=str(job.state), **job.timings)
        self.job_log.save(job)

    def close(self) -> None:
        self._model_thread.shutdown(wait=False, cancel_futures=True)
