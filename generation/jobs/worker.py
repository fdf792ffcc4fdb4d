"""The worker: continuous batching of the queue's jobs on the model, publication beside it.

At every step boundary it lets in waiting jobs that can share the running batch, drops cancelled and
overdue ones, runs one step for all, and hands finished jobs to the publisher without waiting for it. A job
alone never waits for companions. All model calls run on one dedicated thread (CUDA state and torch's thread
pool stay with it), each timed and metered so its device time and energy are charged to the jobs that shared it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from atelier.logs import get_logger
from generation.energy import EnergyMeter
from generation.errors import ApiError
from generation.jobs.backend import Backend, Finished, JobInputs, Trajectory
from generation.jobs.inputs import InputLoader, InputsMissing
from generation.jobs.model import Job, JobState
from generation.jobs.queue import JobQueue
from generation.metrics import Metrics
from generation.publishing import Publisher

log = get_logger("generation.worker")

T = TypeVar("T")
# Finished batches whose publication may lag behind the model before the worker waits for them.
MAX_PUBLISHING = 8
FAULT_PAUSE_SECONDS = 0.1


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


class Worker:
    def __init__(
        self,
        queue: JobQueue,
        backend: Backend,
        inputs: InputLoader,
        publisher: Publisher,
        meter: EnergyMeter,
        metrics: Metrics,
        max_job_seconds: float,
    ) -> None:
        self.queue = queue
        self.backend = backend
        self.inputs = inputs
        self.publisher = publisher
        self.meter = meter
        self.metrics = metrics
        self.max_job_seconds = max_job_seconds
        self._model_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._publishing: set[asyncio.Task] = set()
        self._publishing_room = asyncio.Semaphore(MAX_PUBLISHING)
        self.active: list[Trajectory] = []
        # Claimed jobs whose inputs are being loaded, by id.
        self._loading: dict[str, tuple[Job, asyncio.Task[JobInputs]]] = {}

    def prepare(self, job: Job) -> None:
        """What the backend decides about a job before it is queued: its step count and batch key."""
        job.total_steps = self.backend.total_steps(job.spec)
        job.batch_key = self.backend.batch_key(job.spec)

    # ------------------------------------------------------------ the loop

    async def run(self) -> None:
        while True:
            if not self.active and not self._loading:
                await self.queue.wait_for_work()
            try:
                self._claim()
                await self._admit_loaded()
                await self._drop_stopped()
                if self.active:
                    await self._step()
            except Exception:
                # The model itself failed (out of memory, a broken checkpoint): every job in the batch fails,
                # the worker goes on with the next ones.
                failed = [t.job for t in self.active] + [job for job, _ in self._loading.values()]
                log.error("batch.failed", jobs=[job.id for job in failed], exc_info=True)
                for _, task in self._loading.values():
                    task.cancel()
                self.active, self._loading = [], {}
                for job in failed:
                    await self._end(job, JobState.FAILED, "generation failed: internal error")
                # A fault that repeats must not spin the loop.
                await asyncio.sleep(FAULT_PAUSE_SECONDS)

    def _claim(self) -> None:
        """Claim the waiting jobs that can join the batch, and start loading their inputs beside the model."""
        batch = [trajectory.job for trajectory in self.active] + [job for job, _ in self._loading.values()]
        if batch:
            key, like = batch[0].batch_key, batch[0]
        else:
            like = self.queue.head()
            if like is None:
                return
            key = None
        room = self.backend.room(like.spec) - sum(job.samples for job in batch)
        for job in self.queue.claim(room, key):
            job.attempts += 1
            self._loading[job.id] = job, asyncio.create_task(self._load(job), name=f"load-{job.id}")

    async def _load(self, job: Job) -> JobInputs:
        await self._save(job)
        return await self.inputs.load(job.spec)

    async def _admit_loaded(self) -> None:
        """Start the claimed jobs whose inputs are ready; the running batch never waits for a decode."""
        if not self._loading:
            return
        if not self.active:
            await asyncio.wait([task for _, task in self._loading.values()], return_when=asyncio.FIRST_COMPLETED)
        for job, task in list(self._loading.values()):
            if task.done():
                del self._loading[job.id]
                await self._start(job, task)

    async def _start(self, job: Job, loading: asyncio.Task) -> None:
        if job.cancel_requested:
            await self._end(job, JobState.CANCELLED, "cancelled before it started")
            return
        log.info("job.started", job=job.id, kind=job.kind, steps=job.total_steps, batch=len(self.active) + 1)
        try:
            inputs = loading.result()
            trajectory, seconds, joules, estimated = await self._timed(self.backend.start, job, inputs)
        except InputsMissing as exc:
            await self._end(job, JobState.FAILED, str(exc))
            return
        except Exception as exc:
            log.error("job.start_failed", job=job.id, exc_info=True)
            await self._end(job, JobState.FAILED, _public_reason(exc))
            return
        job.usage.charge(seconds, joules, estimated)
        self.active.append(trajectory)

    async def _drop_stopped(self) -> None:
        now = time.time()
        for trajectory in list(self.active):
            job = trajectory.job
            if job.cancel_requested:
                self.active.remove(trajectory)
                await self._end(job, JobState.CANCELLED, f"cancelled after {job.step} of {job.total_steps} steps")
            elif now - job.started_at > self.max_job_seconds:
                self.active.remove(trajectory)
                await self._end(
                    job,
                    JobState.FAILED,
                    f"stopped after {job.step} of {job.total_steps} steps: the job ran longer than the limit of "
                    f"{self.max_job_seconds:g} s ([limits] max_job_seconds)",
                )

    async def _step(self) -> None:
        batch = list(self.active)
        _, seconds, joules, estimated = await self._timed(self.backend.step, batch)
        for trajectory in batch:
            # The backend moved the step on the model thread; the long polls hear of it here, on the loop.
            trajectory.job.touch()
        self._charge(batch, [t.rows for t in batch], seconds, joules, estimated)
        self.metrics.batch_rows.observe(sum(t.rows for t in batch))
        done = [trajectory for trajectory in batch if trajectory.done]
        if not done:
            return
        self.active = [trajectory for trajectory in self.active if not trajectory.done]
        try:
            finished, seconds, joules, estimated = await self._timed(self.backend.finish, done)
        except Exception:
            log.error("batch.decode_failed", jobs=[t.job.id for t in done], exc_info=True)
            for trajectory in done:
                await self._end(trajectory.job, JobState.FAILED, "generation failed: internal error while decoding")
            return
        self._charge(done, [t.job.samples for t in done], seconds, joules, estimated)
        for trajectory, result in zip(done, finished, strict=True):
            await self._publishing_room.acquire()
            task = asyncio.create_task(self._publish(trajectory.job, result), name=f"publish-{trajectory.job.id}")
            self._publishing.add(task)
            task.add_done_callback(self._publishing.discard)

    # ------------------------------------------------------------ metering

    async def _on_model(self, function: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._model_thread, function, *args)

    async def _timed(self, function: Callable[..., T], *args: object) -> tuple[T, float, float, bool]:
        def timed() -> tuple[T, float, float, bool]:
            before, started = self.meter.read(), time.perf_counter()
            result = function(*args)
            self.backend.synchronize()
            seconds = time.perf_counter() - started
            joules, estimated = self.meter.joules(seconds, before, self.meter.read())
            return result, seconds, joules, estimated

        result, seconds, joules, estimated = await self._on_model(timed)
        self.metrics.gpu_seconds.labels(self.backend.device).inc(seconds)
        self.metrics.energy.labels(self.backend.device, str(estimated).lower()).inc(joules)
        return result, seconds, joules, estimated

    @staticmethod
    def _charge(
        trajectories: Sequence[Trajectory], shares: Sequence[int], seconds: float, joules: float, estimated: bool
    ) -> None:
        """Split a shared call's device time and energy among its jobs by their share of the work."""
        total = sum(shares)
        for trajectory, share in zip(trajectories, shares, strict=True):
            trajectory.job.usage.charge(seconds * share / total, joules * share / total, estimated)

    # ------------------------------------------------------------ ending jobs

    async def _publish(self, job: Job, finished: Finished) -> None:
        inference_done = time.time()
        try:
            job.images = await self.publisher.publish(job, finished.images, finished.kept)
        except Exception as exc:
            log.error("job.publishing_failed", job=job.id, exc_info=True)
            await self._end(job, JobState.FAILED, _public_reason(exc))
        else:
            job.timings = {
                "queued_ms": _ms(job.started_at - job.created_at),
                "inference_ms": _ms(inference_done - job.started_at),
                "signing_ms": _ms(time.time() - inference_done),
            }
            await self._end(job, JobState.DONE)
        finally:
            self._publishing_room.release()

    async def _end(self, job: Job, state: JobState, error: str | None = None) -> None:
        job.state = state
        job.error = error
        job.finished_at = time.time()
        if state is JobState.DONE:
            job.step = job.total_steps
            job.timings["total_ms"] = _ms(job.finished_at - job.created_at)
            self.metrics.images.labels(job.kind).inc(len(job.images))
        job.touch()
        self.metrics.jobs.labels(job.kind, str(state)).inc()
        self.metrics.latency.labels(job.kind).observe(job.finished_at - job.created_at)
        log.info(
            "job.finished", job=job.id, kind=job.kind, state=str(state), error=error, **job.timings,
            **job.usage.to_json(),
        )  # fmt: skip
        self.queue.release_inputs(job)
        try:
            await self._save(job)
        finally:
            # Waiting requests are answered even when the bookkeeping failed.
            job.finished.set()

    async def _save(self, job: Job) -> None:
        try:
            await self.queue.database.run(self.queue.job_log.save, job)
        except Exception:
            # A full disk or a locked database: the job goes on, its record is behind.
            log.error("job.bookkeeping_failed", job=job.id, exc_info=True)

    async def close(self) -> None:
        """Let the publications under way finish, put running jobs back in the queue, stop the model thread."""
        loading = [task for _, task in self._loading.values()]
        for task in loading:
            task.cancel()
        await asyncio.gather(*loading, *self._publishing, return_exceptions=True)
        self._loading.clear()
        self.active = []
        for job in self.queue.running():
            if job.cancel_requested:
                await self._end(job, JobState.CANCELLED, f"cancelled after {job.step} of {job.total_steps} steps")
                continue
            # A stop, not a crash: the job runs again after the restart without losing an attempt.
            job.state, job.step, job.attempts = JobState.QUEUED, 0, max(0, job.attempts - 1)
            job.touch()
            await self._save(job)
        self._model_thread.shutdown(wait=True, cancel_futures=True)


def _public_reason(exc: Exception) -> str:
    """A failure's reason for the client: what went wrong, never a server path (the log has the details)."""
    if isinstance(exc, ApiError):  # from decoding inputs: written for the client
        return exc.message
    return f"generation failed: internal error ({type(exc).__name__}); the details are in the service log"
