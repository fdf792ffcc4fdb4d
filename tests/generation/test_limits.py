"""Bounded jobs: a cost limit and a time limit, oversized uploads refused from their header, few-step edits."""

from __future__ import annotations

import asyncio
import struct
import zlib

import PIL.ImageFile

from tests.generation.helpers import edit, generate, png_bytes, upload_form


async def test_a_job_over_the_cost_limit_is_refused_naming_the_field(start_service):
    async with start_service(limits={"max_job_cost": 64 * 64 * 10}) as client:
        response = await client.post("/v1/generate", json={"prompt": "a boat", "steps": 11})
        assert response.status == 400
        error = (await response.json())["error"]
        assert error["field"] == "steps"
        assert "max_job_cost" in error["message"] and "40,960" in error["message"]
        response = await client.post("/v1/generate", json={"prompt": "a boat", "steps": 4, "count": 3})
        assert (await response.json())["error"]["field"] == "count"
        # An edit is charged the steps it runs: 20 steps at strength 0.5 run 10.
        parent = (await generate(client, steps=4))["images"][0]["id"]
        await edit(client, parent, steps=20, strength=0.5)


async def test_a_job_over_the_time_limit_is_stopped(start_service):
    async with start_service(limits={"max_job_seconds": 0.05}) as client:
        response = await client.post("/v1/generate", json={"prompt": "a boat", "steps": 100})
        assert response.status == 500
        message = (await response.json())["error"]["message"]
        assert "max_job_seconds" in message


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares a size its data doesn't hold: a decompression trap."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


async def test_a_strip_declaring_forty_million_pixels_is_refused_before_decoding(client, monkeypatch):
    loads = []
    original = PIL.ImageFile.ImageFile.load
    monkeypatch.setattr(PIL.ImageFile.ImageFile, "load", lambda self: loads.append(self.size) or original(self))
    form = upload_form({"prompt": "a boat"}, image=(png_header_only(1, 40_000_000), "image/png"))
    response = await client.post("/v1/edit", data=form)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["field"] == "image"
    assert "1x40000000" in error["message"]
    assert loads == []


async def test_a_mask_far_larger_than_its_image_is_refused_before_decoding(client, monkeypatch):
    parent = (await generate(client))["images"][0]["id"]
    loads = []
    monkeypatch.setattr(PIL.ImageFile.ImageFile, "load", lambda self: loads.append(self.size))
    form = upload_form({"prompt": "a boat", "parent": parent}, mask=(png_header_only(64, 100_000), "image/png"))
    response = await client.post("/v1/edit", data=form)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "mask"
    assert loads == []


async def test_a_few_step_edit_raises_its_steps_instead_of_running_none(client):
    parent = (await generate(client, steps=1, guidance=0.0))["images"][0]["id"]
    result = await edit(client, parent, steps=1, strength=0.5, guidance=0.0)
    assert len(result["images"]) == 1
    status = await (await client.get(f"/v1/jobs/{result['job']}")).json()
    assert status["step"] == status["total_steps"] == 1


async def test_internal_failures_never_show_a_server_path(client, monkeypatch):
    from generation.api.keys import BACKEND

    def broken(job, inputs):
        raise OSError(f"cannot open /srv/atelier/secret/{job.id}")

    monkeypatch.setattr(client.app[BACKEND], "start", broken)
    response = await client.post("/v1/generate", json={"prompt": "a boat"})
    assert response.status == 500
    assert "/srv" not in await response.text()


async def test_a_strength_too_small_for_any_step_within_the_limit_is_refused(client):
    parent = (await generate(client))["images"][0]["id"]
    for strength in (1e-3, 1e-300, 5e-324):
        response = await client.post("/v1/edit", json={"prompt": "x", "parent": parent, "strength": strength})
        assert response.status == 400
        assert (await response.json())["error"]["field"] == "strength"


async def test_a_burst_of_requests_never_overfills_the_queue(start_service):
    async with start_service(service={"max_queue": 2}) as client:
        responses = await asyncio.gather(
            *(client.post("/v1/generate", json={"prompt": "a boat", "wait": False}) for _ in range(12))
        )
        accepted = [response for response in responses if response.status == 202]
        refused = [response for response in responses if response.status == 503]
        assert len(accepted) + len(refused) == 12
        # Two wait, and the worker may already have taken some of them off the queue.
        assert 2 <= len(accepted) < 12


def with_broken_exif(png: bytes) -> bytes:
    data = b"II*\x1f\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    chunk = struct.pack(">I", len(data)) + b"eXIf" + data + struct.pack(">I", zlib.crc32(b"eXIf" + data))
    return png[:33] + chunk + png[33:]


async def test_an_upload_with_a_broken_exif_block_is_edited_as_it_is(client):
    form = upload_form({"prompt": "as a watercolour"}, image=(with_broken_exif(png_bytes()), "image/png"))
    response = await client.post("/v1/edit", data=form)
    assert response.status == 200, await response.text()
