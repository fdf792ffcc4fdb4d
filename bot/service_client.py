"""A small typed client for the generation service's HTTP API: the only way the bot reaches it."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

# How long one GET /v1/jobs/{job}?wait= may hold on for a change (the service allows up to 30 s).
LONG_POLL_SECONDS = 25
# Only for a service too old to long-poll (its answers carry no version): the pause between plain polls.
LEGACY_POLL_SECONDS = 0.5
# A job that hasn't finished after this long is given up on (the service may have lost it).
WAIT_LIMIT_SECONDS = 30 * 60
# Retries while the service is unreachable: 0.25 s, doubling up to 5 s, each with jitter.
BACKOFF_FIRST_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 5.0
# The state reported to ``progress`` while the service is unreachable: not one the service itself reports.
WAITING_FOR_SERVICE = "waiting_for_service"
# Answers from a proxy (or a stopping server) in front of the service, unless the service itself wrote them.
GATEWAY_STATUSES = frozenset({502, 503, 504})


class ServiceUnavailable(Exception):
    """Nobody answers at the service's address, or it stopped answering (a proxy's 502/503/504 included)."""


class ServiceRejected(Exception):
    """The service refused a request (4xx/5xx) with a code, maybe the field at fault, and a message."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


@dataclass(frozen=True)
class ServiceImage:
    id: str
    seed: int
    width: int
    height: int


@dataclass(frozen=True)
class Usage:
    """What a job cost the service's device."""

    device_seconds: float = 0.0
    joules: float = 0.0
    estimated: bool = False


@dataclass(frozen=True)
class JobStatus:
    job: str
    state: str
    step: int | None = None
    total_steps: int | None = None
    queue_position: int | None = None
    images: tuple[ServiceImage, ...] = ()
    timings: dict = field(default_factory=dict)
    error: str | None = None
    model: str | None = None
    usage: Usage = Usage()
    # Changes whenever anything above changes; the long poll's ``seen``. None from a service too old to send it.
    version: str | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed", "cancelled")

    @classmethod
    def from_json(cls, body: dict) -> JobStatus:
        images = tuple(
            ServiceImage(id=item["id"], seed=item["seed"], width=item["width"], height=item["height"])
            for item in body.get("images", [])
        )
        return cls(
            job=body["job"],
            state=body["state"],
            step=body.get("step"),
            total_steps=body.get("total_steps"),
            queue_position=body.get("queue_position"),
            images=images,
            timings=body.get("timings") or {},
            error=body.get("error"),
            model=body.get("model"),
            usage=Usage(**(body.get("usage") or {})),
            version=body.get("version"),
        )

    def _shown(self) -> tuple:
        """What a progress report shows."""
        return self.state, self.queue_position, self.step


@dataclass(frozen=True)
class CopyMatch:
    """A signed original a picture may be a copy of, as the service's resolver answers it."""

    image_id: str
    # What found it: "watermark", "fingerprint" (perceptual hash), "features" (local features), "template" (its
    # place found inside the original) or "family".
    signal: str
    # 0 to 100: how closely the pixels match.
    score: int

    @classmethod
    def from_json(cls, data: dict) -> CopyMatch:
        return cls(image_id=data["image"], signal=data["signal"], score=int(data["similarityScore"]))


@dataclass(frozen=True)
class ServiceModel:
    """A model the service offers (``GET /v1/models``), with the sampling a request that leaves it out gets."""

    name: str
    default: bool = False
    defaults: dict = field(default_factory=dict)
    # "text-to-image", or "instruct": the instruction-edit model, which only edits, by instruction.
    kind: str = "text-to-image"

    @classmethod
    def from_json(cls, body: dict) -> ServiceModel:
        return cls(
            name=body["name"],
            default=bool(body.get("default")),
            defaults=body.get("defaults") or {},
            kind=body.get("kind", "text-to-image"),
        )


@dataclass(frozen=True)
class ServiceModels:
    models: tuple[ServiceModel, ...]
    loras: tuple[str, ...] = ()


Progress = Callable[[JobStatus], Awaitable[None]]
Waiting = Callable[[], Awaitable[None]]


