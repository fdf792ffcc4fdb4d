"""The job queue: first in, first out, with batches of compatible jobs claimed together.

Every job is written to the job log before it is accepted, so a submit answers either with a job that exists
or with an error and no job, and queued work survives a crash. ``claim`` keeps the queue fair: jobs that can
share the running batch join it, but once the oldest waiting job can't, nothing more joins until the batch
drains and that job's turn comes.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable

from atelier.logs import get_logger
from generation.database import DatabaseThread
from generation.errors import ApiError
from generation.jobs.log import JobLog, job_from_row
from generation.jobs.model import EditSpec, Job, JobState, Spec
from generation.store import BlobStore

log = get_logger("generation.queue")

# Finished jobs kept in memory for polling; older ones are answered from the job log.
RECENT_JOBS = 1000
# A job started this many times by services that then stopped is failed rather than tried again.
MAX_ATTEMPTS = 2
IDEMPOTENCY_SECONDS = 24 * 3600


class JobQueue:
    def __init__(self, job_log: JobLog, database: DatabaseThread, blobs: BlobStore, max_queue: int) -> None:
        self.job_log = job_log
        self.blobs = blobs
        self.database = database
        self.max_queue = max_queue
        self._waiting: list[Job] = []
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._wakeup = asyncio.Event()
        self._being_recorded = 0
        # Part of every job's version: revisions start again after a restart, versions don't repeat.
        self.instance = uuid.uuid4().hex[:8]

    # ------------------------------------------------------------ the API's side

    def ensure_room(self) -> None:
        if len(self._waiting) + self._being_recorded >= self.max_queue:
            raise ApiError(503, "queue_full", f"the queue is full ({self.max_queue} jobs); try again shortly")

    async def submit(self, job: Job) -> Job:
        self.ensure_room()
        # The place is taken before the record is written, so a burst can't overfill the queue meanwhile.
        self._being_recorded += 1
        try:
            await self.database.run(self.job_log.save, job)
        except Exception:
            log.error("job.not_recorded", job=job.id, exc_info=True)
            raise ApiError(503, "unavailable", "the job could not be recorded; try again shortly") from None
        finally:
            self._being_recorded -= 1
        self._enqueue(job)
        log.info("job.queued", job=job.id, kind=job.kind, position=len(self._waiting))
        return job

    async def find(self, idempotency_key: str) -> Job | None:
        """The job submitted with this key within the last 24 hours."""
        for job in reversed(self._jobs.values()):
            if job.idempotency_key == idempotency_key and job.created_at >= time.time() - IDEMPOTENCY_SECONDS:
                return job
        row = await self.database.run(self.job_log.find_key, idempotency_key, time.time() - IDEMPOTENCY_SECONDS)
        return None if row is None else await self.get(row["id"])

    async def get(self, job_id: str) -> Job | None:
        job = self._jobs.get(job_id)
        if job is not None:
            return job
        row = await self.database.run(self.job_log.get, job_id)
        if row is None:
            return None
        job = job_from_row(row)
        job.finished.set()
        return job

    def position(self, job: Job) -> int | None:
        """1 for the next job to run; None once it has started."""
        if job.state is not JobState.QUEUED:
            return None
        try:
            return self._waiting.index(job) + 1
        except ValueError:
            return None

    def version(self, job: Job) -> str:
        """A token that changes whenever anything a client sees of the job changes (its queue position too)."""
        return f"{self.instance}.{job.revision}.{self.position(job) or 0}"

    async def cancel(self, job: Job) -> None:
        """Cancel a queued job now, or a running one at its next step boundary."""
        if job.state is JobState.QUEUED and job in self._waiting:
            self._left_queue([job])
            job.state = JobState.CANCELLED
            job.error = "cancelled before it started"
            job.finished_at = time.time()
            job.touch()
            self.release_inputs(job)
            try:
                await self.database.run(self.job_log.save, job)
            finally:
                job.finished.set()
            log.info("job.cancelled", job=job.id, running=False)
        elif job.state is JobState.RUNNING:
            job.cancel_requested = True
            job.touch()
            log.info("job.cancel_requested", job=job.id)
            # Kept, so that a crash before the next step can't bring the job back.
            await self.database.run(self.job_log.save, job)

    def release_inputs(self, job: Job) -> None:
        """The job has ended: its uploads and masks may go."""
        for digest in blobs_of(job.spec):
            self.blobs.release(digest)

    @property
    def depth(self) -> int:
        return len(self._waiting)

    # ------------------------------------------------------------ the worker's side

    async def wait_for_work(self) -> None:
        while not self._waiting:
            self._wakeup.clear()
            await self._wakeup.wait()

    def head(self) -> Job | None:
        return self._waiting[0] if self._waiting else None

    def claim(self, max_samples: int, key: Hashable | None) -> list[Job]:
        """Waiting jobs with batch key ``key`` (the oldest job's when None), oldest first, up to
        ``max_samples`` images in all. With no key the oldest job is always taken, even alone over the limit.
        """
        if not self._waiting:
            return []
        head = self._waiting[0]
        if key is not None and head.batch_key != key:
            return []
        taken: list[Job] = []
        samples = 0
        for job in self._waiting:
            if job.batch_key != head.batch_key:
                continue
            if samples + job.samples > max_samples and (taken or key is not None):
                break
            taken.append(job)
            samples += job.samples
        now = time.time()
        self._left_queue(taken)
        for job in taken:
            # Running from here on: a cancel now stops it at the worker's next look, never goes missing.
            job.state, job.started_at = JobState.RUNNING, now
            job.touch()
        return taken

    def running(self) -> list[Job]:
        return [job for job in self._jobs.values() if job.state is JobState.RUNNING]

    # ------------------------------------------------------------ recovery

    async def recover(self, prepare: Callable[[Job], None]) -> tuple[int, int]:
        """Queue again what a stop left unfinished; a job running at the stop is retried once, then failed.

        ``prepare`` fills in what the backend decides (total steps, batch key). Returns (queued, failed).
        """
        queued = failed = 0
        for row in await self.database.run(self.job_log.unfinished):
            try:
                job = job_from_row(row)
                if job.spec is None:
                    raise ValueError("no spec")
                prepare(job)
            except Exception:
                await self.database.run(self.job_log.fail, row["id"], JobLog.UNREADABLE)
                failed += 1
                continue
            ended = None
            if job.cancel_requested:
                ended = JobState.CANCELLED, "cancelled; the service stopped before the job did"
            elif job.state is JobState.RUNNING and job.attempts >= MAX_ATTEMPTS:
                ended = JobState.FAILED, f"the service stopped {job.attempts} times while running this job; given up"
            if ended is not None:
                job.state, job.error = ended
                job.finished_at = time.time()
                job.touch()
                await self.database.run(self.job_log.save, job)
                self._remember(job)
                job.finished.set()
                failed += 1
                continue
            job.state, job.step = JobState.QUEUED, 0
            job.touch()
            await self.database.run(self.job_log.save, job)
            for digest in blobs_of(job.spec):
                self.blobs.hold(digest)
            self._enqueue(job)
            queued += 1
        return queued, failed

    # ------------------------------------------------------------ bookkeeping

    def _left_queue(self, jobs: list[Job]) -> None:
        """Take jobs out of the waiting line: those behind them move up, and their long polls hear of it."""
        if not jobs:
            return
        first = min(self._waiting.index(job) for job in jobs)
        for job in jobs:
            self._waiting.remove(job)
        for behind in self._waiting[first:]:
            behind.touch()

    def _enqueue(self, job: Job) -> None:
        self._waiting.append(job)
        self._remember(job)
        self._wakeup.set()

    def _remember(self, job: Job) -> None:
        self._jobs[job.id] = job
        if len(self._jobs) > RECENT_JOBS:
            # Unfinished jobs stay whatever their age; the oldest finished ones are answered from the log.
            excess = len(self._jobs) - RECENT_JOBS
            for old in [old for old in self._jobs.values() if old.is_finished][:excess]:
                del self._jobs[old.id]


def blobs_of(spec: Spec | None) -> list[str]:
    """The digests of the uploads and masks a spec refers to."""
    if not isinstance(spec, EditSpec):
        return []
    return [blob.sha256 for blob in (spec.upload, spec.mask) if blob is not None]
