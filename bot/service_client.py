"""A small typed client for the generation service's HTTP API: the only way the bot reaches it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp

POLL_SECONDS = 0.5
# A job that hasn't finished after this long is given up on (the service may have lost it).
WAIT_LIMIT_SECONDS = 30 * 60


class ServiceUnavailable(Exception):
    """Nobody answers at the service's address, or it stopped answering."""


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
        )


Progress = Callable[[JobStatus], Awaitable[None]]


class GenerationClient:
    def __init__(self, base_url: str, token: str = "", timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GenerationClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
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
            except (ValueError, KeyError, TypeError, aiohttp.ContentTypeError):
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

    async def generate(self, prompt: str, **params) -> JobStatus:
        body = {"prompt": prompt, **{key: value for key, value in params.items() if value is not None}, "wait": False}
        return JobStatus.from_json(await self._json("POST", "/v1/generate", json=body))

    async def edit(
        self,
        prompt: str,
        *,
        parent: str | None = None,
        upload: bytes | None = None,
        upload_type: str = "image/png",
        **params,
    ) -> JobStatus:
        body = {"prompt": prompt, **{key: value for key, value in params.items() if value is not None}, "wait": False}
        if upload is None:
            return JobStatus.from_json(await self._json("POST", "/v1/edit", json={**body, "parent": parent}))
        form = aiohttp.FormData()
        form.add_field("params", json.dumps(body), content_type="application/json")
        form.add_field("image", upload, filename="upload", content_type=upload_type)
        return JobStatus.from_json(await self._json("POST", "/v1/edit", data=form))

    async def job(self, job_id: str) -> JobStatus:
        return JobStatus.from_json(await self._json("GET", f"/v1/jobs/{job_id}"))

    async def wait(self, status: JobStatus, progress: Progress | None = None) -> JobStatus:
        """Poll until the job ends, reporting each change of queue position or step."""
        last = None
        deadline = asyncio.get_running_loop().time() + WAIT_LIMIT_SECONDS
        while not status.finished:
            if asyncio.get_running_loop().time() > deadline:
                raise ServiceUnavailable(f"job {status.job} did not finish within {WAIT_LIMIT_SECONDS // 60} minutes")
            seen = (status.state, status.queue_position, status.step)
            if progress is not None and seen != last:
                await progress(status)
            last = seen
            await asyncio.sleep(POLL_SECONDS)
            status = await self.job(status.job)
        if status.state == "failed":
            raise ServiceRejected(500, "job_failed", status.error or "the job failed")
        if status.state == "cancelled":
            raise ServiceRejected(409, "job_cancelled", status.error or "the job was cancelled")
        return status

    async def image(self, image_id: str) -> bytes:
        return await self._body("GET", f"/v1/images/{image_id}", False)

    async def provenance(self, image_id: str) -> dict:
        return await self._json("GET", f"/v1/images/{image_id}/provenance")

    def image_url(self, image_id: str) -> str:
        return f"{self.base_url}/v1/images/{image_id}"