class _Outage:
    """Retries while the service is unreachable: exponential backoff with jitter, for ``patience`` seconds
    in all since the first failure."""

    def __init__(self, patience: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._deadline = self._loop.time() + patience
        self._delay = BACKOFF_FIRST_SECONDS

    async def pause(self, failure: ServiceUnavailable) -> None:
        """Sleep before the next try, or raise ``failure`` once patience has run out."""
        left = self._deadline - self._loop.time()
        if left <= 0:
            raise failure
        await asyncio.sleep(min(left, self._delay * random.uniform(0.5, 1.0)))
        self._delay = min(self._delay * 2, BACKOFF_MAX_SECONDS)


class GenerationClient:
    """``timeout``: the most one ordinary request may take (a long poll gets its wait on top); ``patience``:
    how long ``wait`` (and a submission with an idempotency key) rides out an unreachable service."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 30.0, patience: float = 180.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.patience = patience
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._long_poll_timeout = aiohttp.ClientTimeout(total=LONG_POLL_SECONDS + timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GenerationClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # No cap on connections: each waiting job holds one in its long poll for up to LONG_POLL_SECONDS, and
            # with aiohttp's default of 100 in all, a busy bot's downloads and submissions would queue behind
            # them until they timed out. Each request keeps its own timeout.
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=self._timeout, connector=aiohttp.TCPConnector(limit=0)
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _request(self, method: str, path: str, **options) -> aiohttp.ClientResponse:
        try:
            response = await self._http().request(method, self.base_url + path, **options)
        except (aiohttp.ClientConnectionError, TimeoutError) as exc:
            raise ServiceUnavailable(f"the generation service at {self.base_url} is not answering") from exc
        if response.status >= 400:
            try:
                error = (await response.json(content_type=None))["error"]
                if not isinstance(error, dict):
                    raise TypeError("not a service error")
            except (ValueError, KeyError, TypeError, aiohttp.ClientError, TimeoutError):
                if response.status in GATEWAY_STATUSES:
                    raise ServiceUnavailable(
                        f"the generation service at {self.base_url} is not reachable (HTTP {response.status})"
                    ) from None
                error = {"code": "http_error", "message": f"HTTP {response.status}", "field": None}
            finally:
                response.release()
            raise ServiceRejected(
                response.status, error.get("code", "error"), error.get("message", ""), error.get("field")
            )
        return response

    async def _body(self, method: str, path: str, as_json: bool, **options):
        response = await self._request(method, path, **options)
        try:
            return await (response.json() if as_json else response.read())
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise ServiceUnavailable(f"the generation service at {self.base_url} sent a broken answer") from exc
        finally:
            response.release()

    async def _json(self, method: str, path: str, **options) -> dict:
        return await self._body(method, path, True, **options)

    async def health(self) -> dict:
        return await self._json("GET", "/healthz")

    async def models(self) -> ServiceModels:
        """The service's models (the default one first) and LoRAs."""
        body = await self._json("GET", "/v1/models")
        return ServiceModels(
            models=tuple(ServiceModel.from_json(model) for model in body["models"]), loras=tuple(body.get("loras", ()))
        )

    async def generate(
        self,
        prompt: str,
        *,
        idempotency_key: str | None = None,
        waiting: Waiting | None = None,
        **params,
    ) -> JobStatus:
        """Queue a generation. With ``idempotency_key`` the service makes one job per key, so a submission the
        service doesn't answer is retried within ``patience``; ``waiting`` is awaited once when that starts."""
        body = {"prompt": prompt, **{key: value for key, value in params.items() if value is not None}, "wait": False}
        return await self._submit("/v1/generate", lambda: {"json": body}, idempotency_key, waiting)

    async def edit(
        self,
        prompt: str,
        *,
        parent: str | None = None,
        upload: bytes | None = None,
        upload_type: str = "image/png",
        mask: bytes | None = None,
        idempotency_key: str | None = None,
        waiting: Waiting | None = None,
        **params,
    ) -> JobStatus:
        """Queue an edit of ``parent`` (an image id) or of ``upload``; retries as ``generate`` does. ``mask`` (a PNG,
        white where to repaint) limits the edit to a region."""
        body = {"prompt": prompt, **{key: value for key, value in params.items() if value is not None}, "wait": False}

        def options() -> dict:
            # A form is spent once sent: each try builds its own.
            if upload is not None:
                return {"data": self._form(body, image=(upload, upload_type), mask=mask)}
            if mask is not None:
                return {"data": self._form(body | {"parent": parent}, mask=mask)}
            return {"json": body | {"parent": parent}}

        return await self._submit("/v1/edit", options, idempotency_key, waiting)

    @staticmethod
    def _form(body: dict, image: tuple[bytes, str] | None = None, mask: bytes | None = None) -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field("params", json.dumps(body), content_type="application/json")
        if image is not None:
            form.add_field("image", image[0], filename="upload", content_type=image[1])
        if mask is not None:
            form.add_field("mask", mask, filename="mask", content_type="image/png")
        return form

    async def _submit(
        self, path: str, options: Callable[[], dict], key: str | None, waiting: Waiting | None
    ) -> JobStatus:
        headers = {"Idempotency-Key": key} if key is not None else None
        outage: _Outage | None = None
        while True:
            try:
                return JobStatus.from_json(await self._json("POST", path, headers=headers, **options()))
            except ServiceUnavailable as failure:
                if key is None:
                    raise  # without a key a retry could make a second job
                if outage is None:
                    outage = _Outage(self.patience)
                    if waiting is not None:
                        await waiting()
                await outage.pause(failure)

    async def segment(self, text: str, *, parent: str | None = None, image: bytes | None = None) -> bytes:
        """The mask (a PNG, white where ``text`` is) of ``parent`` (an image id) or of ``image``."""
        body = {"text": text, "parent": parent}
        if image is not None:
            body = {"text": text, "image": base64.b64encode(image).decode()}
        return await self._body("POST", "/v1/segment", False, json=body)

    async def job(self, job_id: str) -> JobStatus:
        return JobStatus.from_json(await self._json("GET", f"/v1/jobs/{job_id}"))

    async def cancel(self, job_id: str) -> JobStatus:
        """Cancel a queued job now or a running one at its next step; its status as the service answers it
        (``cancelled``, or still ``running`` until the step ends). A finished job: ServiceRejected ``job_finished``."""
        return JobStatus.from_json(await self._json("DELETE", f"/v1/jobs/{job_id}"))

    async def _changed(self, status: JobStatus) -> JobStatus:
        """The job's status once it differs from ``status``, or after the long poll's wait, unchanged."""
        if status.version is None:
            await asyncio.sleep(LEGACY_POLL_SECONDS)
            return await self.job(status.job)
        query = {"wait": str(LONG_POLL_SECONDS), "seen": status.version}
        body = await self._json("GET", f"/v1/jobs/{status.job}", params=query, timeout=self._long_poll_timeout)
        return JobStatus.from_json(body)

    async def wait(self, status: JobStatus, progress: Progress | None = None) -> JobStatus:
        """Follow the job until it ends with long polls, reporting each change of state, queue position or step.

        While the service is unreachable it retries for ``patience`` seconds, reporting a status in state
        ``waiting_for_service`` once, then raises ServiceUnavailable; a job the service no longer knows when it
        answers again raises ServiceRejected ``job_lost``. A job still unfinished after ``WAIT_LIMIT_SECONDS`` is
        cancelled at the service (if it answers) and raises ServiceUnavailable.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_LIMIT_SECONDS
        shown = None
        outage: _Outage | None = None
        while True:
            if progress is not None and outage is None and status._shown() != shown:
                shown = status._shown()
                await progress(status)
            if status.finished:
                break
            if loop.time() > deadline:
                # Given up on: stop it at the service too, so it doesn't go on running for nobody. Best effort.
                with contextlib.suppress(ServiceUnavailable, ServiceRejected):
                    await self.cancel(status.job)
                raise ServiceUnavailable(f"job {status.job} did not finish within {WAIT_LIMIT_SECONDS // 60} minutes")
            try:
                status = await self._changed(status)
            except ServiceUnavailable as failure:
                if outage is None:
                    outage = _Outage(self.patience)
                    if progress is not None:
                        shown = (WAITING_FOR_SERVICE, None, None)
                        await progress(dataclasses.replace(status, state=WAITING_FOR_SERVICE, queue_position=None))
                await outage.pause(failure)
            except ServiceRejected as exc:
                if exc.status == 404 and exc.code == "not_found":
                    raise ServiceRejected(
                        404, "job_lost", f"the generation service no longer knows job {status.job}", "job"
                    ) from exc
                raise
            else:
                outage = None
        if status.state == "failed":
            raise ServiceRejected(500, "job_failed", status.error or "the job failed")
        if status.state == "cancelled":
            raise ServiceRejected(409, "job_cancelled", status.error or "the job was cancelled")
        return status

    async def image(self, image_id: str) -> bytes:
        return await self._body("GET", f"/v1/images/{image_id}", False)

    async def matches(self, picture: bytes, content_type: str) -> list[CopyMatch]:
        """The signed originals ``picture`` may be a copy of, best first (the resolver, with the token: every
        image)."""
        body = await self._json("POST", "/v1/matches/byContent", data=picture, headers={"Content-Type": content_type})
        return [CopyMatch.from_json(match) for match in body["matches"]]

    async def provenance(self, image_id: str) -> dict:
        return await self._json("GET", f"/v1/images/{image_id}/provenance")

    def image_url(self, image_id: str) -> str:
        return f"{self.base_url}/v1/images/{image_id}"
