"""Calls and checks shared by the service tests."""

from __future__ import annotations

import io
import json

import c2pa
from aiohttp import FormData
from aiohttp.test_utils import TestClient
from PIL import Image

from generation.api.keys import STORE


def png_bytes(size=(64, 64), color=(200, 40, 40), fmt="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


async def generate(client: TestClient, **body) -> dict:
    response = await client.post("/v1/generate", json={"prompt": "a red fox in the snow", **body})
    assert response.status == 200, await response.text()
    return await response.json()


async def edit(client: TestClient, parent: str, **body) -> dict:
    response = await client.post("/v1/edit", json={"prompt": "the same fox at night", "parent": parent, **body})
    assert response.status == 200, await response.text()
    return await response.json()


async def image_bytes(client: TestClient, image_id: str) -> bytes:
    response = await client.get(f"/v1/images/{image_id}")
    assert response.status == 200
    assert response.content_type == "image/png"
    return await response.read()


def pixels(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as picture:
        return picture.convert("RGB").tobytes()


def dev_root(client: TestClient) -> str:
    return client.app[STORE].root.parent.joinpath("c2pa-dev", "root.pem").read_text()


def read_credential(data: bytes, trust_root: str | None, mime: str = "image/png") -> tuple[str, dict]:
    """Validation state and manifest store, read with c2pa's own Reader."""
    settings = {"trust": {"user_anchors": trust_root}} if trust_root else {}
    with (
        c2pa.Context.from_dict(settings) as context,
        c2pa.Reader(mime, io.BytesIO(data), context=context) as reader,
    ):
        return str(reader.get_validation_state()), json.loads(reader.json())


def actions_of(manifest: dict) -> list[dict]:
    assertion = next(a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions"))
    return assertion["data"]["actions"]


def upload_form(params: dict, **files: tuple[bytes, str]) -> FormData:
    """A multipart edit: JSON ``params`` plus file parts given as ``name=(data, content_type)``."""
    form = FormData()
    form.add_field("params", json.dumps(params), content_type="application/json")
    for name, (data, content_type) in files.items():
        form.add_field(name, data, filename=name, content_type=content_type)
    return form
