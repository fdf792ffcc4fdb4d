"""The HTTP routes: generate, edit, jobs (status and cancel), images, provenance, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import math
from dataclasses import replace

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from atelier import __version__
from generation.api import keys
from generation.api.middlewares import is_trusted, unauthorized
from generation.api.requests import decode_base64_image, json_body, multipart_edit
from generation.api.segment import segment
from generation.errors import ApiError, invalid, not_found
from generation.imaging import decode_upload, fitted_size, prepare_mask, release_memory
from generation.jobs.backend import Capabilities
from generation.jobs.model import BlobRef, EditSpec, GenerateSpec, ImageResult, Job, JobState, Spec
from generation.jobs.queue import JobQueue
from generation.params import (
    EditParams,
    GenerateParams,
    check_cost,
    check_instruction,
    check_loras,
    check_side,
    edit_strength,
    parse_params,
    sampling,
)
from generation.store import is_image_id, sha256_hex

IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_IDEMPOTENCY_KEY = 255
# The longest a GET /v1/jobs/{job}?wait= may hold on for a change, in seconds.
MAX_LONG_POLL = 30


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
    queue = request.app[keys.QUEUE]
    body = {
        "job": job.id,
        "kind": job.kind,
        "state": str(job.state),
        "version": queue.version(job),
        "step": job.step,
        "total_steps": job.total_steps,
        "queue_position": queue.position(job),
        # Jobs recorded by an older release may have no spec, and those before several models no model.
        "model": getattr(job.spec, "model", "") or request.app[keys.BACKEND].default_name,
        "usage": job.usage.to_json(),
    }
    if job.state is JobState.RUNNING and job.cancel_requested:
        body["cancel_requested"] = True
    if job.state is JobState.DONE:
        body["images"] = [_image_json(request, image) for image in job.images]
        body["timings"] = job.timings
    elif job.is_finished:
        body["error"] = job.error
    return body


async def _answer(request: web.Request, job: Job, wait: bool, cancel_on_hang_up: bool) -> web.Response:
    if not wait:
        return web.json_response(_job_json(request, job), status=202, headers={"Location": f"/v1/jobs/{job.id}"})
    try:
        await job.finished.wait()
    except asyncio.CancelledError:
        # The client hung up, so nobody will read the result, unless the service itself is stopping (the job
        # then runs after the restart).
        if cancel_on_hang_up and not request.app[keys.STOPPING].is_set():
            await asyncio.shield(request.app[keys.QUEUE].cancel(job))
        raise
    if job.state is JobState.FAILED:
        raise ApiError(500, "job_failed", job.error or "the job failed", None)
    if job.state is JobState.CANCELLED:
        raise ApiError(409, "job_cancelled", job.error or "the job was cancelled", None)
    return web.json_response(_job_json(request, job))


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_IDEMPOTENCY_KEY or not key.isprintable() or not key.isascii():
        raise invalid(IDEMPOTENCY_HEADER, f"{IDEMPOTENCY_HEADER} must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII")
    return key


def _request_hash(request: web.Request, params: GenerateParams | EditParams, digests: dict[str, str]) -> str:
    """What makes two requests the same: the path, the parameters as sent, the uploaded bytes' digests."""
    described = {
        "path": request.path,
        "params": params.model_dump(exclude={"wait", "keep"}),
        "files": dict(sorted(digests.items())),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _cancel_on_hang_up(params: GenerateParams | EditParams, key: str | None, repeated: Job | None) -> bool:
    """A waiting client's hang-up cancels the job it submitted, unless it asked to keep it or sent an
    idempotency key (it may come back for the result); a repeat never cancels the first request's job."""
    return not params.keep and key is None and repeated is None


def _submitting(request: web.Request, key: str | None):
    """Requests carrying an idempotency key are submitted one at a time, so a key can't make two jobs."""
    return request.app[keys.SUBMITTING] if key is not None else contextlib.nullcontext()


async def _repeated(request: web.Request, key: str | None, request_hash: str) -> Job | None:
    """The job an earlier request with the same idempotency key made, if any."""
    if key is None:
        return None
    job = await request.app[keys.QUEUE].find(key)
    if job is not None and job.request_hash != request_hash:
        raise ApiError(
            422, "idempotency_key_reused", f"{IDEMPOTENCY_HEADER} {key!r} was used for a different request", None
        )
    return job


def _check_capabilities(capabilities: Capabilities, spec: Spec) -> None:
    if spec.sampling.negative_prompt and not capabilities.negative_prompt:
        raise invalid("negative_prompt", "this model takes no negative prompt")
    if isinstance(spec, EditSpec) and not capabilities.edit:
        raise invalid("parent", "this model can't edit images, only generate them")
    if isinstance(spec, EditSpec) and spec.mask is not None and not capabilities.inpaint:
        raise invalid("mask", "this model can't repaint a masked region; edit the whole image instead")
    if isinstance(spec, EditSpec) and spec.extend is not None and not capabilities.inpaint:
        raise invalid("extend", "this model can't draw a new area around an image (it can't repaint a region)")


async def _submit(request: web.Request, spec: Spec, key: str | None, request_hash: str) -> Job:
    """Queue a job for ``spec``: the blobs the request holds pass to the job, or are let go if it is refused."""
    app = request.app
    queue = app[keys.QUEUE]
    job = Job(spec=spec, idempotency_key=key, request_hash=request_hash)
    try:
        _check_capabilities(app[keys.BACKEND].capabilities, spec)
        app[keys.WORKER].prepare(job)
        check_cost(spec.width, spec.height, job.total_steps, spec.sampling.count, app[keys.CONFIG].limits)
    except BaseException:
        queue.release_inputs(job)
        raise
    # Finished even if the client hangs up meanwhile: a job is either recorded and queued, or refused.
    return await asyncio.shield(_queue(queue, job))


async def _queue(queue: JobQueue, job: Job) -> Job:
    try:
        return await queue.submit(job)
    except BaseException:
        queue.release_inputs(job)
        raise


# ---------------------------------------------------------------- generate and edit


def _model_choice(request: web.Request, params: GenerateParams | EditParams):
    """The model a request names (the default one when none), its sampling defaults, and the LoRAs applied."""
    shelf = request.app[keys.BACKEND]
    model = shelf.resolve(params.model)
    loras = check_loras(params.loras, shelf.loras, request.app[keys.CONFIG].loras.max_per_request)
    return model, shelf.defaults(model), loras


async def generate(request: web.Request) -> web.Response:
    limits = request.app[keys.CONFIG].limits
    params = parse_params(GenerateParams, await json_body(request))
    model, defaults, loras = _model_choice(request, params)
    key = _idempotency_key(request)
    async with _submitting(request, key):
        job = repeated = await _repeated(request, key, request_hash := _request_hash(request, params, {}))
        if job is None:
            spec = GenerateSpec(
                sampling=sampling(params, defaults, limits),
                width=check_side("width", defaults.width if params.width is None else params.width, limits),
                height=check_side("height", defaults.height if params.height is None else params.height, limits),
                model=model,
                loras=loras,
                public=params.public,
            )
            job = await _submit(request, spec, key, request_hash)
    return await _answer(request, job, params.wait, _cancel_on_hang_up(params, key, repeated))


async def edit(request: web.Request) -> web.Response:
    config = request.app[keys.CONFIG]
    limits = config.limits
    files: dict[str, bytes] = {}
    where = "body"
    if request.content_type == "multipart/form-data":
        data, files = await multipart_edit(request, limits.max_upload_bytes)
        where = "params"
    else:
        data = await json_body(request, accepted="application/json or multipart/form-data")
    params = parse_params(EditParams, data, where)
    if params.instruct:
        image_guidance = check_instruction(params, limits)
        model = request.app[keys.BACKEND].resolve_instruct(params.model)
        defaults, loras = request.app[keys.BACKEND].defaults(model), ()
    else:
        model, defaults, loras = _model_choice(request, params)
    if params.mask is not None:
        if "mask" in files:
            raise invalid("mask", "mask was sent both as a part and in params; send it once")
        files["mask"] = await asyncio.to_thread(decode_base64_image, params.mask, "mask")
    key = _idempotency_key(request)
    # Each upload is hashed once, off the event loop: for the request's identity and the blob's name.
    digests = await asyncio.to_thread(lambda: {name: sha256_hex(data) for name, data in files.items()})
    request_hash = _request_hash(request, params.model_copy(update={"mask": None}), digests)
    async with _submitting(request, key):
        job = repeated = await _repeated(request, key, request_hash)
        if job is None:
            sampled, strength = edit_strength(params, sampling(params, defaults, limits), defaults, limits)
            request.app[keys.QUEUE].ensure_room()
            spec = await _edit_spec(request, params, files, digests, sampled, strength)
            spec = replace(spec, model=model, loras=loras, public=params.public)
            if params.instruct:
                # Drawn from noise beside the picture, every step run.
                spec = replace(spec, strength=1.0, image_guidance=image_guidance)
            job = await _submit(request, spec, key, request_hash)
    return await _answer(request, job, params.wait, _cancel_on_hang_up(params, key, repeated))


async def _edit_spec(
    request: web.Request, params: EditParams, files: dict[str, bytes], digests: dict[str, str], sampled, strength
) -> EditSpec:
    """Check the edit's source and mask (headers first, pixels under the decode limit) and keep their bytes,
    held for the job; on a refusal, let go of what was kept."""
    blobs = request.app[keys.BLOBS]
    held: list[str] = []

    async def keep(name: str) -> str:
        digest = digests[name]
        blobs.hold(digest)
        held.append(digest)
        await asyncio.to_thread(blobs.write, digest, files[name])
        return digest

    try:
        return await _checked_edit_spec(request, params, files, sampled, strength, keep)
    except BaseException:
        for digest in held:
            blobs.release(digest)
        raise


async def _checked_edit_spec(request, params: EditParams, files: dict[str, bytes], sampled, strength, keep) -> EditSpec:
    app = request.app
    limits = app[keys.CONFIG].limits
    upload = files.get("image")
    if upload is not None and params.parent is not None:
        raise invalid("parent", "give either parent or an uploaded image, not both")
    if upload is not None:
        decoded = await _decode(request, upload, "image")
        width, height = fitted_size(decoded.image.width, decoded.image.height, limits.max_edit_side, limits.min_side)
        source = BlobRef(await keep("image"), decoded.mime)
    else:
        if params.parent is None:
            raise invalid("parent", "parent is required: the id of an image this service made, or upload an image")
        if not is_image_id(params.parent):
            raise invalid("parent", "parent must be an image id: 32 lowercase hexadecimal characters")
        row = await app[keys.DATABASE].run(app[keys.STORE].get, params.parent)
        if row is None:
            raise not_found("parent", f"no image {params.parent} on this service")
        width, height, source = row["width"], row["height"], None
    if params.scale != 1:
        width, height = _scaled_size(width, height, params.scale, limits.max_side)
    extend = None
    if params.extend is not None:
        extend = _margins(params, "mask" in files, width, height, limits.max_side)
        width, height = width + extend[0] + extend[2], height + extend[1] + extend[3]
    mask = None
    if "mask" in files:
        decoded = await _decode(request, files["mask"], "mask", mask_for=(width, height))
        await asyncio.to_thread(prepare_mask, decoded.image, (width, height))
        mask = BlobRef(await keep("mask"), decoded.mime)
    return EditSpec(
        sampling=sampled,
        strength=strength,
        width=width,
        height=height,
        parent=params.parent,
        upload=source,
        mask=mask,
        scale=params.scale,
        extend=extend,
    )


async def _decode(request: web.Request, data: bytes, field: str, mask_for: tuple[int, int] | None = None):
    limits = request.app[keys.CONFIG].limits
    async with request.app[keys.DECODING]:
        try:
            return await asyncio.to_thread(decode_upload, data, field, limits, mask_for)
        finally:
            await asyncio.to_thread(release_memory)


def _margins(params: EditParams, masked: bool, width: int, height: int, max_side: int) -> tuple[int, int, int, int]:
    """The checked margins of an outpainting edit (zoom out, pan, a new aspect ratio)."""
    margins = params.extend
    values = (margins.left, margins.top, margins.right, margins.bottom)
    if min(values) < 0 or not any(values):
        raise invalid("extend", "extend adds pixels: left, top, right and bottom must be 0 or more, one above 0")
    if params.scale != 1 or masked:
        raise invalid("extend", "extend draws the new area itself: send it without mask or scale")
    grown = (width + margins.left + margins.right, height + margins.top + margins.bottom)
    if grown[0] % 8 or grown[1] % 8:
        raise invalid("extend", f"extended to {grown[0]}x{grown[1]}: both sides must be multiples of 8")
    if max(grown) > max_side:
        raise invalid("extend", f"extended to {grown[0]}x{grown[1]} the image would exceed max_side {max_side}")
    return values


def _scaled_size(width: int, height: int, scale: int, max_side: int) -> tuple[int, int]:
    """An edit at ``scale`` times the size: the upscale of an image, refined by the model."""
    if scale != 2:
        raise invalid("scale", f"scale must be 1 or 2 (got {scale})")
    width, height = width * scale, height * scale
    if max(width, height) > max_side:
        raise invalid("scale", f"scaled to {width}x{height} the image would exceed max_side {max_side}")
    return width, height


# ---------------------------------------------------------------- jobs


async def _job(request: web.Request) -> Job:
    job_id = request.match_info["job"]
    job = await request.app[keys.QUEUE].get(job_id)
    if job is None:
        raise not_found("job", f"no job {job_id}")
    return job


def _long_poll_seconds(request: web.Request) -> float | None:
    raw = request.query.get("wait")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (0 < seconds <= MAX_LONG_POLL):  # NaN fails too
        raise invalid("wait", f"wait must be a number of seconds above 0 and at most {MAX_LONG_POLL} (got {raw!r})")
    return seconds


async def job_status(request: web.Request) -> web.Response:
    """The job's status; with ``wait`` (seconds) and ``seen`` (the ``version`` of an earlier answer), a long poll:
    the answer comes when the job's version differs from ``seen``, or after ``wait`` seconds unchanged."""
    wait = _long_poll_seconds(request)
    job = await _job(request)
    if wait is not None:
        await _changed_since(request, job, request.query.get("seen"), wait)
    return web.json_response(_job_json(request, job))


async def _changed_since(request: web.Request, job: Job, seen: str | None, wait: float) -> None:
    """Return once the job's version differs from ``seen``, it has ended, the service is stopping, or ``wait``
    seconds have passed. Only waits: a client hanging up meanwhile leaves the job alone."""
    stopping = request.app[keys.STOPPING]
    changed = job.changed  # taken before the version is read, so a change in between still wakes us
    if job.is_finished or stopping.is_set() or request.app[keys.QUEUE].version(job) != seen:
        return
    waits = [asyncio.ensure_future(changed.wait()), asyncio.ensure_future(stopping.wait())]
    try:
        await asyncio.wait(waits, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()


async def cancel_job(request: web.Request) -> web.Response:
    job = await _job(request)
    if job.is_finished:
        raise ApiError(409, "job_finished", f"job {job.id} has already ended ({job.state}); nothing to cancel", "job")
    # Decided before the cancel: a running job may reach its next step, and stop, while the cancel is recorded.
    running = job.state is JobState.RUNNING
    await request.app[keys.QUEUE].cancel(job)
    body = _job_json(request, job)
    if running:
        body["cancel_requested"] = True
    return web.json_response(body, status=202 if running or not job.is_finished else 200)


# ---------------------------------------------------------------- images


async def _stored_image(request: web.Request) -> dict:
    """The image the path names. Without the token, only a public image is answered: anything else, even an
    unknown or malformed id, is refused as unauthorized, so that nothing tells which ids exist."""
    image_id = request.match_info["id"]
    trusted = is_trusted(request)
    if trusted and not is_image_id(image_id):
        raise invalid("id", "an image id is 32 lowercase hexadecimal characters")
    row = await request.app[keys.DATABASE].run(request.app[keys.STORE].get, image_id)
    if not trusted and (row is None or not row["public"]):
        raise unauthorized()
    if row is None:
        raise not_found("id", f"no image {image_id} on this service")
    return row


async def image_file(request: web.Request) -> web.StreamResponse:
    image_id = (await _stored_image(request))["id"]
    return web.FileResponse(
        request.app[keys.STORE].path_for(image_id),
        headers={"Content-Type": "image/png", "Cache-Control": request.app[keys.IMAGE_CACHING]},
    )


async def image_provenance(request: web.Request) -> web.Response:
    row = await _stored_image(request)
    image_id = row["id"]
    data = await asyncio.to_thread(request.app[keys.STORE].read, image_id)
    report = await asyncio.to_thread(request.app[keys.PROVENANCE].report, data)
    report.update(image=image_id, parent=row["parent"], parents=[entry["image"] for entry in report["chain"]])
    return web.json_response(report)


# ---------------------------------------------------------------- service


async def healthz(request: web.Request) -> web.Response:
    app = request.app
    worker = app.get(keys.WORKER_TASK)
    working = worker is not None and not worker.done()
    body = {
        "status": "ok" if working else "worker stopped",
        "version": __version__,
        **app[keys.BACKEND].describe(),
        # What a request that leaves them out gets (the default model's own, where it declares them).
        "defaults": app[keys.BACKEND].defaults(app[keys.BACKEND].default_name).model_dump(),
        "queue_depth": app[keys.QUEUE].depth,
        "provenance": "development CA (untrusted)" if app[keys.PROVENANCE].material.development else "configured",
    }
    return web.json_response(body, status=200 if working else 503)


async def models(request: web.Request) -> web.Response:
    shelf = request.app[keys.BACKEND]
    budget = shelf.budget_bytes
    return web.json_response(
        {
            "models": shelf.listing(),
            "memory_budget_mb": round(budget / 2**20, 1) if budget else None,
            "loras": list(shelf.loras),
            "segmentation": request.app[keys.SEGMENTER] is not None,
        }
    )


async def metrics(request: web.Request) -> web.Response:
    registry = request.app[keys.METRICS]
    registry.queue_depth.set(request.app[keys.QUEUE].depth)
    return web.Response(body=registry.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})


ROUTES = [
    web.post("/v1/generate", generate),
    web.post("/v1/edit", edit),
    web.get("/v1/jobs/{job}", job_status),
    web.delete("/v1/jobs/{job}", cancel_job),
    web.get("/v1/images/{id}", image_file),
    web.get("/v1/images/{id}/provenance", image_provenance),
    web.get("/v1/models", models),
    web.post("/v1/segment", segment),
    web.get("/healthz", healthz),
    web.get("/metrics", metrics),
]
