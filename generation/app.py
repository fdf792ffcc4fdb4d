"""The HTTP API: aiohttp routes, authentication and JSON errors around the worker, store and signer."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import time
from dataclasses import replace
from pathlib import Path

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage
from aiohttp.web_protocol import RequestPayloadError
from PIL import Image
from prometheus_client import CONTENT_TYPE_LATEST

from atelier import __version__
from atelier.config import Config
from atelier.logs import get_logger
from generation.builtin import BUILTIN_VERSION
from generation.engine import Engine
from generation.errors import ApiError, invalid, not_found, too_large, unsupported_media
from generation.imaging import ACCEPTED_TYPES, Upload, decode_upload, encode_png, fit_for_editing, prepare_mask
from generation.jobs import EditSource, EditSpec, GenerateSpec, ImageResult, Job, JobState
from generation.loader import BUILTIN_NOTE
from generation.metrics import Metrics
from generation.params import EditParams, GenerateParams, check_side, edit_strength, parse_params, sampling
from generation.provenance import Ingredient, Provenance
from generation.store import ImageStore, JobLog, is_image_id, open_database
from generation.worker import Worker

log = get_logger("generation.app")

DATABASE_FILE = "service.db"
IMAGES_DIR = "images"
PUBLIC_PATHS = frozenset({"/healthz"})
EDIT_PARTS = frozenset({"params", "image", "mask"})
# Room in a JSON body for a base64 mask (4/3 of the bytes) plus parameters.
JSON_OVERHEAD = 64 * 1024

CONFIG = web.AppKey("config", Config)
ENGINE = web.AppKey("engine", Engine)
PROVENANCE = web.AppKey("provenance", Provenance)
STORE = web.AppKey("store", ImageStore)
WORKER = web.AppKey("worker", Worker)
METRICS = web.AppKey("metrics", Metrics)
JOB_LOG = web.AppKey("job_log", JobLog)
DECODING = web.AppKey("decoding", asyncio.Semaphore)
IMAGE_CACHING = web.AppKey("image_caching", str)
# Uploads decoded at once: each may take a few hundred MB while it is decoded.
CONCURRENT_DECODES = 2


# ---------------------------------------------------------------- middlewares


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except ApiError as error:
        response = web.json_response(error.to_json(), status=error.status)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        if error.status == 503:
            response.headers["Retry-After"] = "5"
    except (BadHttpMessage, RequestPayloadError) as exc:
        response = web.json_response(invalid("body", f"malformed request body: {exc}").to_json(), status=400)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(exc.status, "http_error")
        message = {
            404: f"no such endpoint: {request.method} {request.path}",
            405: f"{request.method} is not allowed on {request.path}",
            413: "the request body is too large",
        }.get(exc.status, exc.reason)
        field = "body" if exc.status == 413 else None
        response = web.json_response(ApiError(exc.status, code, message, field).to_json(), status=exc.status)
    except Exception:
        log.error("request.crashed", method=request.method, path=request.path, exc_info=True)
        response = web.json_response(
            ApiError(500, "internal", "internal error; the details are in the service log").to_json(), status=500
        )
    log.info(
        "request",
        method=request.method,
        path=request.path,
        status=response.status,
        ms=round((time.perf_counter() - started) * 1000),
    )
    return response


def bearer_auth(token: str):
    expected = token.encode()

    @web.middleware
    async def check(request: web.Request, handler) -> web.StreamResponse:
        if request.path not in PUBLIC_PATHS:
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            # Header values arrive surrogate-escaped when they are not ASCII; compare their raw bytes.
            given_bytes = given.strip().encode("utf-8", "surrogateescape")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given_bytes, expected):
                raise ApiError(401, "unauthorized", "missing or wrong bearer token in the Authorization header")
        return await handler(request)

    return check


# ---------------------------------------------------------------- reading requests


def _parse_json(raw: bytes, field: str) -> object:
    try:
        return json.loads(raw)
    except RecursionError:
        raise invalid(field, f"{field}: JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, integers too long to convert
        raise invalid(field, f"{field}: malformed JSON: {exc}") from None


async def _json_body(request: web.Request, accepted: str = "application/json") -> object:
    if request.content_type != "application/json":
        raise unsupported_media("body", f"expected {accepted}, got {request.content_type or 'nothing'}")
    raw = await request.read()
    return await asyncio.to_thread(_parse_json, raw, "body")


async def _read_part(part: BodyPartReader, limit: int) -> bytes:
    chunks = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large(part.name or "part", f"{part.name} is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def _multipart_edit(request: web.Request, max_bytes: int) -> tuple[object, dict[str, bytes]]:
    try:
        return await _read_multipart_edit(request, max_bytes)
    except (ValueError, AssertionError, BadHttpMessage, RequestPayloadError) as exc:
        raise invalid("body", f"malformed multipart body: {exc}") from None


async def _read_multipart_edit(request: web.Request, max_bytes: int) -> tuple[object, dict[str, bytes]]:
    params: object = {}
    files: dict[str, bytes] = {}
    seen: set[str] = set()
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise invalid("body", "nested multipart bodies are not supported")
        name = part.name or ""
        if name not in EDIT_PARTS:
            raise invalid(name or "body", f"unknown part {name!r}; expected params, image or mask")
        if name in seen:
            raise invalid(name, f"part {name!r} was sent twice")
        seen.add(name)
        if name == "params":
            params = await asyncio.to_thread(_parse_json, await _read_part(part, JSON_OVERHEAD), "params")
            continue
        declared = (part.headers.get("Content-Type") or "application/octet-stream").split(";")[0].strip().lower()
        if declared not in ACCEPTED_TYPES and declared != "application/octet-stream":
            raise unsupported_media(name, f"{name} must be image/png, image/jpeg or image/webp, not {declared}")
        files[name] = await _read_part(part, max_bytes)
    return params, files


def _decode_base64_image(value: str, field: str) -> bytes:
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(field, f"{field} must be a base64-encoded PNG, JPEG or WebP image") from None


# ---------------------------------------------------------------- answers


def _image_json(request: web.Request, image: ImageResult) -> dict:
    return {
        "id": image.id,
        "seed": image.seed,
        "width": image.width,
        "height": image.height,
        "url": str(request.url.with_path(f"/v1/images/{image.id}").with_query(None)),
    }


def _job_json(request: web.Request, job: Job) -> dict:
    worker = request.app[WORKER]
    body = {
        "job": job.id,
        "kind": job.kind,
        "state": str(job.state),
        "step": job.step,
        "total_steps": job.total_steps,
        "queue_position": worker.queue_position(job),
    }
    if job.state is JobState.DONE:
        body["images"] = [_image_json(request, image) for image in job.images]
        body["timings"] = job.timings
    if job.state is JobState.FAILED:
        body["error"] = job.error
    return body


async def _submit(request: web.Request, spec: GenerateSpec | EditSpec, wait: bool) -> web.Response:
    worker = request.app[WORKER]
    job = Job(spec=spec)
    worker.submit(job)
    if not wait:
        return web.json_response(_job_json(request, job), status=202, headers={"Location": f"/v1/jobs/{job.id}"})
    await job.finished.wait()
    if job.state is JobState.FAILED:
        raise ApiError(500, "job_failed", job.error or "the job failed", None)
    return web.json_response(_job_json(request, job))


# ---------------------------------------------------------------- routes


async def generate(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    params = parse_params(GenerateParams, await _json_body(request))
    spec = GenerateSpec(
        sampling=sampling(params, config.defaults, config.limits),
        width=check_side("width", config.defaults.width if params.width is None else params.width, config.limits),
        height=check_side("height", config.defaults.height if params.height is None else params.height, config.limits),
    )
    return await _submit(request, spec, params.wait)


async def edit(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    limits = config.limits
    files: dict[str, bytes] = {}
    where = "body"
    if request.content_type == "multipart/form-data":
        data, files = await _multipart_edit(request, limits.max_upload_bytes)
        where = "params"
    else:
        data = await _json_body(request, accepted="application/json or multipart/form-data")
    params = parse_params(EditParams, data, where)
    sampled = sampling(params, config.defaults, limits)
    strength = edit_strength(params, sampled.steps, config.defaults)
    request.app[WORKER].ensure_room()
    if params.mask is not None:
        if "mask" in files:
            raise invalid("mask", "mask was sent both as a part and in params; send it once")
        files["mask"] = await asyncio.to_thread(_decode_base64_image, params.mask, "mask")
    source = await _edit_source(request, params, files.get("image"))
    if params.scale != 1:
        source = await _scaled(source, params.scale, limits.max_side)
    mask = None
    if "mask" in files:
        async with request.app[DECODING]:
            uploaded = await asyncio.to_thread(
                decode_upload, files["mask"], "mask", limits.max_upload_bytes, limits.max_upload_pixels
            )
            mask = await asyncio.to_thread(prepare_mask, uploaded.image, source.image.size)
    spec = EditSpec(sampling=sampled, strength=strength, source=source, mask=mask)
    return await _submit(request, spec, params.wait)


async def _edit_source(request: web.Request, params: EditParams, upload: bytes | None) -> EditSource:
    limits = request.app[CONFIG].limits
    if upload is not None and params.parent is not None:
        raise invalid("parent", "give either parent or an uploaded image, not both")
    if upload is not None:
        async with request.app[DECODING]:
            decoded: Upload = await asyncio.to_thread(
                decode_upload, upload, "image", limits.max_upload_bytes, limits.max_upload_pixels
            )
            image = await asyncio.to_thread(fit_for_editing, decoded.image, limits.max_edit_side, limits.min_side)
        return EditSource(image=image, upload=decoded.data, upload_mime=decoded.mime)
    if params.parent is None:
        raise invalid("parent", "parent is required: the id of an image this service made, or upload an image")
    if not is_image_id(params.parent):
        raise invalid("parent", "parent must be an image id: 32 lowercase hexadecimal characters")
    store = request.app[STORE]
    if store.get(params.parent) is None:
        raise not_found("parent", f"no image {params.parent} on this service")
    image = await asyncio.to_thread(_open_stored, store.path_for(params.parent))
    return EditSource(image=image, parent=params.parent)


async def _scaled(source: EditSource, scale: int, max_side: int) -> EditSource:
    """An edit at ``scale`` times the size: the upscale of an image, refined by the model."""
    if scale != 2:
        raise invalid("scale", f"scale must be 1 or 2 (got {scale})")
    width, height = source.image.width * scale, source.image.height * scale
    if max(width, height) > max_side:
        raise invalid("scale", f"scaled to {width}x{height} the image would exceed max_side {max_side}")
    image = await asyncio.to_thread(source.image.resize, (width, height), Image.Resampling.LANCZOS)
    return replace(source, image=image)


def _open_stored(path: Path) -> Image.Image:
    with Image.open(path) as stored:
        return stored.convert("RGB")


async def job_status(request: web.Request) -> web.Response:
    job_id = request.match_info["job"]
    job = request.app[WORKER].get(job_id)
    if job is not None:
        return web.json_response(_job_json(request, job))
    row = request.app[JOB_LOG].get(job_id)
    if row is None:
        raise not_found("job", f"no job {job_id}")
    body = {key: row[key] for key in ("kind", "state", "step", "total_steps")}
    body.update(job=job_id, queue_position=None)
    if row["state"] == JobState.DONE:
        body["images"] = [_image_json(request, ImageResult(**image)) for image in row["images"]]
        body["timings"] = row["timings"]
    else:
        body["error"] = row["error"]
    return web.json_response(body)


def _stored_image(request: web.Request) -> dict:
    image_id = request.match_info["id"]
    if not is_image_id(image_id):
        raise invalid("id", "an image id is 32 lowercase hexadecimal characters")
    row = request.app[STORE].get(image_id)
    if row is None:
        raise not_found("id", f"no image {image_id} on this service")
    return row


async def image_file(request: web.Request) -> web.StreamResponse:
    image_id = _stored_image(request)["id"]
    return web.FileResponse(
        request.app[STORE].path_for(image_id),
        headers={"Content-Type": "image/png", "Cache-Control": request.app[IMAGE_CACHING]},
    )


async def image_provenance(request: web.Request) -> web.Response:
    row = _stored_image(request)
    image_id = row["id"]
    data = await asyncio.to_thread(request.app[STORE].read, image_id)
    report = await asyncio.to_thread(request.app[PROVENANCE].report, data)
    report.update(image=image_id, parent=row["parent"], parents=[entry["image"] for entry in report["chain"]])
    return web.json_response(report)


async def healthz(request: web.Request) -> web.Response:
    model = request.app[ENGINE].model
    body = {
        "status": "ok",
        "version": __version__,
        "model": model.name,
        "builtin": model.builtin,
        "device": model.device,
        "dtype": str(model.dtype).removeprefix("torch."),
        "pipeline": type(model.pipeline).__name__,
        "queue_depth": request.app[WORKER].depth,
        "provenance": "development CA (untrusted)" if request.app[PROVENANCE].material.development else "configured",
    }
    if model.builtin:
        body["note"] = BUILTIN_NOTE
        body["builtin_version"] = BUILTIN_VERSION
    return web.json_response(body)


async def metrics(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    metrics.queue_depth.set(request.app[WORKER].depth)
    return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


# ---------------------------------------------------------------- publishing outputs


def _parameters(job: Job, seed: int, model: str) -> dict:
    spec = job.spec
    sampling_ = spec.sampling
    parameters = {
        "model": model,
        "prompt": sampling_.prompt,
        "negative_prompt": sampling_.negative_prompt,
        "seed": seed,
        "steps": sampling_.steps,
        "guidance": sampling_.guidance,
        "width": spec.width,
        "height": spec.height,
        "job": job.id,
    }
    if isinstance(spec, EditSpec):
        parameters.update(strength=spec.strength, parent=spec.source.parent, masked=spec.mask is not None)
    return parameters


def make_publisher(app: web.Application):
    """Encode, sign and store each output of a job (in a thread), then record it."""

    async def publish(job: Job, images: list[Image.Image]) -> list[ImageResult]:
        store, provenance = app[STORE], app[PROVENANCE]
        model = app[ENGINE].model.name
        spec = job.spec
        ingredient = None
        if isinstance(spec, EditSpec):
            if spec.source.parent is not None:
                parent_bytes = await asyncio.to_thread(store.read, spec.source.parent)
                ingredient = Ingredient(parent_bytes, "image/png", f"{spec.source.parent}.png", uploaded=False)
            else:
                extension = spec.source.upload_mime.split("/")[1]
                ingredient = Ingredient(spec.source.upload, spec.source.upload_mime, f"upload.{extension}", True)
        results = []
        for index, (image, seed) in enumerate(zip(images, spec.sampling.seeds, strict=True)):
            parameters = _parameters(job, seed, model)

            def sign_and_write(image=image, parameters=parameters, index=index) -> tuple[str, str, int]:
                signed = provenance.sign(
                    encode_png(image),
                    title=f"atelier-{job.id}-{index + 1}.png",
                    model=model,
                    parameters=parameters,
                    description=spec.sampling.prompt if provenance.include_prompt else "edited with a text prompt",
                    ingredient=ingredient,
                )
                image_id, digest = store.write(signed)
                return image_id, digest, len(signed)

            image_id, digest, size = await asyncio.to_thread(sign_and_write)
            store.record(
                {
                    "id": image_id,
                    "sha256": digest,
                    "kind": job.kind,
                    "job": job.id,
                    "parent": parameters.get("parent"),
                    "created_at": time.time(),
                    "model": model,
                    "prompt": parameters["prompt"],
                    "negative_prompt": parameters["negative_prompt"],
                    "seed": seed,
                    "width": image.width,
                    "height": image.height,
                    "steps": parameters["steps"],
                    "guidance": parameters["guidance"],
                    "strength": parameters.get("strength"),
                    "masked": int(bool(parameters.get("masked"))),
                    "source_sha256": _sha256(spec.source.upload) if isinstance(spec, EditSpec) else None,
                    "bytes": size,
                }
            )
            results.append(ImageResult(id=image_id, seed=seed, width=image.width, height=image.height))
            log.info("image.stored", job=job.id, image=image_id, parent=parameters.get("parent"))
        return results

    return publish


def _sha256(data: bytes | None) -> str | None:
    return hashlib.sha256(data).hexdigest() if data is not None else None


# ---------------------------------------------------------------- assembly


def create_app(config: Config, engine: Engine, provenance: Provenance) -> web.Application:
    """The service around an already-loaded engine and signer (loading them is the caller's job)."""
    middlewares = [json_errors]
    if config.service.token:
        middlewares.append(bearer_auth(config.service.token))
    app = web.Application(
        middlewares=middlewares,
        client_max_size=config.limits.max_upload_bytes * 4 // 3 + JSON_OVERHEAD,
    )
    data_dir = config.service.data_dir
    db = open_database(data_dir / DATABASE_FILE)
    app[CONFIG] = config
    app[ENGINE] = engine
    app[PROVENANCE] = provenance
    app[STORE] = ImageStore(data_dir / IMAGES_DIR, db)
    app[METRICS] = Metrics()
    app[JOB_LOG] = JobLog(db)
    app[DECODING] = asyncio.Semaphore(CONCURRENT_DECODES)
    # Images are immutable, but behind a token no shared cache may keep them.
    app[IMAGE_CACHING] = f"{'private' if config.service.token else 'public'}, max-age=31536000, immutable"
    app[WORKER] = Worker(engine, make_publisher(app), app[METRICS], app[JOB_LOG], config.service.max_queue)

    async def lifecycle(app: web.Application):
        interrupted = app[JOB_LOG].fail_interrupted()
        if interrupted:
            log.warning("jobs.interrupted", count=interrupted)
        task = asyncio.create_task(app[WORKER].run(), name="model-worker")
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        app[WORKER].close()
        db.close()

    app.cleanup_ctx.append(lifecycle)
    app.add_routes(
        [
            web.post("/v1/generate", generate),
            web.post("/v1/edit", edit),
            web.get("/v1/jobs/{job}", job_status),
            web.get("/v1/images/{id}", image_file),
            web.get("/v1/images/{id}/provenance", image_provenance),
            web.get("/healthz", healthz),
            web.get("/metrics", metrics),
        ]
    )
    return app
