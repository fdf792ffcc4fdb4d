"""Middlewares: every error as JSON naming the field, and the bearer token on every endpoint but the public ones
(the health check, and the resolver, which notes whether the token was given)."""

from __future__ import annotations

import hmac
import time

from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage
from aiohttp.web_protocol import RequestPayloadError

from atelier.logs import get_logger
from generation.errors import ApiError, invalid

log = get_logger("generation.api")

PUBLIC_PATHS = frozenset({"/healthz"})
# Open to anyone; the token, when given, widens what they answer: the resolver (generation.api.resolver), and the
# file and credential report of an image made public.
RESOLVER_PREFIXES = ("/v1/matches/", "/v1/manifests/", "/v1/services/")
IMAGES_PREFIX = "/v1/images/"
TRUSTED = web.RequestKey("trusted", bool)


@web.middleware
async def json_errors(request: web.Request, handler) -> web.StreamResponse:
    started = time.perf_counter()
    try:
        response = await handler(request)
    except ApiError as error:
        response = web.json_response(error.to_json(), status=error.status)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = "Bearer"
        if error.retry_after is not None or error.status == 503:
            response.headers["Retry-After"] = str(error.retry_after or 5)
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


def unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "missing or wrong bearer token in the Authorization header")


def is_trusted(request: web.Request) -> bool:
    """Whether the request may see every image: it carried the token, or the service has none."""
    return request.get(TRUSTED, True)


def bearer_auth(token: str):
    expected = token.encode()

    @web.middleware
    async def check(request: web.Request, handler) -> web.StreamResponse:
        if request.path in PUBLIC_PATHS:
            return await handler(request)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        # Header values arrive surrogate-escaped when they are not ASCII; compare their raw bytes.
        given_bytes = given.strip().encode("utf-8", "surrogateescape")
        request[TRUSTED] = scheme.lower() == "bearer" and hmac.compare_digest(given_bytes, expected)
        open_path = request.path.startswith(RESOLVER_PREFIXES) or (
            request.method == "GET" and request.path.startswith(IMAGES_PREFIX)
        )
        if not request[TRUSTED] and not open_path:
            raise unauthorized()
        return await handler(request)

    return check
