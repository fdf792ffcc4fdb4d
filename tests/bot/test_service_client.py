"""The bot's client against the real service: long polls, riding out a restart, idempotent retries, cancel."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading

import pytest
from aiohttp import web

from bot import service_client
from bot.service_client import (
    WAITING_FOR_SERVICE,
    GenerationClient,
    JobStatus,
    ServiceRejected,
    ServiceUnavailable,
)
from generation.api.app import create_app
from generation.api.keys import WORKER
from generation.service import load_provenance, make_backend
from tests.conftest import service_config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Service:
    """The real service on a fixed port and data dir, stopped and started again as a deploy would."""

    def __init__(self, model, data_dir, **sections) -> None:
        self.model = model
        self.config = service_config(data_dir, **sections)
        self.config.service.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        backend = make_backend(self.config, self.model)
        self.app = create_app(self.config, backend, load_provenance(self.config))
        self._runner = web.AppRunner(self.app, shutdown_timeout=2)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    @contextlib.contextmanager
    def model_held(self):
        """Occupy the model thread so jobs stay put; released when the block ends."""
        gate = threading.Event()
        self.app[WORKER]._model_thread.submit(gate.wait)
        try:
            yield gate
        finally:
            gate.set()

    async def stop_while_held(self, gate: threading.Event) -> None:
        """Stop with the model thread held: the stop waits for the model thread, so another thread lets it go."""
        threading.Timer(0.5, gate.set).start()
        await self.stop()


@pytest.fixture
async def service(model, tmp_path):
    service = Service(model, tmp_path / "data")
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def restartable(model, tmp_path):
    """A service not yet started; stopped at the end if it runs."""
    service = Service(model, tmp_path / "data")
    yield service
    await service.stop()


class Recorder:
    def __init__(self) -> None:
        self.seen: list[JobStatus] = []
        self.changed = asyncio.Event()

    async def __call__(self, status: JobStatus) -> None:
        self.seen.append(status)
        self.changed.set()

    @property
    def states(self) -> list[str]:
        return [status.state for status in self.seen]

    async def until(self, state: str) -> None:
        while state not in self.states:
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 15)


def counting_job_requests(client: GenerationClient, monkeypatch) -> list[dict]:
    calls: list[dict] = []
    original = client._json

    async def counted(method: str, path: str, **options):
        if method == "GET" and path.startswith("/v1/jobs/"):
            calls.append(dict(options.get("params") or {}))
        return await original(method, path, **options)

    monkeypatch.setattr(client, "_json", counted)
    return calls


async def test_wait_long_polls_each_change_instead_of_polling_on_a_clock(service, monkeypatch):
    async with GenerationClient(service.url) as client:
        calls = counting_job_requests(client, monkeypatch)
        progress = Recorder()
        with service.model_held() as gate:
            submitted = await client.generate("a boat", steps=6)
            assert submitted.version
            waiting = asyncio.create_task(client.wait(submitted, progress))
            # Held for a while: polling on a clock would ask several times meanwhile, a long poll asks once.
            await asyncio.sleep(1.2)
            held_calls = len(calls)
            gate.set()
            done = await asyncio.wait_for(waiting, 30)
    assert done.state == "done" and len(done.images) == 1
    assert held_calls <= 2
    assert all(call["wait"] == "25" and call["seen"] for call in calls)
    steps = [status.step for status in progress.seen if status.state == "running"]
    assert steps == sorted(steps) and steps[-1] >= 5
    assert progress.states[-1] == "done"
    # Every request but the one held while the model was, answered a change: none came back empty-handed.
    assert len(calls) <= len(progress.seen) + 1


async def test_wait_rides_out_a_restart_of_the_service(restartable):
    await restartable.start()
    async with GenerationClient(restartable.url, patience=60) as client:
        progress = Recorder()
        with restartable.model_held() as gate:
            submitted = await client.generate("a boat")
            waiting = asyncio.create_task(client.wait(submitted, progress))
            await asyncio.sleep(0.3)
            await restartable.stop_while_held(gate)
        await progress.until(WAITING_FOR_SERVICE)
        await asyncio.sleep(0.5)
        assert not waiting.done()
        await restartable.start()
        done = await asyncio.wait_for(waiting, 60)
        assert done.job == submitted.job and done.state == "done"
        assert (await client.image(done.images[0].id)).startswith(b"\x89PNG")
    assert progress.states.count(WAITING_FOR_SERVICE) == 1
    outage = progress.states.index(WAITING_FOR_SERVICE)
    assert not progress.seen[outage].finished
    assert progress.states[-1] == "done" and outage < len(progress.states) - 1


async def test_wait_gives_up_after_its_patience(restartable):
    # Nobody at the address: the wait retries for its patience, then gives up.
    progress = Recorder()
    status = JobStatus(job="a" * 32, state="running", step=1, total_steps=4, version="x.1.0")
    async with GenerationClient(restartable.url, patience=1.5) as client:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(ServiceUnavailable):
            await asyncio.wait_for(client.wait(status, progress), 15)
        assert loop.time() - started >= 1.4
    assert progress.states == ["running", WAITING_FOR_SERVICE]


async def test_a_job_the_service_no_longer_knows_is_lost(service):
    async with GenerationClient(service.url) as client:
        with pytest.raises(ServiceRejected) as refused:
            await client.wait(JobStatus(job="b" * 32, state="queued", version="gone.3.1"))
    assert refused.value.code == "job_lost"


async def test_a_submission_with_a_key_waits_for_the_service_and_makes_one_job(restartable):
    async with GenerationClient(restartable.url, patience=30) as client:
        with pytest.raises(ServiceUnavailable):
            await client.generate("a boat")  # without a key: refused at once, no retry
        told = []

        async def waiting() -> None:
            told.append(True)

        submitting = asyncio.create_task(client.generate("a boat", idempotency_key="turn-7", waiting=waiting))
        await asyncio.sleep(0.6)
        assert told == [True] and not submitting.done()
        await restartable.start()
        first = await asyncio.wait_for(submitting, 30)
        again = await client.generate("a boat", idempotency_key="turn-7", waiting=waiting)
        assert again.job == first.job
        assert (await client.wait(first)).state == "done"
    assert told == [True]


async def test_a_full_queue_is_a_refusal_not_an_outage(model, tmp_path):
    service = Service(model, tmp_path / "data", service={"max_queue": 1})
    await service.start()
    try:
        async with GenerationClient(service.url, patience=30) as client:
            with service.model_held():
                await client.generate("a boat")
                await asyncio.sleep(0.2)  # the first runs; the second fills the queue
                await client.generate("a boat", width=128)
                with pytest.raises(ServiceRejected) as refused:
                    await asyncio.wait_for(client.generate("a boat", idempotency_key="turn-8"), 5)
        assert refused.value.code == "queue_full"
    finally:
        await service.stop()


async def test_a_proxy_without_its_service_is_an_outage():
    async def bad_gateway(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>502 Bad Gateway</html>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", bad_gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with GenerationClient(f"http://127.0.0.1:{port}", patience=0.5) as client:
            with pytest.raises(ServiceUnavailable):
                await client.job("c" * 32)
            with pytest.raises(ServiceUnavailable):
                await client.generate("a boat", idempotency_key="turn-9")
    finally:
        await runner.cleanup()


async def test_cancel_a_queued_job_and_a_running_one(service):
    async with GenerationClient(service.url) as client:
        with service.model_held():
            running = await client.generate("a boat")
            await asyncio.sleep(0.2)
            queued = await client.generate("a boat", width=128)
            assert queued.state == "queued"
            cancelled = await client.cancel(queued.job)
            assert cancelled.state == "cancelled" and cancelled.finished
            stopping = await client.cancel(running.job)
            assert stopping.job == running.job and stopping.state in ("running", "cancelled")
        with pytest.raises(ServiceRejected) as refused:
            await asyncio.wait_for(client.wait(stopping), 15)
        assert refused.value.code == "job_cancelled"
        with pytest.raises(ServiceRejected) as refused:
            await client.cancel(queued.job)
        assert refused.value.code == "job_finished"


async def test_a_wait_that_gives_up_cancels_the_job_at_the_service(service, monkeypatch):
    monkeypatch.setattr(service_client, "WAIT_LIMIT_SECONDS", 0.3)
    monkeypatch.setattr(service_client, "LONG_POLL_SECONDS", 1)
    async with GenerationClient(service.url) as client:
        with service.model_held():
            submitted = await client.generate("a boat")
            with pytest.raises(ServiceUnavailable, match="did not finish"):
                await asyncio.wait_for(client.wait(submitted), 15)
        # Stopped at its next step, rather than run to the end for nobody.
        monkeypatch.setattr(service_client, "WAIT_LIMIT_SECONDS", 60)
        with pytest.raises(ServiceRejected) as refused:
            await asyncio.wait_for(client.wait(await client.job(submitted.job)), 15)
        assert refused.value.code == "job_cancelled"
