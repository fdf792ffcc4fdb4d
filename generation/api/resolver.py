"""The public resolver, after the C2PA Soft Binding Resolution API: from a copy that lost its credential (or its
watermark value, or its perceptual hash) to the signed original's manifest.

It needs no token and is rate-limited per client address. Without the service's token it answers only for
public images (made with ``"public": true``); with it, for every image. A private image is answered as unknown,
never as forbidden, so its existence doesn't leak.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import math
import time

from aiohttp import web
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from generation.api import keys
from generation.api.middlewares import is_trusted
from generation.api.requests import json_body
from generation.database import DatabaseThread
from generation.errors import ApiError, invalid, not_found, unsupported_media
from generation.imaging import ACCEPTED_TYPES, decode_upload
from generation.resolving import Match, Query, by_features, by_template, candidates, rank, with_relatives
from generation.store import ImageStore
from generation.watermark import (
    FINGERPRINT_ALGORITHM,
    WATERMARK_ALGORITHM,
    fingerprint,
    identifier_of_binding,
    read,
)

MAX_RESULTS = 100
MANIFEST_TYPE = "application/c2pa"


class RateLimit:
    """A moving window of requests per client address (the ``limits`` library, in memory)."""

    def __init__(self, rate: str) -> None:
        self.rate = parse(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, client: str) -> None:
        if not self._limiter.hit(self.rate, client):
            reset = self._limiter.get_window_stats(self.rate, client).reset_time
            raise ApiError(
                429,
                "rate_limited",
                f"too many resolver requests from this address: at most {self.rate}; try again later",
                retry_after=max(1, math.ceil(reset - time.time())),
            )


RATE_LIMIT = web.AppKey("resolver_rate_limit", RateLimit)


def _visible(request: web.Request, public: bool) -> bool:
    return public or is_trusted(request)


def _max_results(request: web.Request) -> int:
    raw = request.query.get("maxResults", "10")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_RESULTS:
        raise invalid("maxResults", f"maxResults is a whole number from 1 to {MAX_RESULTS}")
    return int(raw)


def _answer(request: web.Request, matches: list[Match], limit: int) -> web.Response:
    shown = [match for match in matches if _visible(request, match.public)][:limit]
    return web.json_response({"matches": [match.to_json() for match in shown]})


async def _limited(request: web.Request) -> None:
    request.app[RATE_LIMIT].check(request.remote or "unknown")


async def _lookup(request: web.Request, query: Query, picture=None) -> list[Match]:
    return await lookup(request.app[keys.STORE], request.app[keys.DATABASE], query, picture)


async def lookup(store: ImageStore, database: DatabaseThread, query: Query, picture=None) -> list[Match]:
    """Candidates from the database thread, then (with a picture) ranked by their pixels in a worker thread; when
    none holds, candidates by local features, aligned with the copy before they are ranked."""
    found = await database.run(candidates, query, store.by_watermark, store.fingerprints, store.family)
    if picture is not None:
        matches = await asyncio.to_thread(rank, picture, found, store.read)
        if matches:
            return matches
        signal = "features"
        featured = await asyncio.to_thread(by_features, picture, await database.run(store.with_features))
        if not featured:
            # Too few local features (flat shapes): look for the copy inside the nearest pictures by their hash.
            signal = "template"
            featured = await asyncio.to_thread(by_template, picture, found, store.read)
        if not featured:
            return []
        relatives = await database.run(store.family, list(featured))
        found, transforms = with_relatives(featured, relatives, signal)
        return await asyncio.to_thread(rank, picture, found, store.read, transforms)
    # A binding alone: the watermark is exact; a hash is ranked by how many of its bits agree.
    wanted = int(query.phash or "0", 16)
    return sorted(
        (
            Match(
                image_id,
                row["manifest_label"],
                signal,
                1.0 if signal == "watermark" else 1 - bin(wanted ^ int(row["phash"], 16)).count("1") / 64,
                bool(row["public"]),
            )
            for image_id, (row, signal) in found.items()
            if signal != "family" and row["manifest_label"] is not None
        ),
        key=lambda match: -match.similarity,
    )


def _query_of_binding(algorithm: object, value: object) -> Query | None:
    """The lookup a soft binding asks for; None for a well-formed watermark value no image can carry."""
    if not isinstance(value, str) or not value:
        raise invalid("value", "value is the binding's base64 value")
    if algorithm == WATERMARK_ALGORITHM:
        identifier = identifier_of_binding(value)
        return None if identifier is None else Query(f"{identifier:012x}", None)
    if algorithm == FINGERPRINT_ALGORITHM:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 8:
            raise invalid("value", "a perceptual hash is 8 bytes, base64-encoded")
        return Query(None, raw.hex())
    raise invalid("alg", f"unknown algorithm {algorithm!r}: see /v1/services/supportedAlgorithms")


async def _by_binding(request: web.Request, algorithm: object, value: object) -> web.Response:
    limit = _max_results(request)
    query = _query_of_binding(algorithm, value)
    if query is None:
        return web.json_response({"matches": []})
    matches = await _lookup(request, query)
    if algorithm == WATERMARK_ALGORITHM:
        matches = [match for match in matches if match.signal == "watermark"]
    return _answer(request, matches, limit)


async def matches_by_binding_get(request: web.Request) -> web.Response:
    await _limited(request)
    return await _by_binding(request, request.query.get("alg"), request.query.get("value"))


async def matches_by_binding_post(request: web.Request) -> web.Response:
    await _limited(request)
    body = await json_body(request)
    if not isinstance(body, dict):
        raise invalid("body", "body is a JSON object with alg and value")
    return await _by_binding(request, body.get("alg"), body.get("value"))


async def matches_by_content(request: web.Request) -> web.Response:
    await _limited(request)
    limit = _max_results(request)
    if request.content_type not in ACCEPTED_TYPES:
        raise unsupported_media("body", f"expected a PNG, JPEG or WebP image, got {request.content_type or 'nothing'}")
    data = await request.read()
    config = request.app[keys.CONFIG]
    async with request.app[keys.DECODING]:
        upload = await asyncio.to_thread(decode_upload, data, "body", config.limits)
    picture = upload.image
    return _answer(request, await _lookup(request, await query_of(picture), picture), limit)


async def query_of(picture) -> Query:
    """What a copy tells by itself: the watermark it carries, if any, and its perceptual hash."""
    identifier, phash = await asyncio.gather(asyncio.to_thread(read, picture), asyncio.to_thread(fingerprint, picture))
    return Query(None if identifier is None else f"{identifier:012x}", phash)


async def manifest(request: web.Request) -> web.Response:
    await _limited(request)
    label = request.match_info["manifest_id"]
    store, database = request.app[keys.STORE], request.app[keys.DATABASE]
    row = await database.run(store.manifest, label)
    if row is None or not _visible(request, bool(row["public"])):
        raise not_found("manifestId", f"no manifest {label} on this resolver")
    return web.Response(body=row["manifest"], content_type=MANIFEST_TYPE)


async def supported_algorithms(request: web.Request) -> web.Response:
    await _limited(request)
    return web.json_response(
        {"watermarks": [{"alg": WATERMARK_ALGORITHM}], "fingerprints": [{"alg": FINGERPRINT_ALGORITHM}]}
    )


ROUTES = [
    web.get("/v1/matches/byBinding", matches_by_binding_get),
    web.post("/v1/matches/byBinding", matches_by_binding_post),
    web.post("/v1/matches/byContent", matches_by_content),
    web.get("/v1/manifests/{manifest_id}", manifest),
    web.get("/v1/services/supportedAlgorithms", supported_algorithms),
]
