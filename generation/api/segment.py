"""``POST /v1/segment``: where a thing named in words is in a picture, as a mask (the bot sends it back with the
edit, like any mask). Needs a segmentation model (``[model] segmentation_path``)."""

from __future__ import annotations

import asyncio
import io

from aiohttp import web
from PIL import Image
from pydantic import BaseModel, ConfigDict, StrictStr

from generation.api import keys
from generation.api.requests import decode_base64_image, json_body
from generation.errors import ApiError, invalid, not_found
from generation.imaging import decode_upload
from generation.params import parse_params
from generation.store import is_image_id

MAX_TEXT = 200


class SegmentParams(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    text: StrictStr
    # An image of this service, or a picture sent along (base64, as an edit's mask).
    parent: StrictStr | None = None
    image: StrictStr | None = None


async def segment(request: web.Request) -> web.Response:
    segmenter = request.app[keys.SEGMENTER]
    if segmenter is None:
        raise invalid("text", "this service has no segmentation model: set [model] segmentation_path")
    params = parse_params(SegmentParams, await json_body(request))
    text = params.text.strip()
    if not text or len(text) > MAX_TEXT:
        raise invalid("text", f"text must be 1 to {MAX_TEXT} characters")
    picture = await _picture(request, params)
    async with request.app[keys.DECODING]:
        mask = await asyncio.to_thread(segmenter.mask, picture, text)
    if mask is None:
        raise ApiError(422, "not_in_picture", f"{text!r} was not found in the picture", "text")
    buffer = io.BytesIO()
    mask.save(buffer, format="PNG")
    return web.Response(body=buffer.getvalue(), content_type="image/png")


async def _picture(request: web.Request, params: SegmentParams) -> Image.Image:
    if (params.parent is None) == (params.image is None):
        raise invalid("parent", "send either parent (an image id of this service) or image, not both")
    if params.parent is not None:
        if not is_image_id(params.parent):
            raise invalid("parent", "an image id is 32 lowercase hexadecimal characters")
        path = request.app[keys.STORE].path_for(params.parent)
        if not path.is_file():
            raise not_found("parent", f"no image {params.parent} on this service")
        return await asyncio.to_thread(lambda: Image.open(path).convert("RGB"))
    data = await asyncio.to_thread(decode_base64_image, params.image, "image")
    limits = request.app[keys.CONFIG].limits
    return (await asyncio.to_thread(decode_upload, data, "image", limits)).image.convert("RGB")
