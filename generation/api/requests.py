"""Reading request bodies: JSON, multipart edits and base64 images, each refusal naming the part at fault."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import BadHttpMessage
from aiohttp.web_protocol import RequestPayloadError

from generation.errors import invalid, too_large, unsupported_media
from generation.imaging import ACCEPTED_TYPES

EDIT_PARTS = frozenset({"params", "image", "mask"})
# Room in a JSON body for a base64 mask (4/3 of the bytes) plus parameters.
JSON_OVERHEAD = 64 * 1024


def parse_json(raw: bytes, field: str) -> object:
    try:
        return json.loads(raw)
    except RecursionError:
        raise invalid(field, f"{field}: JSON nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError, integers too long to convert
        raise invalid(field, f"{field}: malformed JSON: {exc}") from None


async def json_body(request: web.Request, accepted: str = "application/json") -> object:
    if request.content_type != "application/json":
        raise unsupported_media("body", f"expected {accepted}, got {request.content_type or 'nothing'}")
    raw = await request.read()
    return await asyncio.to_thread(parse_json, raw, "body")


async def _read_part(part: BodyPartReader, limit: int) -> bytes:
    chunks = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise too_large(part.name or "part", f"{part.name} is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def multipart_edit(request: web.Request, max_bytes: int) -> tuple[object, dict[str, bytes]]:
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
            params = await asyncio.to_thread(parse_json, await _read_part(part, JSON_OVERHEAD), "params")
            continue
        declared = (part.headers.get("Content-Type") or "application/octet-stream").split(";")[0].strip().lower()
        if declared not in ACCEPTED_TYPES and declared != "application/octet-stream":
            raise unsupported_media(name, f"{name} must be image/png, image/jpeg or image/webp, not {declared}")
        files[name] = await _read_part(part, max_bytes)
    return params, files


def decode_base64_image(value: str, field: str) -> bytes:
    if value.startswith("data:"):
        value = value.partition(",")[2]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(field, f"{field} must be a base64-encoded PNG, JPEG or WebP image") from None
