"""What the application holds, by typed key: the routes, the lifecycle and tests reach them through these."""

from __future__ import annotations

import asyncio

from aiohttp import web

from atelier.config import Config
from generation.backends.shelf import ModelShelf
from generation.database import DatabaseThread
from generation.jobs.queue import JobQueue
from generation.jobs.worker import Worker
from generation.metrics import Metrics
from generation.provenance import Provenance
from generation.store import BlobStore, ImageStore

CONFIG = web.AppKey("config", Config)
BACKEND = web.AppKey("backend", ModelShelf)
PROVENANCE = web.AppKey("provenance", Provenance)
STORE = web.AppKey("store", ImageStore)
BLOBS = web.AppKey("blobs", BlobStore)
DATABASE = web.AppKey("database", DatabaseThread)
QUEUE = web.AppKey("queue", JobQueue)
WORKER = web.AppKey("worker", Worker)
METRICS = web.AppKey("metrics", Metrics)
DECODING = web.AppKey("decoding", asyncio.Semaphore)
SUBMITTING = web.AppKey("submitting", asyncio.Lock)
IMAGE_CACHING = web.AppKey("image_caching", str)
# Set when the service begins to stop: waiting requests cut off then are not client hang-ups.
STOPPING = web.AppKey("stopping", asyncio.Event)
WORKER_TASK = web.AppKey("worker_task", asyncio.Task)
# Masks from words (``[model] segmentation_path``), or None.
SEGMENTER = web.AppKey("segmenter", object)
