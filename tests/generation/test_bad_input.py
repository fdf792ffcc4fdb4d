"""Every class of bad input gets a 4xx JSON error naming the field, and the service keeps serving."""

import base64
import io
import json
import struct
import zlib

import aiohttp
import pytest
from aiohttp import FormData
from PIL import Image

from tests.generation.helpers import generate, png_bytes, upload_form

UNKNOWN_ID = "0123456789abcdef0123456789abcdef"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def png_claiming_size(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge canvas: what a decompression bomb looks like before decoding."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def huge_but_small_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000), 0).save(buffer, format="PNG")
    return buffer.getvalue()


GENERATE_CASES = [
    ("missing prompt", {}, 400, "prompt"),
    ("blank prompt", {"prompt": "   "}, 400, "prompt"),
    ("prompt not text", {"prompt": 42}, 400, "prompt"),
    ("prompt too long", {"prompt": "x" * 2001}, 400, "prompt"),
    ("negative prompt too long", {"prompt": "x", "negative_prompt": "y" * 2001}, 400, "negative_prompt"),
    ("width not a multiple of 8", {"prompt": "x", "width": 100}, 400, "width"),
    ("width too small", {"prompt": "x", "width": 32}, 400, "width"),
    ("height too large", {"prompt": "x", "height": 4096}, 400, "height"),
    ("height as text", {"prompt": "x", "height": "512"}, 400, "height"),
    ("no steps", {"prompt": "x", "steps": 0}, 400, "steps"),
    ("too many steps", {"prompt": "x", "steps": 101}, 400, "steps"),
    ("steps as a boolean", {"prompt": "x", "steps": True}, 400, "steps"),
    ("negative guidance", {"prompt": "x", "guidance": -1}, 400, "guidance"),
    ("guidance too high", {"prompt": "x", "guidance": 31}, 400, "guidance"),
    ("no images", {"prompt": "x", "count": 0}, 400, "count"),
    ("too many images", {"prompt": "x", "count": 5}, 400, "count"),
    ("negative seed", {"prompt": "x", "seed": -1}, 400, "seed"),
    ("seed too large", {"prompt": "x", "seed": 2**32}, 400, "seed"),
    ("seeds past the last one", {"prompt": "x", "seed": 2**32 - 1, "count": 2}, 400, "seed"),
    ("lone surrogate in prompt", {"prompt": "a fox \ud800"}, 400, "prompt"),
    ("control character in prompt", {"prompt": "a fox\x07"}, 400, "prompt"),
    ("control character in negative", {"prompt": "x", "negative_prompt": "\x1b[31m"}, 400, "negative_prompt"),
    ("unknown field", {"prompt": "x", "sampler": "euler"}, 400, "sampler"),
    ("wait not a boolean", {"prompt": "x", "wait": "no"}, 400, "wait"),
    ("body not an object", ["a fox"], 400, "body"),
]


@pytest.mark.parametrize(
    ("body", "status", "field"), [case[1:] for case in GENERATE_CASES], ids=[case[0] for case in GENERATE_CASES]
)
async def test_generate_refuses_bad_parameters(client, body, status, field):
    response = await client.post("/v1/generate", json=body)
    await assert_refused(client, response, status, field)


RAW_CASES = [
    ("malformed JSON", "/v1/generate", b'{"prompt": "a fox"', "application/json", 400, "body"),
    ("NaN guidance", "/v1/generate", b'{"prompt": "a fox", "guidance": NaN}', "application/json", 400, "guidance"),
    ("not JSON at all", "/v1/generate", b"\xff\xfe\x00", "application/json", 400, "body"),
    (
        "integer too long",
        "/v1/generate",
        b'{"prompt": "x", "width": ' + b"9" * 5000 + b"}",
        "application/json",
        400,
        "body",
    ),
    ("nested too deeply", "/v1/generate", b"[" * 100_000, "application/json", 400, "body"),
    ("multipart without boundary", "/v1/edit", b"--x\r\n", "multipart/form-data", 400, "body"),
    (
        "truncated multipart",
        "/v1/edit",
        b'--b\r\nContent-Disposition: form-data; name="params"\r\n\r\n{}',
        "multipart/form-data; boundary=b",
        400,
        "body",
    ),
    ("plain text body", "/v1/generate", b"prompt=a fox", "text/plain", 415, "body"),
    ("form body", "/v1/edit", b"prompt=a+fox", "application/x-www-form-urlencoded", 415, "body"),
    ("body too large", "/v1/generate", b'{"prompt": "' + b"x" * 20_000_000 + b'"}', "application/json", 413, "body"),
]


@pytest.mark.parametrize(
    ("path", "data", "content_type", "status", "field"),
    [case[1:] for case in RAW_CASES],
    ids=[case[0] for case in RAW_CASES],
)
async def test_malformed_bodies_are_refused(client, path, data, content_type, status, field):
    response = await client.post(path, data=data, headers={"Content-Type": content_type})
    await assert_refused(client, response, status, field)


EDIT_CASES = [
    ("neither parent nor upload", {"prompt": "x"}, 400, "parent"),
    ("path traversal as parent", {"prompt": "x", "parent": "../../../etc/passwd"}, 400, "parent"),
    ("encoded traversal as parent", {"prompt": "x", "parent": "..%2F..%2Fservice.db"}, 400, "parent"),
    ("short parent id", {"prompt": "x", "parent": "abc"}, 400, "parent"),
    ("upper-case parent id", {"prompt": "x", "parent": UNKNOWN_ID.upper()}, 400, "parent"),
    ("parent not text", {"prompt": "x", "parent": 12}, 400, "parent"),
    ("unknown parent", {"prompt": "x", "parent": UNKNOWN_ID}, 404, "parent"),
    ("zero strength", {"prompt": "x", "parent": UNKNOWN_ID, "strength": 0}, 400, "strength"),
    ("strength above 1", {"prompt": "x", "parent": UNKNOWN_ID, "strength": 1.5}, 400, "strength"),
    ("edit without prompt", {"parent": UNKNOWN_ID}, 400, "prompt"),
    ("scale as text", {"prompt": "x", "parent": UNKNOWN_ID, "scale": "2x"}, 400, "scale"),
]


@pytest.mark.parametrize(
    ("body", "status", "field"), [case[1:] for case in EDIT_CASES], ids=[case[0] for case in EDIT_CASES]
)
async def test_edit_refuses_bad_parameters(client, body, status, field):
    response = await client.post("/v1/edit", json=body)
    await assert_refused(client, response, status, field)


def mask_png(color: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", (64, 64), color).save(buffer, format="PNG")
    return buffer.getvalue()


MASK_CASES = [
    ("mask not base64", "not base64!", 400),
    ("mask not an image", b64(b"just some text"), 415),
    ("mask entirely black", b64(mask_png(0)), 400),
]


@pytest.mark.parametrize(("mask", "status"), [case[1:] for case in MASK_CASES], ids=[case[0] for case in MASK_CASES])
async def test_edit_refuses_bad_masks(client, mask, status):
    parent = (await generate(client))["images"][0]["id"]
    response = await client.post("/v1/edit", json={"prompt": "x", "parent": parent, "mask": mask})
    await assert_refused(client, response, status, "mask")


def gif_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buffer, format="GIF")
    return buffer.getvalue()


UPLOAD_CASES = [
    ("wrong declared type", png_bytes(), "text/plain", 415),
    ("undecodable bytes", b"GIF89a-not-really", "image/png", 415),
    ("broken png", b"\x89PNG\r\n\x1a\nnot really", "image/png", 400),
    ("truncated png", png_bytes()[:60], "image/png", 400),
    ("gif", gif_bytes(), "image/gif", 415),
    ("gif declared as png", gif_bytes(), "image/png", 415),
    ("empty file", b"", "image/png", 400),
    ("too many pixels", huge_but_small_png(), "image/png", 413),
    ("decompression bomb header", png_claiming_size(60_000, 60_000), "image/png", 413),
    ("too small to edit", png_bytes((1, 1)), "image/png", 400),
    ("too thin to edit", png_bytes((2000, 40)), "image/png", 400),
]


@pytest.mark.parametrize(
    ("data", "content_type", "status"), [case[1:] for case in UPLOAD_CASES], ids=[case[0] for case in UPLOAD_CASES]
)
async def test_edit_refuses_bad_uploads(start_service, data, content_type, status):
    async with start_service(limits={"max_upload_pixels": 40_000_000}) as client:
        form = upload_form({"prompt": "x"}, image=(data, content_type))
        response = await client.post("/v1/edit", data=form)
        await assert_refused(client, response, status, "image")


async def test_oversized_upload_is_refused_before_decoding(start_service):
    async with start_service(limits={"max_upload_bytes": 4096}) as client:
        form = upload_form({"prompt": "x"}, image=(b"\0" * 10_000, "image/png"))
        response = await client.post("/v1/edit", data=form)
        await assert_refused(client, response, 413, "image")


MULTIPART_CASES = [
    ("unknown part", [("extra", b"x", "text/plain")], 400, "extra"),
    ("malformed params", [("params", b"{not json", "application/json")], 400, "params"),
    ("params not an object", [("params", b"[1]", "application/json")], 400, "params"),
    (
        "parent and upload together",
        [
            ("params", json.dumps({"prompt": "x", "parent": UNKNOWN_ID}).encode(), "application/json"),
            ("image", png_bytes(), "image/png"),
        ],
        400,
        "parent",
    ),
    (
        "mask twice",
        [
            ("params", json.dumps({"prompt": "x", "mask": b64(mask_png(255))}).encode(), "application/json"),
            ("image", png_bytes(), "image/png"),
            ("mask", mask_png(255), "image/png"),
        ],
        400,
        "mask",
    ),
]


@pytest.mark.parametrize(
    ("parts", "status", "field"), [case[1:] for case in MULTIPART_CASES], ids=[case[0] for case in MULTIPART_CASES]
)
async def test_edit_refuses_malformed_multipart(client, parts, status, field):
    form = FormData()
    for name, data, content_type in parts:
        form.add_field(name, data, filename=f"{name}.bin", content_type=content_type)
    response = await client.post("/v1/edit", data=form)
    await assert_refused(client, response, status, field)


PATH_CASES = [
    ("/v1/images/ZZZ", 400, "id"),
    (f"/v1/images/{UNKNOWN_ID}", 404, "id"),
    (f"/v1/images/{UNKNOWN_ID}/provenance", 404, "id"),
    ("/v1/images/..%2F..%2Fservice.db", 400, "id"),
    ("/v1/nothing-here", 404, None),
]


@pytest.mark.parametrize(("path", "status", "field"), PATH_CASES)
async def test_bad_paths_are_refused(client, path, status, field):
    response = await client.get(path)
    await assert_refused(client, response, status, field)


async def test_wrong_method_is_refused(client):
    response = await client.get("/v1/generate")
    await assert_refused(client, response, 405, None)


async def assert_refused(client, response, status: int, field: str | None) -> None:
    body = await response.json()
    assert response.status == status, body
    assert set(body["error"]) == {"code", "field", "message"}
    assert body["error"]["field"] == field
    assert body["error"]["message"]
    # Refusals never take the service down.
    assert (await client.get("/healthz")).status == 200


async def test_bogus_content_encoding_is_refused(client):
    response = await client.post(
        "/v1/generate",
        data=b'{"prompt": "x"}',
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    body = await response.json()
    assert response.status == 400
    assert body["error"]["field"] == "body"
    # The server drops a connection whose body stream is corrupt; a new one is served as usual.
    async with aiohttp.ClientSession() as fresh, fresh.get(client.make_url("/healthz")) as health:
        assert health.status == 200


@pytest.mark.parametrize(("scale", "max_side"), [(3, 2048), (2, 96)])
async def test_scale_out_of_bounds_is_refused(start_service, scale, max_side):
    async with start_service(limits={"max_side": max_side}) as client:
        parent = (await generate(client))["images"][0]["id"]
        response = await client.post("/v1/edit", json={"prompt": "x", "parent": parent, "scale": scale})
        await assert_refused(client, response, 400, "scale")
