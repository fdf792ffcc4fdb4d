"""The service's aiohttp application: the queue, worker, publisher and stores wired around a loaded backend."""

from __future__ import annotations

import asyncio
import contextlib

from aiohttp import web

from atelier.config import Config
from atelier.logs import get_logger
from generation.api import keys
from generation.api.middlewares import bearer_auth, json_errors
from generation.api.requests import JSON_OVERHEAD
from generation.api.resolver import RATE_LIMIT, RateLimit
from generation.api.resolver import ROUTES as RESOLVER_ROUTES
from generation.api.routes import ROUTES
from generation.backends.shelf import ModelShelf
from generation.database import DatabaseThread
from generation.energy import EnergyMeter
from generation.jobs.inputs import InputLoader
from generation.jobs.log import JobLog
from generation.jobs.queue import JobQueue
from generation.jobs.worker import Worker
from generation.metrics import Metrics
from generation.provenance import Provenance
from generation.publishing import Publisher
from generation.segmentation import Segmenter
from generation.store import BlobStore, ImageStore, open_database, remove_partial_files

log = get_logger("generation.app")

DATABASE_FILE = "service.db"
IMAGES_DIR = "images"
BLOBS_DIR = "blobs"


def _report_worker_end(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.critical("worker.died", exc_info=task.exception())


def create_app(
    config: Config, backend: ModelShelf, provenance: Provenance, segmenter: Segmenter | None = None
) -> web.Application:
    """The service around an already-loaded backend and signer (loading them is the caller's job)."""
    middlewares = [json_errors]
    if config.service.token:
        middlewares.append(bearer_auth(config.service.token))
    app = web.Application(
        middlewares=middlewares,
        client_max_size=config.limits.max_upload_bytes * 4 // 3 + JSON_OVERHEAD,
    )
    data_dir = config.service.data_dir
    db = open_database(data_dir / DATABASE_FILE)
    database = DatabaseThread()
    images = ImageStore(data_dir / IMAGES_DIR, db)
    blobs = BlobStore(data_dir / BLOBS_DIR)
    metrics = Metrics()
    decoding = asyncio.Semaphore(config.limits.concurrent_decodes)
    queue = JobQueue(JobLog(db), database, blobs, config.service.max_queue)
    publisher = Publisher(
        images,
        blobs,
        provenance,
        database,
        backend.default_name,
        config.service.publish_workers,
        config.service.png_compression,
        watermark=config.provenance.watermark,
    )
    worker = Worker(
        queue,
        backend,
        InputLoader(images, blobs, config.limits, decoding),
        publisher,
        EnergyMeter(backend.device, config.accounting.watts),
        metrics,
        config.limits.max_job_seconds,
    )
    app[keys.CONFIG] = config
    app[keys.BACKEND] = backend
    app[keys.SEGMENTER] = segmenter
    app[keys.PROVENANCE] = provenance
    app[keys.STORE] = images
    app[keys.BLOBS] = blobs
    app[keys.DATABASE] = database
    app[keys.QUEUE] = queue
    app[keys.WORKER] = worker
    app[keys.METRICS] = metrics
    app[keys.DECODING] = decoding
    app[keys.SUBMITTING] = asyncio.Lock()
    app[RATE_LIMIT] = RateLimit(config.provenance.resolver_rate)
    app[keys.STOPPING] = asyncio.Event()
    # Images are immutable, but behind a token no shared cache may keep them.
    app[keys.IMAGE_CACHING] = f"{'private' if config.service.token else 'public'}, max-age=31536000, immutable"

    async def lifecycle(app: web.Application):
        partial = await asyncio.to_thread(lambda: remove_partial_files(images.root) + remove_partial_files(blobs.root))
        queued, failed = await queue.recover(worker.prepare)
        unheld = await asyncio.to_thread(blobs.sweep)
        if partial or queued or failed or unheld:
            log.warning(
                "service.recovered", requeued=queued, failed=failed, partial_files_removed=partial, blobs_removed=unheld
            )
        task = app[keys.WORKER_TASK] = asyncio.create_task(worker.run(), name="model-worker")
        task.add_done_callback(_report_worker_end)
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await worker.close()
        publisher.close()
        database.close()
        db.close()

    async def stopping(app: web.Application) -> None:
        app[keys.STOPPING].set()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(stopping)
    app.add_routes([*ROUTES, *RESOLVER_ROUTES])
    return app
