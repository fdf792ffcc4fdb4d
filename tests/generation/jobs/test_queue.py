"""The queue on its own: durable submits, fair claims of compatible jobs, cancel and recovery."""

from __future__ import annotations

import pytest

from generation.database import DatabaseThread
from generation.errors import ApiError
from generation.jobs.log import JobLog
from generation.jobs.model import GenerateSpec, Job, JobState, Sampling
from generation.jobs.queue import JobQueue
from generation.store import BlobStore, open_database


@pytest.fixture
def database():
    thread = DatabaseThread()
    yield thread
    thread.close()


@pytest.fixture
def make_queue(tmp_path, database):
    def make(max_queue: int = 64) -> JobQueue:
        return JobQueue(
            JobLog(open_database(tmp_path / "service.db")), database, BlobStore(tmp_path / "blobs"), max_queue
        )

    return make


def job(size: int = 64, count: int = 1) -> Job:
    made = Job(spec=GenerateSpec(Sampling("a boat", "", 4, 7.0, tuple(range(count))), size, size))
    made.batch_key, made.total_steps = (size, size), 4
    return made


async def test_claims_take_compatible_jobs_oldest_first_within_the_room(make_queue):
    queue = make_queue()
    small = [job(64), job(64, count=2), job(64)]
    large = job(128)
    for item in (small[0], large, small[1], small[2]):
        await queue.submit(item)
    assert queue.claim(3, None) == [small[0], small[1]]
    # The oldest waiting job is now the large one: nothing of another size joins before its turn.
    assert queue.claim(3, (64, 64)) == []
    assert queue.claim(8, None) == [large]
    assert queue.claim(8, None) == [small[2]]


async def test_a_job_alone_is_claimed_even_over_the_room(make_queue):
    queue = make_queue()
    big = job(64, count=4)
    await queue.submit(big)
    assert queue.claim(2, (64, 64)) == []
    assert queue.claim(2, None) == [big]


async def test_a_full_queue_refuses_and_records_nothing(make_queue):
    queue = make_queue(max_queue=1)
    await queue.submit(job())
    refused = job()
    with pytest.raises(ApiError) as error:
        await queue.submit(refused)
    assert error.value.status == 503
    assert await queue.database.run(queue.job_log.get, refused.id) is None


async def test_a_submit_that_can_not_be_recorded_leaves_no_job(make_queue, monkeypatch):
    queue = make_queue()

    def broken(_job):
        raise OSError("disk full")

    monkeypatch.setattr(queue.job_log, "save", broken)
    ghost = job()
    with pytest.raises(ApiError) as error:
        await queue.submit(ghost)
    assert error.value.status == 503
    assert queue.depth == 0
    assert queue.head() is None


async def test_cancelling_a_queued_job_ends_it_and_a_running_one_is_flagged(make_queue):
    queue = make_queue()
    waiting, running = job(), job()
    await queue.submit(waiting)
    await queue.cancel(waiting)
    assert waiting.state is JobState.CANCELLED
    assert waiting.finished.is_set()
    assert queue.depth == 0
    assert (await queue.database.run(queue.job_log.get, waiting.id))["state"] == "cancelled"

    await queue.submit(running)
    queue.claim(1, None)
    running.state = JobState.RUNNING
    await queue.cancel(running)
    assert running.cancel_requested
    assert running.state is JobState.RUNNING


async def test_recovery_queues_waiting_jobs_again_and_retries_a_running_one_once(make_queue):
    queue = make_queue()
    waiting, running, twice = job(), job(), job()
    running.state, running.attempts = JobState.RUNNING, 1
    twice.state, twice.attempts = JobState.RUNNING, 2
    for item in (waiting, running, twice):
        await queue.database.run(queue.job_log.save, item)

    restarted = make_queue()
    queued, failed = await restarted.recover(lambda item: setattr(item, "batch_key", (64, 64)))
    assert (queued, failed) == (2, 1)
    assert [item.id for item in restarted.claim(8, None)] == [waiting.id, running.id]
    given_up = await restarted.get(twice.id)
    assert given_up.state is JobState.FAILED
    assert "stopped 2 times" in given_up.error


async def test_memory_keeps_every_unfinished_job_and_forgets_the_oldest_finished(make_queue, monkeypatch):
    monkeypatch.setattr("generation.jobs.queue.RECENT_JOBS", 3)
    queue = make_queue()
    stuck = job()
    await queue.submit(stuck)
    finished = []
    for _ in range(5):
        item = job()
        await queue.submit(item)
        item.state = JobState.DONE
        finished.append(item)
    await queue.submit(job())
    # The same object while remembered; a copy read back from the log once forgotten.
    assert await queue.get(stuck.id) is stuck
    assert await queue.get(finished[0].id) is not finished[0]
    assert await queue.get(finished[-1].id) is finished[-1]
